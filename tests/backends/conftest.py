"""Settings of tests/helpers.py under this folder's name; the BERTopic fixtures live in
tests/conftest.py."""

from ..helpers import N_TOPICS, TINY_SAE, saetm_params  # noqa: F401
