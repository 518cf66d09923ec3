"""Fit and transform of SAE-TM on a Dask LocalCluster, on a synthetic corpus written to disk.

    python benchmarks/cluster_fit.py [--sizes 10000,100000] [--workers 2]
        [--memory-limit 4GB] [--sae-workers 0] [--work /tmp/saetm_cluster]
        [-o benchmarks/results/cluster_fit.json]

Data (generated once per size, not timed): a Continuous Topic Model (50 topic directions in
384-d, as ``scale_fit.py``) for the embeddings, written as ``.npy`` shards of 50,000 rows
read through memory maps, and texts of 60 words a document drawn from per-topic word
distributions over 5,000 made-up words, one text file per shard (one document a line).
The fit reads the texts as a ``dask.bag`` (a partition per file) and the embeddings as a
``dask.array`` (a chunk per shard), on a ``LocalCluster`` of ``--workers`` processes with one
thread and ``--memory-limit`` each. Each size runs in a fresh process. Printed: fit time
per stage, the peak resident memory of every worker (sampled every 0.5 s) and of the
driver (``ru_maxrss``, imports included), and
the throughput of ``transform`` streamed over the corpus (each block's topic mixture summed
on its worker, so no result is gathered) with the workers' peak memory during it.
``--sae-workers N`` trains the SAE on N workers, one torch.distributed rank each
(``SAETrainingConfig(n_workers=N)``), instead of on the driver.

Sizes: 10M documents take 19 GB of disk under ``--work`` (generated in about 8 minutes) and
about 40 minutes to fit and transform on a 2-core machine (``docs/scaling.md``).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from common import RESULTS, Result

N_TOPICS, DIM, VOCAB, WORDS_PER_DOC, SHARD = 50, 384, 5000, 60, 50_000


def word(i: int) -> str:
    """The i-th made-up word: "q" and three letters, no stop word, kept by the default
    vectorizer."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "q" + letters[i // 676 % 26] + letters[i // 26 % 26] + letters[i % 26]


def generate(n: int, folder: Path, seed: int = 0) -> None:
    """Write ``emb-XXXXX.npy`` (float32) and ``docs-XXXXX.txt`` shards of ``SHARD`` rows."""
    rng = np.random.default_rng(seed)
    directions = rng.standard_normal((N_TOPICS, DIM))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    topic_words = rng.dirichlet(np.full(VOCAB, 0.02), size=N_TOPICS)
    words = np.asarray([word(i) for i in range(VOCAB)])
    folder.mkdir(parents=True, exist_ok=True)
    for shard, start in enumerate(range(0, n, SHARD)):
        m = min(SHARD, n - start)
        proportions = rng.dirichlet(np.full(N_TOPICS, 0.05), size=m)
        draws = rng.multinomial(200, proportions)
        embeddings = (0.05 * draws @ directions + 0.01 * rng.standard_normal((m, DIM)))
        np.save(folder / f"emb-{shard:05d}.npy", embeddings.astype(np.float32))
        # Each word's topic by inverse CDF of the document's proportions, then its word.
        cdf = np.cumsum(proportions, axis=1)
        topics = (rng.random((m, WORDS_PER_DOC))[:, :, None] > cdf[:, None, :]).sum(axis=2)
        topics = np.minimum(topics, N_TOPICS - 1)
        picks = np.empty(topics.shape, dtype=np.int64)
        for topic in range(N_TOPICS):
            where = topics == topic
            picks[where] = rng.choice(VOCAB, size=int(where.sum()), p=topic_words[topic])
        with open(folder / f"docs-{shard:05d}.txt", "w") as out:
            out.writelines(" ".join(row) + "\n" for row in words[picks])


class WorkerPeaks:
    """Peak resident memory of every worker of a client, sampled in a thread."""

    def __init__(self, client, every: float = 0.5):
        self.client, self.every, self.peaks = client, every, {}
        self._stop = threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        import psutil

        while not self._stop.is_set():
            for worker, rss in self.client.run(lambda: psutil.Process().memory_info().rss
                                               ).items():
                self.peaks[worker] = max(self.peaks.get(worker, 0), rss)
            self._stop.wait(self.every)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def megabytes(self) -> list[int]:
        return sorted(round(v / 2**20) for v in self.peaks.values())


