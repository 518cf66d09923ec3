import numpy as np
import pytest

from bertopic_saetm import SAETopicModel, backends
from bertopic_saetm.backends import SAETMBackend

from .conftest import TINY_SAE, saetm_params


def _raw_to_current(topic_model):
    return topic_model.topic_mapper_.get_mappings(original_topics=True)


def test_fit_transform_matches_the_standalone_model(bertopic_fit, standalone_fit, corpus):
    topic_model, backend, topics, probs = bertopic_fit
    standalone = standalone_fit
    model = backend.model
    # Same SAE, emission and partition of atoms.
    np.testing.assert_allclose(model.atoms_, standalone.atoms_)
    np.testing.assert_allclose(model.atom_word_, standalone.atom_word_)
    np.testing.assert_array_equal(model.atom_to_topic_, standalone.atom_to_topic_)
    # Same topic words, up to BERTopic's renumbering by size.
    mapping = _raw_to_current(topic_model)
    expected = standalone.get_topics(top_n=topic_model.top_n_words)
    for raw, current in mapping.items():
        if raw == -1:
            continue
        assert [w for w, _ in topic_model.get_topic(current)] == [w for w, _ in expected[raw]]
        np.testing.assert_allclose([p for _, p in topic_model.get_topic(current)],
                                   [p for _, p in expected[raw]])
    # Same mixtures and main topics, renumbered.
    mixture = standalone.transform(embeddings=corpus.embeddings)
    order = [raw for raw, _ in sorted(mapping.items(), key=lambda item: item[1]) if raw != -1]
    np.testing.assert_allclose(probs, mixture[:, order], atol=1e-12)
    main = standalone.predict(embeddings=corpus.embeddings)
    np.testing.assert_array_equal(topics, [mapping[raw] for raw in main])
    assert sorted(set(topics)) == list(range(probs.shape[1]))


def test_topics_are_renumbered_by_size(bertopic_fit):
    topic_model, _, topics, _ = bertopic_fit
    sizes = np.bincount(np.asarray(topics))
    assert (np.diff(sizes) <= 0).all()
    info = topic_model.get_topic_info()
    assert info["Count"].tolist() == sizes.tolist()


def test_new_documents_get_distributions_in_fitted_ids(bertopic_fit, corpus):
    topic_model, _, topics, probs = bertopic_fit
    dist = backends.topic_distribution(topic_model, embeddings=corpus.embeddings[:50])
    np.testing.assert_allclose(dist, probs[:50])
    predictions, bertopic_probs = topic_model.transform(corpus.texts[:50], corpus.embeddings[:50])
    assert bertopic_probs is None  # BERTopic's own transform, custom cluster model
    # The training documents keep their main topics, each one their distribution holds.
    np.testing.assert_array_equal(predictions, topics[:50])
    assert (dist[np.arange(50), predictions] > 0).all()
    # Documents are embedded with the SAE-TM model's embedder when no embeddings are given.
    by_text = backends.topic_distribution(topic_model, documents=corpus.texts[:3])
    np.testing.assert_allclose(by_text, probs[:3], atol=1e-3)


def test_same_seed_gives_the_same_bertopic_model(bertopic_fit, make_topic_model):
    topic_model, _, topics, probs = bertopic_fit
    again, _, topics_again, probs_again = make_topic_model()
    assert topics_again == topics
    np.testing.assert_array_equal(probs_again, probs)
    assert again.get_topics() == topic_model.get_topics()


def test_pretrained_sae_is_used_as_is(bertopic_fit, corpus):
    from bertopic import BERTopic

    _, fitted_backend, _, _ = bertopic_fit
    sae = fitted_backend.model.sae_
    backend = SAETMBackend(SAETopicModel(**saetm_params(sae=sae)))
    topic_model = BERTopic(**backend.components(corpus.texts))
    topic_model.fit_transform(corpus.texts, corpus.embeddings)
    assert backend.model.sae_report_ is None
    np.testing.assert_array_equal(backend.model.atoms_, fitted_backend.model.atoms_)


def test_components_need_the_corpus():
    with pytest.raises(ValueError, match="Bind the documents"):
        SAETMBackend().components()


def test_fitting_other_documents_than_the_bound_ones_fails(corpus):
    from bertopic import BERTopic

    backend = SAETMBackend(SAETopicModel(**saetm_params(sae_config=TINY_SAE)))
    topic_model = BERTopic(**backend.components(corpus.texts[:500]))
    with pytest.raises(ValueError, match="rows but there are 500 documents"):
        topic_model.fit_transform(corpus.texts, corpus.embeddings)
    # Same length, different content: caught when BERTopic hands the documents over.
    shuffled = corpus.texts[500:1000]
    topic_model = BERTopic(**backend.components(corpus.texts[:500]))
    with pytest.raises(ValueError, match="differ from the corpus"):
        topic_model.fit_transform(shuffled, corpus.embeddings[500:1000])


def test_supervised_and_zero_shot_modes_are_refused(corpus):
    from bertopic import BERTopic

    backend = SAETMBackend(SAETopicModel(**saetm_params(sae_config=TINY_SAE)))
    texts, X = corpus.texts[:400], corpus.embeddings[:400]
    topic_model = BERTopic(**backend.components(texts))
    with pytest.raises(ValueError, match="unsupervised"):
        topic_model.fit_transform(texts, X, y=np.zeros(len(texts), dtype=int))


def test_backend_of_a_plain_bertopic_model_explains():
    from bertopic import BERTopic

    with pytest.raises(ValueError, match="does not use SAE-TM components"):
        SAETMBackend.of(BERTopic())


