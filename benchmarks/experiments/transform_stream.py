"""Decision: a Dask ``transform`` streams (docs/scaling.md, worker memory in transform).

Fits ``SAETopicModel(n_topics=50)`` on the first ``--fit-size`` documents of the synthetic
corpus of ``benchmarks/cluster_fit.py`` on a ``LocalCluster``, restarts the workers (so that
what the fit left in their processes is gone), then streams ``transform`` over the first
``--size`` documents (each block's mixtures summed on its worker, nothing gathered) while
sampling every worker's resident memory every 0.5 s. Prints the workers' peak memory over
each tenth of the stream: flat from the first tenth to the last means memory per worker
independent of the number of documents.

    python benchmarks/experiments/transform_stream.py [--fit-size 200000] [--size 10000000]
        [--workers 2] [--memory-limit 4GB] [--work /tmp/saetm_cluster]

The corpus folder is ``--work/<size>``, generated as ``cluster_fit.py`` generates it when
missing (15 GB of embeddings at 10M).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the harness
from cluster_fit import SHARD, corpus, generate  # noqa: E402


def main() -> None:
    from distributed import Client, LocalCluster

    from bertopic_saetm import SAETopicModel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit-size", type=int, default=200_000)
    parser.add_argument("--size", type=int, default=10_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--work", type=Path, default=Path("/tmp/saetm_cluster"))
    args = parser.parse_args()
    folder = args.work / str(args.size)
    if not any(folder.glob("docs-*.txt")):
        generate(args.size, folder)
    # Whole shards: --fit-size and --size are rounded up to multiples of 50,000.
    documents, embeddings = corpus(folder, -(-args.fit_size // SHARD))
    _, stream = corpus(folder, -(-args.size // SHARD))

    with LocalCluster(n_workers=args.workers, threads_per_worker=1,
                      memory_limit=args.memory_limit, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        tick = time.perf_counter()
        model = SAETopicModel(n_topics=50, random_state=0).fit(documents, embeddings)
        print(f"fitted {embeddings.shape[0]:,} documents in {time.perf_counter() - tick:.1f} s")
        client.restart()
        samples, stop = [], threading.Event()

        def sample():
            import psutil

            while not stop.is_set():
                rss = client.run(lambda: psutil.Process().memory_info().rss)
                samples.append((time.perf_counter(), max(rss.values()) / 2**20))
                stop.wait(0.5)

        thread = threading.Thread(target=sample, daemon=True)
        start = time.perf_counter()
        thread.start()
        model.transform(embeddings=stream).sum(axis=0).compute()
        end = time.perf_counter()
        stop.set()
        thread.join()
    n = int(stream.shape[0])
    print(f"transform of {n:,} documents: {end - start:.1f} s, {n / (end - start):,.0f} "
          "documents/s")
    times = np.array([t for t, _ in samples])
    peaks = np.array([m for _, m in samples])
    tenth = np.minimum(((times - start) / (end - start) * 10).astype(int), 9)
    print("largest worker's peak MB per tenth of the stream:",
          " / ".join(f"{peaks[tenth == i].max():,.0f}" if (tenth == i).any() else "-"
                     for i in range(10)))


if __name__ == "__main__":
    main()
