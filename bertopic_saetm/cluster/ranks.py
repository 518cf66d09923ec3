"""SAE training on Dask workers, one torch.distributed rank each.

``SAETrainingConfig(n_workers=n)`` in a cluster fit: ``n`` tasks, pinned to ``n`` distinct
workers, join a gloo process group that rendezvouses at the first worker's host, and
each trains with :class:`~bertopic_saetm.sae.data_parallel.DataParallel`, reading its share
of every batch out of the embeddings' chunks where the worker runs (shards on storage the
workers see). All ranks end with the same weights; the first rank's come back to the
driver. Dask places the tasks; torch averages the gradients.
"""

from __future__ import annotations

import socket

import cloudpickle

from ..sae import SAETrainingConfig, train_sae
from ..sae.data_parallel import DataParallel
from .rows import DaskRows


def _free_port() -> int:
    """A TCP port free on this host (run on the first rank's worker)."""
    with socket.socket() as probe:
        probe.bind(("", 0))
        return int(probe.getsockname()[1])


def _train_rank(rank: int, world_size: int, address: str, embeddings: bytes,
                config: SAETrainingConfig, random_state, verbose: bool):
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=address, rank=rank, world_size=world_size)
    try:
        rows = DaskRows(cloudpickle.loads(embeddings))
        sae, report = train_sae(rows, config, random_state, verbose and rank == 0,
                                parallel=DataParallel())
    finally:
        dist.destroy_process_group()
    return sae if rank == 0 else None, report


def train_on_workers(client, embeddings, config: SAETrainingConfig, random_state,
                     verbose: bool = False):
    """Train an SAE on ``config.n_workers`` Dask workers together.

    Parameters
    ----------
    client : distributed.Client
    embeddings : dask.array.Array of shape (n_documents, n_features)
        Chunks the workers can compute (memory-mapped shards on shared storage).
    config : SAETrainingConfig
        ``n_workers`` >= 1.
    random_state : int or None

    Returns
    -------
    sae : SparseAutoencoder
    report : SAETrainingReport
        The first rank's.

    Raises
    ------
    ValueError
        When the cluster has fewer workers than ``config.n_workers``.
    """
    workers = sorted(client.scheduler_info()["workers"])
    n = int(config.n_workers)
    if len(workers) < n:
        raise ValueError(f"SAETrainingConfig(n_workers={n}) but the cluster has "
                         f"{len(workers)} workers.")
    workers = workers[:n]
    host = workers[0].split("://")[-1].rsplit(":", 1)[0]
    port = client.submit(_free_port, workers=[workers[0]], pure=False).result()
    payload = cloudpickle.dumps(embeddings)  # a graph, not its values: each rank reads rows
    futures = [client.submit(_train_rank, rank, n, f"tcp://{host}:{port}", payload, config,
                             random_state, verbose, workers=[worker], pure=False)
               for rank, worker in enumerate(workers)]
    return client.gather(futures)[0]  # rank 0's SAE and report

