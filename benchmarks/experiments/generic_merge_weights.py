"""Decision: generic atoms weighed down in the merge (``generic_atom_power``, default 4).

    python benchmarks/experiments/generic_merge_weights.py [--corpus 20ng|bundled|...]
        [--seeds 0,1,2] [--k 20,50,100,200] [--betas 0,2,4] [--per-seed]
        [--sae minilm-foundation]

One default fit per seed (with ``--sae``, on that pretrained dictionary), re-merged at
every K and every beta with the fit's k-means seed. Every content atom's k-means weight
(:func:`~bertopic_saetm.merge.weights.merge_weights`) is multiplied by
:func:`~bertopic_saetm.merge.weights.generic_atom_factors` with power beta:
``min(1, KL_k / median KL) ** beta``, with ``KL_k`` the KL divergence of the atom's word
profile from the prior-weighted mean profile of the content atoms. An atom whose words are
the corpus' common ones (chatter, greetings, generic prose) then pulls no k-means centre of
its own and joins the nearest topic. Beta 0 is the merge before 0.2.0. Prints NPMI (top 10
words, gensim c_npmi, the corpus as reference) / TD@25 / coverage / purity (labelled
corpora) / largest topic per K, mean over seeds, and each beta's NPMI minus the first
beta's, paired by seed (mean and standard error). Figures: ``docs/decisions/merge_space.md``,
"Generic atoms weighed down in the merge".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from corpora import add_corpus_arguments, corpus_ks, load_corpus  # noqa: E402

from bertopic_saetm import SAETopicModel  # noqa: E402
from bertopic_saetm.evaluation import ReferenceCorpus, evaluate  # noqa: E402
from bertopic_saetm.merge.partition import cluster_atoms  # noqa: E402
from bertopic_saetm.merge.weights import generic_atom_factors, merge_weights  # noqa: E402

FIELDS = ("npmi", "td25", "coverage", "purity", "largest")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--betas", default="0,2,4")
    parser.add_argument("--per-seed", action="store_true", help="print NPMI per seed")
    parser.add_argument("--sae", help="a pretrained dictionary (e.g. minilm-foundation) "
                                      "instead of one trained on the corpus")
    args = parser.parse_args()
    corpus = load_corpus(args.corpus, args.data, args.sample)
    ks = corpus_ks(args.corpus, args.k)
    betas = [float(b) for b in args.betas.split(",")]
    scores = {b: {k: [] for k in ks} for b in betas}
    for seed in (int(s) for s in args.seeds.split(",")):
        model = SAETopicModel(n_topics=ks[0], random_state=seed, sae=args.sae)
        model.fit(corpus.docs, corpus.embeddings)
        reference = ReferenceCorpus.for_model(model, corpus.docs)
        theta = sp.csr_matrix(model.transform_atoms(embeddings=corpus.embeddings))
        content_prior = np.where(model.background_atoms_, 0.0, model.atom_prior_)
        weights = merge_weights(model.atom_main_documents_, content_prior)
        for beta in betas:
            scaled = weights * generic_atom_factors(model.atom_word_profile_, content_prior, beta)
            for k in ks:
                if k > (content_prior > 0).sum():
                    continue
                model.set_partition(cluster_atoms(model.atom_topic_vectors_, scaled, k,
                                                  model.random_state, model.min_cluster_size))
                main = model.main_topics_of(theta)
                row = evaluate(model, reference=reference, labels=corpus.labels,
                               assignments=main, c_v=False)
                row["largest"] = np.bincount(main[main >= 0]).max() / main.size
                scores[beta][k].append(row)
    print(f"{args.corpus}, {len(corpus.docs)} documents, dictionary {args.sae or 'trained'}, "
          f"seeds {args.seeds}: "
          + " / ".join(FIELDS))
    for beta, by_k in scores.items():
        cells = {k: " / ".join(f"{np.mean([r.get(f, np.nan) for r in rows]):.3f}"
                               for f in FIELDS) if rows else "-" for k, rows in by_k.items()}
        print(f"beta {beta:<4g}" + "".join(f"  K = {k}: {c}" for k, c in cells.items()))
        base = scores[betas[0]]
        if beta != betas[0] and len(args.seeds.split(",")) > 1:
            print(f"  NPMI minus beta {betas[0]:g}, paired, mean +- standard error: " + "  ".join(
                f"K = {k}: {np.mean(d):+.3f} +- {np.std(d, ddof=1) / np.sqrt(len(d)):.3f}"
                for k, rows in by_k.items() if rows
                for d in [[r["npmi"] - b["npmi"] for r, b in zip(rows, base[k], strict=True)]]))
        if args.per_seed:
            print("  NPMI per seed: " + "  ".join(
                f"K = {k}: " + " ".join(f"{r['npmi']:.3f}" for r in rows)
                for k, rows in by_k.items() if rows))


if __name__ == "__main__":
    main()
