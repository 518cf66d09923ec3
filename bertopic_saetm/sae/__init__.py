"""Sparse autoencoders: architectures, configuration, model, training and SAE-Lens-format
files."""

from .architectures import (
    SAEArchitecture,
    architecture_names,
    get_architecture,
    register_architecture,
    unregister_architecture,
)
from .config import SAEConfig, SAETrainingConfig
from .data_parallel import DataParallel
from .model import SparseAutoencoder
from .sae_lens_format import load_sae, save_sae
from .training import SAETrainingReport, train_sae

__all__ = [
    "SAEConfig",
    "SAETrainingConfig",
    "SparseAutoencoder",
    "SAETrainingReport",
    "train_sae",
    "DataParallel",
    "save_sae",
    "load_sae",
    "SAEArchitecture",
    "register_architecture",
    "unregister_architecture",
    "get_architecture",
    "architecture_names",
]
