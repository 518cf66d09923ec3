import numpy as np
import pytest
import scipy.sparse as sp
import torch

from sae_lens_bridge import (
    Dictionary,
    document_atom_activations,
    document_atom_mixtures,
    pool_hook_activations,
    token_activations,
)

from .conftest import random_sae

HOOK = "blocks.0.hook_resid_post"
DOCS = ["the cat sat on the mat", "stock rates rose", "river water boat fish tree leaf green",
        "sun"]


def manual_pool(model, tokenizer, doc, hook, context_size, encode=None, pooling="sum"):
    """Reference: each chunk run alone (BOS + tokens, no padding), BOS dropped."""
    ids = tokenizer(doc, add_special_tokens=False)["input_ids"]
    room = context_size - 1
    rows = []
    for start in range(0, len(ids), room):
        tokens = torch.tensor([[tokenizer.bos_token_id] + ids[start : start + room]])
        _, cache = model.run_with_cache(tokens, names_filter=hook)
        rows.append(cache[hook][0, 1:])
    acts = torch.cat(rows)
    if encode is not None:
        acts = encode(acts)
    pooled = {"sum": acts.sum(0), "mean": acts.mean(0), "max": acts.max(0).values}[pooling]
    return pooled.detach().numpy()


@pytest.mark.parametrize("pooling", ["sum", "mean", "max"])
def test_pooled_activations_equal_each_chunk_run_alone(tiny_model, tokenizer, pooling):
    docs = DOCS + ["the cat dog sat on a mat of the market and the bank money river"]
    out = pool_hook_activations(tiny_model, docs, HOOK, pooling=pooling, batch_size=3)
    assert out.shape == (len(docs), 16)
    for i, doc in enumerate(docs):  # the last one spans two chunks of n_ctx = 12
        np.testing.assert_allclose(out[i], manual_pool(tiny_model, tokenizer, doc, HOOK, 12,
                                                       pooling=pooling), atol=1e-5)


def test_padding_and_batch_company_do_not_change_a_document(tiny_model):
    sae = random_sae()
    alone = document_atom_activations(tiny_model, sae, [DOCS[3]], hook_name=HOOK)
    for batch_size in (1, 2, 4):
        together = document_atom_activations(tiny_model, sae, DOCS, hook_name=HOOK,
                                             batch_size=batch_size, token_batch=3)
        np.testing.assert_allclose(together[3].toarray(), alone.toarray(), atol=1e-5)


def test_atom_activations_encode_every_token_then_pool(tiny_model, tokenizer):
    sae = random_sae()
    acts = document_atom_activations(tiny_model, sae, DOCS, hook_name=HOOK, context_size=6)
    assert sp.issparse(acts) and acts.shape == (len(DOCS), sae.d_sae)
    for i, doc in enumerate(DOCS):
        expected = manual_pool(tiny_model, tokenizer, doc, HOOK, 6, encode=sae.encode)
        np.testing.assert_allclose(acts[i].toarray()[0], expected, atol=1e-5)
    mixtures = document_atom_mixtures(tiny_model, sae, DOCS, hook_name=HOOK, context_size=6)
    np.testing.assert_allclose(mixtures.sum(axis=1), 1.0)


def test_the_hook_point_is_respected_and_the_forward_stops_there(tiny_model):
    later = []
    tiny_model.add_hook("blocks.1.hook_resid_post", lambda act, hook: later.append(1))
    try:
        first = pool_hook_activations(tiny_model, DOCS, "blocks.0.hook_resid_pre")
    finally:
        tiny_model.reset_hooks()
    assert later == []  # nothing after the hook ran
    second = pool_hook_activations(tiny_model, DOCS, "blocks.1.hook_resid_post")
    assert not np.allclose(first, second)


def test_metadata_of_a_dictionary_supplies_hook_and_context(tiny_model):
    sae = random_sae()
    dictionary = Dictionary(sae=sae, metadata={"hook_name": HOOK, "context_size": 6,
                                               "prepend_bos": True})
    np.testing.assert_allclose(
        document_atom_activations(tiny_model, dictionary, DOCS).toarray(),
        document_atom_activations(tiny_model, sae, DOCS, hook_name=HOOK,
                                  context_size=6).toarray())


def test_empty_documents_get_zero_rows(tiny_model):
    acts = document_atom_activations(tiny_model, random_sae(), ["", DOCS[0], ""],
                                     hook_name=HOOK)
    assert acts.shape == (3, 32)
    assert acts[0].nnz == 0 and acts[2].nnz == 0 and acts[1].nnz > 0


def test_token_activations_for_training(tiny_model):
    tokens = token_activations(tiny_model, DOCS, HOOK)
    assert tokens.shape == (6 + 3 + 7 + 1, 16)  # every word is one token; no BOS
    sample = token_activations(tiny_model, DOCS, HOOK, max_tokens=5, random_state=0)
    assert sample.shape == (5, 16)
    assert all(any(np.allclose(row, t) for t in tokens) for row in sample)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"hook_name": "blocks.9.hook_resid_post"}, "no hook"),
        ({"hook_name": HOOK, "context_size": 50}, "exceeds the model's n_ctx"),
        ({"hook_name": HOOK, "pooling": "median"}, "pooling must be"),
        ({}, "hook_name"),
    ],
)
def test_bad_settings_are_named(tiny_model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        document_atom_activations(tiny_model, random_sae(), DOCS, **kwargs)


def test_dictionary_of_another_width_is_refused(tiny_model):
    with pytest.raises(ValueError, match="another model"):
        document_atom_activations(tiny_model, random_sae(d_in=8), DOCS, hook_name=HOOK)
