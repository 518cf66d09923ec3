import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from bertopic_saetm import SAETopicModel
from sae_lens_bridge import (
    Dictionary,
    from_sae_lens,
    load_dictionary,
    save_dictionary,
    to_sae_lens,
)

from .conftest import random_sae

ARCHS = [("standard", None), ("topk", 4), ("jumprelu", None)]
METADATA = {"model_name": "gpt2", "hook_name": "blocks.3.hook_resid_pre", "context_size": 128,
            "prepend_bos": False, "model_from_pretrained_kwargs": {"center_writing_weights": True}}


def inputs(n=50, seed=3):
    return torch.randn(n, 16, generator=torch.Generator().manual_seed(seed))


def encode(sae, x):
    with torch.no_grad():
        return sae.encode(x).numpy()


def sae_lens_sae(architecture, k=None, seed=0, norms=None):
    sae_lens = pytest.importorskip("sae_lens")
    classes = {"standard": (sae_lens.StandardSAE, sae_lens.StandardSAEConfig),
               "topk": (sae_lens.TopKSAE, sae_lens.TopKSAEConfig),
               "jumprelu": (sae_lens.JumpReLUSAE, sae_lens.JumpReLUSAEConfig)}
    sae_cls, cfg_cls = classes[architecture]
    sae = sae_cls(cfg_cls(d_in=16, d_sae=32, **({"k": k} if k else {})))
    ours = random_sae(architecture=architecture, k=k, seed=seed)
    sae.load_state_dict(ours.state_dict(), strict=False)
    if norms is not None:
        with torch.no_grad():
            sae.W_dec.mul_(norms[:, None])
    return sae


@pytest.mark.parametrize(("architecture", "k"), ARCHS)
def test_ours_to_sae_lens_and_back(tmp_path, architecture, k):
    sae_lens = pytest.importorskip("sae_lens")
    ours = random_sae(architecture=architecture, k=k)
    save_dictionary(ours, tmp_path / "d", metadata=METADATA)
    theirs = sae_lens.SAE.load_from_disk(tmp_path / "d")
    x = inputs()
    assert (encode(ours, x) > 0).any()
    np.testing.assert_allclose(encode(theirs, x), encode(ours, x), atol=1e-5)
    back = load_dictionary(tmp_path / "d")
    np.testing.assert_allclose(encode(back.sae, x), encode(ours, x), atol=1e-5)
    assert back.metadata["hook_name"] == METADATA["hook_name"]
    assert back.metadata["model_from_pretrained_kwargs"] == {"center_writing_weights": True}
    np.testing.assert_allclose(encode(to_sae_lens(back), x), encode(ours, x), atol=1e-5)


@pytest.mark.parametrize(("architecture", "k"), ARCHS)
def test_sae_lens_saved_folders_load_with_unit_atoms(tmp_path, architecture, k):
    norms = torch.full((32,), 2.5) if architecture == "topk" else torch.linspace(0.3, 3, 32)
    theirs = sae_lens_sae(architecture, k, norms=norms)
    theirs.save_model(tmp_path)
    x = inputs()
    exact = load_dictionary(tmp_path, fold_decoder_norm=False)
    np.testing.assert_allclose(encode(exact.sae, x), encode(theirs, x), atol=1e-5)
    folded = load_dictionary(tmp_path)
    np.testing.assert_allclose(folded.sae.W_dec.norm(dim=1).numpy(), 1.0, rtol=1e-5)
    np.testing.assert_allclose(folded.decoder_norms, norms.numpy(), rtol=1e-5)
    np.testing.assert_allclose(encode(folded.sae, x), encode(theirs, x) * norms.numpy(),
                               rtol=1e-4, atol=1e-5)
    with torch.no_grad():
        np.testing.assert_allclose(folded.sae(x).numpy(), theirs(x).numpy(), atol=1e-4)


@pytest.mark.parametrize(("architecture", "k"), ARCHS)
def test_in_memory_sae_lens_conversion(architecture, k):
    theirs = sae_lens_sae(architecture, k)
    ours = from_sae_lens(theirs, {"hook_name": "blocks.0.hook_resid_post"})
    x = inputs()
    np.testing.assert_allclose(encode(ours.sae, x), encode(theirs, x), atol=1e-5)
    assert ours.hook_name == "blocks.0.hook_resid_post"


def test_metadata_read_from_top_level_and_metadata_block(tmp_path):
    save_dictionary(random_sae(), tmp_path, metadata={"hook_name": "blocks.1.hook_resid_pre"})
    cfg = json.loads((tmp_path / "cfg.json").read_text())
    cfg["context_size"] = 64  # older SAE-Lens configs keep these at the top level
    cfg["model_name"] = "pythia-70m-deduped"
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    dictionary = load_dictionary(tmp_path)
    assert dictionary.hook_name == "blocks.1.hook_resid_pre"
    assert dictionary.context_size == 64
    assert dictionary.metadata["model_name"] == "pythia-70m-deduped"
    assert dictionary.sae.config.metadata["hook_name"] == "blocks.1.hook_resid_pre"


