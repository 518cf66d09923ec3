"""Dask inputs as the fit reads them: the client, rows aligned with the documents, and
minibatches read out of a Dask array."""

from __future__ import annotations

import mmap

import numpy as np

_INSTALL = ("Fitting on a Dask cluster needs dask[distributed]: pip install torch==2.13.0 "
            "'bertopic-saetm[distributed]'.")


def is_dask_collection(value) -> bool:
    """Whether ``value`` is a Dask collection (bag, array, ...), without importing Dask."""
    return type(value).__module__.split(".")[0] == "dask" and hasattr(value, "__dask_graph__")


def default_client(client=None):
    """``client``, or the current ``dask.distributed`` client; raises if there is none."""
    try:
        from distributed import get_client
    except ImportError as exc:
        raise ImportError(_INSTALL) from exc
    if client is not None:
        return client
    try:
        return get_client()
    except ValueError as exc:
        raise ValueError("Dask inputs are fitted on a dask.distributed cluster: start a "
                         "Client (e.g. Client(LocalCluster(n_workers=2))) first.") from exc


def aligned_embeddings(embeddings, lengths):
    """``embeddings`` (a Dask array) with row chunks of the partitions' ``lengths``.

    Raises
    ------
    ValueError
        When the rows and the documents disagree in number, or the array is not 2-D.
    """
    if embeddings.ndim != 2:
        raise ValueError(f"embeddings must be 2-D (n_documents, dim), got {embeddings.shape}.")
    if embeddings.shape[0] != sum(lengths):
        raise ValueError(f"embeddings has {embeddings.shape[0]} rows but the documents are "
                         f"{sum(lengths)}.")
    wanted = (tuple(int(n) for n in lengths), (embeddings.shape[1],))
    return embeddings if embeddings.chunks == wanted else embeddings.rechunk(wanted)


def release_pages(array: np.ndarray) -> bool:
    """Drop the pages of the memory map behind ``array`` from this process.

    A read-only file mapping keeps every page it has read resident (and counted in the
    process's memory) until it is unmapped; ``MADV_DONTNEED`` gives them back, and a later
    read fetches them again from the file cache. Returns whether ``array`` is backed by a
    memory map (and the platform can release its pages). A copy-on-write map
    (``mmap_mode="c"``) is left alone: its pages may hold changes that exist nowhere else.
    """
    base = array
    while base is not None and not isinstance(base, mmap.mmap):
        if getattr(base, "mode", None) == "c" and isinstance(base, np.memmap):
            return False
        base = getattr(base, "base", None)
    if base is None or not hasattr(mmap, "MADV_DONTNEED"):
        return False
    base.madvise(mmap.MADV_DONTNEED)
    return True


class DaskRows:
    """Rows of a 2-D Dask array as SAE training reads them, one request at a time.

    Slices and row indices return ndarrays (float32); :meth:`read_rows` returns rows in
    the order asked, as minibatches are taken from an in-memory array, so that training
    from it gives the in-memory fit.

    Every request reads the rows it needs out of the chunks that hold them, and a chunk is
    computed (with ``scheduler``, on the driver) once when it costs no memory to keep: a
    memory map (``np.load(path, mmap_mode="r")`` per shard, the recommended input for large
    corpora) or a view of an array already in memory. Other chunks are computed for each
    request that needs them and dropped, so memory stays at one batch's chunks. The pages a
    request read out of a memory map are released from the process after the copy
    (``madvise(MADV_DONTNEED)``; they stay in the operating system's file cache), so that
    training epochs over shards do not leave the driver holding the whole file.

    Parameters
    ----------
    array : dask.array.Array of shape (n_rows, n_features)
    scheduler : str or None, default="sync"
        Dask scheduler of every chunk read: the chunks must be readable from the driver
        (shards on storage it sees, or an in-memory array); None uses the current one (for
        chunks only the workers hold).
    """

    def __init__(self, array, scheduler: str | None = "sync"):
        self.array = array.rechunk({1: -1})
        self.scheduler = scheduler
        self.shape = tuple(int(n) for n in array.shape)
        self.ndim = 2
        self.dtype = np.dtype(np.float32)
        self._blocks = self.array.to_delayed().ravel()
        self._starts = np.concatenate([[0], np.cumsum(self.array.chunks[0])])
        self._kept: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return self.shape[0]

    def _chunk(self, i: int) -> np.ndarray:
        if i in self._kept:
            return self._kept[i]
        block = self._blocks[i].compute(scheduler=self.scheduler)
        if isinstance(block, np.memmap) or getattr(block, "base", None) is not None:
            self._kept[i] = block  # a memory map or a view: keeping it costs nothing
        return block

    def __getitem__(self, key) -> np.ndarray:
        rows = np.arange(self.shape[0])[key]
        if rows.ndim == 0:
            rows = rows[None]
        out = np.empty((rows.size, self.shape[1]), dtype=np.float32)
        chunk_of = np.searchsorted(self._starts, rows, side="right") - 1
        for i in np.unique(chunk_of):
            where = chunk_of == i
            chunk = self._chunk(int(i))
            out[where] = chunk[rows[where] - self._starts[i]]
            release_pages(chunk)
        return out

    def read_rows(self, indices: np.ndarray) -> np.ndarray:
        """Rows ``indices`` in that order, ndarray of shape (len(indices), n_features)."""
        return self[np.asarray(indices)]
