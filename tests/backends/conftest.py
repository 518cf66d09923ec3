"""Shared with tests/conftest.py, where the BERTopic fixtures live."""

from ..conftest import N_TOPICS, TINY_SAE, saetm_params  # noqa: F401
