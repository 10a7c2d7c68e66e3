"""Shared helpers for the benchmark scripts: timing, peak memory, a table printer."""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable


def measure(fn: Callable[[], object], repeat: int = 3,
            memory: bool = True) -> tuple[float, float, object]:
    """(best seconds of *repeat* runs, peak MiB allocated during one run, last result).

    Peak memory is what Python, numpy and Arrow allocated during the run
    (tracemalloc sees numpy's buffers; Arrow's pool is read separately), not
    the process's total.  ``memory=False`` skips that extra traced run (it
    slows pure-Python baselines several times) and reports NaN.
    """
    best = float("inf")
    result = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    if not memory:
        return best, float("nan"), result
    gc.collect()
    arrow_before = _arrow_peak()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, (peak + max(0, _arrow_peak() - arrow_before)) / 2**20, result


def _arrow_peak() -> int:
    try:
        import pyarrow as pa
    except ImportError:
        return 0
    return pa.default_memory_pool().max_memory()


def table(rows: list[tuple], headers: tuple[str, ...]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)
