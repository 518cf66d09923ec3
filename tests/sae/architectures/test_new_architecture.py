"""A new architecture is one class and a registration: no other file of the package changes.

Two toy architectures, registered for the duration of a test under test-only names: a
BatchTopK-like one (the ``k * n`` largest pre-activations of a whole batch), trainable, with
``k`` in cfg.json; and a ReLU with a learned per-atom offset, an extra parameter.
"""

import json
import warnings

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from sklearn.exceptions import ConvergenceWarning

from bertopic_saetm.datasets.ctm import sample_ctm
from bertopic_saetm.sae import (
    SAEConfig,
    SAETrainingConfig,
    SparseAutoencoder,
    load_sae,
    register_architecture,
    save_sae,
    train_sae,
    unregister_architecture,
)
from bertopic_saetm.sae.architectures import SAEArchitecture, architecture_names, cfg_int
from bertopic_saetm.sae.sae_lens_format import CFG_FILE, WEIGHTS_FILE

D_IN, D_SAE, K = 16, 64, 3


class BatchTopK(SAEArchitecture):
    """The ``k * n`` largest pre-activations of a batch of ``n`` (positive ones only)."""

    trainable = True

    @classmethod
    def architecture(cls):
        return "test_batchtopk"

    @classmethod
    def validate(cls, config):
        if not isinstance(config.k, int) or config.k < 1:
            raise ValueError(f"test_batchtopk needs a positive integer k, got {config.k!r}.")

    @classmethod
    def config_fields(cls, config):
        return {"k": config.k}

    @classmethod
    def activate(cls, pre, sae):
        flat = pre.flatten()
        values, indices = torch.topk(flat, min(sae.config.k * pre.shape[0], flat.numel()))
        return torch.zeros_like(flat).scatter_(0, indices, values.relu()).view_as(pre)

    @classmethod
    def cfg_fields(cls, config):
        return {"k": config.k}

    @classmethod
    def read_cfg(cls, cfg, source):
        return {"k": cfg_int(cfg, "k", source)}


class OffsetReLU(SAEArchitecture):
    """``relu(pre - offset)`` with a per-atom ``offset`` parameter."""

    extra_parameters = ("offset",)

    @classmethod
    def architecture(cls):
        return "test_offset_relu"

    @classmethod
    def activate(cls, pre, sae):
        return (pre - sae.offset).relu()


@pytest.fixture
def registered():
    """Both toys in the package's registry during the test, removed afterwards."""
    for cls in (BatchTopK, OffsetReLU):
        register_architecture(cls)
    yield
    for cls in (BatchTopK, OffsetReLU):
        unregister_architecture(cls.architecture())
    assert architecture_names() == ("standard", "topk", "jumprelu")


def random_sae(architecture, seed=0, **config):
    gen = torch.Generator().manual_seed(seed)
    sae = SparseAutoencoder(SAEConfig(D_IN, D_SAE, architecture, **config))
    with torch.no_grad():
        for param in sae.parameters():
            param.copy_(torch.randn(param.shape, generator=gen))
        sae.W_enc.div_(D_IN ** 0.5)
        sae.W_dec.div_(sae.W_dec.norm(dim=1, keepdim=True))
    return sae.eval()


def inputs(n=40, seed=1):
    return torch.randn(n, D_IN, generator=torch.Generator().manual_seed(seed))


def test_batchtopk_builds_encodes_and_round_trips_through_sae_lens_files(registered, tmp_path):
    sae = random_sae("test_batchtopk", k=K)
    assert {name for name, _ in sae.named_parameters()} == {"W_enc", "b_enc", "W_dec", "b_dec"}
    x = inputs()
    with torch.no_grad():
        acts = sae.encode(x)
        pre = sae.pre_activations(x)
    # Selected over the batch: k per document on average, not per document.
    per_document = (acts > 0).sum(dim=1)
    assert int(per_document.sum()) == K * len(x) and per_document.max() > K
    threshold = torch.topk(pre.flatten(), K * len(x)).values.min()
    torch.testing.assert_close(acts, torch.where(pre >= threshold, pre.relu(), 0.0))

    save_sae(sae, tmp_path)
    cfg = json.loads((tmp_path / CFG_FILE).read_text())
    assert cfg["architecture"] == "test_batchtopk" and cfg["k"] == K
    loaded = load_sae(tmp_path)
    assert loaded.config == sae.config
    with torch.no_grad():
        torch.testing.assert_close(loaded.encode(x), acts, rtol=0, atol=0)


def test_an_extra_parameter_is_created_saved_loaded_and_folded(registered, tmp_path):
    sae = random_sae("test_offset_relu")
    assert sae.offset.shape == (D_SAE,)
    x = inputs()
    with torch.no_grad():
        acts = sae.encode(x)
        torch.testing.assert_close(acts, (sae.pre_activations(x) - sae.offset).relu())
    assert (acts > 0).any() and (acts == 0).any()
    save_sae(sae, tmp_path)
    assert tuple(load_file(str(tmp_path / WEIGHTS_FILE))["offset"].shape) == (D_SAE,)
    loaded = load_sae(tmp_path)
    torch.testing.assert_close(loaded.offset, sae.offset, rtol=0, atol=0)
    # Folding decoder norms scales the offset with the encoder (the base class's default),
    # so the same atoms fire, each activation times its atom's norm.
    norms = torch.linspace(0.5, 2.0, D_SAE)
    with torch.no_grad():
        loaded.W_dec.mul_(norms[:, None])
        loaded.fold_decoder_norm()
        torch.testing.assert_close(loaded.encode(x), acts * norms, rtol=1e-5, atol=1e-5)


def test_batchtopk_trains_with_train_sae(registered):
    X = sample_ctm(400, n_topics=8, dim=24, random_state=0).embeddings
    cfg = SAETrainingConfig(device="cpu", architecture="test_batchtopk", k=K, batch_size=100,
                            min_steps=150, max_steps=150)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 150 steps on purpose
        sae, report = train_sae(X, cfg, random_state=0)
    assert sae.config.architecture == "test_batchtopk" and sae.config.k == K
    # reconstruction_stats encodes the 400 documents as one batch: k per document on average.
    assert report.mean_l0 == pytest.approx(K)
    assert report.explained_variance > 0.5
    np.testing.assert_allclose(np.linalg.norm(sae.atoms(), axis=1), 1.0, rtol=1e-6)


def test_an_offset_relu_is_not_trainable(registered):
    with pytest.raises(ValueError, match="Cannot train architecture 'test_offset_relu'"):
        SAETrainingConfig(architecture="test_offset_relu")


def test_files_of_an_unregistered_architecture_are_refused(tmp_path):
    register_architecture(BatchTopK)
    try:
        save_sae(random_sae("test_batchtopk", k=K), tmp_path)
    finally:
        unregister_architecture("test_batchtopk")
    with pytest.raises(ValueError, match="'test_batchtopk' is not supported.*standard"):
        load_sae(tmp_path)
    with pytest.raises(ValueError, match="Unknown SAE architecture 'test_batchtopk'"):
        SAEConfig(D_IN, D_SAE, "test_batchtopk", k=K)
