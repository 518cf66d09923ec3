import pytest

from bertopic_saetm import SAETopicModel

from ..conftest import FAST_SAE

N_TOPICS = 12


def saetm_params(**overrides):
    """Estimator parameters shared by the BERTopic and the standalone fits."""
    params = dict(n_topics=N_TOPICS, sae_config=FAST_SAE, random_state=0,
                  word_vectors="decoder")
    params.update(overrides)
    return params


@pytest.fixture(scope="session")
def embedder():
    from bertopic_saetm.embedders import load_default_embedder

    return load_default_embedder()


@pytest.fixture
def make_topic_model(corpus, embedder):
    """Fit a fresh BERTopic with SAE-TM components (for tests that change it)."""
    from bertopic import BERTopic

    from bertopic_saetm.backends import SAETMBackend

    def make(**overrides):
        backend = SAETMBackend(SAETopicModel(**saetm_params(**overrides)))
        topic_model = BERTopic(embedding_model=embedder,
                                        **backend.components(corpus.texts))
        topics, probs = topic_model.fit_transform(corpus.texts, corpus.embeddings)
        return topic_model, backend, topics, probs

    return make


@pytest.fixture(scope="session")
def bertopic_fit(corpus, embedder):
    """One BERTopic fit shared by read-only tests: (topic_model, backend, topics, probs)."""
    from bertopic import BERTopic

    from bertopic_saetm.backends import SAETMBackend

    backend = SAETMBackend(SAETopicModel(**saetm_params()))
    topic_model = BERTopic(embedding_model=embedder, **backend.components(corpus.texts))
    topics, probs = topic_model.fit_transform(corpus.texts, corpus.embeddings)
    return topic_model, backend, topics, probs
