"""Topic words and atom partitions the package does not use, against its defaults, on one fit.

    python benchmarks/topic_word_variants.py [--corpora 20ng,bundled] [--seed 0]
                                             [--k 20,50,100,200]

For each corpus: one SAETopicModel fit (defaults), then for every K, on the default partition,
the topic words read four ways and scored by NPMI / TD@25: weighted atom rows (the package's
``topic_word_``, weights from ``merging.topic_word_weights``), a topic-level EM (the emission
refitted with the merged mixtures, the background atoms as one extra group; its time is
printed), words ranked by lift over the background (``p log(p / P0)``) and c-TF-IDF of the
main-topic documents (BERTopic's topic words on SAE-TM's assignments). Then two other
partitions of the atoms, scored by NPMI, TD@25, purity and largest topic: each atom to the
k-means cluster of documents (normalised embeddings) holding most of its mass, and that
partition refined by the package's weighted k-means of the atoms started from it. The bundled
corpus is scored at K = 15 / 30.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.sparse as sp
from foundation_vs_corpus import add_corpus_arguments, corpus_ks, load
from sklearn.cluster import KMeans
from sklearn.preprocessing import normalize

from bertopic_saetm import SAETopicModel
from bertopic_saetm.emission.em import fit_word_emission
from bertopic_saetm.evaluation import (
    ReferenceCorpus,
    coherence,
    purity,
    topic_diversity,
    topic_shares,
)
from bertopic_saetm.merge.partition import assignment_matrix
from bertopic_saetm.merge.topic_words import mixture_word_distribution, topic_word_weights


def top_words(matrix: np.ndarray, vocabulary: np.ndarray, n: int = 25) -> list[list[str]]:
    return [[str(vocabulary[j]) for j in np.argsort(-row, kind="stable")[:n]] for row in matrix]


def word_scores(topics, reference) -> str:
    npmi = np.nanmean(coherence(topics, reference))
    return f"NPMI {npmi:.3f} TD {topic_diversity(topics, 25):.2f}"


def word_variants(model, theta, counts, reference) -> dict:
    """Topic words of the model's current partition, read four ways."""
    vocabulary, K = np.asarray(model.vocabulary_), model.n_topics_
    topic_word, background = model.topic_word_, model.background_
    groups = np.where(model.atom_to_topic_ >= 0, model.atom_to_topic_, K)
    tick = time.perf_counter()
    refit = fit_word_emission(sp.csr_matrix(theta @ assignment_matrix(groups, K + 1)), counts,
                              max_iter=60).atom_word[:K]
    seconds = time.perf_counter() - tick
    with np.errstate(divide="ignore", invalid="ignore"):  # words the background never emits
        lift = np.nan_to_num(topic_word * np.log(np.maximum(topic_word, 1e-300) / background))
    main = model.main_topics_of(theta)
    per_topic = np.asarray((assignment_matrix(main.clip(0), K).T @ counts).todense())
    tf = per_topic / np.maximum(per_topic.sum(axis=1, keepdims=True), 1)
    ctfidf = tf * np.log(1 + per_topic.sum() / K / np.maximum(per_topic.sum(axis=0), 1))
    return {"atom rows": word_scores(top_words(topic_word, vocabulary), reference),
            f"topic EM ({seconds:.1f} s)": word_scores(top_words(refit, vocabulary), reference),
            "lift": word_scores(top_words(lift, vocabulary), reference),
            "c-TF-IDF of main-topic docs": word_scores(top_words(ctfidf, vocabulary), reference)}


def partition_scores(model, theta, atom_to_topic, labels, reference) -> str:
    n_topics = int(atom_to_topic.max()) + 1
    atom_weights = topic_word_weights(model.atom_prior_, model.atom_selectivity_)
    weights = np.stack([np.where(atom_to_topic == t, atom_weights, 0.0)
                        for t in range(n_topics)])
    words = mixture_word_distribution(model.atom_word_, sp.csr_matrix(weights))
    main = model.main_topics_of(theta, atom_to_topic)
    return (f"{n_topics} topics, {word_scores(top_words(words, model.vocabulary_), reference)}, "
            f"purity {purity(main, labels):.3f}, largest {topic_shares(main)['largest']:.3f}")


def document_cluster_partition(model, theta, embeddings, k: int, seed: int) -> np.ndarray:
    """Each atom to the k-means cluster of documents holding most of its mixture mass."""
    clusters = KMeans(k, n_init=1, random_state=seed).fit_predict(
        normalize(np.asarray(embeddings, dtype=np.float64)))
    mass = np.asarray((theta.T @ sp.csr_matrix(
        (np.ones(clusters.size), (np.arange(clusters.size), clusters)))).todense())
    partition = np.where(model.atom_to_topic_ >= 0, mass.argmax(axis=1), -1)
    content = partition >= 0
    partition[content] = np.unique(partition[content], return_inverse=True)[1]
    return partition


def refined(model, partition: np.ndarray, seed: int) -> np.ndarray:
    """Weighted k-means of the atoms' topic vectors, started from ``partition``."""
    content = partition >= 0
    vectors, prior = model.atom_topic_vectors_[content], model.atom_prior_[content]
    groups = partition[content]
    centres = np.stack([np.average(vectors[groups == t], axis=0, weights=prior[groups == t])
                        for t in range(groups.max() + 1)])
    out = np.full_like(partition, -1)
    out[content] = KMeans(len(centres), init=centres, n_init=1, random_state=seed).fit_predict(
        vectors, sample_weight=prior)
    out[content] = np.unique(out[content], return_inverse=True)[1]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for name in args.corpora.split(","):
        docs, labels, embeddings = load(name, args.data)
        ks = corpus_ks(name, args.k)
        model = SAETopicModel(n_topics=ks[0], random_state=args.seed).fit(docs, embeddings)
        reference = ReferenceCorpus.for_model(model, docs)
        counts = model.vectorizer_.transform(docs)
        theta = model.transform_atoms(embeddings=embeddings)
        for k in ks:
            model.set_n_topics(k)
            for variant, text in word_variants(model, theta, counts, reference).items():
                print(f"{name} K={k} words, {variant}: {text}", flush=True)
            tick = time.perf_counter()
            clustered = document_cluster_partition(model, theta, embeddings, k, args.seed)
            seconds = time.perf_counter() - tick
            for variant, partition in (("default", model.atom_to_topic_),
                                       (f"document clusters ({seconds:.1f} s)", clustered),
                                       ("document clusters + atom k-means",
                                        refined(model, clustered, args.seed))):
                print(f"{name} K={k} partition, {variant}: "
                      f"{partition_scores(model, theta, partition, labels, reference)}",
                      flush=True)


if __name__ == "__main__":
    main()
