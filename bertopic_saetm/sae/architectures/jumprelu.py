"""JumpReLU SAE: ReLU that also zeroes activations at or below a learned per-atom threshold.

Loadable (SAE-Lens's ``jumprelu``, e.g. Gemma Scope) but not trainable here: learning the
threshold needs a straight-through gradient estimator, which the hand-written gradients of
:mod:`bertopic_saetm.sae.gradients` do not have.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import SAEArchitecture

if TYPE_CHECKING:
    import torch

    from ..model import SparseAutoencoder


class JumpReLUArchitecture(SAEArchitecture):
    """``relu(pre) * (pre > threshold)``, with a parameter ``threshold`` of shape (d_sae,).

    :meth:`SparseAutoencoder.fold_decoder_norm` scales the threshold with the encoder (the
    default of :meth:`SAEArchitecture.fold_decoder_norm`), so folding keeps the same atoms.
    """

    extra_parameters = ("threshold",)

    @classmethod
    def architecture(cls) -> str:
        return "jumprelu"

    @classmethod
    def activate(cls, pre: torch.Tensor, sae: SparseAutoencoder) -> torch.Tensor:
        """``relu(pre)`` where ``pre > sae.threshold`` (strictly), else zero; shape of
        ``pre``, (n, d_sae)."""
        acts = pre.relu()
        return acts * (pre > sae.threshold).to(acts.dtype)
