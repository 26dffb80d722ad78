"""The web intake (`ledgerxl serve`): a private upload page per department and a desk for the clerk, over
the same working folder, store and version rule as `ledgerxl batch` (jobs.intake does the work; this
package is HTTP only)."""
