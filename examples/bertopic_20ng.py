"""SAE-TM inside a plain BERTopic on 20 Newsgroups, every figure written as HTML.

    python examples/bertopic_20ng.py [--data ../shared/data] [--n-topics 50] [-o OUT_DIR]

Uses the precomputed all-MiniLM-L6-v2 embeddings in ``../shared/data`` (nothing is
re-embedded; the bundled MiniLM is loaded only so ``find_topics`` can embed a query).
20 Newsgroups has no dates, but its "bydate" split is chronological (training posts are
older than test posts), so topics over time use the split as two time steps.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import time
from pathlib import Path

import numpy as np
from bertopic import BERTopic

from bertopic_saetm import SAETopicModel
from bertopic_saetm.backends import (
    SAETMBackend,
    document_coordinates,
    load_bertopic,
    save_bertopic,
    set_n_topics,
    topic_distribution,
    topics_over_time,
)
from bertopic_saetm.text.embedders import default_embedder_available, load_default_embedder

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def load_20ng(data: Path):
    with gzip.open(data / "20ng.jsonl.gz", "rt") as f:
        records = [json.loads(line) for line in f]
    embeddings = np.load(data / "20ng.minilm.f16.npy").astype(np.float32)
    return records, embeddings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--n-topics", type=int, default=50)
    parser.add_argument("--retopic", type=int, default=20)
    parser.add_argument("-o", "--out", type=Path, default=Path("results/bertopic_20ng"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)

    records, embeddings = load_20ng(args.data)
    docs = [r["text"] for r in records]
    period = [0 if r["split"] == "train" else 1 for r in records]
    print(f"20 Newsgroups: {len(docs)} documents, embeddings {embeddings.shape}")

    backend = SAETMBackend(SAETopicModel(n_topics=args.n_topics, random_state=0))
    embedder = load_default_embedder() if default_embedder_available() else None
    topic_model = BERTopic(embedding_model=embedder, **backend.components(docs))
    tick = time.perf_counter()
    topics, probs = topic_model.fit_transform(docs, embeddings)
    print(f"BERTopic(SAE-TM).fit_transform: {time.perf_counter() - tick:.1f}s; stages: "
          + ", ".join(f"{k} {v:.1f}s" for k, v in backend.model.fit_seconds_.items()))
    print(f"{len(topic_model.get_topics())} topics, probabilities {probs.shape}, "
          f"{np.mean(np.asarray(topics) == -1):.1%} outlier documents")
    print(topic_model.get_topic_info()[["Topic", "Count", "Name"]].head(15).to_string())

    tick = time.perf_counter()
    coordinates = document_coordinates(topic_model, random_state=0)
    print(f"document map (UMAP of the mixtures): {time.perf_counter() - tick:.1f}s")
    hierarchy = topic_model.hierarchical_topics(docs)
    figures = {
        "topics": topic_model.visualize_topics(),
        "documents": topic_model.visualize_documents(
            docs, reduced_embeddings=coordinates, hide_document_hover=True),
        "hierarchy": topic_model.visualize_hierarchy(hierarchical_topics=hierarchy),
        "heatmap": topic_model.visualize_heatmap(),
        "barchart": topic_model.visualize_barchart(top_n_topics=12),
        "term_rank": topic_model.visualize_term_rank(),
        "topics_over_time": topic_model.visualize_topics_over_time(
            topic_model.topics_over_time(docs, period), top_n_topics=10),
        "soft_topics_over_time": topic_model.visualize_topics_over_time(
            topics_over_time(topic_model, period), top_n_topics=10),
        "distribution": topic_model.visualize_distribution(probs[0]),
    }
    if embedder is not None:
        found, similarity = topic_model.find_topics("space shuttle launch", top_n=3)
        print("find_topics('space shuttle launch'):",
              [(t, round(s, 3), topic_model.get_topic_info(t).Name.iloc[0])
               for t, s in zip(found, similarity, strict=True)])

    tick = time.perf_counter()
    set_n_topics(topic_model, args.retopic)
    print(f"set_n_topics({args.retopic}): {time.perf_counter() - tick:.2f}s, "
          f"{len(topic_model.get_topics())} topics")
    figures[f"barchart_{args.retopic}"] = topic_model.visualize_barchart(top_n_topics=12)
    for name, figure in figures.items():
        figure.write_html(args.out / f"{name}.html", include_plotlyjs="directory")
    print(f"figures written to {args.out}/: {', '.join(figures)}")

    path = save_bertopic(topic_model, args.out / "model")
    loaded = load_bertopic(path)
    same = np.array_equal(topic_distribution(loaded, embeddings=embeddings[:1000]),
                          topic_distribution(topic_model, embeddings=embeddings[:1000]))
    print(f"saved to {path}; reloaded distributions identical: {same}")


if __name__ == "__main__":
    main()
