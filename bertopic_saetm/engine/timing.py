"""Wall time of the fit's stages (``fit_seconds_``)."""

from __future__ import annotations

import time
from contextlib import contextmanager


@contextmanager
def stopwatch(seconds: dict, name: str):
    """Add the wall time of the ``with`` block to ``seconds[name]``."""
    tick = time.perf_counter()
    try:
        yield
    finally:
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - tick