def test_update_topics_without_the_plugin_models_is_caught(bertopic_fit_copy, corpus):
    from bertopic_saetm.backends import set_n_topics

    topic_model, backend, _, _ = bertopic_fit_copy
    topic_model.update_topics(corpus.texts)
    with pytest.raises(RuntimeError, match="update_topics"):
        set_n_topics(topic_model, 5)
    # The fix the message gives works.
    parts = backend.components()
    topic_model.update_topics(corpus.texts, vectorizer_model=parts["vectorizer_model"],
                              representation_model=parts["representation_model"])
    set_n_topics(topic_model, 5)
    assert len(topic_model.get_topics()) == 5


def test_zero_shot_topic_modeling_is_refused(corpus, embedder):
    from bertopic import BERTopic

    texts, X = corpus.texts[:400], corpus.embeddings[:400]
    backend = SAETMBackend(SAETopicModel(**saetm_params(sae_config=TINY_SAE)))
    topic_model = BERTopic(embedding_model=embedder, zeroshot_topic_list=["file system paths"],
                           zeroshot_min_similarity=0.3, **backend.components(texts))
    with pytest.raises(ValueError, match="[Zz]ero-shot"):
        topic_model.fit_transform(texts, X)


def test_refitting_drops_the_labels_of_the_earlier_fit(corpus, embedder):
    from bertopic import BERTopic

    texts, X = corpus.texts[:400], corpus.embeddings[:400]
    backend = SAETMBackend(SAETopicModel(**saetm_params(sae_config=TINY_SAE)))
    BERTopic(**backend.components(texts)).fit_transform(texts, X)
    assert hasattr(backend, "labels_")
    # A second fit that BERTopic interrupts after the SAE (zero-shot) must not leave the
    # first fit's labels standing beside the new mixtures.
    topic_model = BERTopic(embedding_model=embedder, zeroshot_topic_list=["file system paths"],
                           zeroshot_min_similarity=0.3, **backend.components(texts))
    with pytest.raises(ValueError, match="[Zz]ero-shot"):
        topic_model.fit_transform(texts, X)
    assert not hasattr(backend, "labels_")


@pytest.fixture(scope="module")
def outlier_fit(bertopic_fit, corpus):
    """A BERTopic fit whose SAE does not fire on ~5% of the documents (topic -1)."""
    import copy

    import torch
    from bertopic import BERTopic

    sae = copy.deepcopy(bertopic_fit[1].model.sae_)
    with torch.no_grad():
        strongest = sae.encode(torch.as_tensor(corpus.embeddings)).max(dim=1).values
        sae.b_enc -= torch.quantile(strongest, 0.05)
    backend = SAETMBackend(SAETopicModel(**saetm_params(sae=sae)))
    topic_model = BERTopic(**backend.components(corpus.texts))
    topics, probs = topic_model.fit_transform(corpus.texts, corpus.embeddings)
    return topic_model, backend, np.asarray(topics), probs


def test_documents_without_active_atoms_are_outliers(outlier_fit, corpus):
    topic_model, backend, topics, probs = outlier_fit
    outliers = topics == -1
    assert 0.02 < outliers.mean() < 0.1
    np.testing.assert_array_equal(np.flatnonzero(outliers), backend.model.inactive_documents_)
    np.testing.assert_array_equal(probs[outliers], 0.0)
    np.testing.assert_allclose(probs[~outliers].sum(axis=1), 1.0)
    kept = np.flatnonzero(~outliers)
    assert (probs[kept, topics[kept]] > 0).all()
    # -1 is described by the background word distribution ...
    background = backend.model.vocabulary_[np.argsort(-backend.model.background_)[:10]]
    assert [w for w, _ in topic_model.get_topic(-1)] == list(background)
    # ... and embedded at the mean of its documents.
    np.testing.assert_allclose(topic_model.topic_embeddings_[0],
                               corpus.embeddings[outliers].mean(axis=0), rtol=1e-5, atol=1e-6)
    dist = backends.topic_distribution(topic_model, embeddings=corpus.embeddings[outliers])
    np.testing.assert_array_equal(dist, 0.0)


def test_online_learning_is_refused(bertopic_fit_copy, corpus):
    topic_model = bertopic_fit_copy[0]
    with pytest.raises(NotImplementedError, match="partial_fit"):
        topic_model.partial_fit(corpus.texts[:100], corpus.embeddings[:100])


def test_a_fitted_model_is_wrapped_without_retraining(fitted, corpus, tmp_path):
    from bertopic import BERTopic

    model = SAETopicModel.load(fitted.save(tmp_path / "model"))
    atom_word = model.atom_word_.copy()
    backend = SAETMBackend.from_fitted(model)
    topic_model = BERTopic(**backend.components(corpus.texts))
    topics, probs = topic_model.fit_transform(corpus.texts, corpus.embeddings)
    np.testing.assert_array_equal(backend.model.atom_word_, atom_word)
    assert backend.model.sae_report_ == fitted.sae_report_
    # Each document's content share (its mixture less its background share) is kept.
    np.testing.assert_allclose(probs.sum(axis=1),
                               fitted.transform(embeddings=corpus.embeddings).sum(axis=1))
    mapping = topic_model.topic_mapper_.get_mappings(original_topics=True)
    expected = fitted.get_topics(top_n=topic_model.top_n_words)
    raw = next(r for r, current in mapping.items() if current == 0)
    assert [w for w, _ in topic_model.get_topic(0)] == [w for w, _ in expected[raw]]
