"""Other ways to partition the atoms into K topics, against the package's merge, on the same fits.

    python benchmarks/merge_partitions.py [--corpora 20ng,bundled] [--seeds 0,1,2]
                                          [--k 20,50,100,200] [--only default,umap,...]

For each corpus and seed: one SAETopicModel fit (defaults), then for every K the atoms are
partitioned several ways, each scored through the model's own topic words and main-topic
rule (NPMI on the corpus itself, TD@25, purity against the labels, largest topic) with the
seconds the partition took:

- ``default``: the package's merge (``merging.cluster_atoms``: k-means of the atom
  centroids weighted by ``merging.merge_weights``, 3 k-means++ starts);
- ``starts30``: the same k-means with 30 starts (lower inertia);
- ``umap``: the atom centroids embedded by UMAP (5-d, 15 neighbours, cosine), then the same
  weighted k-means, as BERTopic + k-means does for documents;
- ``spectral``: a spectral embedding (20-d) of the atoms' 10-nearest-neighbour graph, then
  the same weighted k-means;
- ``doc-seeded``: the same weighted k-means of the atoms started from the centres of a
  k-means of all the documents' embeddings (needs the embeddings at every re-topic);
- ``doc-seeded-4096``: started from a k-means of 4,096 sampled documents (all of them on
  a smaller corpus, such as the bundled one);
- ``doc-seeded-reconstructions``: started from a k-means of the documents' SAE
  reconstructions from their content atoms (``theta W_dec + b_dec``, background atoms left
  out) instead of their embeddings: what the documents look like through the dictionary;
- ``random-init``: the same weighted k-means started from atoms drawn at random (3 starts)
  instead of k-means++, which seeds far, isolated atoms first;
- ``unit-offsets``: weighted k-means of the atoms' unit offsets from the decoder bias
  (direction only, so long centroids of focused atoms are no longer far from the rest);
- ``unit-seeded``: the default k-means started from the centres of ``unit-offsets``.

Prints one line per (corpus, K, partition) with the mean over seeds and per-seed purity,
and the partition's weighted k-means inertia in the atom-centroid space (the objective the
default merge minimises), per seed.
The bundled corpus is scored at K = 15 / 30.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np
import scipy.sparse as sp
from foundation_vs_corpus import add_corpus_arguments, load, seed_fits
from sklearn.cluster import KMeans
from sklearn.manifold import SpectralEmbedding

from bertopic_saetm.evaluation import coherence, purity, topic_diversity, topic_shares
from bertopic_saetm.merge.partition import assignment_matrix, cluster_atoms
from bertopic_saetm.merge.weights import merge_weights


def weighted_kmeans(X, weights, k: int, seed: int, init="k-means++", n_init: int = 3):
    return KMeans(k, init=init, n_init=n_init, random_state=seed).fit_predict(
        X, sample_weight=weights)


def umap_points(X, seed: int):
    import umap  # BERTopic's dependency; only this variant needs it

    return umap.UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                     random_state=seed).fit_transform(X)


def spectral_points(X, seed: int):
    centred = X - X.mean(axis=0)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)
    return SpectralEmbedding(n_components=20, affinity="nearest_neighbors", n_neighbors=10,
                             random_state=seed).fit_transform(centred)


def document_centres(embeddings, k: int, seed: int, sample: int | None):
    X = np.asarray(embeddings, dtype=np.float64)
    if sample is not None and sample < len(X):
        X = X[np.sort(np.random.default_rng(seed).choice(len(X), sample, replace=False))]
    return KMeans(k, n_init=1, random_state=seed).fit(X).cluster_centers_


def reconstructions(model, theta) -> np.ndarray:
    """SAE reconstructions of the documents from their content atoms, (n_documents, d)."""
    content = sp.diags((~model.background_atoms_).astype(np.float64))
    decoder = model.sae_.W_dec.detach().double().numpy()
    return (np.asarray((sp.csr_matrix(theta) @ content) @ decoder)
            + model.sae_.b_dec.detach().double().numpy())


def unit_offsets(model, X) -> np.ndarray:
    offsets = X - model.sae_.b_dec.detach().double().numpy()
    return offsets / np.linalg.norm(offsets, axis=1, keepdims=True)


def centres_of(X, w, labels) -> np.ndarray:
    return np.stack([np.average(X[labels == c], axis=0, weights=w[labels == c])
                     for c in np.unique(labels)])


def atom_weights(model) -> np.ndarray:
    """The default merge's k-means weights (0 for atoms in no topic)."""
    prior = np.where(model.background_atoms_, 0.0, model.atom_prior_)
    return merge_weights(model.atom_main_documents_, prior)


