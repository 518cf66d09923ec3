"""Sufficient statistics of the word emission's E-step, computed chunk by chunk.

With ``B`` and ``P0`` fixed, the E-step statistics are sums over documents:

    S_wk = sum_d theta_dk r_dw,   s0_w = sum_d r_dw,   L = sum_d sum_w n_dw log q_dw

with ``r_dw = n_dw / q_dw`` for IDF-weighted counts ``n_dw = c_dw idf_w``. So the corpus can
be cut into row chunks whose statistics are added up - in this process, or on a Dask cluster
where the chunks stay on the workers and only ``B``, ``P0`` and the (atoms x words) sums
travel. Every EM iteration (and SQUAREM's extrapolation) only needs this map-reduce.

A chunk holds the raw counts ``c`` (one byte each when they are small integers, as counts
of words are) and the kernel weights them as it reads them: the products are the ones a
weighted copy would hold, bit for bit, in 3 bytes an entry instead of 12 (5 in a chunk of
more than 65,536 documents, whose ids need 4 bytes), which is what bounds the workers of a
cluster fit.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import scipy.sparse as sp

from .row_threads import run_on_rows

#: Rows of an E-step chunk when none is asked for: its document ids fit in two bytes, and
#: a corpus of any size is held in 3 bytes a count.
CHUNK_ROWS = 2**16
#: Rows per block of the other sums over a corpus held in this process (the EM start, the
#: word profiles): their float64 transients stay under a gigabyte whatever the corpus'
#: size, and a corpus of at most this many rows is summed in one block, as before.
SUM_BLOCK_ROWS = 2**20


def row_blocks(*matrices, size: int | None = None):
    """The rows of ``matrices`` (CSR, all of n_rows rows) in consecutive blocks of at most
    ``size`` rows (default :data:`SUM_BLOCK_ROWS`): tuples of one block of each, the
    matrices themselves (no copy) when one block holds them all."""
    size = SUM_BLOCK_ROWS if size is None else size
    n_rows = matrices[0].shape[0]
    if n_rows <= size:
        yield matrices
        return
    for start in range(0, n_rows, size):
        yield tuple(matrix[start : start + size] for matrix in matrices)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _e_step_words(start, stop, t_ptr, t_idx, t_val, w_ptr, w_doc, w_count, weights, BT, P0,
                  pi, S, s0, ll):  # pragma: no cover
    # Fused E-step for words start:stop: for each document d containing word w compute q_dw
    # from d's active atoms, then accumulate the sufficient statistics of w. Going
    # word-major (counts in CSC form) keeps B's and S's row of w in cache while the
    # documents' short theta rows stream past, and each thread owns whole rows of S, so
    # there are no private accumulators to add up: 3-4x faster than document-major on 20
    # Newsgroups.
    for w in range(start, stop):
        b = BT[w]
        row = S[w]
        floor = pi * P0[w]
        weight = weights[w]
        ll_w = 0.0  # scalars: the compiler keeps them in registers (S, s0, ll may alias)
        s0_w = 0.0
        for j in range(w_ptr[w], w_ptr[w + 1]):
            d = w_doc[j]
            t0, t1 = t_ptr[d], t_ptr[d + 1]
            mix = 0.0
            for t in range(t0, t1):
                mix += t_val[t] * b[t_idx[t]]
            q = (1.0 - pi) * mix + floor
            n = w_count[j] * weight  # the weighted count, as a weighted copy would hold it
            r = n / q
            ll_w += n * math.log(q)
            s0_w += r
            for t in range(t0, t1):
                row[t_idx[t]] += t_val[t] * r
        ll[w] = ll_w
        s0[w] = s0_w


def _e_step(t_ptr, t_idx, t_val, w_ptr, w_doc, w_count, weights, BT, P0, pi):
    """(S, s0, log-likelihood) of one chunk, its words spread over threads."""
    n_words, n_atoms = BT.shape
    S = np.zeros((n_words, n_atoms))
    s0 = np.zeros(n_words)
    ll = np.zeros(n_words)
    run_on_rows(_e_step_words, n_words, t_ptr, t_idx, t_val, w_ptr, w_doc, w_count, weights,
                BT, P0, pi, S, s0, ll, cost=w_ptr)
    return S, s0, ll.sum()


def e_step_counts(theta: sp.csr_matrix, counts: sp.csr_matrix, weights: np.ndarray,
                  background_weight: float) -> sp.csr_matrix:
    """The counts the likelihood is over, and the E-step reads: those with a non-zero
    weighted count.

    Words of weight 0 are left out (with ``B`` and ``P0`` zero there, ``0 log 0`` would be
    undefined), and, when ``pi`` is 0, the documents without atoms (their likelihood would
    be undefined; they are explained by the background alone).

    Parameters
    ----------
    theta : scipy.sparse.csr_matrix of shape (n_documents, n_atoms)
    counts : scipy.sparse.csr_matrix of shape (n_documents, n_words)
    weights : ndarray of shape (n_words,)
    background_weight : float

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_documents, n_words)
        The kept counts, in :func:`compact`'s type.
    """
    counts = sp.csr_matrix(counts)
    values = compact(counts.data)  # before selecting: no float64 copy of the corpus
    kept = (counts.data != 0) & (np.asarray(weights)[counts.indices] != 0)
    if background_weight == 0:
        no_atoms = np.diff(theta.indptr) == 0
        kept &= ~np.repeat(no_atoms, np.diff(counts.indptr))
    indptr = np.concatenate([[0], np.cumsum(kept)])[counts.indptr].astype(counts.indptr.dtype)
    return sp.csr_matrix((values[kept], counts.indices[kept], indptr),
                         shape=counts.shape)


def compact(values: np.ndarray) -> np.ndarray:
    """``values`` in the smallest of uint8, float32, float64 that holds them exactly (counts
    of words are small integers: one byte each)."""
    values = np.asarray(values)  # compared in its own type: no float64 copy of uint8 counts
    for dtype in (np.uint8, np.float32):
        small = values.astype(dtype, copy=False)
        if np.array_equal(small, values):
            return small
    return values.astype(np.float64, copy=False)


def split_rows(theta: sp.csr_matrix, counts: sp.csr_matrix, chunk_size: int | None
               ) -> list[tuple[np.ndarray, ...]]:
    """Cut the corpus into chunks of rows for the kernel.

    Each chunk is six arrays: the chunk's ``theta`` in CSR form (pointers, atoms, weights)
    and its counts (:func:`e_step_counts`) in CSC form (pointers per word, chunk-local
    document ids, as uint16 when the chunk has at most 65,536 rows, and counts as
    :func:`compact` stores them). A document of 55 words and 10 atoms then takes about
    0.3 kB. ``chunk_size`` None: :data:`CHUNK_ROWS` rows a chunk.
    """
    n = theta.shape[0]
    size = CHUNK_ROWS if chunk_size is None else int(chunk_size)
    if size < 1:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}.")
    chunks = []
    for start in range(0, n, size):
        t = theta[start : start + size]
        w = sp.csc_matrix(counts[start : start + size])
        w.sort_indices()
        documents = w.indices.astype(np.uint16) if t.shape[0] <= 2**16 else w.indices
        chunks.append((t.indptr, t.indices, t.data, w.indptr, documents, compact(w.data)))
    return chunks


def chunk_statistics(chunk, weights: np.ndarray, BT: np.ndarray, P0: np.ndarray, pi: float):
    """E-step statistics of one chunk: (S of shape (n_words, n_atoms), s0, log-likelihood)."""
    return _e_step(*chunk, weights, BT, P0, pi)


def add_statistics(a, b):
    """Sum of two chunks' statistics."""
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


