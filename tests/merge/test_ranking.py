"""Topic words ranked by LDAvis relevance: probability, discounted for words every topic uses."""

import numpy as np
import pytest

from bertopic_saetm.merge.ranking import top_word_indices, word_marginal, word_relevance

# Word 0 is common to both topics; word 1 belongs to topic 0, word 2 to topic 1.
TOPIC_WORD = np.array([[0.40, 0.38, 0.00, 0.22],
                       [0.40, 0.00, 0.38, 0.22]])
PRIOR = np.array([0.5, 0.5])


def test_marginal_is_the_prior_weighted_mean():
    np.testing.assert_allclose(word_marginal(TOPIC_WORD, np.array([3.0, 1.0])),
                               0.75 * TOPIC_WORD[0] + 0.25 * TOPIC_WORD[1])
    np.testing.assert_allclose(word_marginal(TOPIC_WORD, np.zeros(2)), TOPIC_WORD.mean(axis=0))


def test_relevance_formula_and_words_without_probability():
    marginal = word_marginal(TOPIC_WORD, PRIOR)
    relevance = word_relevance(TOPIC_WORD, marginal, 0.9)
    expected = 0.9 * np.log(0.38) + 0.1 * np.log(0.38 / 0.19)
    assert relevance[0, 1] == pytest.approx(expected)
    assert relevance[0, 2] == -np.inf and relevance[1, 1] == -np.inf


def test_a_shared_word_gives_way_to_the_topics_own_word():
    marginal = word_marginal(TOPIC_WORD, PRIOR)
    # By probability the shared word comes first; by relevance the topic's own word does.
    assert list(top_word_indices(TOPIC_WORD, marginal, 2, weight=1.0)[0]) == [0, 1]
    assert list(top_word_indices(TOPIC_WORD, marginal, 2, weight=0.9)[0]) == [1, 0]
    assert list(top_word_indices(TOPIC_WORD, marginal, 2, weight=0.9)[1]) == [2, 0]
    # Words a topic never emits come last.
    assert top_word_indices(TOPIC_WORD, marginal, 4)[0, -1] == 2


def test_weight_outside_the_unit_interval_is_refused():
    with pytest.raises(ValueError, match="weight"):
        word_relevance(TOPIC_WORD, word_marginal(TOPIC_WORD, PRIOR), 1.5)


def test_model_topics_follow_the_relevance_order(fitted):
    order = top_word_indices(fitted.topic_word_, fitted.word_marginal(), 10,
                             fitted.relevance_weight())
    for topic, words in enumerate(fitted.get_topics(10)):
        assert [w for w, _ in words] == [str(fitted.vocabulary_[j]) for j in order[topic]]
        assert [p for _, p in words] == [float(fitted.topic_word_[topic, j])
                                         for j in order[topic]]


def test_small_topics_rank_with_the_small_topic_weight(fitted):
    import copy

    from bertopic_saetm.merge.topic_words import TOPIC_WORD_RULES

    rule = TOPIC_WORD_RULES["documents"]
    assert rule.relevance_for(1499.0) == rule.small_topic_relevance_weight == 0.7
    assert rule.relevance_for(1500.0) == rule.relevance_for(0.0) == rule.relevance_weight == 0.6
    assert TOPIC_WORD_RULES["emission"].relevance_for(3.0) == 0.9
    model = copy.deepcopy(fitted)
    words = float(np.sum(model.atom_main_documents_ * model.atom_document_words_))
    assert words / model.n_topics_ >= 1500 and model.relevance_weight() == 0.6
    content = int(((model.atom_prior_ > 0) & ~model.background_atoms_).sum())
    small = int(words // 1500) + 1  # topics of fewer than 1,500 words on average
    assert small <= content
    model.set_n_topics(small)
    assert model.relevance_weight() == 0.7
    order = top_word_indices(model.topic_word_, model.word_marginal(), 10, 0.7)
    assert [[w for w, _ in words] for words in model.get_topics(10)] == \
        [[str(model.vocabulary_[j]) for j in row] for row in order]
    assert not np.array_equal(order, top_word_indices(model.topic_word_, model.word_marginal(),
                                                      10, 0.6))


def test_a_topic_is_small_by_the_words_of_its_documents_not_their_number(fitted):
    import copy

    model = copy.deepcopy(fitted)
    assert model.relevance_weight() == 0.6
    # The same documents, a tenth as wordy (one-sentence texts instead of paragraphs).
    model.atom_document_words_ = model.atom_document_words_ / 10
    assert model.relevance_weight() == 0.7


def test_document_words_are_those_of_the_profiles(fitted, corpus):
    import scipy.sparse as sp

    from bertopic_saetm.emission.profiles import document_words, profile_statistics

    theta = sp.csr_matrix(fitted.transform_atoms(embeddings=corpus.embeddings))
    counts = fitted.vectorizer_.transform(corpus.texts)
    np.testing.assert_allclose(fitted.atom_document_words_,
                               document_words(*profile_statistics(theta, counts)), rtol=1e-6)
    # The bundled docstrings hold 10-30 damped vocabulary words each.
    headed = fitted.atom_main_documents_ > 0
    assert 5 < np.average(fitted.atom_document_words_[headed],
                          weights=fitted.atom_main_documents_[headed]) < 40
