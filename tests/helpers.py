"""Settings shared by the tests (imported by test modules; tests/conftest.py stays light so
that pytest-xdist's controller, which only schedules, starts without torch)."""

from bertopic_saetm import SAETrainingConfig

#: A small, quick SAE schedule for tests (the defaults aim at corpora of 10k+ documents).
FAST_SAE = SAETrainingConfig(expansion_factor=2, min_steps=150, max_steps=300)
#: An even shorter one for tests whose checks do not depend on the SAE's quality (errors
#: raised, parameters left alone, two fits compared with each other): 384 atoms, <= 50 steps.
TINY_SAE = SAETrainingConfig(expansion_factor=1, min_steps=40, max_steps=50)

N_TOPICS = 12


def saetm_params(**overrides):
    """Estimator parameters shared by the BERTopic and the standalone fits."""
    # Without the background topic, so that BERTopic's state can be checked against
    # mixtures that sum to 1; tests/backends/test_background.py covers the background.
    params = dict(n_topics=N_TOPICS, sae_config=FAST_SAE, random_state=0,
                  word_vectors="decoder", background_share=0.0)
    params.update(overrides)
    return params
