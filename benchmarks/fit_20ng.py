"""Fit SAE-TM on 20 Newsgroups (../shared/data, precomputed MiniLM embeddings) and print
fit time per stage, SAE quality, and the top words of a few topics.

    python benchmarks/fit_20ng.py [--n-topics 50] [--data ../shared/data] [--seed 0]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import time
from pathlib import Path

import numpy as np

from bertopic_saetm import SAETopicModel


def load_20ng(data: Path):
    with gzip.open(data / "20ng.jsonl.gz", "rt") as f:
        records = [json.loads(line) for line in f]
    embeddings = np.load(data / "20ng.minilm.f16.npy").astype(np.float32)
    return [r["text"] for r in records], [r["label"] for r in records], embeddings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument("--n-topics", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--word-vectors", default="auto")
    parser.add_argument("--retopic", type=int, nargs="*", default=[20, 100, 200])
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")

    docs, labels, embeddings = load_20ng(args.data)
    print(f"20 Newsgroups: {len(docs)} documents, embeddings {embeddings.shape}")
    model = SAETopicModel(n_topics=args.n_topics, random_state=args.seed,
                          word_vectors=args.word_vectors)
    model.fit(docs, embeddings)
    print("\nfit seconds per stage:")
    for stage, seconds in model.fit_seconds_.items():
        print(f"  {stage:14s} {seconds:7.2f}")
    report = model.sae_report_
    print(f"\nSAE: {model.atoms_.shape[0]} atoms, explained variance "
          f"{report['explained_variance']:.3f}, mean L0 {report['mean_l0']:.1f}, dead atoms "
          f"{report['dead_atoms']}, {report['steps']} steps "
          f"({'converged' if report['converged'] else 'step plan'}), "
          f"input scale {report['input_scale']:.2f}")
    print(f"word emission: {model.emission_n_iter_} EM iterations, weighted log-likelihood "
          f"{model.emission_log_likelihood_:.4f}; valid atoms {(model.atom_prior_ > 0).sum()}; "
          f"inactive documents {len(model.inactive_documents_)}")
    theta = model.transform(embeddings=embeddings)
    purity = _purity(theta.argmax(axis=1), labels)
    print(f"\n{model.n_topics_} topics, argmax purity vs newsgroups {purity:.3f}")
    for i, words in enumerate(model.get_topics(10)[:10]):
        print(f"  topic {i:2d} ({model.topic_prior_[i]:.3f}): " + " ".join(w for w, _ in words))
    for k in args.retopic:
        tick = time.perf_counter()
        model.set_n_topics(k)
        print(f"re-topic to {k}: {time.perf_counter() - tick:.2f}s")


def _purity(pred, labels) -> float:
    labels = np.asarray(labels)
    total = 0
    for topic in np.unique(pred):
        _, counts = np.unique(labels[pred == topic], return_counts=True)
        total += counts.max()
    return total / len(labels)


if __name__ == "__main__":
    main()
