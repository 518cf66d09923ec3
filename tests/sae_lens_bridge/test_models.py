import numpy as np
import pytest

import sae_lens_bridge
from sae_lens_bridge import (
    MINILM_LAST_LAYER,
    load_minilm_encoder,
    pool_hook_activations,
)

SHORT_DOCS = ["Return the number of items in a container.",
              "Open a socket connection to a remote host and port.",
              "Compare two sequences of lines; generate the delta as a unified diff.",
              "Create a new thread that runs the target function."]


@pytest.fixture(scope="module")
def minilm():
    return load_minilm_encoder()


@pytest.fixture(scope="module")
def sentence_embeddings():
    from bertopic_saetm.text.embedders import load_default_embedder

    return load_default_embedder().encode(SHORT_DOCS)


def test_minilm_last_layer_matches_sentence_transformers(minilm, sentence_embeddings):
    pooled = pool_hook_activations(minilm, SHORT_DOCS, MINILM_LAST_LAYER, pooling="mean",
                                   batch_size=3)
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    np.testing.assert_allclose(pooled, sentence_embeddings, atol=1e-5)


def test_earlier_layers_differ_from_the_sentence_embedding(minilm, sentence_embeddings):
    pooled = pool_hook_activations(minilm, SHORT_DOCS, "blocks.2.hook_resid_post")
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    assert np.abs(pooled - sentence_embeddings).max() > 0.1


def test_hook_embedder_gives_bertopic_the_pooled_vectors(minilm, sentence_embeddings):
    from bertopic.backend import BaseEmbedder

    embedder = sae_lens_bridge.HookEmbedder(minilm, MINILM_LAST_LAYER, normalize=True)
    assert isinstance(embedder, BaseEmbedder)
    np.testing.assert_allclose(embedder.embed(SHORT_DOCS), sentence_embeddings, atol=1e-5)


def test_hook_embedder_inside_bertopic(minilm):
    from bertopic import BERTopic
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    from bertopic_saetm.datasets import load_python_docs

    docs = load_python_docs().texts[:60]
    embedder = sae_lens_bridge.HookEmbedder(minilm, MINILM_LAST_LAYER, context_size=64)
    topic_model = BERTopic(embedding_model=embedder,
                           umap_model=PCA(5), hdbscan_model=KMeans(3, n_init=1, random_state=0))
    topics, _ = topic_model.fit_transform(docs)
    assert len(topics) == 60 and set(topics) == {0, 1, 2}


def test_a_release_model_is_loaded_as_its_metadata_says(monkeypatch):
    import transformer_lens

    from sae_lens_bridge import Dictionary, load_language_model

    from .conftest import random_sae

    calls = []
    monkeypatch.setattr(transformer_lens.HookedTransformer, "from_pretrained",
                        classmethod(lambda cls, name, **kwargs: calls.append((name, kwargs))))
    metadata = {"model_name": "gpt2-small", "hook_name": "blocks.8.hook_resid_pre",
                "model_from_pretrained_kwargs": {"center_writing_weights": True}}
    load_language_model(Dictionary(random_sae(), metadata=metadata), device="cpu")
    assert calls == [("gpt2-small", {"device": "cpu", "center_writing_weights": True})]
    with pytest.raises(ValueError, match="model_name"):
        load_language_model(Dictionary(random_sae(), metadata={"hook_name": "x"}))
