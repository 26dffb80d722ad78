"""ledgerxl: check, merge and publish a government's pledged-work ledger (台账)."""

__version__ = "0.1.0"
