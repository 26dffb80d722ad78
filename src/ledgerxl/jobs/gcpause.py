"""Python's cyclic garbage collector paused for the length of a merge or validation.

A merge allocates hundreds of thousands of objects that live until it ends (cells, entries, ledger rows,
xlsxwriter's cell records) and almost no reference cycles. The collector would walk them again and again
as they pile up: a 10,000-entry merge spends 10-20 % of its time there and frees nothing (peak memory
is the same with it paused). Reference counting still frees everything else as usual; the collector is
switched back on when the run ends, so a long-lived caller (the batch job, a notebook) is unaffected.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
