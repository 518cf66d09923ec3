"""SAE-Lens folder format: round trips, cfg.json contents, errors, and sae_lens interop."""

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from bertopic_saetm.sae import SAEConfig, SparseAutoencoder, load_sae, save_sae
from bertopic_saetm.sae.sae_lens_format import CFG_FILE, WEIGHTS_FILE

D_IN, D_SAE = 16, 64
ARCHS = [("standard", None), ("topk", 5), ("jumprelu", None)]


def randomise(sae, seed):
    """Random weights of realistic magnitude (activations and reconstructions of order one)
    for our SAE or a sae_lens one (same parameter names)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in sae.parameters():
            param.copy_(torch.randn(param.shape, generator=gen))
        sae.W_enc.div_(sae.W_enc.shape[0] ** 0.5)
        sae.W_dec.div_(sae.W_dec.norm(dim=1, keepdim=True))
        if hasattr(sae, "threshold"):
            sae.threshold.copy_(torch.rand(sae.threshold.shape, generator=gen))
    return sae


def random_sae(architecture="standard", k=None, input_scale=1.0, seed=0, **config):
    sae = SparseAutoencoder(
        SAEConfig(D_IN, D_SAE, architecture, k=k, **config), input_scale=input_scale
    )
    return randomise(sae, seed).eval()


def inputs(n=40, seed=1):
    return torch.randn(n, D_IN, generator=torch.Generator().manual_seed(seed))


def encode(sae, x):
    with torch.no_grad():
        return sae.encode(x)


def assert_same_encoding(a, b, x, atol):
    ea, eb = encode(a, x), encode(b, x)
    assert (ea > 0).any(), "vacuous comparison: nothing fires"
    np.testing.assert_allclose(ea.numpy(), eb.numpy(), atol=atol, rtol=0)
    with torch.no_grad():
        np.testing.assert_allclose(a.decode(ea).numpy(), b.decode(eb).numpy(), atol=atol, rtol=0)


@pytest.fixture
def saved(tmp_path):
    folder = tmp_path / "sae"
    save_sae(random_sae("topk", 5), folder)
    return folder


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(("architecture", "k"), ARCHS)
@pytest.mark.parametrize("input_scale", [1.0, 2.5])
def test_round_trip_gives_identical_encoding(tmp_path, architecture, k, input_scale):
    sae = random_sae(architecture, k, input_scale=input_scale)
    returned = save_sae(sae, tmp_path / "nested" / "sae")
    assert returned == tmp_path / "nested" / "sae"
    loaded = load_sae(returned)
    assert loaded.config == sae.config
    assert loaded.input_scale == 1.0
    assert not loaded.training
    assert all(not p.requires_grad for p in loaded.parameters())
    assert_same_encoding(sae, loaded, inputs(), atol=1e-6 * max(1.0, input_scale))
    # Saving folds the scale in a copy: the SAE in memory is untouched.
    assert sae.input_scale == input_scale


def test_round_trip_keeps_weights_exactly_at_unit_scale(tmp_path):
    sae = random_sae("jumprelu")
    loaded = load_sae(save_sae(sae, tmp_path))
    for name, param in sae.named_parameters():
        assert torch.equal(param, dict(loaded.named_parameters())[name]), name


def test_round_trip_without_pre_bias(tmp_path):
    sae = random_sae("standard", apply_b_dec_to_input=False)
    loaded = load_sae(save_sae(sae, tmp_path))
    assert loaded.config.apply_b_dec_to_input is False
    assert_same_encoding(sae, loaded, inputs(), atol=1e-6)


def test_save_overwrites_existing_folder(tmp_path):
    save_sae(random_sae("standard", seed=0), tmp_path)
    second = random_sae("standard", seed=1)
    loaded = load_sae(save_sae(second, tmp_path))
    assert torch.equal(loaded.W_enc, second.W_enc)


def test_cfg_json_contents(tmp_path):
    sae = SparseAutoencoder(SAEConfig(D_IN, D_SAE, "topk", k=7, metadata={"model_name": "m"}))
    save_sae(sae, tmp_path, metadata={"hook_name": "embeddings"})
    cfg = json.loads((tmp_path / CFG_FILE).read_text())
    assert cfg["architecture"] == "topk"
    assert cfg["d_in"] == D_IN and cfg["d_sae"] == D_SAE
    assert cfg["k"] == 7
    assert cfg["rescale_acts_by_decoder_norm"] is False
    assert cfg["normalize_activations"] == "none"
    assert cfg["apply_b_dec_to_input"] is True
    assert cfg["dtype"] == "float32"
    assert isinstance(cfg["metadata"]["sae_lens_version"], str)
    assert cfg["metadata"]["sae_lens_version"]
    assert cfg["metadata"]["model_name"] == "m"
    assert cfg["metadata"]["hook_name"] == "embeddings"
    # Metadata survives loading.
    loaded = load_sae(tmp_path)
    assert loaded.config.metadata["hook_name"] == "embeddings"
    assert loaded.config.metadata["model_name"] == "m"


@pytest.mark.parametrize(("architecture", "k"), ARCHS)
def test_weights_file_uses_sae_lens_names_and_shapes(tmp_path, architecture, k):
    save_sae(random_sae(architecture, k, input_scale=2.0), tmp_path)
    tensors = load_file(str(tmp_path / WEIGHTS_FILE))
    expected = {"W_enc": (D_IN, D_SAE), "b_enc": (D_SAE,), "W_dec": (D_SAE, D_IN), "b_dec": (D_IN,)}
    if architecture == "jumprelu":
        expected["threshold"] = (D_SAE,)
    assert {name: tuple(t.shape) for name, t in tensors.items()} == expected
    assert all(t.dtype == torch.float32 for t in tensors.values())
    cfg = json.loads((tmp_path / CFG_FILE).read_text())
    assert cfg["architecture"] == architecture
    assert ("k" in cfg) == (architecture == "topk")


# --------------------------------------------------------------------------- errors


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_sae(tmp_path / "nope")


@pytest.mark.parametrize("missing", [CFG_FILE, WEIGHTS_FILE])
def test_missing_file(saved, missing):
    (saved / missing).unlink()
    with pytest.raises(FileNotFoundError, match=missing):
        load_sae(saved)


def test_invalid_json(saved):
    (saved / CFG_FILE).write_text("{not json")
    with pytest.raises(ValueError, match="JSON"):
        load_sae(saved)


def test_json_not_an_object(saved):
    (saved / CFG_FILE).write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        load_sae(saved)


def edit_cfg(folder, **changes):
    cfg = json.loads((folder / CFG_FILE).read_text())
    for key, value in changes.items():
        if value is ...:
            cfg.pop(key)
        else:
            cfg[key] = value
    (folder / CFG_FILE).write_text(json.dumps(cfg))


def test_unknown_architecture_is_named(saved):
    edit_cfg(saved, architecture="gated")
    with pytest.raises(ValueError, match="'gated'"):
        load_sae(saved)


@pytest.mark.parametrize(("change", "match"), [
    ({"d_sae": ...}, "d_sae"),
    ({"normalize_activations": "expected_average_only_in"}, "normalize_activations"),
    ({"k": D_SAE + 1}, "k"),
    ({"architecture": "jumprelu"}, "threshold"),
], ids=["missing-d_sae", "normalisation", "k-too-large", "jumprelu-without-threshold"])
def test_invalid_cfg_is_rejected(saved, change, match):
    edit_cfg(saved, **change)
    with pytest.raises(ValueError, match=match):
        load_sae(saved)


@pytest.mark.parametrize(("key", "value"), [("d_sae", D_SAE * 2), ("d_in", D_IN + 1)])
def test_weights_shape_mismatching_cfg(saved, key, value):
    edit_cfg(saved, **{key: value})
    with pytest.raises(ValueError, match="shape"):
        load_sae(saved)


def test_missing_tensor(saved):
    tensors = load_file(str(saved / WEIGHTS_FILE))
    del tensors["b_enc"]
    save_file(tensors, str(saved / WEIGHTS_FILE))
    with pytest.raises(ValueError, match="b_enc"):
        load_sae(saved)


def test_non_finite_weights(saved):
    tensors = load_file(str(saved / WEIGHTS_FILE))
    tensors["W_dec"][3, 2] = float("nan")
    save_file(tensors, str(saved / WEIGHTS_FILE))
    with pytest.raises(ValueError, match="NaN"):
        load_sae(saved)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_corrupt_weights_file(saved, damage):
    path = saved / WEIGHTS_FILE
    data = path.read_bytes()
    corrupted = {
        "truncate": data[: len(data) // 2],
        "garbage": bytes(range(256)) * 4,
        "empty": b"",
    }[damage]
    path.write_bytes(corrupted)
    with pytest.raises(ValueError, match="safetensors"):
        load_sae(saved)


@pytest.mark.parametrize("change", [{"k": ...}, {"k": None}, {"d_in": None}])
def test_malformed_cfg_values_raise_value_error(saved, change):
    edit_cfg(saved, **change)
    with pytest.raises(ValueError):
        load_sae(saved)


# --------------------------------------------------------------------------- sae_lens interop


@pytest.mark.parametrize(("architecture", "k"), ARCHS)
def test_sae_lens_loads_our_folder(tmp_path, architecture, k):
    sae_lens = pytest.importorskip("sae_lens")
    ours = random_sae(architecture, k, input_scale=1.7)
    save_sae(ours, tmp_path, metadata={"model_name": "test-model"})
    theirs = sae_lens.SAE.load_from_disk(tmp_path)
    assert theirs.cfg.architecture() == architecture
    assert theirs.cfg.d_in == D_IN and theirs.cfg.d_sae == D_SAE
    assert theirs.cfg.normalize_activations == "none"
    assert_same_encoding(ours, theirs, inputs(), atol=1e-5)


def sae_lens_sae(sae_lens, architecture, seed=0, **cfg):
    """An SAE built by sae_lens in memory with random weights."""
    classes = {
        "standard": (sae_lens.StandardSAE, sae_lens.StandardSAEConfig),
        "topk": (sae_lens.TopKSAE, sae_lens.TopKSAEConfig),
        "jumprelu": (sae_lens.JumpReLUSAE, sae_lens.JumpReLUSAEConfig),
    }
    sae_cls, cfg_cls = classes[architecture]
    sae = sae_cls(cfg_cls(d_in=D_IN, d_sae=D_SAE, **cfg))
    return randomise(sae, seed)


@pytest.mark.parametrize(
    ("architecture", "cfg"),
    [
        ("standard", {}),
        ("standard", {"apply_b_dec_to_input": False}),
        ("topk", {"k": 6}),
        ("jumprelu", {}),
    ],
)
def test_we_load_sae_lens_saved_folder(tmp_path, architecture, cfg):
    sae_lens = pytest.importorskip("sae_lens")
    theirs = sae_lens_sae(sae_lens, architecture, **cfg)
    theirs.save_model(tmp_path)
    ours = load_sae(tmp_path)
    assert ours.config.architecture == architecture
    assert ours.config.apply_b_dec_to_input == cfg.get("apply_b_dec_to_input", True)
    if architecture == "topk":
        assert ours.config.k == cfg["k"]
    assert_same_encoding(theirs, ours, inputs(), atol=1e-5)


def test_topk_rescale_acts_by_decoder_norm_is_not_silently_ignored(tmp_path):
    sae_lens = pytest.importorskip("sae_lens")
    theirs = sae_lens_sae(sae_lens, "topk", k=6, rescale_acts_by_decoder_norm=True)
    with torch.no_grad():  # the flag matters only for decoder rows of unequal norms
        theirs.W_dec.mul_(torch.linspace(0.2, 3.0, D_SAE)[:, None])
    theirs.save_model(tmp_path)
    try:
        ours = load_sae(tmp_path)
    except ValueError as exc:  # refusing the file is an acceptable fix
        assert "rescale_acts_by_decoder_norm" in str(exc)
        return
    assert_same_encoding(theirs, ours, inputs(), atol=1e-5)
