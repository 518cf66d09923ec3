import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics.pairwise import cosine_similarity

from bertopic_saetm import backends

from .conftest import saetm_params


def _per_topic_counts(topic_model, backend):
    topics = np.asarray(topic_model.topics_)
    counts = backend.bag_of_words()
    labels = np.unique(topics)
    rows = [np.asarray(counts[topics == t].sum(axis=0)).ravel() for t in labels]
    return labels, sp.csr_matrix(np.stack(rows))


def _assert_ctfidf_counts_the_bag_of_words(topic_model, backend):
    from bertopic_saetm.backends.representation import FixedVocabularyClassTfidf  # imports bertopic

    labels, per_topic = _per_topic_counts(topic_model, backend)
    expected = FixedVocabularyClassTfidf().fit(per_topic).transform(per_topic).toarray()
    actual = topic_model.c_tf_idf_.toarray()
    assert actual.shape == (labels.size, len(backend.model.vocabulary_))
    # Row directions only: BERTopic's own topics_over_time L1-normalises c_tf_idf_ in place
    # (global_tuning), and the shared fit may have been through it.
    np.testing.assert_allclose(actual / actual.sum(axis=1, keepdims=True),
                               expected / expected.sum(axis=1, keepdims=True),
                               rtol=1e-10, atol=1e-12)


def test_fit_ctfidf_is_the_topics_summed_bag_of_words(bertopic_fit):
    topic_model, backend, _, _ = bertopic_fit
    _assert_ctfidf_counts_the_bag_of_words(topic_model, backend)


@pytest.mark.parametrize("n_topics", [4, 20])
def test_retopic_ctfidf_is_the_topics_summed_bag_of_words(bertopic_fit_copy, n_topics):
    topic_model, backend, _, _ = bertopic_fit_copy
    backends.set_n_topics(topic_model, n_topics)
    _assert_ctfidf_counts_the_bag_of_words(topic_model, backend)


def test_reduce_topics_uses_the_same_counts(bertopic_fit_copy, corpus):
    topic_model, backend, _, _ = bertopic_fit_copy
    topic_model.reduce_topics(corpus.texts, nr_topics=5)
    _assert_ctfidf_counts_the_bag_of_words(topic_model, backend)


def test_representative_documents_are_their_topics_closest(bertopic_fit_copy):
    topic_model, backend, _, _ = bertopic_fit_copy
    backends.set_n_topics(topic_model, 8)
    topics = np.asarray(topic_model.topics_)
    texts = np.asarray(backend.documents_, dtype=object)
    labels = np.unique(topics)
    assert sorted(topic_model.representative_docs_) == labels.tolist()
    documents = topic_model.ctfidf_model.transform(backend.bag_of_words())
    for position, topic in enumerate(labels):
        members = np.flatnonzero(topics == topic)
        chosen = topic_model.representative_docs_[topic]
        assert len(chosen) == min(3, members.size)
        similarity = cosine_similarity(documents[members],
                                       topic_model.c_tf_idf_[position]).ravel()
        best = members[np.argsort(-similarity, kind="stable")[:len(chosen)]]
        assert chosen == texts[best].tolist()


def test_a_loaded_model_without_counts_is_left_to_bertopic(bertopic_fit, corpus, tmp_path):
    from bertopic_saetm.backends import SAETMBackend, load_bertopic, save_bertopic

    topic_model, _, _, _ = bertopic_fit
    save_bertopic(topic_model, tmp_path / "model")
    loaded = load_bertopic(tmp_path / "model")
    assert SAETMBackend.of(loaded).bag_of_words() is None
    backends.set_n_topics(loaded, 6, documents=corpus.texts)
    assert len(loaded.get_topics()) == 6
    assert loaded.c_tf_idf_.shape[0] == 6 and all(
        len(docs) >= 1 for docs in loaded.representative_docs_.values())


def test_the_bag_of_words_is_left_unchanged(bertopic_fit_copy, corpus):
    # BERTopic's c-TF-IDF transform normalises its input in place; the backend's counts
    # must survive fits and re-topics intact.
    topic_model, backend, _, _ = bertopic_fit_copy
    backends.set_n_topics(topic_model, 7)
    expected = backend.model.vectorizer_.transform(corpus.texts)
    assert abs(backend.bag_of_words() - expected).max() == 0


def test_backend_bertopic_counts_words_without_rereading_the_text(bertopic_fit, corpus,
                                                                  embedder, monkeypatch):
    from bertopic import BERTopic

    from bertopic_saetm import SAETopicModel
    from bertopic_saetm.backends import SAETMBackend

    calls = []
    original = BERTopic._c_tf_idf
    monkeypatch.setattr(BERTopic, "_c_tf_idf",
                        lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    backend = SAETMBackend(SAETopicModel(**saetm_params()))
    topic_model = backend.bertopic(corpus.texts, embedding_model=embedder)
    topics, _ = topic_model.fit_transform(corpus.texts, corpus.embeddings)
    assert calls == []
    # The same model as BERTopic(**backend.components(docs)).
    assert topics == bertopic_fit[2]
    _assert_ctfidf_counts_the_bag_of_words(topic_model, backend)
    assert topic_model.representative_docs_ == bertopic_fit[0].representative_docs_


def test_backend_bertopic_refuses_to_replace_components(corpus):
    from sklearn.feature_extraction.text import CountVectorizer

    from bertopic_saetm import SAETopicModel
    from bertopic_saetm.backends import SAETMBackend

    with pytest.raises(ValueError, match="vectorizer_model"):
        SAETMBackend(SAETopicModel()).bertopic(corpus.texts, vectorizer_model=CountVectorizer())
