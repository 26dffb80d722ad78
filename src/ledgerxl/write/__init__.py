"""data -> bytes -> disk: one module per output, deterministic zips, two-phase atomic publish."""
