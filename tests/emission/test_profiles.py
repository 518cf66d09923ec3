import numpy as np
import pytest
import scipy.sparse as sp

from bertopic_saetm.emission.profiles import (
    atom_word_profiles,
    document_words,
    profile_statistics,
    profile_sums,
    profile_weights,
    word_profiles,
)


def test_a_profile_is_the_damped_counts_of_the_documents_weighted_by_squared_mixtures():
    theta = sp.csr_matrix(np.array([[0.8, 0.2], [0.0, 1.0], [0.5, 0.5]]))
    counts = sp.csr_matrix(np.array([[3, 0, 1], [0, 2, 0], [1, 1, 0]]))
    expected = np.array([
        [0.64 * np.log(4) + 0.25 * np.log(2), 0.25 * np.log(2), 0.64 * np.log(2)],
        [0.04 * np.log(4) + 0.25 * np.log(2), np.log(3) + 0.25 * np.log(2), 0.04 * np.log(2)],
    ])
    np.testing.assert_allclose(profile_sums(theta, counts), expected)
    profiles = atom_word_profiles(theta, counts)
    np.testing.assert_allclose(profiles, expected / expected.sum(axis=1, keepdims=True))


def test_an_atom_is_described_by_the_documents_it_dominates():
    # Atom 0 heads documents about words 0-1 and fires weakly on documents about word 2;
    # atom 1 heads those. Atom 0's profile puts its own documents' words first.
    theta = sp.csr_matrix(np.array([[0.9, 0.1]] * 5 + [[0.2, 0.8]] * 5))
    counts = sp.csr_matrix(np.array([[2, 2, 0]] * 5 + [[0, 0, 4]] * 5))
    profiles = atom_word_profiles(theta, counts)
    assert profiles[0, :2].min() > 10 * profiles[0, 2]
    assert profiles[1, 2] > profiles[1, :2].max()


def test_sums_over_blocks_give_the_profiles_of_the_whole_corpus():
    theta = sp.random(60, 7, density=0.3, random_state=1, format="csr")
    counts = sp.random(60, 11, density=0.4, random_state=2, format="csr") * 5
    blocks = [slice(0, 25), slice(25, 40), slice(40, 60)]
    summed = sum(profile_sums(theta[b], counts[b]) for b in blocks)
    np.testing.assert_allclose(word_profiles(summed), atom_word_profiles(theta, counts))


def test_atoms_without_documents_have_empty_profiles_and_bad_shapes_are_refused():
    theta = sp.csr_matrix(np.array([[1.0, 0.0], [1.0, 0.0]]))
    profiles = atom_word_profiles(theta, sp.csr_matrix(np.ones((2, 3))))
    np.testing.assert_array_equal(profiles[1], 0.0)
    np.testing.assert_allclose(profiles[0].sum(), 1.0)
    with pytest.raises(ValueError, match="same documents"):
        profile_sums(theta, sp.csr_matrix(np.ones((3, 3))))


def test_document_words_are_the_damped_words_per_document_of_an_atom():
    # Atom 0 heads the two documents with words, atom 1 the two without any; atom 2 shares
    # the first document with atom 0.
    theta = sp.csr_matrix(np.array([[0.5, 0.0, 0.5], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0],
                                    [0.0, 1.0, 0.0]]))
    counts = sp.csr_matrix(np.array([[1, 2, 0], [0, 0, 3], [0, 0, 0], [0, 0, 0]]))
    sums, weights = profile_statistics(theta, counts)
    np.testing.assert_allclose(weights, [1.25, 2.0, 0.25])
    first, second = np.log(2) + np.log(3), np.log(4)
    np.testing.assert_allclose(document_words(sums, weights),
                               [(0.25 * first + second) / 1.25, 0.0, first])
    # An atom that fires on nothing gets 0.
    np.testing.assert_allclose(document_words(np.vstack([sums, np.zeros(3)]),
                                              np.append(weights, 0.0))[3], 0.0)
    # Summed over blocks, the weights are the corpus' (as a cluster reduces them).
    np.testing.assert_allclose(profile_weights(theta[:1]) + profile_weights(theta[1:]), weights)
