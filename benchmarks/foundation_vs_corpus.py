"""The shipped foundation dictionary against an SAE trained on the corpus, side by side.

    python benchmarks/foundation_vs_corpus.py [--corpora 20ng,bundled] [--seeds 0,1,2]
        [--k 20,50,100,200] [--foundation minilm-foundation] [--cv]

For each corpus, dictionary and seed: one fit at the first K (SAETopicModel defaults, with
``sae=None`` for the corpus-trained SAE or the foundation dictionary), re-topicked to every
other K. Prints NPMI (and C_V with ``--cv``), TD@25, purity of the main topics against the
labels, the largest content topic's share of the documents, the share of documents whose
main topic is -1, the fit time and the slowest re-topic. The bundled corpus is scored at
K = 15 / 30 (it has 15 subject areas and 1,576 documents) unless ``--k`` is given.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from fit_20ng import load_20ng

from bertopic_saetm import SAETopicModel
from bertopic_saetm.datasets import load_python_docs
from bertopic_saetm.evaluation import (
    ReferenceCorpus,
    coherence,
    purity,
    topic_diversity,
    topic_shares,
)

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def load(name: str, data):
    if name == "bundled":
        corpus = load_python_docs()
        return corpus.texts, np.asarray(corpus.labels), corpus.embeddings
    docs, labels, embeddings = load_20ng(data)
    return docs, np.asarray(labels), embeddings


def add_corpus_arguments(parser) -> None:
    """``--data``, ``--corpora`` and ``--k``, shared by the scripts run on both corpora."""
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--corpora", default="20ng,bundled")
    parser.add_argument("--k", help="comma-separated K (default: 20 Newsgroups "
                                    "20,50,100,200; bundled 15,30)")


def corpus_ks(name: str, k: str | None, default: str = "20,50,100,200") -> list[int]:
    """The K values to score ``name`` at: ``--k`` if given, else 15 / 30 for the bundled
    corpus (15 subject areas, 1,576 documents) and ``default`` for the others."""
    return [int(v) for v in (k or ("15,30" if name == "bundled" else default)).split(",")]


def seed_fits(name: str, docs, embeddings, args, default: str = "20,50,100,200"):
    """A default SAETopicModel fit at the corpus' first K for every seed of ``--seeds``.

    Yields (seed, ks, model, reference): the K values to score (:func:`corpus_ks`), the
    fitted model and the NPMI reference corpus (built once, from the first model).
    """
    ks = corpus_ks(name, args.k, default)
    reference = None
    for seed in (int(s) for s in args.seeds.split(",")):
        model = SAETopicModel(n_topics=ks[0], random_state=seed).fit(docs, embeddings)
        reference = reference or ReferenceCorpus.for_model(model, docs)
        yield seed, ks, model, reference


def scores(model, embeddings, labels, reference, cv: bool) -> dict:
    topics = [[w for w, _ in words] for words in model.get_topics(25)]
    main = model.predict(embeddings=embeddings)
    out = {"npmi": float(np.nanmean(coherence(topics, reference))),
           "td25": topic_diversity(topics, 25), "purity": purity(main, labels),
           **topic_shares(main)}
    if cv:
        out["c_v"] = float(np.nanmean(coherence(topics, reference, "c_v")))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--foundation", default="minilm-foundation",
                        help="name or folder of the foundation dictionary")
    parser.add_argument("--cv", action="store_true", help="also C_V (slow)")
    args = parser.parse_args()
    metrics = ["npmi", "c_v", "td25", "purity", "largest", "outliers"] if args.cv else \
        ["npmi", "td25", "purity", "largest", "outliers"]
    for name in args.corpora.split(","):
        docs, labels, embeddings = load(name, args.data)
        ks = corpus_ks(name, args.k)
        print(f"\n{name}: {len(docs)} documents; K = {' / '.join(map(str, ks))}, "
              f"mean over seeds {args.seeds}")
        print("| dictionary | " + " | ".join(metrics) + " | fit s | re-topic s |")
        print("|---" * (len(metrics) + 3) + "|")
        reference = None
        for label, sae in (("trained on the corpus", None), (args.foundation, args.foundation)):
            rows, fits, retopics = [], [], []
            for seed in (int(s) for s in args.seeds.split(",")):
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
                    per_k.append(scores(model, embeddings, labels, reference, args.cv))
                rows.append(per_k)
            cells = [" / ".join(f"{np.mean([r[i][m] for r in rows]):.3f}" for i in range(len(ks)))
                     for m in metrics]
            print(f"| {label} | " + " | ".join(cells) +
                  f" | {np.mean(fits):.1f} | {max(retopics):.2f} |", flush=True)


if __name__ == "__main__":
    main()
