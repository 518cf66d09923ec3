import numpy as np
import pytest
import scipy.sparse as sp

from bertopic_saetm.merge.background import (
    WORDLESS_WORDS,
    atom_selectivity,
    diffuse_atoms,
    wordless_atoms,
)
from bertopic_saetm.merge.partition import cluster_atoms
from bertopic_saetm.merge.placement import atom_centroids, atom_topic_vectors, truncate_top_p
from bertopic_saetm.merge.topic_words import SELECTIVITY_POWER, merge_topic_word, topic_word_weights
from bertopic_saetm.merge.weights import (
    atom_distinctiveness,
    generic_atom_factors,
    main_atom_counts,
    main_atoms,
    merge_weights,
)


def test_truncate_top_p_keeps_the_smallest_prefix_reaching_p():
    B = np.array([[0.5, 0.3, 0.15, 0.05], [0.97, 0.01, 0.01, 0.01]])
    T = truncate_top_p(B, 0.9)
    # Row 0: 0.5 + 0.3 = 0.8 < 0.9, so the third word is needed; the fourth is not.
    np.testing.assert_allclose(T[0], [0.5, 0.3, 0.15, 0] / np.float64(0.95))
    np.testing.assert_allclose(T[1], [1, 0, 0, 0])
    np.testing.assert_allclose(T.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="top_p"):
        truncate_top_p(B, 0.0)


def _clustered(n_per=20, n_groups=4, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_groups, dim)) * 5
    X = np.repeat(centres, n_per, axis=0) + rng.standard_normal((n_per * n_groups, dim)) * 0.1
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    truth = np.repeat(np.arange(n_groups), n_per)
    return X, truth


def test_kmeans_merge_recovers_groups_and_excludes_invalid_atoms():
    X, truth = _clustered()
    prior = np.full(len(X), 1.0 / len(X))
    prior[:3] = 0.0
    labels = cluster_atoms(X, prior, 4, random_state=0)
    assert (labels[:3] == -1).all()
    valid = labels >= 0
    assert set(labels[valid]) == {0, 1, 2, 3}
    # Same partition as the truth, up to renaming.
    for group in range(4):
        assert np.unique(labels[valid][truth[valid] == group]).size == 1
    np.testing.assert_array_equal(labels, cluster_atoms(X, prior, 4, random_state=0))


def test_auto_finds_the_number_of_groups():
    X, truth = _clustered(n_groups=5)
    labels = cluster_atoms(X, np.ones(len(X)), "auto", min_cluster_size=5)
    assert labels.max() + 1 == 5
    assert (labels >= 0).all()


def test_n_topics_bounds():
    X, _ = _clustered()
    prior = np.ones(len(X))
    prior[10:] = 0
    with pytest.raises(ValueError, match="active atoms"):
        cluster_atoms(X, prior, 11)
    with pytest.raises(ValueError, match="No atom is active"):
        cluster_atoms(X, np.zeros(len(X)), 2)


def test_merged_topic_word_is_the_weighted_average_of_atom_rows():
    B = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    weights = np.array([0.6, 0.2, 0.0])
    merged = merge_topic_word(B, weights, np.array([0, 0, -1]), 1)
    np.testing.assert_allclose(merged, [[0.75, 0.25, 0.0]])


def test_selectivity_is_the_mean_weight_where_an_atom_fires():
    theta = sp.csr_matrix(np.array([[0.9, 0.1, 0.0], [0.0, 0.1, 0.0], [0.5, 0.1, 0.0]]))
    np.testing.assert_allclose(atom_selectivity(theta), [0.7, 0.1, 0.0])


def test_main_atom_counts_count_the_strongest_content_atom_of_each_document():
    theta = sp.csr_matrix(np.array([
        [0.6, 0.3, 0.1, 0.0],   # strongest is atom 0, but it is background: atom 1 heads it
        [0.1, 0.2, 0.7, 0.0],
        [0.0, 0.0, 0.9, 0.1],
        [1.0, 0.0, 0.0, 0.0],   # background mass only: heads nothing
        [0.0, 0.0, 0.0, 0.0],   # no atom fires
    ]))
    content = np.array([False, True, True, True])
    np.testing.assert_array_equal(main_atoms(theta, content), [1, 2, 2, -1, -1])
    np.testing.assert_array_equal(main_atom_counts(theta, content), [0, 1, 2, 0])


def test_merge_weights_count_documents_and_a_share_of_one_for_the_prior():
    prior = np.array([0.5, 0.3, 0.2, 0.0])
    weights = merge_weights(np.array([10.0, 0.0, 4.0, 3.0]), prior)
    # In units of the prior (total 1 here): the count plus the atom's share of the prior.
    np.testing.assert_allclose(weights, [10.5, 0.3, 4.2, 0.0])  # no prior: in no topic
    np.testing.assert_allclose(merge_weights(np.array([10.0, 0.0, 4.0, 3.0]), 2 * prior),
                               2 * weights)
    # Without counts (models saved before them) the weights are the prior, so the merge is
    # the one these models made.
    np.testing.assert_array_equal(merge_weights(np.zeros(4), prior), prior)


