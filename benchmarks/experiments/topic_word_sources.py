"""Decision: topic words from the atoms' word profiles (``topic_words="documents"``), not B.

Where a topic's words come from, on fits that differ in nothing else:

    python benchmarks/experiments/topic_word_sources.py [--corpus 20ng|bundled|simplewiki]
        [--seeds 0] [--k 20,50,100,200] [--data ../shared/data]
        [--sae-config '{"max_topics": 500}'] [--variants "lambda,log1p p2"]

One default SAE-TM fit per seed; its partitions at every K are kept, and only the atom word
rows, the selectivity power ``gamma`` and the relevance ``lambda`` vary. Rows: ``emission``
(B, gamma 8, lambda 0.9: the words before 0.3), the profiles
``R_kw ~ sum_d theta_dk^p f(c_dw)`` with ``f`` = log1p (default), raw counts or presence and
``p`` = 1, 2, 3, the profiles of IDF-weighted damped counts (``idf_w log1p(c_dw)``, or
``sqrt(idf_w)``), gamma / lambda around the default (16 / 0.6), and atoms weighted also by
how distinctive their profile is (``KL(R_k || mean profile) ** beta``, normalised by the
content atoms' median: the ``KL`` rows). Prints NPMI (top 10 words, gensim c_npmi, the
corpus as reference) / TD@25 / coverage (the share of documents with a main topic that hold
one of its top 10 words) per K, mean over seeds, and the damped words of the documents the
atoms head per topic (what the small-topic rule reads). ``--sae-config``: SAETrainingConfig
fields of the fits (JSON); ``--variants``: only the rows whose name contains one of these
comma-separated strings.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from corpora import add_corpus_arguments, corpus_ks, load_corpus  # noqa: E402

from bertopic_saetm import SAETopicModel  # noqa: E402
from bertopic_saetm.emission.profiles import word_profiles  # noqa: E402
from bertopic_saetm.evaluation import (  # noqa: E402
    ReferenceCorpus,
    coherence,
    topic_coverage,
    topic_diversity,
)
from bertopic_saetm.merge.ranking import top_word_indices, word_marginal  # noqa: E402
from bertopic_saetm.merge.topic_words import topics_of  # noqa: E402
from bertopic_saetm.merge.weights import atom_distinctiveness  # noqa: E402
from bertopic_saetm.sae import SAETrainingConfig  # noqa: E402

# name: (rows, mixture power, count transform, gamma, lambda[, distinctiveness power beta
# [, "capped"]])
VARIANTS = {
    "emission (B, 8, 0.9)": ("B", None, None, 8, 0.9),
    "profiles log1p p2 (16, 0.6)": ("R", 2, "log1p", 16, 0.6),
    "profiles log1p p1": ("R", 1, "log1p", 16, 0.6),
    "profiles log1p p3": ("R", 3, "log1p", 16, 0.6),
    "profiles counts p2": ("R", 2, "counts", 16, 0.6),
    "profiles presence p2": ("R", 2, "presence", 16, 0.6),
    "profiles, gamma 8": ("R", 2, "log1p", 8, 0.6),
    "profiles, lambda 0.5": ("R", 2, "log1p", 16, 0.5),
    "profiles, lambda 0.7": ("R", 2, "log1p", 16, 0.7),
    "profiles, lambda 0.8": ("R", 2, "log1p", 16, 0.8),
    "profiles, lambda 0.9": ("R", 2, "log1p", 16, 0.9),
    "profiles x idf": ("R", 2, "log1p idf", 16, 0.6),
    "profiles x sqrt idf": ("R", 2, "log1p sqrt idf", 16, 0.6),
    "profiles x idf, lambda 0.8": ("R", 2, "log1p idf", 16, 0.8),
    "profiles, KL^8": ("R", 2, "log1p", 16, 0.6, 8),
    "profiles, KL^16": ("R", 2, "log1p", 16, 0.6, 16),
    "profiles, KL^32": ("R", 2, "log1p", 16, 0.6, 32),
    # Only the generic half weighed down: min(1, KL / median)^beta, as the merge does.
    "profiles, generic^4": ("R", 2, "log1p", 16, 0.6, 4, "capped"),
    "profiles, generic^8": ("R", 2, "log1p", 16, 0.6, 8, "capped"),
}
TRANSFORMS = {"log1p": lambda c, idf: c.log1p(), "counts": lambda c, idf: c,
              "presence": lambda c, idf: (c > 0).astype(np.float64),
              # Damped counts weighted by the model's IDF (idf_, max 1), or its square root.
              "log1p idf": lambda c, idf: sp.csr_matrix(c.log1p().multiply(idf[None, :])),
              "log1p sqrt idf": lambda c, idf: sp.csr_matrix(
                  c.log1p().multiply(np.sqrt(idf)[None, :]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--sae-config", default="{}", type=json.loads,
                        help="SAETrainingConfig fields of the fits, JSON")
    parser.add_argument("--variants", help="comma-separated parts of the row names to run")
    args = parser.parse_args()
    variants = {name: v for name, v in VARIANTS.items() if args.variants is None
                or any(part in name for part in args.variants.split(","))}
    corpus = load_corpus(args.corpus, args.data, args.sample)
    ks = corpus_ks(args.corpus, args.k)
    scores = {name: {k: [] for k in ks} for name in variants}
    words_per_topic = {}  # of the first seed: what SAETopicModel.relevance_weight() reads
    for seed in (int(s) for s in args.seeds.split(",")):
        model = SAETopicModel(n_topics=ks[0], random_state=seed,
                              sae_config=SAETrainingConfig(**args.sae_config))
        model.fit(corpus.docs, corpus.embeddings)
        reference = ReferenceCorpus.for_model(model, corpus.docs)
        theta = sp.csr_matrix(model.transform_atoms(embeddings=corpus.embeddings))
        counts = sp.csr_matrix(model.vectorizer_.transform(corpus.docs), dtype=np.float64)
        content = ~model.background_atoms_ & (model.atom_prior_ > 0)
        words = float(np.sum(model.atom_main_documents_ * model.atom_document_words_))
        words_per_topic = words_per_topic or {k: words / k for k in ks}
        partitions = {k: model.set_n_topics(k).atom_to_topic_.copy() for k in ks
                      if k <= content.sum()}
        main_topics = {k: model.main_topics_of(theta, p) for k, p in partitions.items()}
        for name, (rows, power, transform, gamma, weight, *beta) in variants.items():
            atom_rows = model.atom_word_ if rows == "B" else word_profiles(
                (theta.power(power).T @ TRANSFORMS[transform](counts, model.idf_)).toarray())
            # prior x selectivity^gamma x distinctiveness^beta, through the selectivity.
            selectivity = model.atom_selectivity_
            if beta:
                distinct = atom_distinctiveness(atom_rows, model.atom_prior_ * content)
                if beta[1:] == ["capped"]:
                    distinct = np.minimum(distinct, 1.0)
                selectivity = selectivity * distinct ** (beta[0] / gamma)
            for k, partition in partitions.items():
                _, topic_word, prior = topics_of(atom_rows, model.atom_prior_, partition,
                                                 selectivity, gamma)
                order = top_word_indices(topic_word, word_marginal(topic_word, prior), 25,
                                         weight)
                words = [[str(model.vocabulary_[j]) for j in row] for row in order]
                scores[name][k].append((np.nanmean(coherence(words, reference)),
                                        topic_diversity(words, 25),
                                        topic_coverage(words, reference, main_topics[k])))
    print(f"{args.corpus}, {len(corpus.docs)} documents, seeds {args.seeds}: "
          "NPMI / TD@25 / coverage")
    print("damped words per topic (first seed): " + ", ".join(
        f"K = {k}: {w:,.0f}" for k, w in words_per_topic.items()))
    print(f"{'topic words':30s}" + "".join(f"{'K = ' + str(k):>21s}" for k in ks))
    for name, by_k in scores.items():
        cells = [f"{np.mean([s[0] for s in v]):.3f} / {np.mean([s[1] for s in v]):.2f} / "
                 f"{np.mean([s[2] for s in v]):.2f}" if v else "-" for v in by_k.values()]
        print(f"{name:30s}" + "".join(f"{c:>21s}" for c in cells))


if __name__ == "__main__":
    main()