def corpus(folder: Path, n_shards: int | None = None):
    """The generated corpus in ``folder`` (its first ``n_shards`` shards): a Dask bag of the
    texts (a partition per file) and a Dask array of the embeddings (a chunk per shard, each
    loaded where it runs: the graph holds paths, not data)."""
    import dask
    import dask.array as da
    import dask.bag as db

    paths = sorted(folder.glob("emb-*.npy"))[:n_shards]
    chunks = [da.from_delayed(dask.delayed(np.load)(str(path), mmap_mode="r"),
                              shape=np.load(path, mmap_mode="r").shape, dtype=np.float32)
              for path in paths]
    texts = sorted(str(p) for p in folder.glob("docs-*.txt"))[:n_shards]
    return db.read_text(texts, blocksize=None).map(str.strip), da.concatenate(chunks)


def fit_one(folder: Path, workers: int, memory_limit: str, sae_workers: int = 0) -> dict:
    from distributed import Client, LocalCluster

    from bertopic_saetm import SAETopicModel
    from bertopic_saetm.sae import SAETrainingConfig

    documents, embeddings = corpus(folder)
    with LocalCluster(n_workers=workers, threads_per_worker=1, memory_limit=memory_limit,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        with WorkerPeaks(client) as fit_peaks:
            tick = time.perf_counter()
            model = SAETopicModel(n_topics=50, random_state=0, sae_config=SAETrainingConfig(
                n_workers=sae_workers)).fit(documents, embeddings)
            fit_seconds = time.perf_counter() - tick
        with WorkerPeaks(client) as transform_peaks:
            tick = time.perf_counter()
            model.transform(embeddings=embeddings).sum(axis=0).compute()
            transform_seconds = time.perf_counter() - tick
    n = int(embeddings.shape[0])
    return {"documents": n, "workers": workers, "memory_limit": memory_limit,
            "sae_workers": sae_workers,
            "fit_s": round(fit_seconds, 1),
            "stages": {k: round(v, 1) for k, v in model.fit_seconds_.items()},
            "n_topics": int(model.n_topics_), "sae_steps": model.sae_report_["steps"],
            "worker_peak_mb": fit_peaks.megabytes(),
            "driver_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "transform_s": round(transform_seconds, 1),
            "transform_docs_per_s": round(n / transform_seconds),
            "transform_worker_peak_mb": transform_peaks.megabytes()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--sae-workers", type=int, default=0,
                        help="train the SAE on this many workers (0: on the driver)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/saetm_cluster"))
    parser.add_argument("-o", "--out", type=Path, default=RESULTS / "cluster_fit.json")
    parser.add_argument("--fit-one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fit_one:
        print(json.dumps(fit_one(args.fit_one, args.workers, args.memory_limit,
                                 args.sae_workers)))
        return
    result = Result(args.out, "cluster_fit", "synthetic",
                    {"sizes": args.sizes.split(","), "workers": args.workers,
                     "memory_limit": args.memory_limit, "sae_workers": args.sae_workers})
    for n in (int(s) for s in args.sizes.split(",")):
        folder = args.work / str(n)
        if not any(folder.glob("docs-*.txt")):
            tick = time.perf_counter()
            generate(n, folder)
            print(f"generated {n} documents in {time.perf_counter() - tick:.0f}s", flush=True)
        # A fresh process per size, so that the driver's peak memory is this fit's own.
        run = subprocess.run([sys.executable, __file__, "--fit-one", str(folder), "--workers",
                              str(args.workers), "--memory-limit", args.memory_limit,
                              "--sae-workers", str(args.sae_workers)],
                             capture_output=True, text=True, check=True)
        row = json.loads(run.stdout.strip().splitlines()[-1])
        print(row, flush=True)
        result.add(row)


if __name__ == "__main__":
    main()
