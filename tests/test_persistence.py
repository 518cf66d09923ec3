import dataclasses
import json

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from bertopic_saetm import SAETopicModel
from bertopic_saetm.merge.partition import cluster_atoms
from bertopic_saetm.merge.topic_words import merge_topic_word


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
        np.testing.assert_array_equal(loaded.topic_word_, fitted.topic_word_)
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


def test_a_model_saved_before_later_arrays_and_parameters_loads(fitted, corpus, tmp_path):
    # What the first format-1 models held: no background topic, no atom selectivity, no
    # document counts for the merge, no word profiles, and no atom_space /
    # background_share / topic_words parameters.
    path = fitted.save(tmp_path / "old")
    arrays = load_file(str(path / "arrays.safetensors"))
    del arrays["background_atoms_"], arrays["atom_selectivity_"], arrays["atom_main_documents_"]
    del arrays["atom_word_profile_"], arrays["atom_document_words_"]
    save_file(arrays, str(path / "arrays.safetensors"))
    meta = json.loads((path / "saetm.json").read_text())
    del meta["params"]["atom_space"], meta["params"]["background_share"]
    del meta["params"]["topic_words"], meta["params"]["generic_atom_power"]
    (path / "saetm.json").write_text(json.dumps(meta))

    old = SAETopicModel.load(path)
    assert old.generic_atom_power == 0.0
    assert old.atom_space == "words" and old.background_share == 0.0
    assert old.topic_words == "emission" and old.atom_word_profile_ is None
    assert not old.background_atoms_.any()
    np.testing.assert_array_equal(old.topic_word_, fitted.topic_word_)
    assert old.transform(embeddings=corpus.embeddings[:50]).shape == (50, fitted.n_topics_)
    # Re-merged, its topic words weight atoms by prior alone, as such models always did.
    np.testing.assert_array_equal(old.atom_selectivity_, 1.0)
    old.set_n_topics(5)
    np.testing.assert_allclose(old.topic_word_, merge_topic_word(
        old.atom_word_, old.atom_prior_, old.atom_to_topic_, old.n_topics_))
    # Asking it for profile words says what is missing, and changes nothing.
    words = old.topic_word_.copy()
    with pytest.raises(ValueError, match="word profiles"):
        old.set_params(topic_words="documents").set_partition(old.atom_to_topic_)
    np.testing.assert_array_equal(old.topic_word_, words)
    # And the merge weights atoms by prior alone, as it did.
    np.testing.assert_array_equal(old.atom_main_documents_, 0.0)
    np.testing.assert_array_equal(old.atom_to_topic_, cluster_atoms(
        old.atom_topic_vectors_, old.atom_prior_, 5, random_state=old.random_state))


def test_a_model_saved_before_document_words_ranks_small_topics_by_documents(fitted,
                                                                            tmp_path):
    # Models saved with word profiles but without atom_document_words_ ranked topics of
    # fewer than 50 documents with lambda 0.7; loaded, they still do.
    path = fitted.save(tmp_path / "profiles-only")
    arrays = load_file(str(path / "arrays.safetensors"))
    del arrays["atom_document_words_"]
    save_file(arrays, str(path / "arrays.safetensors"))
    old = SAETopicModel.load(path)
    documents = float(np.sum(old.atom_main_documents_))
    for k, weight in ((int(documents // 50), 0.6), (int(documents // 50) + 1, 0.7)):
        old.set_n_topics(k)
        assert old.relevance_weight() == weight, k
    # A model saved now keeps its own words per document.
    np.testing.assert_array_equal(SAETopicModel.load(fitted.save(tmp_path / "new"))
                                  .atom_document_words_, fitted.atom_document_words_)


def test_a_training_config_saved_before_kmeans_init_loads_as_random_atoms(fitted, tmp_path):
    # Configs saved before kmeans_init existed trained every atom from a random direction,
    # which is what the field's default means.
    path = fitted.save(tmp_path / "old-config")
    meta = json.loads((path / "saetm.json").read_text())
    meta["params"]["sae_config"]["kmeans_init"] = 0.5
    (path / "saetm.json").write_text(json.dumps(meta))
    assert SAETopicModel.load(path).sae_config.kmeans_init == 0.5  # saved values are kept
    del meta["params"]["sae_config"]["kmeans_init"]
    (path / "saetm.json").write_text(json.dumps(meta))
    old = SAETopicModel.load(path)
    assert old.sae_config == dataclasses.replace(fitted.sae_config, kmeans_init=0.0)