def partitions(model, weights, embeddings, theta, k: int, seed: int, only: set[str]):
    """Yield (name, atom_to_topic, seconds) for every variant in ``only``."""
    valid = weights > 0
    X, w = model.atom_topic_vectors_[valid], weights[valid]

    def unit_seeded():
        directions = weighted_kmeans(unit_offsets(model, X), w, k, seed)
        return weighted_kmeans(X, w, k, seed, init=centres_of(X, w, directions), n_init=1)

    variants = {
        "default": lambda: cluster_atoms(model.atom_topic_vectors_, weights, k, seed)[valid],
        "starts30": lambda: weighted_kmeans(X, w, k, seed, n_init=30),
        "umap": lambda: weighted_kmeans(umap_points(X, seed), w, k, seed),
        "spectral": lambda: weighted_kmeans(spectral_points(X, seed), w, k, seed),
        "doc-seeded": lambda: weighted_kmeans(
            X, w, k, seed, init=document_centres(embeddings, k, seed, None), n_init=1),
        "doc-seeded-4096": lambda: weighted_kmeans(
            X, w, k, seed, init=document_centres(embeddings, k, seed, 4096), n_init=1),
        "doc-seeded-reconstructions": lambda: weighted_kmeans(
            X, w, k, seed, init=document_centres(reconstructions(model, theta), k, seed, None),
            n_init=1),
        "random-init": lambda: weighted_kmeans(X, w, k, seed, init="random"),
        "unit-offsets": lambda: weighted_kmeans(unit_offsets(model, X), w, k, seed),
        "unit-seeded": unit_seeded,
    }
    for name, run in variants.items():
        if name not in only:
            continue
        tick = time.perf_counter()
        labels = run()
        seconds = time.perf_counter() - tick
        atom_to_topic = np.full(weights.shape[0], -1, dtype=np.int64)
        # Topic ids 0..n-1 over the topics that kept atoms.
        atom_to_topic[valid] = np.unique(labels, return_inverse=True)[1]
        yield name, atom_to_topic, seconds


def inertia(model, weights, atom_to_topic) -> float:
    """Weighted within-topic sum of squares of the atom centroids (the merge's objective)."""
    A = assignment_matrix(atom_to_topic, int(atom_to_topic.max()) + 1)
    X, w = model.atom_topic_vectors_, np.where(atom_to_topic >= 0, weights, 0.0)
    centres = (A.T @ (w[:, None] * X)) / (A.T @ w)[:, None]
    return float((w @ ((X - A @ centres) ** 2)).sum())


def scores(model, weights, atom_to_topic, theta, labels, reference) -> tuple:
    model.set_partition(atom_to_topic)
    topics = [[w for w, _ in words] for words in model.get_topics(25)]
    main = model.main_topics_of(theta)
    return (float(np.nanmean(coherence(topics, reference))), topic_diversity(topics, 25),
            purity(main, labels), topic_shares(main)["largest"], int(atom_to_topic.max()) + 1,
            inertia(model, weights, atom_to_topic))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--only", default="default,starts30,umap,spectral,doc-seeded,"
                                          "doc-seeded-4096,doc-seeded-reconstructions,"
                                          "random-init,unit-offsets,unit-seeded")
    args = parser.parse_args()
    only = set(args.only.split(","))
    for name in args.corpora.split(","):
        docs, labels, embeddings = load(name, args.data)
        results, seconds = defaultdict(list), defaultdict(list)
        for seed, ks, model, reference in seed_fits(name, docs, embeddings, args):
            theta = model.transform_atoms(embeddings=embeddings)
            weights = atom_weights(model)
            for k in ks:
                for variant, atom_to_topic, took in partitions(model, weights, embeddings,
                                                               theta, k, seed, only):
                    results[k, variant].append(
                        scores(model, weights, atom_to_topic, theta, labels, reference))
                    seconds[k, variant].append(took)
        for (k, variant), values in results.items():
            npmi, td, pure, largest, n_topics, _ = np.mean(values, axis=0)
            per_seed = " / ".join(f"{v[2]:.3f}" for v in values)
            inertias = " / ".join(f"{v[5]:.1f}" for v in values)
            print(f"{name} K={k} {variant}: NPMI {npmi:.3f} TD {td:.3f} purity {pure:.3f} "
                  f"largest {largest:.3f} topics {n_topics:.0f} "
                  f"seconds {np.mean(seconds[k, variant]):.2f} (purity per seed: {per_seed}; "
                  f"inertia per seed: {inertias})",
                  flush=True)


if __name__ == "__main__":
    main()
