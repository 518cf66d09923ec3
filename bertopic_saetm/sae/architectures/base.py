"""What an SAE architecture is made of: the base class every registered architecture extends.

An architecture is a class, never instantiated, whose class methods say everything the rest
of :mod:`bertopic_saetm.sae` needs to know about it: its name, which :class:`SAEConfig`
fields it requires and how to check them, its activation function, the parameters it adds to
the four every SAE has (``W_enc``, ``b_enc``, ``W_dec``, ``b_dec``), whether and how
:func:`train_sae` trains it, and which ``cfg.json`` fields carry its settings in SAE-Lens's
format. SAE-Lens keys its classes the same way, by ``architecture()``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # type hints only: config and model import the registry, not the reverse
    import torch

    from ..config import SAEConfig, SAETrainingConfig
    from ..model import SparseAutoencoder

#: The parameters every SAE has, whatever its architecture.
SHARED_PARAMETERS = ("W_enc", "b_enc", "W_dec", "b_dec")


def cfg_int(cfg: dict, key: str, source: str) -> int:
    """``cfg[key]`` as an int, or a ValueError naming the file and the key.

    JSON booleans are ints to Python; they are refused so that ``"k": true`` is not read as
    ``k = 1``.
    """
    value = cfg.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{source}: {key} must be an integer, got {value!r}.")
    return value


class SAEArchitecture(ABC):
    """Base class of SAE architectures (subclass it, then :func:`register_architecture`).

    All methods are class methods: an architecture has no state of its own, its settings
    live in :class:`SAEConfig` (``k`` ...) and its weights in the
    :class:`SparseAutoencoder`.

    Attributes
    ----------
    trainable : bool
        Whether :func:`train_sae` can train it. Training uses the hand-written gradients of
        :mod:`bertopic_saetm.sae.gradients`, which hold only for activations that pass some
        pre-activations through unchanged and zero the others (ReLU, TopK, BatchTopK: the
        gradient is 1 on kept entries and 0 elsewhere) and for SAEs without
        ``extra_parameters``.
    extra_parameters : tuple of str
        Names of per-atom parameters, each of shape (d_sae,), that the architecture adds to
        the shared four (JumpReLU: ``("threshold",)``). They are created as zeros, saved and
        loaded under these names (SAE-Lens's), and are taken to be in pre-activation units:
        :meth:`fold_decoder_norm` scales them like ``b_enc`` by default.
    """

    trainable: ClassVar[bool] = False
    extra_parameters: ClassVar[tuple[str, ...]] = ()

    @classmethod
    @abstractmethod
    def architecture(cls) -> str:
        """The name in ``SAEConfig.architecture`` and in ``cfg.json`` (SAE-Lens's, if it
        has the architecture)."""

    @classmethod
    @abstractmethod
    def activate(cls, pre: torch.Tensor, sae: SparseAutoencoder) -> torch.Tensor:
        """Activations from encoder pre-activations.

        Parameters
        ----------
        pre : Tensor of shape (n, d_sae)
            ``(x * input_scale - b_dec) @ W_enc + b_enc``.
        sae : SparseAutoencoder
            The SAE being run, for its config (``k`` ...) and extra parameters.

        Returns
        -------
        Tensor of shape (n, d_sae)
            Non-negative activations, mostly zero.
        """

    @classmethod
    def validate(cls, config: SAEConfig) -> None:
        """Raise ValueError, naming the field, when ``config`` lacks what this architecture
        needs. Called by ``SAEConfig.__post_init__`` after the shared checks."""
        return None  # by default an architecture has no fields of its own to check

    @classmethod
    def validate_training(cls, config: SAETrainingConfig) -> None:
        """Raise ValueError, naming the field, when a training config cannot train this
        architecture. Called by ``SAETrainingConfig.__post_init__`` (trainable ones only)."""
        return None

    @classmethod
    def config_fields(cls, config: SAETrainingConfig) -> dict:
        """The :class:`SAEConfig` fields, besides shapes, of an SAE trained with ``config``
        (TopK: ``{"k": config.k}``)."""
        return {}

    @classmethod
    def training_l1(cls, config: SAETrainingConfig) -> float:
        """Coefficient of the L1 penalty on activations in the training loss (0 when the
        activation itself enforces sparsity, as TopK's does)."""
        return 0.0

    @classmethod
    def fold_decoder_norm(cls, sae: SparseAutoencoder, norms: torch.Tensor) -> None:
        """This architecture's share of :meth:`SparseAutoencoder.fold_decoder_norm`.

        Called under ``torch.no_grad`` before the shared weights are rescaled, so raising
        here leaves the SAE unchanged. The default multiplies every extra parameter by
        ``norms`` (shape (d_sae,)), as befits thresholds on pre-activations.
        """
        for name in cls.extra_parameters:
            getattr(sae, name).mul_(norms)

    @classmethod
    def cfg_fields(cls, config: SAEConfig) -> dict:
        """Entries this architecture adds to SAE-Lens's ``cfg.json`` (TopK: ``k`` and
        ``rescale_acts_by_decoder_norm``)."""
        return {}

    @classmethod
    def read_cfg(cls, cfg: dict, source: str) -> dict:
        """:class:`SAEConfig` fields read from an SAE-Lens ``cfg.json`` dict.

        Raise ValueError starting with ``source`` for a malformed or unsupported value.
        """
        return {}
