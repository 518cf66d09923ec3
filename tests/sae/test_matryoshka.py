"""Nested (Matryoshka) dictionaries: the training option, its checks and what it buys."""

import json

import numpy as np
import pytest
import torch

from bertopic_saetm.datasets import load_python_docs
from bertopic_saetm.sae import SAETrainingConfig, train_sae


@pytest.mark.parametrize("fractions", [(0.5, 0.25), (0.0, 0.5), (0.5, 1.0), (0.3, 0.3), ("a",), 3])
def test_bad_prefixes_fail_before_training(fractions):
    with pytest.raises(ValueError, match="matryoshka must be"):
        SAETrainingConfig(matryoshka=fractions)


def test_prefixes_are_sized_to_the_dictionary_and_survive_json():
    config = SAETrainingConfig(matryoshka=[0.25, 0.5])
    assert config.matryoshka == (0.25, 0.5)
    assert config.prefix_sizes(128) == (32, 64)
    assert config.prefix_sizes(2) == (1,)  # prefixes of 0 or all atoms are dropped
    assert SAETrainingConfig().prefix_sizes(128) == ()
    assert SAETrainingConfig(**json.loads(json.dumps(config.to_dict()))) == config


def prefix_error(sae, X, m):
    """Mean squared error of the reconstruction from the first ``m`` atoms."""
    with torch.no_grad():
        x = torch.as_tensor(X)
        acts = sae.encode(x)
        recon = acts[:, :m] @ sae.W_dec[:m] + sae.b_dec
        return float((recon - x).pow(2).sum(dim=1).mean())


def test_nested_training_makes_the_first_atoms_reconstruct_alone():
    X = np.asarray(load_python_docs().embeddings, dtype=np.float32)
    plain, _ = train_sae(X, SAETrainingConfig(n_atoms=128), random_state=0)
    nested, report = train_sae(X, SAETrainingConfig(n_atoms=128, matryoshka=(0.25,)),
                               random_state=0)
    assert prefix_error(nested, X, 32) < 0.8 * prefix_error(plain, X, 32)
    assert report.explained_variance > 0.5  # the whole dictionary still reconstructs
