"""Continuous Topic Model sampler, atom_recovery, and SAE atom recovery on CTM data."""

import numpy as np
import pytest

from bertopic_saetm.datasets.ctm import CTMSample, atom_recovery, sample_ctm
from bertopic_saetm.sae import SAETrainingConfig, train_sae


def test_sample_shapes_and_types():
    s = sample_ctm(50, n_topics=7, dim=12, n_contributions=30, random_state=0)
    assert isinstance(s, CTMSample)
    assert s.embeddings.shape == (50, 12) and s.embeddings.dtype == np.float32
    assert s.topic_directions.shape == (7, 12)
    assert s.topic_counts.shape == (50, 7)
    assert s.doc_topic.shape == (50, 7)
    assert np.isfinite(s.embeddings).all()


def test_directions_unit_norm_and_counts_sum_to_contributions():
    s = sample_ctm(40, n_topics=5, dim=9, n_contributions=17, random_state=1)
    np.testing.assert_allclose(np.linalg.norm(s.topic_directions, axis=1), 1.0, rtol=1e-12)
    assert (s.topic_counts >= 0).all()
    np.testing.assert_array_equal(s.topic_counts, np.round(s.topic_counts))
    np.testing.assert_array_equal(s.topic_counts.sum(axis=1), 17)


def test_doc_topic_rows_sum_to_one():
    s = sample_ctm(60, n_topics=8, dim=10, random_state=2)
    dt = s.doc_topic
    assert (dt >= 0).all()
    np.testing.assert_allclose(dt.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(dt, s.topic_counts / s.topic_counts.sum(axis=1, keepdims=True))


def test_reproducible_by_seed():
    a = sample_ctm(30, 4, 6, random_state=42)
    b = sample_ctm(30, 4, 6, random_state=42)
    c = sample_ctm(30, 4, 6, random_state=43)
    np.testing.assert_array_equal(a.embeddings, b.embeddings)
    np.testing.assert_array_equal(a.topic_directions, b.topic_directions)
    np.testing.assert_array_equal(a.topic_counts, b.topic_counts)
    assert not np.array_equal(a.embeddings, c.embeddings)
    assert not np.array_equal(a.topic_directions, c.topic_directions)


def test_noiseless_embeddings_are_sums_of_contributions():
    s = sample_ctm(25, 6, 8, n_contributions=40, contribution=0.3, noise=0.0, random_state=3)
    expected = 0.3 * s.topic_counts @ s.topic_directions
    np.testing.assert_allclose(s.embeddings, expected, rtol=1e-5, atol=1e-5)


def test_noise_level():
    noise = 0.2
    s = sample_ctm(400, 5, 50, noise=noise, random_state=4)
    residual = s.embeddings - 0.05 * s.topic_counts @ s.topic_directions
    assert residual.std() == pytest.approx(noise, rel=0.05)
    assert abs(residual.mean()) < 0.01


def test_low_concentration_gives_dominant_topics():
    sparse = sample_ctm(300, 10, 8, concentration=0.01, random_state=5).doc_topic
    dense = sample_ctm(300, 10, 8, concentration=100.0, random_state=5).doc_topic
    assert sparse.max(axis=1).mean() > 0.9
    assert dense.max(axis=1).mean() < 0.3


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_documents": 0},
        {"n_topics": 0},
        {"dim": -1},
        {"n_contributions": 0},
        {"concentration": 0.0},
        {"contribution": -0.1},
        {"contribution": 0.0},
        {"noise": -0.01},
    ],
)
def test_parameter_validation(kwargs):
    params = {"n_documents": 10, "n_topics": 3, "dim": 4, **kwargs}
    with pytest.raises(ValueError):
        sample_ctm(**params, random_state=0)


def test_atom_recovery_basic_cases():
    rng = np.random.default_rng(0)
    truth = rng.standard_normal((5, 12))
    truth /= np.linalg.norm(truth, axis=1, keepdims=True)
    # Permuted and rescaled copies among distractors are recovered perfectly.
    atoms = np.vstack([rng.standard_normal((20, 12)), 3.0 * truth[::-1]])
    np.testing.assert_allclose(atom_recovery(truth, atoms), 1.0, rtol=1e-12)
    # Sign matters: an opposite atom scores -1, not 1.
    np.testing.assert_allclose(atom_recovery(truth[:1], -2.0 * truth[:1]), [-1.0], rtol=1e-12)
    assert (atom_recovery(truth, -truth) < 0.99).all()
    # Orthogonal atoms give zero; zero rows are ignored rather than producing NaN.
    eye = np.eye(4)
    np.testing.assert_allclose(atom_recovery(eye[:2], np.vstack([eye[2:], np.zeros(4)])), 0.0)
    assert atom_recovery(eye[:2], eye).shape == (2,)


def test_random_dictionary_recovers_little():
    # The bar of the recovery test is meaningful: random atoms score far below it.
    s = sample_ctm(10, 32, 64, random_state=0)
    atoms = np.random.default_rng(1).standard_normal((256, 64))
    assert atom_recovery(s.topic_directions, atoms).mean() < 0.6


#: High-activity CTM (200 contributions of 0.05 per document, documents dominated by a few
#: topics) and a small schedule: ~1.5 s on 2 CPU cores. Over seeds 0-19 the mean recovery
#: was 0.973-0.983 (worst single topic 0.966). With 16 topics in 32 dimensions it was only
#: 0.951-0.977: the shared pre-bias absorbs part of the data mean, which weighs more on each
#: topic when topics are few (roughly a cap of sqrt(1 - 1/n_topics)).
CTM_PARAMS = dict(
    n_documents=1000,
    n_topics=32,
    dim=64,
    n_contributions=200,
    concentration=0.05,
    contribution=0.05,
    noise=0.01,
)
SAE_PARAMS = SAETrainingConfig(
    architecture="standard",
    expansion_factor=4,
    l1_coefficient=2.0,
    learning_rate=5e-3,
    batch_size=100,
    min_steps=600,
    max_steps=600,
    device="cpu",
)


@pytest.mark.parametrize("seed", [0])
def test_sae_recovers_ctm_topic_directions(seed):
    sample = sample_ctm(**CTM_PARAMS, random_state=seed)
    sae, report = train_sae(sample.embeddings, SAE_PARAMS, random_state=seed)
    recovery = atom_recovery(sample.topic_directions, sae.atoms())
    assert recovery.shape == (CTM_PARAMS["n_topics"],)
    assert recovery.mean() >= 0.95, recovery
    assert recovery.min() >= 0.9, recovery
    assert report.explained_variance > 0.9
    # Sparse codes: a document uses a handful of the 256 atoms.
    assert report.mean_l0 < 10
