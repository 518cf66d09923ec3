import numpy as np
import pytest

from bertopic_saetm import SAETopicModel
from bertopic_saetm.merge.word_vectors import (
    keyed_vectors_for,
    load_keyed_vectors,
    vocabulary_vectors,
)


def _write_vectors(path, words, dim=8, header=False, seed=0):
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((len(words), dim))
    lines = [f"{len(words)} {dim}"] if header else []
    for word, vector in zip(words, vectors, strict=True):
        lines.append(word + " " + " ".join(f"{x:.5f}" for x in vector))
    path.write_text("\n".join(lines) + "\n")
    return vectors


@pytest.mark.parametrize("header", [False, True], ids=["glove", "word2vec"])
def test_text_vector_files_load_without_pickle(tmp_path, header):
    path = tmp_path / "vectors.txt"
    vectors = _write_vectors(path, ["socket", "file", "Thread"], header=header)
    kv = load_keyed_vectors(path)
    found_vectors, found = keyed_vectors_for(kv, ["file", "thread", "unknownword"])
    np.testing.assert_array_equal(found, [True, True, False])
    np.testing.assert_allclose(found_vectors[0], vectors[1], atol=1e-5)
    np.testing.assert_allclose(found_vectors[1], vectors[2], atol=1e-5)  # capitalised entry
    np.testing.assert_array_equal(found_vectors[2], 0.0)


def test_missing_vector_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="Word-vector file"):
        load_keyed_vectors(tmp_path / "nope.txt")


def test_sources_and_errors():
    assert vocabulary_vectors("decoder", ["a"]) is None
    assert vocabulary_vectors("auto", ["a"], embedder=None) is None
    with pytest.raises(ValueError, match="needs an embedding model"):
        vocabulary_vectors("embedder", ["a"], embedder=None)
    with pytest.raises(TypeError, match="word_vectors must be"):
        vocabulary_vectors(42, ["a"])
    vectors, found = vocabulary_vectors(lambda words: np.ones((len(words), 3)), ["a", "b"])
    assert vectors.shape == (2, 3) and found.all()


def test_model_merges_with_a_vector_file(fitted, corpus, tmp_path):
    path = tmp_path / "glove.txt"
    _write_vectors(path, list(fitted.vocabulary_), dim=16)
    model = SAETopicModel(n_topics=5, sae=fitted.sae_, word_vectors=str(path), random_state=0,
                          atom_space="words")
    model.fit(corpus.texts, corpus.embeddings)
    assert model.atom_topic_vectors_.shape == (fitted.sae_.d_sae, 16)
    assert model.n_topics_ == 5
