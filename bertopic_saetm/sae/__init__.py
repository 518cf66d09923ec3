"""Sparse autoencoders: configuration, model, training and SAE-Lens-format files."""

from .config import SAEConfig, SAETrainingConfig
from .model import SparseAutoencoder
from .sae_lens_format import load_sae, save_sae
from .training import SAETrainingReport, train_sae

__all__ = [
    "SAEConfig",
    "SAETrainingConfig",
    "SparseAutoencoder",
    "SAETrainingReport",
    "train_sae",
    "save_sae",
    "load_sae",
]
