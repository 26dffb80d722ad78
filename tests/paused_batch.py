"""`python tests/paused_batch.py CONFIG STAGE MARKER`: a batch run, as `ledgerxl batch --config CONFIG`
runs it, that stops at STAGE (BatchOptions.on_stage): it writes MARKER and waits until the file is gone,
or it is killed. The crash tests run it in a real process and kill it there."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ledgerxl.config import load_config
from ledgerxl.jobs.batch import BatchOptions, run_batch


def main() -> int:
    config, stage, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])

    def pause(name: str) -> None:
        if name != stage:
            return
        import os

        marker.write_text(str(os.getpid()), encoding="utf-8")
        deadline = time.monotonic() + 300  # never hang forever if a test forgets us
        while marker.exists() and time.monotonic() < deadline:
            time.sleep(0.02)

    result = run_batch(BatchOptions(config=load_config(Path(config)), on_stage=pause))
    for line in result.summary():
        sys.stdout.buffer.write(f"{line}\n".encode())
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
