"""The background topic through BERTopic: -1 for background-only documents, honest probs."""

import numpy as np
import pytest

from bertopic_saetm import backends

from ..helpers import saetm_params


@pytest.fixture(scope="module")
def background_fit(bertopic_fit, corpus, embedder):
    import copy

    from bertopic import BERTopic

    from bertopic_saetm import SAETopicModel
    from bertopic_saetm.backends import SAETMBackend

    # The shared fit's SAE (what these parameters train on this corpus), kept frozen: the
    # background is chosen after the SAE, in the merge.
    sae = copy.deepcopy(bertopic_fit[1].model.sae_)
    backend = SAETMBackend(SAETopicModel(**saetm_params(background_share=0.25, sae=sae)))
    topic_model = BERTopic(embedding_model=embedder, **backend.components(corpus.texts))
    topics, probs = topic_model.fit_transform(corpus.texts, corpus.embeddings)
    return topic_model, backend, np.asarray(topics), probs


def test_probs_keep_the_background_share_and_topics_are_the_models_main_topics(background_fit,
                                                                               corpus):
    topic_model, backend, topics, probs = background_fit
    model = backend.model
    atoms = model.transform_atoms(embeddings=corpus.embeddings)
    background = np.asarray(atoms[:, model.background_atoms_].sum(axis=1)).ravel()
    assert model.background_atoms_.any()
    content = probs.sum(axis=1)
    active = np.setdiff1d(np.arange(len(topics)), model.inactive_documents_)
    np.testing.assert_allclose(content[active] + background[active], 1.0)
    has_content = content > 0
    kept = np.flatnonzero(has_content)
    assert (probs[kept, topics[kept]] > 0).all()
    raw = model.predict(embeddings=corpus.embeddings)
    np.testing.assert_array_equal(raw == -1, topics == -1)
    assert (topics[~has_content] == -1).all()
    # BERTopic shows the content topics; no topic holds a third of the corpus.
    sizes = np.bincount(topics[topics >= 0])
    assert sizes.max() / len(topics) < 0.34
    assert len(topic_model.get_topics()) - (topics == -1).any() == probs.shape[1]


def test_new_documents_get_the_same_mixtures(background_fit, corpus):
    topic_model, _, _, probs = background_fit
    dist = backends.topic_distribution(topic_model, embeddings=corpus.embeddings[:20])
    np.testing.assert_allclose(dist, probs[:20], atol=1e-10)
