"""bytes -> data: the only code that opens inputs.

The byte scan, cell grids, cell facts, one submission form, the master list and last period's ledger."""
