"""Performance harness for ledgerxl: synthetic inputs, stage timings, a naive baseline, an I/O floor.

Run from the repository root:  python -m benchmarks   (see `python -m benchmarks --help`).
"""