def _themes_and_chatter(n_per=10):
    # Six words: two every document holds (chatter), two of theme A, two of theme B. Atoms
    # of A and B hold mostly their theme's words; chatter atoms mostly the common words.
    rows = {"A": [0.1, 0.1, 0.4, 0.4, 0.0, 0.0], "B": [0.1, 0.1, 0.0, 0.0, 0.4, 0.4],
            "chatter": [0.4, 0.4, 0.05, 0.05, 0.05, 0.05]}
    profile = np.repeat(np.array(list(rows.values())), n_per, axis=0)
    group = np.repeat(np.arange(3), n_per)
    return profile, group


def test_generic_atoms_are_those_whose_words_are_the_corpus_common_ones():
    profile, group = _themes_and_chatter()
    prior = np.full(len(group), 1.0 / len(group))
    d = atom_distinctiveness(profile, prior)
    mean = profile.mean(axis=0)
    kl = (profile * np.log(np.where(profile > 0, profile, 1) / mean)).sum(axis=1)
    np.testing.assert_allclose(d, kl / np.median(kl))
    factors = generic_atom_factors(profile, prior, 4.0)
    # Theme atoms are the more distinctive half: they weigh in full; chatter atoms far less.
    np.testing.assert_array_equal(factors[group < 2], 1.0)
    np.testing.assert_allclose(factors[group == 2], (d[group == 2]) ** 4)
    assert (factors[group == 2] < 0.1).all()
    np.testing.assert_array_equal(generic_atom_factors(profile, prior, 0.0), 1.0)
    # Atoms in no topic (prior 0) count neither in the mean nor in the median.
    outside = np.vstack([profile, [[0.0, 0.0, 0.0, 0.0, 0.5, 0.5]] * 30])
    np.testing.assert_allclose(
        generic_atom_factors(outside, np.r_[prior, np.zeros(30)], 4.0)[:len(prior)], factors)
    # Profiles that coincide leave no atom more generic than another.
    np.testing.assert_array_equal(generic_atom_factors(np.tile(profile[:1], (5, 1)),
                                                       np.full(5, 0.2), 4.0), 1.0)
    np.testing.assert_array_equal(generic_atom_factors(profile, np.zeros(len(prior)), 4.0), 1.0)
    np.testing.assert_array_equal(generic_atom_factors(np.zeros_like(profile), prior, 4.0), 1.0)
    # An atom without words (all-zero profile) is the most generic of all.
    wordless = profile.copy()
    wordless[0] = 0.0
    assert generic_atom_factors(wordless, prior, 4.0)[0] < 1e-40


