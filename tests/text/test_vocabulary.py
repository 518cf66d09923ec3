"""The default vocabulary counted in bulk (count_words) is scikit-learn's CountVectorizer
with the paper's filtering, word for word and count for count."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from bertopic_saetm.engine.stages import VocabularyStage
from bertopic_saetm.text.vocabulary import (
    TOKEN_PATTERN,
    build_bag_of_words,
    count_words,
    default_vectorizer,
)


def assert_same_bag_of_words(documents, min_df, max_features):
    expected, words = build_bag_of_words(default_vectorizer(min_df, max_features), documents)
    counts, vocabulary = count_words(documents, min_df, max_features)
    assert list(vocabulary) == list(words)
    assert counts.dtype == np.float64 and counts.has_sorted_indices
    np.testing.assert_array_equal(counts.indptr, expected.indptr)
    np.testing.assert_array_equal(counts.indices, expected.indices)
    np.testing.assert_array_equal(counts.data, expected.data)


def test_bundled_corpus_matches_scikit_learn(corpus):
    assert_same_bag_of_words(corpus.texts, 5, 5000)
    # A cap below the vocabulary size: words tied in corpus frequency are cut the same way.
    assert_same_bag_of_words(corpus.texts, 2, 300)


HARD_CASES = [
    "Café naïve résumé: the caf and the cafe",       # non-ASCII letters end a token early
    "abc123 abc_def _abc abc- -abc abc.def a1bcd",   # digits and underscores join words
    "KELVIN \u212a\u212a\u212a kkk Straße strasse",  # lower() turns the Kelvin sign into k
    "ﬁne ﬁle fine file ΑΒΓ αβγ x\u0301yz",           # ligatures, Greek, combining marks
    "and the of but THEM them Them\tthem\nthem",     # stop words in any case and spacing
    "",
    "   ",
    "tie one tie two tie three four four four",
]


def test_hard_tokenisation_cases_match_scikit_learn():
    assert_same_bag_of_words(HARD_CASES * 2, 1, 5000)
    assert_same_bag_of_words(HARD_CASES, 1, 4)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("abcXYZ é_1-.\u212aß\n")),
                        max_size=40), min_size=1, max_size=12))
def test_random_texts_match_the_token_pattern(documents):
    reference = CountVectorizer(token_pattern=TOKEN_PATTERN, stop_words="english")
    try:
        reference.fit(documents)
    except ValueError:
        with pytest.raises(ValueError, match="no vocabulary words"):
            count_words(documents, 1, 5000)
        return
    assert_same_bag_of_words(documents, 1, 5000)


@pytest.mark.parametrize("documents", [["the and of", "12 34 __"], ["rare words once"]])
def test_no_word_left_names_the_problem(documents):
    with pytest.raises(ValueError, match="no vocabulary words"):
        count_words(documents, 2, 5000)


def test_default_stage_vectorizer_recounts_the_training_corpus(corpus):
    vocabulary = VocabularyStage().fit(corpus.texts)
    recounted = sp.csr_matrix(vocabulary.vectorizer.transform(corpus.texts), dtype=np.float64)
    assert list(vocabulary.vectorizer.get_feature_names_out()) == list(vocabulary.words)
    assert (recounted != vocabulary.counts).nnz == 0
