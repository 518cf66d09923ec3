"""Lead (not adopted): generic atoms weighed down in the merge's k-means.

    python benchmarks/experiments/generic_merge_weights.py [--corpus 20ng|bundled|...]
        [--seeds 0,1,2] [--k 20,50,100,200] [--betas 0,2,4]

One default fit per seed. Every content atom's k-means weight
(:func:`~bertopic_saetm.merge.weights.merge_weights`) is multiplied by
``min(1, KL_k / median KL) ** beta``, with ``KL_k`` the KL divergence of the atom's word
profile from the prior-weighted mean profile of the content atoms. An atom whose words are
the corpus' common ones (chatter, greetings, generic prose) then pulls no k-means centre of
its own and joins the nearest topic. Beta 0 is the default merge. The atoms are re-merged at
every K with the fit's k-means seed. Prints NPMI (top 10 words, gensim c_npmi, the corpus as
reference) / TD@25 / coverage / purity (labelled corpora) / largest topic per K, mean over
seeds. Figures: ``docs/decisions/merge_space.md``, "Generic atoms weighed down in the merge".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from corpora import add_corpus_arguments, corpus_ks, load_corpus  # noqa: E402
from topic_word_sources import distinctiveness  # noqa: E402

from bertopic_saetm import SAETopicModel  # noqa: E402
from bertopic_saetm.evaluation import ReferenceCorpus, evaluate  # noqa: E402
from bertopic_saetm.merge.partition import cluster_atoms  # noqa: E402
from bertopic_saetm.merge.weights import merge_weights  # noqa: E402

FIELDS = ("npmi", "td25", "coverage", "purity", "largest")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--betas", default="0,2,4")
    args = parser.parse_args()
    corpus = load_corpus(args.corpus, args.data, args.sample)
    ks = corpus_ks(args.corpus, args.k)
    betas = [float(b) for b in args.betas.split(",")]
    scores = {b: {k: [] for k in ks} for b in betas}
    for seed in (int(s) for s in args.seeds.split(",")):
        model = SAETopicModel(n_topics=ks[0], random_state=seed)
        model.fit(corpus.docs, corpus.embeddings)
        reference = ReferenceCorpus.for_model(model, corpus.docs)
        theta = sp.csr_matrix(model.transform_atoms(embeddings=corpus.embeddings))
        content = ~model.background_atoms_ & (model.atom_prior_ > 0)
        generic = np.minimum(distinctiveness(model.atom_word_profile_, model.atom_prior_,
                                             content), 1.0)
        weights = merge_weights(model.atom_main_documents_,
                                np.where(model.background_atoms_, 0.0, model.atom_prior_))
        for beta in betas:
            for k in ks:
                if k > content.sum():
                    continue
                model.set_partition(cluster_atoms(model.atom_topic_vectors_,
                                                  weights * generic ** beta, k,
                                                  model.random_state, model.min_cluster_size))
                main = model.main_topics_of(theta)
                row = evaluate(model, reference=reference, labels=corpus.labels,
                               assignments=main, c_v=False)
                row["largest"] = np.bincount(main[main >= 0]).max() / main.size
                scores[beta][k].append(row)
    print(f"{args.corpus}, {len(corpus.docs)} documents, seeds {args.seeds}: "
          + " / ".join(FIELDS))
    for beta, by_k in scores.items():
        cells = {k: " / ".join(f"{np.mean([r.get(f, np.nan) for r in rows]):.3f}"
                               for f in FIELDS) if rows else "-" for k, rows in by_k.items()}
        print(f"beta {beta:<4g}" + "".join(f"  K = {k}: {c}" for k, c in cells.items()))


if __name__ == "__main__":
    main()
