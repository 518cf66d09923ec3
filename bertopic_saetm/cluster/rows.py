"""Dask inputs as the fit reads them: the client, rows aligned with the documents, and
minibatches read out of a Dask array."""

from __future__ import annotations

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


class DaskRows:
    """Rows of a 2-D Dask array as SAE training reads them, one request at a time.

    Slices and sorted row indices return ndarrays (float32); :meth:`read_rows` returns
    rows in the order asked, as minibatches are taken from an in-memory array, so that
    training from it gives the in-memory fit. Nothing is kept between requests.

    Each request is a small graph (a few rows of a few chunks); sending it to a cluster's
    scheduler costs more than reading it, so rows are read on the driver with Dask's
    synchronous scheduler: the array must be readable from the driver (memory-mapped
    ``.npy`` shards, files on storage the driver sees, or an in-memory array). An array
    whose chunks only the workers hold (``persist``) is read through the cluster
    (``scheduler=None``).

    Parameters
    ----------
    array : dask.array.Array of shape (n_rows, n_features)
    scheduler : str or None, default="sync"
        Dask scheduler of every read.
    """

    def __init__(self, array, scheduler: str | None = "sync"):
        self.array, self.scheduler = array, scheduler
        self.shape = tuple(int(n) for n in array.shape)
        self.ndim = 2
        self.dtype = np.dtype(np.float32)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key) -> np.ndarray:
        return np.asarray(self.array[key].compute(scheduler=self.scheduler), dtype=np.float32)

    def read_rows(self, indices: np.ndarray) -> np.ndarray:
        """Rows ``indices`` in that order, ndarray of shape (len(indices), n_features)."""
        indices = np.asarray(indices)
        order = np.argsort(indices, kind="stable")
        rows = np.empty((indices.size, self.shape[1]), dtype=np.float32)
        rows[order] = self[indices[order]]
        return rows
