"""An on-disk cache of vocabulary word vectors, one per embedding model.

Embedding the 5,000 vocabulary words for the merge costs seconds to tens of seconds on a
CPU, and a refit on the same (or an overlapping) vocabulary needs the same vectors again.
They are kept per embedding model in the user's cache folder::

    $BERTOPIC_SAETM_CACHE (default: $XDG_CACHE_HOME/bertopic-saetm or ~/.cache/bertopic-saetm)
        word-vectors/v1/<model key>/
            words.json            {"format_version": 1, "model": ..., "words": [...]}
            vectors.safetensors   "vectors": float32 (n_words, dim), row i = words[i]

The model key is a hash of the model's weights (so two different models never share
vectors, whatever they are called). Only sentence-transformers models get a key; other
embedders are not cached. The folder is safe to delete at any time; a cache that cannot be
read or written is ignored (logged), never an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

CACHE_ENV = "BERTOPIC_SAETM_CACHE"
FORMAT_VERSION = 1
_WORDS = "words.json"
_VECTORS = "vectors.safetensors"


def cache_root() -> Path:
    """The package's cache folder (``$BERTOPIC_SAETM_CACHE`` if set)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bertopic-saetm"


def embedder_key(embedder) -> str | None:
    """A key that identifies a sentence-transformers model by its weights, or None.

    Parameters
    ----------
    embedder : object
        Anything; only ``torch.nn.Module`` instances with an ``encode`` method (the
        sentence-transformers interface) get a key.
    """
    import torch

    if not (isinstance(embedder, torch.nn.Module) and hasattr(embedder, "encode")):
        return None
    digest = hashlib.sha256(type(embedder).__name__.encode())
    with torch.no_grad():
        for name, tensor in embedder.state_dict().items():
            # Names, shapes and a strided sample of every tensor: cheap, and any change of
            # architecture or fine-tuning changes the key.
            flat = tensor.detach().reshape(-1)
            sample = flat[:: max(1, flat.numel() // 64)].to(torch.float32).cpu().numpy()
            digest.update(f"{name}{tuple(tensor.shape)}".encode())
            digest.update(sample.tobytes())
    digest.update(str(getattr(embedder, "max_seq_length", "")).encode())
    return digest.hexdigest()[:24]


def _read(folder: Path) -> tuple[list[str], np.ndarray] | None:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        meta = json.loads((folder / _WORDS).read_text())
        if meta.get("format_version") != FORMAT_VERSION:
            return None
        vectors = load_file(str(folder / _VECTORS))["vectors"]
        words = list(meta["words"])
        if vectors.shape[0] != len(words):
            return None
        return words, vectors
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, SafetensorError) as exc:
        logger.warning("Ignoring an unreadable word-vector cache in %s (%s).", folder, exc)
        return None


def _write(folder: Path, words: list[str], vectors: np.ndarray, model: str) -> None:
    from safetensors.numpy import save_file

    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Vectors first, then the word list, each replaced atomically: a reader sees either
        # the old pair or the new one (a mismatch in between is caught by the length check).
        for name, write in (
            (_VECTORS, lambda p: save_file({"vectors": np.ascontiguousarray(vectors)}, p)),
            (_WORDS, lambda p: Path(p).write_text(json.dumps(
                {"format_version": FORMAT_VERSION, "model": model, "words": words}))),
        ):
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
            os.close(fd)
            write(tmp)
            os.replace(tmp, folder / name)
    except OSError as exc:
        logger.warning("Could not write the word-vector cache in %s (%s).", folder, exc)


def cached_word_vectors(embedder, words: list[str], embed_words) -> np.ndarray:
    """Vectors of ``words``: read from the cache, embedding (and caching) only new words.

    Parameters
    ----------
    embedder : object
        The embedding model (identifies the cache; see :func:`embedder_key`).
    words : list of str
    embed_words : callable
        ``embed_words(list_of_str) -> ndarray of shape (n, dim)``, called once for the words
        the cache does not hold.

    Returns
    -------
    ndarray of shape (n_words, dim), float32
    """
    key = embedder_key(embedder)
    if key is None:
        return np.asarray(embed_words(words), dtype=np.float32)
    folder = cache_root() / "word-vectors" / f"v{FORMAT_VERSION}" / key
    cached = _read(folder)
    known_words, known = cached if cached is not None else ([], None)
    index = {word: i for i, word in enumerate(known_words)}
    missing = [word for word in dict.fromkeys(words) if word not in index]
    if missing:
        fresh = np.asarray(embed_words(missing), dtype=np.float32)
        if known is not None and fresh.shape[1] != known.shape[1]:
            known_words, known, index = [], None, {}
        start = len(known_words)
        known_words = known_words + missing
        known = fresh if known is None else np.concatenate([known, fresh])
        index.update({word: start + i for i, word in enumerate(missing)})
        _write(folder, known_words, known, type(embedder).__name__)
    logger.info("Word vectors: %d of %d words from the cache in %s", len(words) - len(missing),
                len(words), folder)
    return known[[index[word] for word in words]]
