"""Serial numba kernels run on ranges of rows from a pool of threads.

numba's ``parallel=True`` compiles several times slower than the same loop compiled serial,
and that compilation is most of a cold first fit: once per installation for a user, once
per process of a fresh checkout's test run. So the kernels are compiled serial with
``nogil=True``, take the range of rows they own, and :func:`run_on_rows` spreads the ranges
over threads (``benchmarks/experiments/emission_kernels.py`` times the compilation and the threads).
Each range writes only its own rows of the outputs, so the results are the same, bit for
bit, whatever the number of threads.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

#: Ranges per thread: a thread that finishes early takes the next range, which evens out
#: rows of uneven cost.
RANGES_PER_THREAD = 4


def row_ranges(n_rows: int, n_ranges: int, cost: np.ndarray | None = None
               ) -> list[tuple[int, int]]:
    """Cut ``range(n_rows)`` into at most ``n_ranges`` consecutive ranges of similar cost.

    Parameters
    ----------
    n_rows : int
    n_ranges : int
    cost : ndarray of shape (n_rows + 1,), optional
        Cumulative cost before each row (a CSR/CSC ``indptr``); rows cost the same if omitted.

    Returns
    -------
    list of (start, stop)
        Non-empty, in order, covering every row once.
    """
    n_ranges = max(1, min(int(n_ranges), n_rows))
    if cost is None:
        cuts = np.linspace(0, n_rows, n_ranges + 1).round().astype(np.int64)
    else:
        cost = np.asarray(cost, dtype=np.float64)
        targets = np.linspace(cost[0], cost[-1], n_ranges + 1)[1:-1]
        cuts = np.concatenate([[0], np.searchsorted(cost, targets), [n_rows]])
    cuts = np.unique(np.clip(cuts, 0, n_rows))
    return [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


def run_on_rows(kernel, n_rows: int, *args, cost: np.ndarray | None = None) -> None:
    """Call ``kernel(start, stop, *args)`` on ranges covering ``n_rows`` rows, on threads.

    The kernel must release the GIL (``numba.njit(nogil=True)``) and write only rows
    ``start:stop`` of its outputs. Threads: ``numba.get_num_threads()`` (``NUMBA_NUM_THREADS``
    or ``numba.set_num_threads``, as for numba's own parallel loops).

    Parameters
    ----------
    kernel : callable
    n_rows : int
    *args
        Passed to every call after ``start, stop``.
    cost : ndarray of shape (n_rows + 1,), optional
        Cumulative cost of the rows (see :func:`row_ranges`).
    """
    n_threads = numba.get_num_threads()
    ranges = row_ranges(n_rows, n_threads * RANGES_PER_THREAD if n_threads > 1 else 1, cost)
    if len(ranges) <= 1 or n_threads <= 1:
        for start, stop in ranges:
            kernel(start, stop, *args)
        return
    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        # list() re-raises a kernel's exception here.
        list(pool.map(lambda bounds: kernel(*bounds, *args), ranges))
