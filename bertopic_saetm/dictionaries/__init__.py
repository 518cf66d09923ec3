"""Pretrained dictionaries shipped with the package, usable by name.

``minilm-foundation``: an SAE for all-MiniLM-L6-v2 sentence embeddings (BERTopic's default
embedder and this package's), trained once on Simple English Wikipedia lead paragraphs by
``tools/train_foundation_sae.py``. Its weights are CC BY-SA 3.0 (see the ``LICENSE.md``
beside them); the code is MIT.

Every dictionary is an SAE-Lens folder (``cfg.json`` + ``sae_weights.safetensors``), so
``sae_lens.SAE.load_from_disk(pretrained_path(name))`` reads it too.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..sae import SparseAutoencoder, load_sae

#: Names of the shipped dictionaries.
PRETRAINED = ("minilm-foundation",)


def is_pretrained_name(value) -> bool:
    """Whether ``value`` names a shipped dictionary (rather than a folder)."""
    return isinstance(value, str) and value in PRETRAINED


def pretrained_path(name: str) -> Path:
    """Folder of the shipped dictionary ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not a shipped dictionary.
    """
    if not is_pretrained_name(name):
        raise ValueError(f"Unknown pretrained dictionary {name!r}; available: "
                         f"{', '.join(PRETRAINED)}.")
    return Path(str(resources.files(__name__) / name))


def load_pretrained(name: str) -> SparseAutoencoder:
    """The shipped dictionary ``name`` as a frozen SparseAutoencoder (float32, CPU).

    Its ``config.metadata["embedding_model"]`` names the model whose embeddings it reads.
    """
    return load_sae(pretrained_path(name))


def embedding_model_of(sae: SparseAutoencoder) -> str | None:
    """The embedding model a dictionary was trained for, from its metadata, or None."""
    return sae.config.metadata.get("embedding_model")
