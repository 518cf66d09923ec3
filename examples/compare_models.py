"""Compare SAE-TM with BERTopic and LDA on the bundled corpus, with one metric code path.

    python examples/compare_models.py [--k 10,15]

Offline, about a minute. For 20 Newsgroups and more peers (KeyNMF, FASTopic), see
``benchmarks/compare_peers.py``.
"""

from __future__ import annotations

import argparse

import numpy as np
from bertopic import BERTopic
from sklearn.cluster import KMeans
from sklearn.decomposition import LatentDirichletAllocation
from umap import UMAP

from bertopic_saetm import SAETopicModel
from bertopic_saetm.datasets import load_python_docs
from bertopic_saetm.evaluation import ReferenceCorpus, evaluate
from bertopic_saetm.text.vocabulary import default_vectorizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", default="10,15")
    args = parser.parse_args()
    corpus = load_python_docs()
    docs, X, labels = corpus.texts, corpus.embeddings, corpus.labels
    vectorizer = default_vectorizer()
    counts = vectorizer.fit_transform(docs)
    vocabulary = vectorizer.get_feature_names_out()
    reference = ReferenceCorpus.from_documents(docs, vocabulary, default_vectorizer())

    saetm = SAETopicModel(random_state=0)
    print(f"{'model':18s} {'K':>3s} {'NPMI':>6s} {'C_V':>6s} {'TD@25':>6s} {'purity':>6s} "
          f"{'NMI':>6s}")
    for k in (int(k) for k in args.k.split(",")):
        if hasattr(saetm, "topic_word_"):
            saetm.set_n_topics(k)  # same atoms, re-merged
        else:
            saetm.set_params(n_topics=k).fit(docs, X)
        results = {"SAE-TM": (saetm, saetm.transform(embeddings=X).argmax(axis=1))}
        for name, cluster in (("BERTopic", None), ("BERTopic+KMeans", KMeans(k, n_init=10,
                                                                              random_state=0))):
            extra = {"nr_topics": k} if cluster is None else {"hdbscan_model": cluster}
            topic_model = BERTopic(umap_model=UMAP(n_components=5, min_dist=0.0,
                                                   metric="cosine", random_state=0),
                                   vectorizer_model=default_vectorizer(), top_n_words=25,
                                   **extra)
            topics, _ = topic_model.fit_transform(docs, X)
            results[name] = (topic_model, np.asarray(topics))
        lda = LatentDirichletAllocation(k, learning_method="online", max_iter=10,
                                        random_state=0)
        doc_topic = lda.fit_transform(counts)
        top = np.argsort(-lda.components_, axis=1)[:, :25]
        results["LDA"] = ([[vocabulary[j] for j in row] for row in top],
                          doc_topic.argmax(axis=1))
        for name, (model, assignments) in results.items():
            s = evaluate(model, reference=reference, labels=labels, assignments=assignments)
            print(f"{name:18s} {s['n_topics']:3d} {s['npmi']:6.3f} {s['c_v']:6.3f} "
                  f"{s['td25']:6.3f} {s['purity']:6.3f} {s['nmi']:6.3f}", flush=True)


if __name__ == "__main__":
    main()
