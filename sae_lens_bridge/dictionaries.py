"""SAE-Lens dictionaries as SAE-TM atoms: load (local folder or hub release), convert, write.

A local folder is read without importing sae_lens; a release goes through
``sae_lens.SAE.from_pretrained_with_cfg_and_sparsity`` and the Hugging Face cache.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from bertopic_saetm.dictionaries import is_pretrained_name, pretrained_path
from bertopic_saetm.sae import SparseAutoencoder, save_sae
from bertopic_saetm.sae.sae_lens_format import (
    SPARSITY_FILE,
    read_sae_folder,
    sae_config_from_dict,
    sae_from_state,
)

logger = logging.getLogger(__name__)

#: What a topic model needs to know about where a dictionary reads its activations.
METADATA_KEYS = ("model_name", "hook_name", "hook_head_index", "context_size", "prepend_bos",
                 "model_from_pretrained_kwargs", "dataset_path", "model_class_name")

_INSTALL_HINT = ("Loading a release needs sae_lens: pip install 'bertopic-saetm[bridge]' "
                 "(or pip install torch==2.13.0 sae-lens).")


@dataclass
class Dictionary:
    """An SAE's atoms and what they were trained on.

    Attributes
    ----------
    sae : SparseAutoencoder
        Ready for ``SAETopicModel(sae=...)`` and the BERTopic backends.
    metadata : dict
        ``model_name``, ``hook_name``, ``context_size``, ``prepend_bos``,
        ``model_from_pretrained_kwargs``... (whatever the source records).
    log_sparsity : ndarray of shape (n_atoms,) or None
        log10 firing rate of every atom, when the source ships ``sparsity.safetensors``.
    decoder_norms : ndarray of shape (n_atoms,)
        Decoder row norms as stored, before folding.
    source : str
        Folder or ``release:sae_id`` it came from.
    """

    sae: SparseAutoencoder
    metadata: dict = field(default_factory=dict)
    log_sparsity: np.ndarray | None = None
    decoder_norms: np.ndarray | None = None
    source: str = ""

    @property
    def hook_name(self) -> str | None:
        return self.metadata.get("hook_name")

    @property
    def context_size(self) -> int | None:
        return self.metadata.get("context_size")

    @property
    def prepend_bos(self) -> bool:
        return bool(self.metadata.get("prepend_bos", True))

    @property
    def n_atoms(self) -> int:
        return self.sae.d_sae


def collect_metadata(cfg: dict, extra: dict | None = None) -> dict:
    """Metadata from an SAE-Lens config dict: top-level keys (older configs, release
    overrides), then ``cfg["metadata"]``, then ``extra`` (e.g. ``sae.cfg.metadata``)."""
    metadata = {key: cfg[key] for key in METADATA_KEYS if cfg.get(key) is not None}
    for source in (cfg.get("metadata"), extra):
        if isinstance(source, dict):
            metadata.update({k: v for k, v in source.items() if v is not None})
    return metadata


def _finish(sae, metadata, log_sparsity, source, fold_decoder_norm) -> Dictionary:
    norms = sae.W_dec.detach().norm(dim=1).cpu().numpy().astype(np.float64)
    if fold_decoder_norm and not np.allclose(norms, 1.0, rtol=1e-4):
        try:
            sae.fold_decoder_norm()
        except ValueError as exc:
            # TopK with unequal norms: keep its selection; atoms() still gives unit rows.
            logger.warning("%s: decoder norms not folded (%s)", source, exc)
    sae.config.metadata.update(metadata)
    if log_sparsity is not None:
        log_sparsity = np.asarray(log_sparsity, dtype=np.float64).reshape(-1)
        if log_sparsity.shape != (sae.d_sae,):
            raise ValueError(f"{source}: sparsity has {log_sparsity.size} entries for "
                             f"{sae.d_sae} atoms.")
    return Dictionary(sae=sae.eval(), metadata=metadata, log_sparsity=log_sparsity,
                      decoder_norms=norms, source=source)


def load_dictionary(source, sae_id: str | None = None, *, fold_decoder_norm: bool = True,
                    device: str = "cpu") -> Dictionary:
    """Load an SAE-Lens dictionary from a local folder or a pretrained release.

    Parameters
    ----------
    source : str or Path
        ``"minilm-foundation"`` (the dictionary shipped with bertopic_saetm), a folder with
        ``cfg.json`` + ``sae_weights.safetensors`` (optional
        ``sparsity.safetensors``), read without sae_lens; or, with ``sae_id``, an SAE-Lens
        release name (``"gpt2-small-res-jb"``) or Hugging Face repo id.
    sae_id : str, optional
        The SAE within the release (``"blocks.8.hook_resid_pre"``).
    fold_decoder_norm : bool, default=True
        Rescale so decoder rows (atoms) have unit norm, keeping reconstructions.
    device : str, default="cpu"
        Where a release is loaded (local folders load on the CPU).

    Returns
    -------
    Dictionary

    Raises
    ------
    FileNotFoundError
        Missing folder or files, or a release absent from the Hugging Face cache while
        offline (``HF_HUB_OFFLINE=1``).
    ValueError
        Unknown architecture, malformed config, weights that do not match it.
    """
    if sae_id is None:
        if is_pretrained_name(source):  # a dictionary shipped with bertopic_saetm
            source = pretrained_path(source)
        return _load_folder(Path(source), fold_decoder_norm)
    return _load_release(str(source), sae_id, fold_decoder_norm, device)


def _load_folder(path: Path, fold_decoder_norm: bool) -> Dictionary:
    if not path.is_dir():
        raise FileNotFoundError(f"SAE folder not found: {path} (to load an SAE-Lens release "
                                "instead, pass its sae_id too).")
    sae, cfg = read_sae_folder(path)  # checks files, JSON, architecture and shapes
    log_sparsity = None
    if (path / SPARSITY_FILE).is_file():
        try:
            tensors = load_file(str(path / SPARSITY_FILE))
        except (SafetensorError, OSError) as exc:
            raise ValueError(f"{path / SPARSITY_FILE}: unreadable ({exc}).") from exc
        if "sparsity" not in tensors:
            raise ValueError(f"{path / SPARSITY_FILE}: no 'sparsity' tensor.")
        log_sparsity = tensors["sparsity"]
    return _finish(sae, collect_metadata(cfg), log_sparsity, str(path), fold_decoder_norm)


def _load_release(release: str, sae_id: str, fold_decoder_norm: bool, device: str
                  ) -> Dictionary:
    try:
        from sae_lens import SAE
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    try:
        sae, cfg_dict, sparsity = SAE.from_pretrained_with_cfg_and_sparsity(
            release, sae_id, device=device)
    except OSError as exc:  # huggingface_hub's LocalEntryNotFoundError is a FileNotFoundError
        import huggingface_hub.constants as hub

        hint = (" HF_HUB_OFFLINE is set and the files are not in the Hugging Face cache "
                f"({hub.HF_HUB_CACHE}); download them once with network access, e.g. "
                f"sae_lens.SAE.from_pretrained({release!r}, {sae_id!r}).") if hub.HF_HUB_OFFLINE \
            else ""
        reason = str(exc).rstrip(".")
        raise FileNotFoundError(f"Could not load SAE-Lens release {release!r}, sae_id "
                                f"{sae_id!r}: {reason}.{hint}") from exc
    return _finish(*from_sae_lens_parts(sae, cfg_dict), sparsity,
                   f"{release}:{sae_id}", fold_decoder_norm)


def from_sae_lens_parts(sae, cfg_dict: dict | None = None) -> tuple[SparseAutoencoder, dict]:
    """Convert an in-memory ``sae_lens`` SAE; returns (our SAE, metadata)."""
    cfg = sae.cfg.to_dict()
    cfg["architecture"] = sae.cfg.architecture()
    if cfg_dict and cfg_dict.get("normalize_activations") == "none":
        # The release loader folded a norm scaling factor into the weights already.
        cfg["normalize_activations"] = "none"
    meta = cfg.get("metadata")
    cfg["metadata"] = dict(meta) if meta is not None else {}
    config = sae_config_from_dict(cfg, f"sae_lens {type(sae).__name__}")
    state = {name: tensor.detach().to("cpu", torch.float32)
             for name, tensor in sae.state_dict().items()}
    ours = sae_from_state(config, state, f"sae_lens {type(sae).__name__}")
    return ours, collect_metadata(cfg_dict or {}, cfg["metadata"])


def from_sae_lens(sae, cfg_dict: dict | None = None, *, fold_decoder_norm: bool = True
                  ) -> Dictionary:
    """A :class:`Dictionary` from an in-memory ``sae_lens`` SAE (and its config dict)."""
    ours, metadata = from_sae_lens_parts(sae, cfg_dict)
    return _finish(ours, metadata, None, type(sae).__name__, fold_decoder_norm)


def save_dictionary(sae, path, metadata: dict | None = None,
                    log_sparsity: np.ndarray | None = None) -> Path:
    """Write an SAE (ours or a :class:`Dictionary`) as an SAE-Lens folder.

    ``sae_lens.SAE.load_from_disk(path)`` gives the same encoding as ``sae``.
    """
    if isinstance(sae, Dictionary):
        metadata = {**sae.metadata, **(metadata or {})}
        log_sparsity = sae.log_sparsity if log_sparsity is None else log_sparsity
        sae = sae.sae
    path = save_sae(sae, path, metadata=metadata)
    if log_sparsity is not None:
        save_file({"sparsity": np.ascontiguousarray(log_sparsity, dtype=np.float32)},
                  str(path / SPARSITY_FILE))
    return path


def to_sae_lens(sae, device: str = "cpu"):
    """The same SAE as a ``sae_lens.SAE`` (through its own on-disk loader)."""
    import tempfile

    try:
        from sae_lens import SAE
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    with tempfile.TemporaryDirectory() as folder:
        save_dictionary(sae, folder)
        return SAE.load_from_disk(folder, device=device)
