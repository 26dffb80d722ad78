"""`ledgerxl batch`: the scheduled job over a shared inbox (see job.py for what one run does)."""

from ledgerxl.config import DB_NAME
from ledgerxl.jobs.batch.job import batch_paths, run_batch
from ledgerxl.jobs.batch.model import (
    ARCHIVE_NAME,
    LOG_NAME,
    PROCESSED_DIR,
    RECORD_NAME,
    STAGES,
    BatchOptions,
    BatchPaths,
    BatchResult,
    NewFile,
    OutputFile,
)

__all__ = [
    "ARCHIVE_NAME",
    "DB_NAME",
    "LOG_NAME",
    "PROCESSED_DIR",
    "RECORD_NAME",
    "STAGES",
    "BatchOptions",
    "BatchPaths",
    "BatchResult",
    "NewFile",
    "OutputFile",
    "batch_paths",
    "run_batch",
]
