"""Decision: the word emission fitted by EM, not Adam (docs/method.md, departures).

Word emission: our closed-form EM (SQUAREM) against the paper's Adam on softmax logits.

    python benchmarks/experiments/emission_em_vs_adam.py [--epochs 50] [--batch 1000]
        [--data ../shared/data]

Same mixtures theta (an SAE fitted on 20 Newsgroups' MiniLM embeddings), same bag-of-words,
same IDF-weighted objective, pi = 0.3. The paper optimises softmax logits of B and P0 with
Adam (lr 1e-2, 50-200 epochs over document mini-batches). Prints wall time and the final
objective (IDF-weighted log-likelihood per weighted count; higher is better) of each.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch

from bertopic_saetm import SAETopicModel
from bertopic_saetm.emission.em import fit_word_emission, idf_weights

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
PI = 0.3


def objective(theta, counts, weights, atom_word, background, chunk=2000) -> float:
    """IDF-weighted log-likelihood per unit of weighted count."""
    total, mass = 0.0, 0.0
    for start in range(0, theta.shape[0], chunk):
        t = theta[start : start + chunk]
        c = sp.csr_matrix(counts[start : start + chunk])
        rows = np.repeat(np.arange(c.shape[0]), np.diff(c.indptr))
        mixed = np.asarray(t @ atom_word)[rows, c.indices]
        q = (1 - PI) * mixed + PI * background[c.indices]
        w = c.data * weights[c.indices]
        total += float(w @ np.log(q))
        mass += float(w.sum())
    return total / mass


def adam_emission(theta, counts, weights, epochs, batch, seed=0):
    """The paper's optimiser: Adam (lr 1e-2) on softmax logits of B and P0."""
    torch.manual_seed(seed)
    n_atoms, n_words = theta.shape[1], counts.shape[1]
    logits_b = torch.zeros(n_atoms, n_words, requires_grad=True)
    logits_p0 = torch.zeros(n_words, requires_grad=True)
    optimiser = torch.optim.Adam([logits_b, logits_p0], lr=1e-2)
    w = torch.as_tensor(weights, dtype=torch.float32)
    rng = np.random.default_rng(seed)
    theta, counts = sp.csr_matrix(theta, dtype=np.float32), sp.csr_matrix(counts,
                                                                          dtype=np.float32)
    for _ in range(epochs):
        order = rng.permutation(theta.shape[0])  # a fresh shuffle of documents every epoch
        for start in range(0, theta.shape[0], batch):
            rows = np.sort(order[start : start + batch])
            t = theta[rows].tocoo()
            t_torch = torch.sparse_coo_tensor(np.vstack([t.row, t.col]), t.data, t.shape)
            c = counts[rows]
            doc = torch.as_tensor(np.repeat(np.arange(c.shape[0]), np.diff(c.indptr)))
            word = torch.as_tensor(c.indices.astype(np.int64))
            value = torch.as_tensor(c.data) * w[word]
            B = torch.softmax(logits_b, dim=1)
            P0 = torch.softmax(logits_p0, dim=0)
            mixed = torch.sparse.mm(t_torch, B)[doc, word]
            loss = -(value * torch.log((1 - PI) * mixed + PI * P0[word])).sum() / value.sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    with torch.no_grad():
        return (torch.softmax(logits_b, 1).double().numpy(),
                torch.softmax(logits_p0, 0).double().numpy())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    with gzip.open(args.data / "20ng.jsonl.gz", "rt") as f:
        docs = [json.loads(line)["text"] for line in f]
    X = np.load(args.data / "20ng.minilm.f16.npy").astype(np.float32)
    model = SAETopicModel(n_topics=20, random_state=0, word_vectors="decoder").fit(docs, X)
    theta = model.transform_atoms(embeddings=X)
    counts = model.vectorizer_.transform(docs).astype(np.float64)
    weights = idf_weights(counts)
    print(f"theta {theta.shape} (nnz {theta.nnz}), counts {counts.shape} (nnz {counts.nnz})")

    tick = time.perf_counter()
    em = fit_word_emission(theta, counts, PI)
    em_seconds = time.perf_counter() - tick
    em_objective = objective(theta, counts, weights, em.atom_word, em.background)
    print(f"EM (SQUAREM): {em_seconds:.1f}s, {em.n_iter} iterations, objective "
          f"{em_objective:.5f}")

    tick = time.perf_counter()
    atom_word, background = adam_emission(theta, counts, weights, args.epochs, args.batch)
    adam_seconds = time.perf_counter() - tick
    adam_objective = objective(theta, counts, weights, atom_word, background)
    print(f"Adam on softmax logits ({args.epochs} epochs, batch {args.batch}): "
          f"{adam_seconds:.1f}s, objective {adam_objective:.5f}")
    print(f"time ratio Adam / EM: {adam_seconds / em_seconds:.1f}; objective difference "
          f"EM - Adam: {em_objective - adam_objective:+.5f} nats per weighted count")


if __name__ == "__main__":
    main()
