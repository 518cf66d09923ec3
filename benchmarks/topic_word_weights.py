"""How a topic's atoms are weighted in its word distribution: prior x selectivity ** gamma.

    python benchmarks/topic_word_weights.py [--corpora 20ng,bundled] [--seeds 0,1,2]
                                            [--k 20,50,100] [--powers 0,2,4,6,8]

For each corpus and seed: one SAETopicModel fit (defaults), re-merged to every K; on each
partition the topic words are the average of the topic's atom word rows weighted by
``atom_prior_ * atom_selectivity_ ** gamma`` (gamma = 0: the prior alone, as before), scored
by NPMI (on the corpus itself) and TD@25. Prints one line per (corpus, K, gamma) with the
mean over seeds and the per-seed NPMI. The bundled corpus is scored at K = 15 / 30.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np
from foundation_vs_corpus import add_corpus_arguments, load, seed_fits

from bertopic_saetm.evaluation import coherence, topic_diversity
from bertopic_saetm.merge.topic_words import merge_topic_word, topic_word_weights


def scores(model, power: float, reference) -> tuple[float, float]:
    weights = topic_word_weights(model.atom_prior_, model.atom_selectivity_, power)
    words = merge_topic_word(model.atom_word_, weights, model.atom_to_topic_, model.n_topics_)
    topics = [[str(model.vocabulary_[j]) for j in np.argsort(-row, kind="stable")[:25]]
              for row in words]
    return float(np.nanmean(coherence(topics, reference))), topic_diversity(topics, 25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--powers", default="0,2,4,6,8")
    args = parser.parse_args()
    powers = [float(p) for p in args.powers.split(",")]
    for name in args.corpora.split(","):
        docs, _, embeddings = load(name, args.data)
        results = defaultdict(list)
        for _, ks, model, reference in seed_fits(name, docs, embeddings, args, "20,50,100"):
            for k in ks:
                model.set_n_topics(k)
                for power in powers:
                    results[k, power].append(scores(model, power, reference))
        for (k, power), values in results.items():
            npmi, td = np.mean(values, axis=0)
            per_seed = " / ".join(f"{v[0]:.3f}" for v in values)
            print(f"{name} K={k} gamma={power:g}: NPMI {npmi:.3f} TD {td:.2f} "
                  f"(seeds: {per_seed})", flush=True)


if __name__ == "__main__":
    main()
