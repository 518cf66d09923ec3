"""Write the model folders saved by 0.1.0 that ``tests/test_reference_fits.py`` loads.

Run once, with the code of 0.1.0 (commit 16fe28c)::

    python tests/reference/make_saved_models.py

``saved-0.1.0/standalone``: an SAETopicModel on the bundled corpus (a 300-word vocabulary
keeps the folder small); ``saved-0.1.0/bertopic``: a BERTopic model with SAE-TM components
on its first 400 documents. ``saved-0.1.0/expected.safetensors`` holds what each gave then.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

HERE = Path(__file__).resolve().parent / "saved-0.1.0"


def main() -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    from bertopic_saetm import SAETMBackend, SAETopicModel
    from bertopic_saetm.backends import save_bertopic
    from bertopic_saetm.datasets import load_python_docs

    corpus = load_python_docs()
    texts, embeddings = list(corpus.texts), np.asarray(corpus.embeddings, dtype=np.float32)
    vectorizer = CountVectorizer(max_features=300, stop_words="english", min_df=2)
    model = SAETopicModel(n_topics=8, vectorizer=vectorizer, random_state=0)
    model.fit(texts, embeddings)
    model.save(HERE / "standalone")

    n = 400
    backend = SAETMBackend(SAETopicModel(n_topics=6, vectorizer=CountVectorizer(
        max_features=300, stop_words="english", min_df=2), random_state=0))
    topic_model = backend.bertopic(texts[:n], embedding_model=None)
    topics, _ = topic_model.fit_transform(texts[:n], embeddings[:n])
    save_bertopic(topic_model, HERE / "bertopic")
    new_topics, _ = topic_model.transform(texts[n:n + 200], embeddings[n:n + 200])
    save_file({
        "standalone_transform": model.transform(embeddings=embeddings[:300]),
        "standalone_predict": model.predict(embeddings=embeddings[:300]).astype(np.int64),
        "bertopic_topics": np.asarray(topics, dtype=np.int64),
        "bertopic_new_topics": np.asarray(new_topics, dtype=np.int64),
        "bertopic_probabilities": np.asarray(topic_model.probabilities_, dtype=np.float64),
    }, str(HERE / "expected.safetensors"))
    print(f"standalone: {model.n_topics_} topics; bertopic: {len(set(topics))} topics")


if __name__ == "__main__":
    main()
