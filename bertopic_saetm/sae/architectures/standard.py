"""The standard SAE: ReLU activations, sparsity from an L1 penalty (the SAE-TM paper's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import SAEArchitecture

if TYPE_CHECKING:
    import torch

    from ..config import SAETrainingConfig
    from ..model import SparseAutoencoder


class StandardArchitecture(SAEArchitecture):
    """``relu(pre)``; trained with ``l1_coefficient`` times the activations' sum in the loss.

    With unit-norm decoder rows (as training keeps them) that is the paper's decoder-norm
    weighted L1. SAE-Lens's ``standard``: no extra ``cfg.json`` fields or parameters.
    """

    trainable = True

    @classmethod
    def architecture(cls) -> str:
        return "standard"

    @classmethod
    def activate(cls, pre: torch.Tensor, sae: SparseAutoencoder) -> torch.Tensor:
        """``relu(pre)``, shape (n, d_sae) as ``pre``."""
        return pre.relu()

    @classmethod
    def training_l1(cls, config: SAETrainingConfig) -> float:
        return config.l1_coefficient
