"""SAE-Lens's on-disk format: ``cfg.json`` + ``sae_weights.safetensors``.

Written and read here without importing sae_lens, so a dictionary trained by this package
loads with ``sae_lens.SAE.load_from_disk`` and SAE-Lens dictionaries (standard, topk,
jumprelu) load here. The fields an architecture adds to ``cfg.json`` (TopK's ``k`` ...) are
written and read by its registered class (:mod:`bertopic_saetm.sae.architectures`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .architectures import ARCHITECTURE_REGISTRY, architecture_names, cfg_int, get_architecture
from .config import SAEConfig
from .model import SparseAutoencoder

CFG_FILE = "cfg.json"
WEIGHTS_FILE = "sae_weights.safetensors"
SPARSITY_FILE = "sparsity.safetensors"
#: SAE-Lens release whose format this writes. Recording a version matters: without one,
#: SAE-Lens applies old-config defaults (e.g. prepend_bos=True).
SAE_LENS_FORMAT_VERSION = "6.54.12"


#: Weight precisions a folder can be written in.
SAVE_DTYPES = {"float32": torch.float32, "float16": torch.float16}


def save_sae(sae: SparseAutoencoder, path: str | Path, metadata: dict | None = None,
             dtype: str = "float32") -> Path:
    """Write ``sae`` as an SAE-Lens folder.

    The input scale is folded into the weights first (the files describe an SAE that reads
    raw embeddings, with ``normalize_activations="none"``).

    Parameters
    ----------
    sae : SparseAutoencoder
    path : str or Path
        Folder to create or overwrite files in.
    metadata : dict, optional
        Extra entries for ``cfg["metadata"]`` (``model_name``, ``hook_name`` ...).
    dtype : {"float32", "float16"}, default="float32"
        Precision of the stored weights (recorded in ``cfg.json``; loading always computes in
        float32). float16 halves the file for dictionaries shipped with the package.

    Returns
    -------
    Path
        The folder.
    """
    if dtype not in SAVE_DTYPES:
        raise ValueError(f"dtype must be one of {sorted(SAVE_DTYPES)}, got {dtype!r}.")
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if sae.input_scale != 1.0:
        sae = _folded_copy(sae)
    cfg = sae.config
    meta = {"sae_lens_version": SAE_LENS_FORMAT_VERSION,
            "sae_lens_training_version": SAE_LENS_FORMAT_VERSION}
    meta.update(cfg.metadata)
    meta.update(metadata or {})
    cfg_dict = {
        "architecture": cfg.architecture,
        "d_in": cfg.d_in,
        "d_sae": cfg.d_sae,
        "dtype": dtype,
        "device": "cpu",
        "apply_b_dec_to_input": cfg.apply_b_dec_to_input,
        "normalize_activations": "none",
        "reshape_activations": "none",
        "metadata": meta,
    }
    cfg_dict.update(sae.arch.cfg_fields(cfg))
    tensors = {
        name: param.detach().to("cpu", SAVE_DTYPES[dtype]).contiguous()
        for name, param in sae.named_parameters()
    }
    save_file(tensors, str(path / WEIGHTS_FILE))
    (path / CFG_FILE).write_text(json.dumps(cfg_dict, indent=2, sort_keys=True))
    return path


def _folded_copy(sae: SparseAutoencoder) -> SparseAutoencoder:
    copy = SparseAutoencoder(sae.config, input_scale=sae.input_scale)
    copy.load_state_dict(sae.state_dict())
    return copy.fold_input_scale()


def sae_config_from_dict(cfg: dict, source: str = "cfg.json") -> SAEConfig:
    """Build an :class:`SAEConfig` from an SAE-Lens config dict, with clear errors."""
    if not isinstance(cfg, dict):
        raise ValueError(f"{source}: expected a JSON object, got {type(cfg).__name__}.")
    architecture = cfg.get("architecture", "standard")
    if architecture not in ARCHITECTURE_REGISTRY:
        raise ValueError(
            f"{source}: SAE architecture {architecture!r} is not supported "
            f"(supported: {', '.join(architecture_names())})."
        )
    missing = [key for key in ("d_in", "d_sae") if key not in cfg]
    if missing:
        raise ValueError(f"{source}: missing required key(s) {missing}.")
    if cfg.get("normalize_activations", "none") not in ("none", None):
        raise ValueError(
            f"{source}: normalize_activations={cfg['normalize_activations']!r} is not "
            "supported; fold the normalisation into the weights first."
        )
    metadata = cfg.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ValueError(f"{source}: metadata must be a JSON object.")
    return SAEConfig(
        architecture=architecture,
        d_in=cfg_int(cfg, "d_in", source),
        d_sae=cfg_int(cfg, "d_sae", source),
        apply_b_dec_to_input=bool(cfg.get("apply_b_dec_to_input", True)),
        metadata=dict(metadata),
        # The architecture's own fields (TopK: k), checked by its class.
        **get_architecture(architecture).read_cfg(cfg, source),
    )


def sae_from_state(config: SAEConfig, tensors: dict, source: str = "weights") -> SparseAutoencoder:
    """Build an SAE from SAE-Lens-named tensors, checking names and shapes."""
    sae = SparseAutoencoder(config)
    expected = {name: tuple(p.shape) for name, p in sae.named_parameters()}
    missing = sorted(set(expected) - set(tensors))
    if missing:
        raise ValueError(f"{source}: missing tensor(s) {missing}.")
    for name, shape in expected.items():
        if tuple(tensors[name].shape) != shape:
            raise ValueError(
                f"{source}: tensor {name} has shape {tuple(tensors[name].shape)}, but the config "
                f"(d_in={config.d_in}, d_sae={config.d_sae}) implies {shape}."
            )
    with torch.no_grad():
        for name, param in sae.named_parameters():
            param.copy_(tensors[name].to(torch.float32))
            param.requires_grad_(False)
    if not all(math.isfinite(float(p.abs().max())) for p in sae.parameters()):
        raise ValueError(f"{source}: weights contain NaN or infinite values.")
    return sae.eval()


def load_sae(path: str | Path) -> SparseAutoencoder:
    """Read an SAE-Lens folder (``cfg.json`` + ``sae_weights.safetensors``).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    SparseAutoencoder
        In evaluation mode, on the CPU, reading raw inputs.
    """
    return read_sae_folder(path)[0]


def read_sae_folder(path: str | Path) -> tuple[SparseAutoencoder, dict]:
    """:func:`load_sae`, also returning the parsed ``cfg.json`` (for its other fields)."""
    path = Path(path)
    cfg_path, weights_path = path / CFG_FILE, path / WEIGHTS_FILE
    if not path.is_dir():
        raise FileNotFoundError(f"SAE folder not found: {path}")
    for required in (cfg_path, weights_path):
        if not required.is_file():
            raise FileNotFoundError(
                f"{path} is not an SAE-Lens folder: {required.name} is missing."
            )
    try:
        cfg = json.loads(cfg_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{cfg_path}: not valid JSON ({exc}).") from exc
    config = sae_config_from_dict(cfg, str(cfg_path))
    try:
        tensors = load_file(str(weights_path))
    except (SafetensorError, OSError) as exc:
        raise ValueError(f"{weights_path}: not a readable safetensors file ({exc}).") from exc
    return sae_from_state(config, tensors, str(weights_path)), cfg
