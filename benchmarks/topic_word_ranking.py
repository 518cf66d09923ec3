"""Topic words listed by probability or by LDAvis relevance, on the same fitted topics.

    python benchmarks/topic_word_ranking.py [--corpora 20ng,bundled] [--seeds 0,1,2]
                                            [--k 20,50,100,200] [--weights 1.0,0.9]

For each corpus and seed: one SAETopicModel fit (defaults), re-topicked to every K; for
every ``lambda`` of ``--weights`` the topics' top 25 words by
``word_ranking.top_word_indices`` (1.0: by probability, the order before relevance) are
scored: NPMI (top 10, on the corpus itself) and TD@25. The partition, the distributions and
the main topics are the same for every weight. Prints one line per (corpus, K, weight) with
the mean over seeds and the per-seed NPMI. The bundled corpus is scored at K = 15 / 30.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np
from foundation_vs_corpus import add_corpus_arguments, load, seed_fits

from bertopic_saetm.evaluation import coherence, topic_diversity
from bertopic_saetm.merge.ranking import top_word_indices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--weights", default="1.0,0.9")
    args = parser.parse_args()
    weights = [float(w) for w in args.weights.split(",")]
    for name in args.corpora.split(","):
        docs, _, embeddings = load(name, args.data)
        results = defaultdict(list)
        for _, ks, model, reference in seed_fits(name, docs, embeddings, args):
            for k in ks:
                model.set_n_topics(k)
                for weight in weights:
                    order = top_word_indices(model.topic_word_, model.word_marginal(), 25,
                                             weight)
                    topics = [[str(model.vocabulary_[j]) for j in row] for row in order]
                    results[k, weight].append(
                        (float(np.nanmean(coherence(topics, reference))),
                         topic_diversity(topics, 25)))
        for (k, weight), values in results.items():
            npmi, td = np.mean(values, axis=0)
            per_seed = " / ".join(f"{v[0]:.3f}" for v in values)
            print(f"{name} K={k} lambda={weight}: NPMI {npmi:.3f} TD@25 {td:.3f} "
                  f"(per seed NPMI {per_seed})", flush=True)


if __name__ == "__main__":
    main()
