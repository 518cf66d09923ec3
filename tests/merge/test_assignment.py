"""The main-topic rule: mixture weight times closeness of directions."""

import numpy as np
import scipy.sparse as sp

from bertopic_saetm.merge.assignment import assign_main_topics, topic_directions

# Four atoms in a 3-d decoder space: atoms 0 and 1 form a diffuse topic 0 (along x and
# along z), atom 2 is topic 1 (along y), atom 3 is a background atom (no topic).
DECODER = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.6, 0.6, 0.6]])
ATOM_TO_TOPIC = np.array([0, 0, 1, -1])
PRIOR = np.array([0.3, 0.3, 0.3, 0.1])


def directions():
    return topic_directions(DECODER, PRIOR, ATOM_TO_TOPIC, 2)


def test_topic_directions_are_unit_prior_weighted_sums():
    d = directions()
    np.testing.assert_allclose(np.linalg.norm(d, axis=1), 1.0)
    np.testing.assert_allclose(d[1], [0.0, 1.0, 0.0])
    expected = 0.3 * DECODER[0] + 0.3 * DECODER[1]
    np.testing.assert_allclose(d[0], expected / np.linalg.norm(expected))


def test_many_weak_atoms_do_not_outvote_the_direction_the_document_points_to():
    # Document 0 has more mass on the diffuse topic 0 (.54 from two weak atoms pointing
    # apart) but its direction (.27 x + .46 y + .27 z) lies nearer topic 1's.
    theta = sp.csr_matrix(np.array([
        [0.27, 0.27, 0.46, 0.00],
        [0.50, 0.40, 0.10, 0.00],   # clearly topic 0
        [0.00, 0.00, 0.00, 1.00],   # background only: no content topic
        [0.00, 0.00, 0.00, 0.00],   # nothing fires
    ]))
    plain = assign_main_topics(theta, ATOM_TO_TOPIC, 2, DECODER, directions(), concentration=0)
    np.testing.assert_array_equal(plain, [0, 0, -1, -1])
    labels = assign_main_topics(theta, ATOM_TO_TOPIC, 2, DECODER, directions())
    np.testing.assert_array_equal(labels, [1, 0, -1, -1])


def test_a_topic_absent_from_the_mixture_is_never_chosen():
    # Topic 1's direction is replaced by one the document points to exactly; topic 1 has
    # no mass in the document, so it still cannot be its main topic.
    theta = sp.csr_matrix(np.array([[0.5, 0.5, 0.0, 0.0]]))
    aligned = np.array([[1.0, 0.0, 0.0], [np.sqrt(0.5), 0.0, np.sqrt(0.5)]])
    np.testing.assert_array_equal(
        assign_main_topics(theta, ATOM_TO_TOPIC, 2, DECODER, aligned), [0])


def test_batches_give_the_same_labels():
    rng = np.random.default_rng(0)
    theta = sp.csr_matrix(rng.random((50, 4)) * (rng.random((50, 4)) < 0.6))
    whole = assign_main_topics(theta, ATOM_TO_TOPIC, 2, DECODER, directions())
    batched = assign_main_topics(theta, ATOM_TO_TOPIC, 2, DECODER, directions(), batch_size=7)
    np.testing.assert_array_equal(whole, batched)
