"""Fit time and peak memory of SAE-TM from 10k to 10M documents (synthetic, out of core).

    python benchmarks/scale_fit.py [--sizes 10000,100000,1000000,10000000]
        [--work /tmp/saetm_scale] [-o benchmarks/results/scale_fit.json]

Data: a Continuous Topic Model (50 topic directions in 384-d) for the embeddings, written in
chunks to a memory-mapped ``.npy``, and a bag-of-words drawn from per-topic word
distributions (60 words a document, 5,000-word vocabulary) as a sparse ``.npz`` of one-byte
counts (10M documents: 15 GB and 2.8 GB on disk). Each size is fitted in a fresh process that
reads the embeddings through the memory map, so its peak RSS (``ru_maxrss``, imports
included) is the fit's own. That peak counts the pages of the memory map the SAE has read
(page cache the kernel takes back under pressure), so the peak of the memory the process
allocated (``RssAnon``, sampled every 0.2 s) is printed beside it. Generation time is
excluded. Needs no
``--data`` (the corpus is generated); writes a stamped result file (``benchmarks/common.py``).
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
import scipy.sparse as sp
from common import RESULTS, Result

N_TOPICS, DIM, VOCAB, WORDS_PER_DOC, CHUNK = 50, 384, 5000, 60, 50_000


def generate(n: int, folder: Path, seed: int = 0) -> None:
    """Write emb.npy (n x 384 float32, memory-mapped) and counts.npz (n x 5000)."""
    rng = np.random.default_rng(seed)
    directions = rng.standard_normal((N_TOPICS, DIM))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    topic_words = rng.dirichlet(np.full(VOCAB, 0.02), size=N_TOPICS)
    folder.mkdir(parents=True, exist_ok=True)
    embeddings = np.lib.format.open_memmap(folder / "emb.npy", mode="w+", dtype=np.float32,
                                           shape=(n, DIM))
    blocks = []
    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        proportions = rng.dirichlet(np.full(N_TOPICS, 0.05), size=m)
        draws = rng.multinomial(200, proportions)
        embeddings[start : start + m] = (0.05 * draws @ directions
                                         + 0.01 * rng.standard_normal((m, DIM)))
        tokens = rng.multinomial(WORDS_PER_DOC, proportions)  # (m, topics) words per topic
        rows, cols = [], []
        for topic in range(N_TOPICS):
            per_doc = tokens[:, topic]
            total = int(per_doc.sum())
            rows.append(np.repeat(np.arange(m), per_doc))
            cols.append(rng.choice(VOCAB, size=total, p=topic_words[topic]))
        rows, cols = np.concatenate(rows), np.concatenate(cols)
        blocks.append(sp.csr_matrix((np.ones(rows.size, np.uint8), (rows, cols)),
                                    shape=(m, VOCAB)))  # repeated words summed
    embeddings.flush()
    sp.save_npz(folder / "counts.npz", sp.vstack(blocks, format="csr"), compressed=False)


class AllocatedPeak:
    """Peak of the process' anonymous resident memory (Linux ``RssAnon``), sampled."""

    def __init__(self, every: float = 0.2):
        self.peak_mb, self.every, self.done = 0, every, threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self.done.wait(self.every):
            with open("/proc/self/status") as status:
                kb = next(int(line.split()[1]) for line in status if line.startswith("RssAnon:"))
            self.peak_mb = max(self.peak_mb, kb // 1024)


def fit_one(folder: Path) -> dict:
    """Fit from the files (run in its own process); returns timings and peak RSS."""
    from sklearn.feature_extraction.text import CountVectorizer

    from bertopic_saetm import SAETopicModel

    allocated = AllocatedPeak()
    embeddings = np.load(folder / "emb.npy", mmap_mode="r")
    # As a vectorizer's matrix is (float64); the one-byte file is not kept beside it.
    counts = sp.load_npz(folder / "counts.npz").astype(np.float64)
    vectorizer = CountVectorizer(vocabulary=[f"w{i}" for i in range(VOCAB)]).fit([])
    tick = time.perf_counter()
    model = SAETopicModel(n_topics=50, vectorizer=vectorizer, word_vectors="decoder",
                          random_state=0).fit(None, embeddings, counts=counts)
    seconds = time.perf_counter() - tick
    tick = time.perf_counter()
    n_rows = sum(chunk.shape[0] for chunk in model.iter_transform(embeddings, 65_536))
    transform = time.perf_counter() - tick
    return {"documents": int(counts.shape[0]), "fit_s": round(seconds, 1),
            "stages": {k: round(v, 1) for k, v in model.fit_seconds_.items()},
            "transform_s": round(transform, 1), "transformed": n_rows,
            "sae_steps": model.sae_report_["steps"],
            "explained_variance": round(model.sae_report_["explained_variance"], 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "peak_allocated_mb": allocated.peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--work", type=Path, default=Path("/tmp/saetm_scale"))
    parser.add_argument("--fit-one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("-o", "--out", type=Path, default=RESULTS / "scale_fit.json")
    args = parser.parse_args()
    if args.fit_one:
        print(json.dumps(fit_one(args.fit_one)))
        return
    result = Result(args.out, "scale_fit", "synthetic", {"sizes": args.sizes.split(",")})
    for n in (int(s) for s in args.sizes.split(",")):
        folder = args.work / str(n)
        if not (folder / "counts.npz").is_file():
            tick = time.perf_counter()
            generate(n, folder)
            print(f"generated {n} documents in {time.perf_counter() - tick:.0f}s", flush=True)
        run = subprocess.run([sys.executable, __file__, "--fit-one", str(folder)],
                             capture_output=True, text=True, check=True)
        print(run.stdout.strip().splitlines()[-1], flush=True)
        result.add(json.loads(run.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
