"""How atoms are weighted in the k-means that merges them: by prior, or by the documents
they head.

    python benchmarks/merge_weights.py [--corpora 20ng,bundled] [--seeds 0,1,2]
                                       [--k 20,50,100,200]

For each corpus and seed: one SAETopicModel fit (defaults), then for every K two partitions
of the same atom vectors by the package's weighted k-means (``merging.cluster_atoms``, same
seed): weights = the atoms' content prior (the merge before), and
``merging.merge_weights`` (documents each atom is the strongest content atom of, plus its
prior share; the default). Each is scored through the model's own topic words and main-topic
rule: NPMI (on the corpus itself), TD@25, purity against the labels and the share of the
largest topic. Prints one line per (corpus, K, weighting) with the mean over seeds and the
per-seed NPMI / purity. The bundled corpus is scored at K = 15 / 30.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np
from foundation_vs_corpus import add_corpus_arguments, load, seed_fits

from bertopic_saetm.evaluation import (
    coherence,
    purity,
    topic_diversity,
    topic_shares,
)
from bertopic_saetm.merge.partition import cluster_atoms
from bertopic_saetm.merge.weights import merge_weights


def scores(model, weights, k: int, seed: int, theta, labels, reference) -> tuple:
    model.set_partition(cluster_atoms(model.atom_topic_vectors_, weights, k, seed))
    topics = [[w for w, _ in words] for words in model.get_topics(25)]
    main = model.main_topics_of(theta)
    return (float(np.nanmean(coherence(topics, reference))), topic_diversity(topics, 25),
            purity(main, labels), topic_shares(main)["largest"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    for name in args.corpora.split(","):
        docs, labels, embeddings = load(name, args.data)
        results = defaultdict(list)
        for seed, ks, model, reference in seed_fits(name, docs, embeddings, args):
            theta = model.transform_atoms(embeddings=embeddings)
            prior = np.where(model.background_atoms_, 0.0, model.atom_prior_)
            for k in ks:
                for variant, weights in (("prior", prior), ("documents headed", merge_weights(
                        model.atom_main_documents_, prior))):
                    results[k, variant].append(
                        scores(model, weights, k, seed, theta, labels, reference))
        for (k, variant), values in results.items():
            npmi, td, pure, largest = np.mean(values, axis=0)
            per_seed = " / ".join(f"{v[0]:.3f}, {v[2]:.3f}" for v in values)
            print(f"{name} K={k} weights={variant}: NPMI {npmi:.3f} TD {td:.3f} purity "
                  f"{pure:.3f} largest {largest:.3f} (seeds, NPMI, purity: {per_seed})",
                  flush=True)


if __name__ == "__main__":
    main()
