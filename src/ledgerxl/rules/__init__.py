"""data -> findings: pure functions over plain data, never raising, never stopping at the first problem."""