class SerialStatistics:
    """E-step over chunks in this process (one chunk: the whole corpus)."""

    def __init__(self, chunks, weights):
        self.chunks, self.weights = chunks, np.asarray(weights, dtype=np.float64)

    def __call__(self, BT, P0, pi):
        total = None
        for chunk in self.chunks:
            stats = chunk_statistics(chunk, self.weights, BT, P0, pi)
            total = stats if total is None else add_statistics(total, stats)
        return total


def _pairwise(client, futures, combine):
    """A future of the pairwise ``combine`` of ``futures`` (a fixed tree: a fixed sum order)."""
    futures = list(futures)
    while len(futures) > 1:
        pairs = [client.submit(combine, futures[i], futures[i + 1], pure=False)
                 for i in range(0, len(futures) - 1, 2)]
        futures = pairs + ([futures[-1]] if len(futures) % 2 else [])
    return futures[0]


def map_reduce(client, combine, func, *columns, **kwargs):
    """``combine`` of ``func(*block, **kwargs)`` over the blocks, computed on the workers.

    The blocks go in waves of twice the cluster's threads: each wave is reduced pairwise,
    then added to the running total, and a wave is submitted only when the one before the
    last has finished. So the workers hold a few partial results at a time whatever the
    number of blocks (partial results of atoms x words are tens of MB each: one per block
    of a 10M-document corpus would not fit), and the order of the sums is fixed, so the
    total is the same at every run.

    Parameters
    ----------
    client : dask.distributed.Client
    combine : callable
        ``combine(a, b)``: the sum of two partial results.
    func : callable
    *columns : lists of futures (or values), one element per block
        As for ``client.map``: block ``i`` is ``func(columns[0][i], columns[1][i], ...)``.
    **kwargs
        Passed to every call of ``func`` (futures shared by the workers, or values).

    Returns
    -------
    The total, gathered.
    """
    from distributed import wait

    rows = list(zip(*columns, strict=True))
    if not rows:
        raise ValueError("map_reduce needs at least one block.")
    wave = max(2, 2 * sum(client.nthreads().values()))
    total, in_flight = None, []
    for start in range(0, len(rows), wave):
        parts = [client.submit(func, *row, pure=False, **kwargs)
                 for row in rows[start : start + wave]]
        part = _pairwise(client, parts, combine)
        total = part if total is None else client.submit(combine, total, part, pure=False)
        in_flight.append(total)
        if len(in_flight) > 1:
            wait(in_flight.pop(0))
    return total.result()


