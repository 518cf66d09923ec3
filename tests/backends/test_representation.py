import numpy as np
import pytest
import scipy.sparse as sp

from bertopic_saetm.merge.ranking import top_word_indices
from bertopic_saetm.merge.topic_words import mixture_word_distribution, topic_word_weights


def _words(topic_model, topic):
    return [w for w, _ in topic_model.get_topic(topic)]


def test_each_topic_has_exactly_top_n_words(bertopic_fit):
    topic_model, _, _, _ = bertopic_fit
    for topic, words in topic_model.get_topics().items():
        assert len(words) == topic_model.top_n_words, topic
        scores = np.array([s for _, s in words])
        assert ((scores > 0) & (scores <= 1)).all()  # probabilities (listed by relevance)


def test_hierarchy_nodes_are_described_by_the_union_of_their_atoms(bertopic_fit, corpus):
    topic_model, backend, topics, _ = bertopic_fit
    hierarchy = topic_model.hierarchical_topics(corpus.texts)
    model = backend.model
    rule = model.topic_word_rule()
    atom_topic = backend.current_topic_of_atoms(topic_model)
    for _, node in hierarchy.iterrows():
        atoms = np.isin(atom_topic, node["Topics"])
        weights = np.where(atoms, topic_word_weights(model.atom_prior_, model.atom_selectivity_,
                                                     rule.selectivity_power), 0.0)
        distribution = mixture_word_distribution(model.atom_word_profile_, weights[None, :])[0]
        expected = model.vocabulary_[top_word_indices(distribution, model.word_marginal(), 5,
                                                      rule.relevance_weight)[0]]
        assert node["Parent_Name"] == "_".join(expected)


def test_time_bins_are_described_by_their_own_documents(bertopic_fit, corpus):
    topic_model, backend, topics, _ = bertopic_fit
    stamps = np.arange(len(corpus.texts)) % 4
    frame = topic_model.topics_over_time(corpus.texts, stamps.tolist())
    assert set(frame.columns) == {"Topic", "Words", "Frequency", "Timestamp"}
    topics = np.asarray(topics)
    model = backend.model
    rule = model.topic_word_rule()
    atom_topic = backend.current_topic_of_atoms(topic_model)
    for _, row in frame[frame.Topic >= 0].iterrows():
        docs = np.flatnonzero((stamps == row["Timestamp"]) & (topics == row["Topic"]))
        assert row["Frequency"] == docs.size
        mass = np.asarray(backend.theta_[docs].sum(axis=0)).ravel() * (
            atom_topic == row["Topic"])
        distribution = mixture_word_distribution(
            model.atom_word_profile_,
            topic_word_weights(mass, model.atom_selectivity_, rule.selectivity_power)[None, :])[0]
        top = top_word_indices(distribution, model.word_marginal(), 5, rule.relevance_weight)[0]
        assert row["Words"] == ", ".join(model.vocabulary_[top])
    # Bins differ from one another (they are not just the global topic words).
    assert frame[frame.Topic >= 0].groupby("Topic")["Words"].nunique().max() > 1


def test_topic_embeddings_are_mixture_weighted_centroids(bertopic_fit, corpus):
    topic_model, _, topics, probs = bertopic_fit
    X = corpus.embeddings.astype(np.float64)
    soft = (probs.T @ X) / probs.sum(axis=0)[:, None]
    np.testing.assert_allclose(topic_model.topic_embeddings_, soft, rtol=1e-6, atol=1e-7)
    hard = np.stack([X[np.asarray(topics) == t].mean(axis=0) for t in range(probs.shape[1])])
    assert not np.allclose(topic_model.topic_embeddings_, hard, atol=1e-3)


def test_find_topics_searches_sae_tm_topics(bertopic_fit, embedder):
    topic_model, _, _, _ = bertopic_fit
    query = "creating and joining threads, locks and queues"
    found, similarity = topic_model.find_topics(query, top_n=3)
    q = embedder.encode([query])[0]
    E = topic_model.topic_embeddings_
    cosine = E @ q / np.linalg.norm(E, axis=1) / np.linalg.norm(q)
    assert found[0] == int(np.argmax(cosine))
    assert similarity[0] == pytest.approx(cosine.max(), rel=1e-4)


def test_ctfidf_gives_finite_weights_to_words_bertopic_never_counts():
    from bertopic_saetm.backends.bertopic_internals import ctfidf_idf
    from bertopic_saetm.backends.representation import FixedVocabularyClassTfidf

    counts = sp.csr_matrix(np.array([[3.0, 0.0, 1.0], [1.0, 0.0, 2.0]]))
    ctfidf = FixedVocabularyClassTfidf().fit(counts)
    idf = ctfidf_idf(ctfidf)
    assert np.isfinite(idf).all()
    assert idf[1] == idf[[0, 2]].max()
    assert np.isfinite(ctfidf.transform(counts).toarray()).all()
