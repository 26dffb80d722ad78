"""ledgerxl: check, merge and publish a government's pledged-work ledger (台账).

The public API is what `__all__` names: the jobs behind `ledgerxl merge`, `validate` and `batch`, their
options and results, the config, findings and the exceptions. Each name is imported when first used
(PEP 562), so `import ledgerxl` (and `ledgerxl --help`) stays as light as the CLI needs.

    import ledgerxl
    cfg = ledgerxl.load_config("ledgerxl.toml")
    result = ledgerxl.run_merge(ledgerxl.MergeOptions(config=cfg))
    for f in result.findings: print(f.code, f.file, f.cell, f.message)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "run_merge": "ledgerxl.jobs.merge",
    "MergeOptions": "ledgerxl.jobs.merge",
    "MergeResult": "ledgerxl.jobs.merge",
    "run_validate": "ledgerxl.jobs.validate",
    "ValidateOptions": "ledgerxl.jobs.validate",
    "ValidateResult": "ledgerxl.jobs.validate",
    "run_batch": "ledgerxl.jobs.batch",
    "BatchOptions": "ledgerxl.jobs.batch",
    "BatchResult": "ledgerxl.jobs.batch",
    "load_config": "ledgerxl.config",
    "Config": "ledgerxl.config",
    "Finding": "ledgerxl.model",
    "errors": "ledgerxl.errors",
    "codes": "ledgerxl.codes",
}
__all__ = [
    "BatchOptions",
    "BatchResult",
    "Config",
    "Finding",
    "MergeOptions",
    "MergeResult",
    "ValidateOptions",
    "ValidateResult",
    "__version__",
    "codes",
    "errors",
    "load_config",
    "run_batch",
    "run_merge",
    "run_validate",
]

if TYPE_CHECKING:
    from ledgerxl import codes, errors
    from ledgerxl.config import Config, load_config
    from ledgerxl.jobs.batch import BatchOptions, BatchResult, run_batch
    from ledgerxl.jobs.merge import MergeOptions, MergeResult, run_merge
    from ledgerxl.jobs.validate import ValidateOptions, ValidateResult, run_validate
    from ledgerxl.model import Finding


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ledgerxl' has no attribute {name!r}")
    module = importlib.import_module(_EXPORTS[name])
    value = module if module.__name__ == f"ledgerxl.{name}" else getattr(module, name)
    globals()[name] = value  # once: later uses find it directly
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