class DaskStatistics:
    """E-step over chunks held by the workers of a Dask cluster, reduced there
    (:func:`map_reduce`).

    ``chunks`` are scattered to the workers once, or are futures already there (a cluster
    fit builds each block's chunk where the block lives); ``weights`` (n_words,) weigh
    their counts.
    """

    def __init__(self, client, chunks, weights):
        self.client = client
        self.chunks = chunks if _are_futures(chunks) else client.scatter(chunks)
        self.weights = client.scatter(np.asarray(weights, dtype=np.float64), broadcast=True,
                                      hash=False)

    def __call__(self, BT, P0, pi):
        client = self.client
        params = client.scatter([BT, P0], broadcast=True, hash=False)
        return map_reduce(client, add_statistics, chunk_statistics, self.chunks,
                          weights=self.weights, BT=params[0], P0=params[1], pi=pi)


def _are_futures(chunks) -> bool:
    from distributed import Future

    return bool(chunks) and all(isinstance(chunk, Future) for chunk in chunks)


def make_statistics(theta, counts, weights=None, chunk_size=None, client=None):
    """The E-step statistics function ``(B.T, P0, pi) -> (S, s0, L)`` for a corpus.

    Parameters
    ----------
    theta : scipy.sparse.csr_matrix of shape (n_documents, n_atoms)
    counts : scipy.sparse.csr_matrix of shape (n_documents, n_words)
        As the E-step reads them (:func:`e_step_counts`).
    weights : ndarray of shape (n_words,), optional
        Weight of each word's counts (the IDF); ones if omitted.
    chunk_size : int, optional
        Rows of a chunk (default :data:`CHUNK_ROWS`).
    client : dask.distributed.Client, optional
    """
    weights = np.ones(counts.shape[1]) if weights is None else weights
    chunks = split_rows(theta, counts, chunk_size)
    if client is not None:
        return DaskStatistics(client, chunks, weights)
    return SerialStatistics(chunks, weights)
