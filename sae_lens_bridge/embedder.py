"""A BERTopic embedder that pools a TransformerLens model's activations at a hook."""

from __future__ import annotations

import numpy as np
from bertopic.backend import BaseEmbedder
from sklearn.preprocessing import normalize

from .activations import pool_hook_activations


class HookEmbedder(BaseEmbedder):
    """Document embeddings = a hook's activations pooled over each document's tokens.

    For users who want BERTopic (and SAE-TM) to embed with the model an SAE was trained on,
    e.g. ``BERTopic(embedding_model=HookEmbedder(model, "blocks.8.hook_resid_pre"))``.

    Parameters
    ----------
    model : transformer_lens.HookedTransformer or HookedEncoder
    hook_name : str
    pooling : {"mean", "sum", "max"}, default="mean"
    normalize : bool, default=False
        L2-normalise the pooled vectors (as sentence-transformers models do).
    **kwargs
        Passed to :func:`~sae_lens_bridge.activations.pool_hook_activations`
        (``context_size``, ``batch_size``, ``prepend_bos`` ...).
    """

    def __init__(self, model, hook_name: str, pooling: str = "mean", normalize: bool = False,
                 **kwargs):
        super().__init__()
        self.model = model
        self.hook_name = hook_name
        self.pooling = pooling
        self.normalize = normalize
        self.kwargs = kwargs

    def embed(self, documents, verbose: bool = False) -> np.ndarray:
        """Pooled activations, ndarray of shape (n_documents, d_model)."""
        vectors = pool_hook_activations(self.model, list(documents), self.hook_name,
                                        pooling=self.pooling, verbose=verbose, **self.kwargs)
        return normalize(vectors) if self.normalize else vectors

    def encode(self, documents, **_) -> np.ndarray:
        """``embed``, under the sentence-transformers name SAE-TM's estimator calls."""
        return self.embed(documents)
