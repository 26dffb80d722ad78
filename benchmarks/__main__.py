"""python -m benchmarks: see benchmarks/run.py."""

import sys
from pathlib import Path

# Benchmark this checkout's ledgerxl, not whatever copy is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from benchmarks.run import main  # noqa: E402

sys.exit(main())
