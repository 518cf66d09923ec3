import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from bertopic_saetm import SAETopicModel, SAETrainingConfig  # noqa: E402
from bertopic_saetm.datasets import load_python_docs  # noqa: E402


@pytest.fixture(autouse=True)
def _seed_everything():
    np.random.seed(0)  # noqa: NPY002 - legacy global RNG, for any library code using it
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def corpus():
    return load_python_docs()


#: A small, quick SAE schedule for tests (the defaults aim at corpora of 10k+ documents).
FAST_SAE = SAETrainingConfig(expansion_factor=2, min_steps=150, max_steps=300)


@pytest.fixture(scope="session")
def fitted(corpus):
    """A model fitted once on the bundled corpus (default word vectors: MiniLM)."""
    model = SAETopicModel(n_topics=12, sae_config=FAST_SAE, random_state=0)
    model.fit(corpus.texts, corpus.embeddings)
    return model