def test_generic_atoms_weighed_down_leave_the_topics_to_the_themes():
    profile, group = _themes_and_chatter()
    rng = np.random.default_rng(0)
    centres = np.eye(3) * 4
    vectors = centres[group] + rng.standard_normal((len(group), 3)) * 0.05
    prior = np.full(len(group), 1.0 / len(group))
    # The chatter atoms head ten times the documents of the theme atoms.
    weights = merge_weights(np.where(group == 2, 100.0, 10.0), prior)
    plain = cluster_atoms(vectors, weights, 2, random_state=0)
    # Weighed by documents alone, chatter takes a topic of its own and the themes share one.
    assert np.unique(plain[group == 2]).size == 1
    assert plain[0] == plain[len(group) // 3] != plain[-1]
    weighed = cluster_atoms(vectors, weights * generic_atom_factors(profile, prior, 4.0), 2,
                            random_state=0)
    # Weighed down, the themes get a topic each; chatter joins one (every atom has a topic).
    assert weighed[group == 0][0] != weighed[group == 1][0]
    assert (weighed >= 0).all() and np.unique(weighed[group == 2]).size == 1


def test_word_weights_let_a_focused_atom_outweigh_a_diffuse_one_of_equal_mass():
    # Both atoms hold the same mass; the diffuse one spreads it thinly over many documents.
    mass = np.array([0.2, 0.2])
    selectivity = np.array([0.8, 0.1])
    weights = topic_word_weights(mass, selectivity)
    assert weights[0] / weights[1] == pytest.approx(8.0 ** SELECTIVITY_POWER)
    # Selectivity 1 (models saved before it was recorded) weights by mass alone.
    np.testing.assert_array_equal(topic_word_weights(mass, np.ones(2)), mass)
    # Per group: one row of masses per group, the same selectivity.
    np.testing.assert_allclose(topic_word_weights(np.stack([mass, 2 * mass]), selectivity),
                               np.stack([weights, 2 * weights]))


def test_topic_vectors_from_word_vectors_and_decoder():
    B = np.array([[0.7, 0.3, 0.0], [0.0, 0.0, 1.0]])
    wv = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    T = atom_topic_vectors(B, wv, top_p=1.0)
    # Average of the unit word vectors, weighted by the (truncated) word probabilities.
    np.testing.assert_allclose(T[0], [0.7, 0.3])
    np.testing.assert_allclose(T[1], np.array([1, 1]) / np.sqrt(2))
    # Words without vectors are ignored.
    T = atom_topic_vectors(B, wv, found=np.array([False, True, True]), top_p=1.0)
    np.testing.assert_allclose(T[0], [0.0, 1.0])
    atoms = np.array([[3.0, 4.0], [0.0, 1.0]])
    np.testing.assert_allclose(atom_topic_vectors(B, None, atoms=atoms), [[0.6, 0.8], [0, 1]])


def test_mixture_word_distribution_normalises_weighted_rows():
    from bertopic_saetm.merge.topic_words import mixture_word_distribution

    B = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    out = mixture_word_distribution(B, np.array([[1.0, 1.0], [0.0, 2.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.25, 0.25, 0.5], [0, 0, 1], [0, 0, 0]])
    sparse = mixture_word_distribution(B, sp.csr_matrix([[3.0, 1.0]]))
    np.testing.assert_allclose(sparse, [[0.375, 0.375, 0.25]])


def test_absorb_unowned_topics_folds_into_the_nearest_topic():
    from bertopic_saetm.merge.partition import absorb_unowned_topics, assignment_matrix

    # Topic 2 (atom 2) is never a document's largest share; its vector is nearest topic 1.
    atom_to_topic = np.array([0, 1, 2, -1])
    theta = sp.csr_matrix(np.array([[0.7, 0.0, 0.3, 0], [0.0, 0.6, 0.4, 0], [0.5, 0.3, 0.2, 0]]))
    vectors = np.array([[0.0, 0.0], [5.0, 0.0], [4.0, 0.0], [9.0, 9.0]])
    prior = np.array([0.4, 0.3, 0.3, 0.0])

    def largest_share(partition):  # the labelling rule is the caller's; here the argmax
        return np.asarray((theta @ assignment_matrix(partition, partition.max() + 1))
                          .argmax(axis=1)).ravel()

    merged = absorb_unowned_topics(atom_to_topic, largest_share, vectors, prior)
    np.testing.assert_array_equal(merged, [0, 1, 1, -1])
    assert set(largest_share(merged)) == {0, 1}
    # Nothing to do when every topic owns a document.
    np.testing.assert_array_equal(
        absorb_unowned_topics(merged, largest_share, vectors, prior), merged)


def test_atom_centroids_are_mixture_weighted_means_of_reconstructions():
    rng = np.random.default_rng(0)
    acts = sp.random(50, 6, density=0.4, random_state=1, format="csr") * 3
    acts[:, 5] = 0  # an atom that never fires
    acts = sp.csr_matrix(acts)
    acts.eliminate_zeros()
    decoder, bias = rng.standard_normal((6, 4)), rng.standard_normal(4)
    sums = np.asarray(acts.sum(axis=1)).ravel()
    theta = sp.csr_matrix(sp.diags(np.divide(1, sums, where=sums > 0, out=np.zeros(50))) @ acts)
    recon = acts.toarray() @ decoder + bias
    dense = theta.toarray()
    got = atom_centroids(theta, acts, decoder, bias)
    for k in range(5):
        np.testing.assert_allclose(got[k], np.average(recon, axis=0, weights=dense[:, k]))
    np.testing.assert_array_equal(got[5], 0.0)


def test_diffuse_atoms_flag_the_least_selective_share_of_the_mass():
    # Atom 0 fires strongly on a few documents, atom 1 weakly on all, atom 2 in between.
    theta = np.zeros((100, 4))
    theta[:10, 0] = 0.9
    theta[:, 1] = 0.1
    theta[10:60, 2] = 0.9
    theta[60:, 3] = 0.9
    theta = sp.csr_matrix(theta / theta.sum(axis=1, keepdims=True))
    mass = np.asarray(theta.sum(axis=0)).ravel() / theta.sum()
    np.testing.assert_array_equal(diffuse_atoms(theta, mass[1] + 1e-9), [False, True, False,
                                                                          False])
    np.testing.assert_array_equal(diffuse_atoms(theta, mass[1] - 1e-9), [False] * 4)
    assert not diffuse_atoms(theta, 0.0).any()
    with pytest.raises(ValueError, match="background share"):
        diffuse_atoms(theta, 1.0)


def test_atoms_of_documents_without_words_join_the_background_unless_the_share_is_zero():
    # Atom 2 is selective but its documents hold almost no words; atom 3 never fires.
    theta = sp.csr_matrix(np.array([[0.9, 0.1, 0, 0], [0.1, 0.9, 0, 0], [0, 0, 1.0, 0]]))
    density = np.array([1.2, 0.9, WORDLESS_WORDS / 2, 0.0])
    np.testing.assert_array_equal(wordless_atoms(density, [0.3, 0.3, 0.3, 0.0]),
                                  [False, False, True, False])
    np.testing.assert_array_equal(diffuse_atoms(theta, 0.01, density),
                                  [False, False, True, False])
    np.testing.assert_array_equal(diffuse_atoms(theta, 0.01), [False] * 4)
    assert not diffuse_atoms(theta, 0.0, density).any()
