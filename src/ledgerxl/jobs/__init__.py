"""options -> stages -> result: the library calls behind each command (merge, validate, batch, forms, init, status)."""
