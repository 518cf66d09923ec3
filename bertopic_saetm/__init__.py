"""bertopic-saetm: Sparse Autoencoders are Topic Models (SAE-TM).

The numerical core (``sae``, ``word_emission``, ``merging``, ``ctm``) has no BERTopic
imports; ``stages`` turns it into the four fitting stages (vocabulary, atoms, emission,
merge); :class:`SAETopicModel` is the estimator that runs them and ``backends`` runs the
same stages inside BERTopic (which is imported only when BERTopic components are created).
"""

from . import deprecated_paths
from .backends import SAETMBackend
from .datasets.ctm import CTMSample, atom_recovery, sample_ctm
from .sae import (
    SAEConfig,
    SAETrainingConfig,
    SAETrainingReport,
    SparseAutoencoder,
    load_sae,
    save_sae,
    train_sae,
)
from .text.vocabulary import default_vectorizer
from .topic_model import SAETopicModel

deprecated_paths.register()

__version__ = "0.2.0.dev0"

__all__ = [
    "SAETopicModel",
    "SAETMBackend",
    "SparseAutoencoder",
    "SAEConfig",
    "SAETrainingConfig",
    "SAETrainingReport",
    "train_sae",
    "save_sae",
    "load_sae",
    "default_vectorizer",
    "sample_ctm",
    "atom_recovery",
    "CTMSample",
]
