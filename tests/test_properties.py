"""Property tests (hypothesis): mixtures are distributions, re-merging keeps each
document's mass, fit_transform equals fit().transform, and a seed fixes the result."""

import functools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bertopic_saetm import SAETopicModel, SAETrainingConfig
from bertopic_saetm.merge.partition import assignment_matrix, cluster_atoms

FAST = SAETrainingConfig(expansion_factor=1, min_steps=40, max_steps=50)
SLOW_OK = settings(max_examples=25, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])

embeddings_strategy = arrays(np.float32, st.tuples(st.integers(1, 30), st.just(384)),
                             elements=st.floats(-3, 3, width=32))


@SLOW_OK
@given(X=embeddings_strategy)
def test_mixtures_are_distributions_or_zero_rows(fitted, X):
    theta = fitted.transform(embeddings=X)
    assert theta.shape == (X.shape[0], fitted.n_topics_)
    assert (theta >= 0).all()
    # Content topics get the mixture less the background atoms' share.
    atoms = fitted.transform_atoms(embeddings=X)
    background = np.asarray(atoms[:, fitted.background_atoms_].sum(axis=1)).ravel()
    sums = theta.sum(axis=1)
    assert np.all(np.isclose(sums + background, 1.0) | (np.asarray(atoms.sum(axis=1)) == 0).ravel())


@functools.cache
def _partition(model, k):
    """The model's atoms merged into k topics (k-means: the costly part, done once per k)."""
    return cluster_atoms(model.atom_topic_vectors_, model.atom_prior_, k, 0)


@SLOW_OK
@given(k=st.sampled_from([1, 2, 7, 40]), X=embeddings_strategy)
def test_re_merging_keeps_each_documents_mass(fitted, k, X):
    theta = fitted.transform_atoms(embeddings=X)
    atom_to_topic = _partition(fitted, k)
    merged = theta @ assignment_matrix(atom_to_topic, atom_to_topic.max() + 1)
    np.testing.assert_allclose(np.asarray(merged.sum(axis=1)).ravel(),
                               np.asarray(theta.sum(axis=1)).ravel(), atol=1e-12)


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**16), start=st.integers(0, 1000), k=st.integers(2, 6))
def test_fit_transform_equals_fit_then_transform_and_seeds_repeat(corpus, seed, start, k):
    texts = corpus.texts[start : start + 300]
    X = corpus.embeddings[start : start + 300]

    def make():
        return SAETopicModel(n_topics=k, sae_config=FAST, word_vectors="decoder",
                             random_state=seed)

    first = make()
    theta = first.fit_transform(texts, X)
    again = make().fit(texts, X)
    # fit_transform merges the mixtures the fit computed; transform re-encodes: the same
    # values summed in another order.
    np.testing.assert_allclose(again.transform(embeddings=X), theta, rtol=0, atol=1e-12)
    # The seed fixes the model: the two fits with it are identical.
    np.testing.assert_array_equal(again.atom_word_, first.atom_word_)


@pytest.mark.parametrize("k", [1, 3, 10])
def test_merging_is_a_partition_of_the_valid_atoms(fitted, k):
    atom_to_topic = cluster_atoms(fitted.atom_topic_vectors_, fitted.atom_prior_, k, 0)
    valid = fitted.atom_prior_ > 0
    assert (atom_to_topic[~valid] == -1).all()
    assert set(atom_to_topic[valid]) == set(range(atom_to_topic.max() + 1))
    A = assignment_matrix(atom_to_topic, atom_to_topic.max() + 1)
    assert sp.issparse(A) and np.array_equal(np.asarray(A.sum(axis=1)).ravel(), valid)
