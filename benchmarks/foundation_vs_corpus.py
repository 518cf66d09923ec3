"""The shipped foundation dictionary against an SAE trained on the corpus, side by side.

    python benchmarks/foundation_vs_corpus.py [--corpora 20ng,bundled] [--seeds 0,1,2]
        [--k 20,50,100,200] [--foundation minilm-foundation] [--cv] [--data ../shared/data]
        [-o benchmarks/results/foundation_vs_corpus.json]

For each corpus, dictionary and seed: one fit at the first K (SAETopicModel defaults, with
``sae=None`` for the corpus-trained SAE or the foundation dictionary), re-topicked to every
other K. Prints NPMI (and C_V with ``--cv``), TD@25, purity of the main topics against the
labels, the largest content topic's share of the documents, the share of documents whose
main topic is -1, the fit time and the slowest re-topic. The bundled corpus is scored at
K = 15 / 30 (it has 15 subject areas and 1,576 documents) unless ``--k`` is given.
Corpora as in ``benchmarks/corpora.py``; writes a stamped result file
(``benchmarks/common.py``), one row per corpus, dictionary, seed and K.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from common import RESULTS, Result, model_scores, parse_ints
from corpora import add_corpus_arguments, corpus_ks, load_corpus

from bertopic_saetm import SAETopicModel
from bertopic_saetm.evaluation import ReferenceCorpus

# The bundled corpus has 15 subject areas and 1,576 documents.
KS = {"bundled": (15, 30)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser, many=True)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("-o", "--out", type=Path, default=RESULTS / "foundation_vs_corpus.json")
    parser.add_argument("--foundation", default="minilm-foundation",
                        help="name or folder of the foundation dictionary")
    parser.add_argument("--cv", action="store_true", help="also C_V (slow)")
    args = parser.parse_args()
    result = Result(args.out, "foundation_vs_corpus", args.corpora,
                    {"seeds": parse_ints(args.seeds), "k": args.k, "sample": args.sample,
                     "foundation": args.foundation, "c_v": args.cv})
    metrics = ["npmi", "c_v", "td25", "purity", "largest", "outliers"] if args.cv else \
        ["npmi", "td25", "purity", "largest", "outliers"]
    for name in args.corpora.split(","):
        corpus = load_corpus(name, args.data, args.sample)
        docs, labels, embeddings = corpus.docs, corpus.labels, corpus.embeddings
        ks = corpus_ks(name, args.k, KS)
        print(f"\n{name}: {len(docs)} documents; K = {' / '.join(map(str, ks))}, "
              f"mean over seeds {args.seeds}")
        print("| dictionary | " + " | ".join(metrics) + " | fit s | re-topic s |")
        print("|---" * (len(metrics) + 3) + "|")
        reference = None
        for label, sae in (("trained on the corpus", None), (args.foundation, args.foundation)):
            rows, fits, retopics = [], [], []
            for seed in parse_ints(args.seeds):
                tick = time.perf_counter()
                model = SAETopicModel(n_topics=ks[0], sae=sae, random_state=seed)
                model.fit(docs, embeddings)
                fits.append(time.perf_counter() - tick)
                if reference is None:
                    reference = ReferenceCorpus.for_model(model, docs)
                per_k = []
                for k in ks:
                    tick = time.perf_counter()
                    model.set_n_topics(k)
                    retopics.append(time.perf_counter() - tick)
                    per_k.append(model_scores(model, embeddings, labels, reference, args.cv))
                    result.add({"corpus": name, "dictionary": label, "seed": seed, "k": k,
                                "fit_s": fits[-1], "retopic_s": retopics[-1] if k != ks[0]
                                else None, **per_k[-1]})
                rows.append(per_k)
            cells = [" / ".join(f"{np.mean([r[i][m] for r in rows]):.3f}" for i in range(len(ks)))
                     for m in metrics]
            print(f"| {label} | " + " | ".join(cells) +
                  f" | {np.mean(fits):.1f} | {max(retopics):.2f} |", flush=True)


if __name__ == "__main__":
    main()