def test_sparsity_is_kept(tmp_path):
    log_sparsity = np.linspace(-5, -1, 32)
    save_dictionary(random_sae(), tmp_path, log_sparsity=log_sparsity)
    np.testing.assert_allclose(load_dictionary(tmp_path).log_sparsity, log_sparsity, rtol=1e-6)
    save_file({"other": torch.zeros(32)}, str(tmp_path / "sparsity.safetensors"))
    with pytest.raises(ValueError, match="no 'sparsity' tensor"):
        load_dictionary(tmp_path)


def _corrupt(path: Path, how: str) -> None:
    if how == "missing weights":
        (path / "sae_weights.safetensors").unlink()
    elif how == "bad json":
        (path / "cfg.json").write_text("{not json")
    elif how == "shape mismatch":
        cfg = json.loads((path / "cfg.json").read_text())
        (path / "cfg.json").write_text(json.dumps({**cfg, "d_sae": 48}))
    elif how == "unknown architecture":
        cfg = json.loads((path / "cfg.json").read_text())
        (path / "cfg.json").write_text(json.dumps({**cfg, "architecture": "gated"}))
    elif how == "truncated weights":
        data = (path / "sae_weights.safetensors").read_bytes()
        (path / "sae_weights.safetensors").write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(("how", "error", "match"), [
    ("missing weights", FileNotFoundError, "sae_weights.safetensors is missing"),
    ("bad json", ValueError, "not valid JSON"),
    ("shape mismatch", ValueError, "implies"),
    ("unknown architecture", ValueError, "'gated' is not supported"),
    ("truncated weights", ValueError, "not a readable safetensors"),
])
def test_broken_folders_are_named(tmp_path, how, error, match):
    save_dictionary(random_sae(), tmp_path)
    _corrupt(tmp_path, how)
    with pytest.raises(error, match=match):
        load_dictionary(tmp_path)


def test_missing_folder_suggests_a_release_id(tmp_path):
    with pytest.raises(FileNotFoundError, match="pass its sae_id"):
        load_dictionary("gpt2-small-res-jb")


def _fake_hub_cache(cache: Path, repo: str, folder: str, sae) -> None:
    """A Hugging Face cache holding one SAE-Lens folder, as a download would leave it."""
    revision = "0" * 40
    root = cache / f"models--{repo.replace('/', '--')}"
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "main").write_text(revision)
    save_dictionary(sae, root / "snapshots" / revision / folder,
                    metadata={"hook_name": "blocks.0.hook_resid_post", "context_size": 8})


def test_release_loads_from_the_hub_cache_offline(tmp_path, monkeypatch):
    pytest.importorskip("sae_lens")
    import huggingface_hub.constants as hub

    sae = random_sae()
    _fake_hub_cache(tmp_path, "test-org/tiny-saes", "layer0", sae)
    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", True)
    dictionary = load_dictionary("test-org/tiny-saes", "layer0")
    assert dictionary.source == "test-org/tiny-saes:layer0"
    assert dictionary.hook_name == "blocks.0.hook_resid_post"
    x = inputs()
    np.testing.assert_allclose(encode(dictionary.sae, x), encode(sae, x), atol=1e-5)
    with pytest.raises(FileNotFoundError, match="not in the Hugging Face cache"):
        load_dictionary("test-org/tiny-saes", "layer7")


def test_loaded_dictionary_plugs_into_the_topic_model(tmp_path, corpus):
    from bertopic_saetm.sae import SAETrainingConfig

    trained = SAETopicModel(n_topics=5, sae_config=SAETrainingConfig(
        expansion_factor=1, min_steps=100, max_steps=150), random_state=0,
        word_vectors="decoder").fit(corpus.texts, corpus.embeddings)
    save_dictionary(trained.sae_, tmp_path, metadata={"model_name": "all-MiniLM-L6-v2"})
    dictionary = load_dictionary(tmp_path)
    # A dictionary passed as sae= is pretrained to the estimator, which then leaves generic
    # atoms unweighted ("auto"); with the power the training fit used, the model is the same.
    model = SAETopicModel(n_topics=5, sae=dictionary.sae, random_state=0, word_vectors="decoder",
                          generic_atom_power=4.0).fit(corpus.texts, corpus.embeddings)
    np.testing.assert_allclose(model.atoms_, trained.atoms_, atol=1e-6)
    np.testing.assert_allclose(model.transform(embeddings=corpus.embeddings[:20]),
                               trained.transform(embeddings=corpus.embeddings[:20]), atol=1e-5)


def test_core_and_local_dictionaries_work_without_sae_lens_or_transformer_lens(
        fresh_interpreter):
    # In a fresh interpreter where importing sae_lens or transformer_lens fails
    # (tests/fresh_interpreter.py): a local dictionary loads, a model fits, and loading a
    # release says what to install.
    result = fresh_interpreter
    assert result["returncode"] == 0, result["stderr"]
    assert result["dictionary_atoms"] == 32
    _, high = result["mixture_sums"]  # (min, max) of the rows of fit_transform
    assert high <= 1 + 1e-9 and high > 0.5
    assert result["release_error"] is not None, "release loading should need sae_lens"
    assert "bertopic-saetm[bridge]" in result["release_error"]
    assert result["imported_blocked"] == []


def test_dictionary_properties():
    d = Dictionary(sae=random_sae(), metadata={"prepend_bos": False})
    assert d.n_atoms == 32 and d.prepend_bos is False and d.hook_name is None
