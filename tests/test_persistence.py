import json

import numpy as np
import pytest

from bertopic_saetm import SAETopicModel


def test_save_load_round_trip_is_identical(fitted, corpus, tmp_path):
    path = fitted.save(tmp_path / "model")
    assert sorted(p.name for p in path.iterdir()) == ["arrays.safetensors", "sae", "saetm.json"]
    loaded = SAETopicModel.load(path)
    np.testing.assert_array_equal(loaded.transform(embeddings=corpus.embeddings),
                                  fitted.transform(embeddings=corpus.embeddings))
    assert loaded.get_topics(10) == fitted.get_topics(10)
    np.testing.assert_array_equal(loaded.atom_word_, fitted.atom_word_)
    np.testing.assert_array_equal(loaded.vocabulary_, fitted.vocabulary_)
    assert loaded.get_params()["n_topics"] == fitted.n_topics
    # A loaded model can still be re-merged, with the same result as the original.
    loaded.set_n_topics(7)
    fitted.set_n_topics(7)
    try:
        np.testing.assert_array_equal(loaded.atom_to_topic_, fitted.atom_to_topic_)
    finally:
        fitted.set_n_topics(12)


def test_save_overwrites_a_previous_model(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    fitted.save(tmp_path / "m")
    assert SAETopicModel.load(tmp_path / "m").n_topics_ == fitted.n_topics_
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_save_refuses_to_overwrite_other_folders(fitted, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "precious.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a saved SAETopicModel"):
        fitted.save(tmp_path / "data")
    assert (tmp_path / "data" / "precious.txt").read_text() == "keep me"


def test_newer_format_version_is_rejected(fitted, tmp_path):
    path = fitted.save(tmp_path / "m")
    meta = json.loads((path / "saetm.json").read_text())
    meta["format_version"] = 99
    (path / "saetm.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="format version 99"):
        SAETopicModel.load(path)


def test_corrupt_or_missing_files(fitted, tmp_path):
    with pytest.raises(FileNotFoundError, match="not a saved SAETopicModel"):
        SAETopicModel.load(tmp_path)
    path = fitted.save(tmp_path / "m")
    data = (path / "arrays.safetensors").read_bytes()
    (path / "arrays.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="arrays.safetensors"):
        SAETopicModel.load(path)
    (path / "saetm.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        SAETopicModel.load(path)
