"""The once-a-year tools: check a master list, import one from a published ledger, list its targets."""
