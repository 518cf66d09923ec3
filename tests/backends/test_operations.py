import copy

import numpy as np
import pytest

from bertopic_saetm import SAETopicModel, backends
from bertopic_saetm.merge.ranking import top_word_indices
from bertopic_saetm.merge.topic_words import mixture_word_distribution, topic_word_weights

from .conftest import N_TOPICS, saetm_params


def _check_coherent(topic_model, backend, corpus):
    """probabilities_, topics_, words and the plugin's distributions agree."""
    probs = topic_model.probabilities_
    topics = np.asarray(topic_model.topics_)
    n_topics = len(set(topics) - {-1})
    assert probs.shape == (len(corpus.texts), n_topics)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    np.testing.assert_allclose(
        backends.topic_distribution(topic_model, embeddings=corpus.embeddings), probs,
        atol=1e-12)
    # Each topic's words are its atoms' word distribution, weighted as topic_word_'s.
    model = backend.model
    rule = model.topic_word_rule()
    prior = topic_word_weights(model.atom_prior_, model.atom_selectivity_,
                               rule.selectivity_power)
    atom_topic = backend.current_topic_of_atoms(topic_model)
    for topic in range(n_topics):
        weights = np.where(atom_topic == topic, prior, 0.0)
        expected = mixture_word_distribution(model.atom_word_profile_, weights[None, :])[0]
        top = model.vocabulary_[top_word_indices(expected, model.word_marginal(), 10,
                                                 model.relevance_weight())[0]]
        assert [w for w, _ in topic_model.get_topic(topic)] == list(top)


def test_merge_topics_keeps_probabilities_and_words_coherent(bertopic_fit_copy, corpus):
    topic_model, backend, _, probs = bertopic_fit_copy
    topic_model.merge_topics(corpus.texts, [[0, 3], [1, 2]])
    assert len(topic_model.get_topics()) == N_TOPICS - 2
    _check_coherent(topic_model, backend, corpus)
    # Mixture mass is preserved: the merged column is the sum of its parts.
    assert topic_model.probabilities_.sum() == pytest.approx(probs.sum())


def test_reduce_topics_keeps_probabilities_and_words_coherent(bertopic_fit_copy, corpus):
    topic_model, backend, _, _ = bertopic_fit_copy
    topic_model.reduce_topics(corpus.texts, nr_topics=5)
    assert len(topic_model.get_topics()) == 5
    _check_coherent(topic_model, backend, corpus)


def test_set_n_topics_re_merges_without_retraining(bertopic_fit_copy, standalone_fit, corpus):
    topic_model, backend, _, _ = bertopic_fit_copy
    atoms = backend.model.atoms_.copy()
    backends.set_n_topics(topic_model, 20)
    assert backend.model.atoms_ is not None
    np.testing.assert_array_equal(backend.model.atoms_, atoms)
    n = len(topic_model.get_topics())
    assert 15 <= n <= 20  # topics that are no document's main topic are folded
    assert topic_model.topic_embeddings_.shape == (n, corpus.embeddings.shape[1])
    sizes = topic_model.get_topic_info()["Count"].to_numpy()
    assert (np.diff(sizes) <= 0).all()
    _check_coherent(topic_model, backend, corpus)
    # Same partition as the standalone estimator re-merged to 20 (when nothing is folded,
    # identical; folding only joins whole topics).
    standalone = copy.deepcopy(standalone_fit)
    standalone.set_n_topics(20)
    pairs = set(zip(standalone.atom_to_topic_, backend.model.atom_to_topic_, strict=True))
    assert len({a for a, _ in pairs}) == len(pairs)  # each standalone topic maps to one topic
    # And back down: BERTopic's merge/reduce bookkeeping restarts cleanly.
    backends.set_n_topics(topic_model, 6)
    assert len(topic_model.get_topics()) == 6
    _check_coherent(topic_model, backend, corpus)


def test_soft_topics_over_time_has_bertopic_schema_and_mixture_counts(bertopic_fit, corpus):
    topic_model, backend, topics, probs = bertopic_fit
    years = 2000 + np.arange(len(corpus.texts)) % 5
    frame = backends.topics_over_time(topic_model, years)
    assert list(frame.columns) == ["Topic", "Words", "Frequency", "Timestamp"]
    for year in range(2000, 2005):
        rows = frame[frame.Timestamp == year]
        np.testing.assert_allclose(
            rows.set_index("Topic")["Frequency"].sort_index().to_numpy(),
            probs[years == year].sum(axis=0)[rows.Topic.sort_values().to_numpy()])
        assert rows["Frequency"].sum() == pytest.approx((years == year).sum())
    assert all(len(words.split(", ")) == 5 for words in frame.Words)


def test_soft_topics_over_time_bins_dates(bertopic_fit, corpus):
    topic_model, _, _, _ = bertopic_fit
    dates = [f"2020-{1 + i % 12:02d}-15" for i in range(len(corpus.texts))]
    frame = backends.topics_over_time(topic_model, dates, nr_bins=4, datetime_format="%Y-%m-%d")
    assert frame.Timestamp.nunique() == 4
    assert frame.Frequency.sum() == pytest.approx(len(dates))
    with pytest.raises(ValueError, match="timestamps has 3 entries"):
        backends.topics_over_time(topic_model, dates[:3])


def test_document_coordinates_are_a_2d_map(bertopic_fit, corpus):
    topic_model, _, topics, _ = bertopic_fit
    coords = backends.document_coordinates(topic_model, random_state=0)
    assert coords.shape == (len(corpus.texts), 2) and np.isfinite(coords).all()
    # Documents of the same main topic lie closer together than random pairs.
    topics = np.asarray(topics)
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, len(topics), size=(2, 4000))
    distance = np.linalg.norm(coords[i] - coords[j], axis=1)
    same = topics[i] == topics[j]
    assert distance[same].mean() < 0.7 * distance[~same].mean()


def test_bertopic_nr_topics_reduces_sae_tm_topics_coherently(bertopic_fit, corpus):
    from bertopic import BERTopic

    from bertopic_saetm.backends import SAETMBackend

    # The SAE of the shared fit (frozen): BERTopic's nr_topics acts on the merged topics.
    sae = copy.deepcopy(bertopic_fit[1].model.sae_)
    backend = SAETMBackend(SAETopicModel(**saetm_params(sae=sae)))
    topic_model = BERTopic(nr_topics=5, **backend.components(corpus.texts))
    topic_model.fit_transform(corpus.texts, corpus.embeddings)
    assert len(topic_model.get_topics()) == 5
    _check_coherent(topic_model, backend, corpus)
