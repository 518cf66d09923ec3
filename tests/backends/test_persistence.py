import json

import numpy as np
import pytest

from bertopic_saetm import backends
from bertopic_saetm.backends import SAETMBackend


@pytest.fixture(scope="module")
def saved(bertopic_fit, tmp_path_factory):
    topic_model = bertopic_fit[0]
    path = backends.save_bertopic(topic_model, tmp_path_factory.mktemp("bertopic") / "model")
    return path, backends.load_bertopic(path)


def test_load_restores_transform_and_distributions(saved, bertopic_fit, corpus):
    topic_model, _, topics, probs = bertopic_fit
    _, loaded = saved
    X, texts = corpus.embeddings[:200], corpus.texts[:200]
    assert loaded.transform(texts, X)[0] == topic_model.transform(texts, X)[0]
    np.testing.assert_array_equal(backends.topic_distribution(loaded, embeddings=X),
                                  backends.topic_distribution(topic_model, embeddings=X))
    np.testing.assert_array_equal(loaded.probabilities_, probs)
    assert loaded.topics_ == list(topics)


def test_load_restores_topics_and_embeddings(saved, bertopic_fit):
    topic_model = bertopic_fit[0]
    _, loaded = saved
    for topic, words in topic_model.get_topics().items():
        assert [tuple(pair) for pair in loaded.get_topic(topic)] == [tuple(p) for p in words]
    np.testing.assert_allclose(loaded.topic_embeddings_, topic_model.topic_embeddings_,
                               rtol=1e-6)
    assert isinstance(SAETMBackend.of(loaded), SAETMBackend)


def test_loaded_model_merges_and_re_topics(bertopic_fit, corpus, tmp_path):
    topic_model = bertopic_fit[0]
    loaded = backends.load_bertopic(backends.save_bertopic(topic_model, tmp_path / "model"))
    loaded.merge_topics(corpus.texts, [0, 1])
    np.testing.assert_allclose(loaded.probabilities_.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="pass documents="):
        backends.set_n_topics(loaded, 5)
    backends.set_n_topics(loaded, 5, documents=corpus.texts)
    assert len(loaded.get_topics()) == 5
    with pytest.raises(ValueError, match="differ from the corpus"):
        backends.set_n_topics(loaded, 5, documents=corpus.texts[::-1])


def test_save_refuses_to_overwrite_other_folders(bertopic_fit, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(FileExistsError, match="refusing to overwrite"):
        backends.save_bertopic(bertopic_fit[0], tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


def test_save_replaces_an_earlier_save(bertopic_fit, tmp_path):
    path = backends.save_bertopic(bertopic_fit[0], tmp_path / "model")
    backends.save_bertopic(bertopic_fit[0], path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_load_explains_what_is_wrong(bertopic_fit, tmp_path):
    with pytest.raises(FileNotFoundError, match="save_bertopic"):
        backends.load_bertopic(tmp_path)
    path = backends.save_bertopic(bertopic_fit[0], tmp_path / "model")
    meta = json.loads((path / "saetm_backend.json").read_text())
    (path / "saetm_backend.json").write_text(json.dumps({**meta, "format_version": 99}))
    with pytest.raises(ValueError, match="newer than this package"):
        backends.load_bertopic(path)
    (path / "saetm_backend.json").write_text(json.dumps(meta))
    (path / "saetm_backend.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ValueError, match="unreadable"):
        backends.load_bertopic(path)


def test_bertopic_plain_safetensors_save_loses_the_plugin(bertopic_fit, tmp_path):
    from bertopic import BERTopic

    bertopic_fit[0].save(tmp_path / "plain", serialization="safetensors")
    plain = BERTopic.load(str(tmp_path / "plain"))
    with pytest.raises(ValueError, match="load_bertopic"):
        backends.topic_distribution(plain, embeddings=np.zeros((1, 384), dtype=np.float32))
