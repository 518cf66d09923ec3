"""Training through SAE-Lens's own trainer (sae_lens_bridge.training)."""

import importlib.util
import sys

import numpy as np
import pytest
import torch

from sae_lens_bridge.training import train_with_sae_lens

# Checked without importing sae_lens (about 5 s): every test collection would pay for it,
# and sae_lens_bridge.training imports it only when it trains.
pytestmark = pytest.mark.skipif(importlib.util.find_spec("sae_lens") is None,
                                reason="needs sae-lens (pip install -e '.[bridge]')")

N_STEPS = 300


def planted_data(seed=0, n=2000, d=16, k=24, noise=0.02):
    """Sparse non-negative combinations (about 3 of ``k``) of random unit directions."""
    rng = np.random.default_rng(seed)
    directions = rng.standard_normal((k, d))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    coefficients = (rng.random((n, k)) < 3 / k) * rng.exponential(1.0, (n, k))
    X = coefficients @ directions + noise * rng.standard_normal((n, d))
    return X.astype(np.float32), directions


def recovery(directions, atoms):
    """Mean over planted directions of the best |cosine| with a learned atom."""
    return float(np.abs(directions @ atoms.T).max(axis=1).mean())


def numpy_reconstruction(sae, X):
    W_enc, b_enc, W_dec, b_dec = (p.detach().numpy().astype(np.float64)
                                  for p in (sae.W_enc, sae.b_enc, sae.W_dec, sae.b_dec))
    acts = np.maximum((X - b_dec) @ W_enc + b_enc, 0.0)
    return acts, acts @ W_dec + b_dec


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # Tiny matrices: a second thread only adds synchronisation, and on a busy machine
    # (another process on the other core) it made each step ~50x slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def data():
    return planted_data()


@pytest.fixture(scope="module")
def trained(data):
    return train_with_sae_lens(data[0], n_steps=N_STEPS, random_state=0)


def test_report_and_unit_atoms(data, trained):
    X, _ = data
    dictionary, report = trained
    sae = dictionary.sae
    assert (sae.d_in, sae.d_sae) == (16, 64)
    assert report["steps"] == N_STEPS and report["seconds"] > 0
    np.testing.assert_allclose(sae.W_dec.detach().norm(dim=1).numpy(), 1.0, atol=1e-5)
    assert sae.config.architecture == "standard" and sae.input_scale == 1.0


def test_encodes_raw_inputs(data, trained):
    X, _ = data
    dictionary, report = trained
    acts, recon = numpy_reconstruction(dictionary.sae, X.astype(np.float64))
    sst = ((X - X.mean(axis=0)) ** 2).sum()
    ev = 1.0 - ((recon - X) ** 2).sum() / sst
    assert ev > 0.5
    assert report["explained_variance"] == pytest.approx(ev, abs=1e-4)
    assert report["mean_l0"] == pytest.approx((acts > 0).sum(axis=1).mean(), rel=1e-3)
    assert 1 <= report["mean_l0"] < 16
    ours = dictionary.sae.encode(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(ours, acts, atol=1e-4)


def test_recovers_planted_directions(data, trained):
    X, directions = data
    atoms = trained[0].sae.atoms()
    random_atoms = np.random.default_rng(1).standard_normal(atoms.shape)
    random_atoms /= np.linalg.norm(random_atoms, axis=1, keepdims=True)
    # Measured: ~0.99 after 300 steps, ~0.78 after 30, ~0.62 for random atoms.
    assert recovery(directions, random_atoms) < 0.75
    assert recovery(directions, atoms) > 0.95


def test_same_seed_same_weights(data, trained):
    again, _ = train_with_sae_lens(data[0], n_steps=N_STEPS, random_state=0)
    assert torch.equal(again.sae.W_dec, trained[0].sae.W_dec)
    assert torch.equal(again.sae.W_enc, trained[0].sae.W_enc)
    assert torch.equal(again.sae.b_enc, trained[0].sae.b_enc)
    other, _ = train_with_sae_lens(data[0], n_steps=N_STEPS, random_state=1)
    assert not torch.allclose(other.sae.W_dec, trained[0].sae.W_dec)


def test_input_scale_folded(data):
    # Inputs far from mean norm sqrt(d_in): trained rescaled, the SAE still reads raw X.
    X = data[0] * 50.0
    dictionary, report = train_with_sae_lens(X, n_steps=N_STEPS, random_state=0)
    assert report["scaling_factor"] == pytest.approx(np.sqrt(16) / np.linalg.norm(
        X, axis=1).mean(), rel=0.05)
    _, recon = numpy_reconstruction(dictionary.sae, X.astype(np.float64))
    ev = 1.0 - ((recon - X) ** 2).sum() / ((X - X.mean(axis=0)) ** 2).sum()
    assert ev > 0.5 and report["explained_variance"] == pytest.approx(ev, abs=1e-4)


def test_rejects_bad_input(data):
    with pytest.raises(ValueError, match="2-D"):
        train_with_sae_lens(np.zeros(16, dtype=np.float32))
    bad = data[0].copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        train_with_sae_lens(bad)
    with pytest.raises(ValueError, match="n_steps"):
        train_with_sae_lens(data[0], n_steps=0)


def test_missing_sae_lens_hint(data, monkeypatch):
    monkeypatch.setitem(sys.modules, "sae_lens.config", None)
    with pytest.raises(ImportError, match=r"bertopic-saetm\[bridge\]"):
        train_with_sae_lens(data[0], n_steps=1)
