"""TopK SAE: the ``k`` largest pre-activations of each input pass (if positive), others zero.

Sparsity is set by ``k`` rather than by a penalty, so training has no L1 term.
"""

from __future__ import annotations

from numbers import Integral
from typing import TYPE_CHECKING

import torch

from .base import SAEArchitecture, cfg_int

if TYPE_CHECKING:
    from ..config import SAEConfig, SAETrainingConfig
    from ..model import SparseAutoencoder


class TopKArchitecture(SAEArchitecture):
    """``k`` atoms per input at most; ``k`` (``SAEConfig.k``) is stored in ``cfg.json``.

    SAE-Lens's ``topk`` with ``rescale_acts_by_decoder_norm=False``: the rescaled variant
    selects on norm-weighted pre-activations, which this package does not compute, so such
    files are refused rather than read as something else.
    """

    trainable = True

    @classmethod
    def architecture(cls) -> str:
        return "topk"

    @classmethod
    def validate(cls, config: SAEConfig) -> None:
        k = config.k
        if isinstance(k, bool) or not isinstance(k, Integral) or not 1 <= k <= config.d_sae:
            raise ValueError(f"A topk SAE needs 1 <= k <= d_sae ({config.d_sae}), got k={k}.")

    @classmethod
    def validate_training(cls, config: SAETrainingConfig) -> None:
        # The upper bound (d_sae) depends on the data; SAEConfig checks it at training time.
        k = config.k
        if isinstance(k, bool) or not isinstance(k, Integral) or k < 1:
            raise ValueError(f"k must be a positive integer for a topk SAE, got {k!r}.")

    @classmethod
    def config_fields(cls, config: SAETrainingConfig) -> dict:
        return {"k": config.k}

    @classmethod
    def activate(cls, pre: torch.Tensor, sae: SparseAutoencoder) -> torch.Tensor:
        """Per row, the ``k`` largest entries of ``pre`` (shape (n, d_sae)) clipped at zero,
        the others zero."""
        # sorted=False: order is irrelevant after the scatter and sorting costs time.
        values, indices = torch.topk(pre, k=sae.config.k, dim=-1, sorted=False)
        return torch.zeros_like(pre).scatter_(-1, indices, values.relu())

    @classmethod
    def fold_decoder_norm(cls, sae: SparseAutoencoder, norms: torch.Tensor) -> None:
        # Scaling pre-activations by unequal factors would change which k atoms win.
        if not torch.allclose(norms, norms.mean().expand_as(norms), rtol=1e-4):
            raise ValueError("A TopK SAE with decoder rows of unequal norms cannot be folded "
                             "without changing which atoms it selects.")

    @classmethod
    def cfg_fields(cls, config: SAEConfig) -> dict:
        return {"k": config.k, "rescale_acts_by_decoder_norm": False}

    @classmethod
    def read_cfg(cls, cfg: dict, source: str) -> dict:
        if cfg.get("rescale_acts_by_decoder_norm"):
            raise ValueError(
                f"{source}: rescale_acts_by_decoder_norm=True is not supported; load the SAE "
                "with sae_lens and fold the decoder norms first."
            )
        return {"k": cfg_int(cfg, "k", source)}
