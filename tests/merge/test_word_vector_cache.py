import numpy as np
import pytest
import torch

from bertopic_saetm.merge import word_vector_cache
from bertopic_saetm.merge.word_vector_cache import cached_word_vectors, embedder_key


class CountingEncoder(torch.nn.Module):
    """A sentence-transformers-like module: encode() maps words to deterministic vectors."""

    def __init__(self, seed=0):
        super().__init__()
        self.table = torch.nn.Linear(4, 6)
        torch.nn.init.normal_(self.table.weight, generator=torch.Generator().manual_seed(seed))
        torch.nn.init.zeros_(self.table.bias)
        self.calls = []

    def encode(self, words):
        self.calls.append(list(words))
        codes = torch.tensor([[len(w), ord(w[0]), ord(w[-1]), 1.0] for w in words])
        with torch.no_grad():
            return self.table(codes).numpy()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(word_vector_cache.CACHE_ENV, str(tmp_path))
    return tmp_path


def test_second_call_embeds_only_new_words(cache):
    encoder = CountingEncoder()
    first = cached_word_vectors(encoder, ["socket", "thread"], encoder.encode)
    both = cached_word_vectors(encoder, ["thread", "queue", "socket"], encoder.encode)
    assert encoder.calls == [["socket", "thread"], ["queue"]]
    np.testing.assert_array_equal(both[[2, 0]], first)
    np.testing.assert_allclose(both, encoder.encode(["thread", "queue", "socket"]), rtol=1e-6)
    cached_word_vectors(encoder, ["queue", "socket"], encoder.encode)
    assert len(encoder.calls) == 3  # the direct encode above; nothing new embedded


def test_models_with_other_weights_do_not_share_vectors(cache):
    a, b = CountingEncoder(seed=0), CountingEncoder(seed=1)
    assert embedder_key(a) != embedder_key(b)
    assert embedder_key(a) == embedder_key(CountingEncoder(seed=0))
    cached_word_vectors(a, ["socket"], a.encode)
    out = cached_word_vectors(b, ["socket"], b.encode)
    assert b.calls == [["socket"]]
    np.testing.assert_allclose(out, b.encode(["socket"]), rtol=1e-6)


def test_plain_callables_are_not_cached(cache):
    calls = []

    def embed_words(words):
        calls.append(words)
        return np.ones((len(words), 3))

    assert embedder_key(embed_words) is None
    cached_word_vectors(embed_words, ["a", "b"], embed_words)
    cached_word_vectors(embed_words, ["a", "b"], embed_words)
    assert len(calls) == 2
    assert not any(cache.iterdir())


def test_corrupt_cache_is_ignored_and_rewritten(cache, caplog):
    encoder = CountingEncoder()
    cached_word_vectors(encoder, ["socket"], encoder.encode)
    (vectors_file,) = cache.rglob("vectors.safetensors")
    vectors_file.write_bytes(b"not a safetensors file")
    out = cached_word_vectors(encoder, ["socket"], encoder.encode)
    assert len(encoder.calls) == 2 and "unreadable" in caplog.text
    np.testing.assert_allclose(out, encoder.encode(["socket"]), rtol=1e-6)
    assert len(cached_word_vectors(encoder, ["socket"], encoder.encode)) == 1
    assert len(encoder.calls) == 3  # the rewritten cache is read again
