"""SAE-TM on a Dask cluster: the fit's sums over documents run where the documents live.

Pass a ``dask.bag.Bag`` of texts and a ``dask.array.Array`` of their embeddings to
``SAETopicModel.fit`` (with a ``dask.distributed.Client`` running), and Dask arrays to
``transform`` / ``predict``; see :mod:`bertopic_saetm.cluster.fit` for what runs where.
"""

from .rows import DaskRows, is_dask_collection

__all__ = ["DaskRows", "is_dask_collection"]
