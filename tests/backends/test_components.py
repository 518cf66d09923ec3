import numpy as np
import scipy.sparse as sp

from bertopic_saetm.merge.partition import assignment_matrix


def test_encoder_transform_gives_mixtures_over_atoms(bertopic_fit, corpus):
    topic_model, backend, _, _ = bertopic_fit
    theta = topic_model.umap_model.transform(corpus.embeddings[:100])
    assert sp.issparse(theta) and theta.shape == (100, backend.model.sae_.d_sae)
    np.testing.assert_allclose(theta.sum(axis=1), 1.0)
    np.testing.assert_allclose(theta.toarray(), backend.theta_[:100].toarray())


def test_merger_labels_are_the_models_main_topics(bertopic_fit):
    _, backend, _, _ = bertopic_fit
    merger = backend.components()["hdbscan_model"]
    probabilities = merger.probabilities_
    assert probabilities.shape == (backend.theta_.shape[0], backend.model.n_topics_)
    labels = merger.labels_
    np.testing.assert_array_equal(labels, backend.model.main_topics_of(backend.theta_))
    assert (probabilities[np.arange(labels.size), labels] > 0).all()
    # Every merged topic is some document's main topic (BERTopic drops the others).
    assert set(merger.labels_) == set(range(backend.model.n_topics_))


def test_merger_predicts_minus_one_for_documents_without_atoms(bertopic_fit):
    _, backend, _, _ = bertopic_fit
    merger = backend.components()["hdbscan_model"]
    theta = sp.vstack([backend.theta_[:3], sp.csr_matrix((1, backend.theta_.shape[1]))])
    proba = merger.predict_proba(theta)
    np.testing.assert_array_equal(proba[3], 0.0)
    np.testing.assert_allclose(proba[:3].sum(axis=1), 1.0)
    labels = merger.predict(theta)
    assert labels[3] == -1
    np.testing.assert_array_equal(labels[:3], backend.model.main_topics_of(theta[:3]))
    expected = (backend.theta_[:3] @ assignment_matrix(backend.model.atom_to_topic_,
                                                       backend.model.n_topics_)).toarray()
    np.testing.assert_allclose(proba[:3], expected)


def test_vectorizer_columns_follow_the_emission_vocabulary(bertopic_fit):
    topic_model, backend, _, _ = bertopic_fit
    assert list(topic_model.vectorizer_model.get_feature_names_out()) == list(
        backend.model.vocabulary_)
    assert topic_model.c_tf_idf_.shape[1] == backend.model.atom_word_.shape[1]
    assert np.isfinite(topic_model.c_tf_idf_.data).all()
