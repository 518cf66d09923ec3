import json
import shutil

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

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
    # Re-merged state passes the loader's checks (labels are the new topics).
    again = backends.load_bertopic(backends.save_bertopic(loaded, tmp_path / "again"))
    assert len(again.get_topics()) == 5


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


def _edit_state(path, change):
    arrays = load_file(str(path / "saetm_backend.safetensors"))
    change(arrays)
    save_file(arrays, str(path / "saetm_backend.safetensors"))


def _edit_header(path, change):
    meta = json.loads((path / "saetm_backend.json").read_text())
    change(meta)
    (path / "saetm_backend.json").write_text(json.dumps(meta))


def _set(arrays, name, index, value):
    arrays[name][index] = value


# (case, edit(folder), message): each message names the file and the array or key.
BROKEN_STATE = [
    ("theta indptr decreasing", lambda p: _edit_state(
        p, lambda a: _set(a, "theta_indptr", 5, a["theta_indptr"][6] + 1)),
     r"saetm_backend\.safetensors: theta_indptr decreases at index 6"),
    ("theta indptr one short", lambda p: _edit_state(
        p, lambda a: a.update(theta_indptr=np.ascontiguousarray(a["theta_indptr"][:-1]))),
     r"saetm_backend\.safetensors: theta_indptr has shape \(\d+,\), but "
     r"\(n_documents \+ 1\) = \(\d+\)"),
    ("theta indptr not from 0", lambda p: _edit_state(p, lambda a: _set(a, "theta_indptr", 0, 1)),
     r"saetm_backend\.safetensors: theta_indptr runs from 1 to"),
    ("theta column past n_atoms", lambda p: _edit_state(
        p, lambda a: _set(a, "theta_indices", 2, 10_000)),
     r"saetm_backend\.safetensors: theta_indices holds 10000 at index 2, outside 0\.\.\d+"),
    ("NaN mixture weight", lambda p: _edit_state(p, lambda a: _set(a, "theta_data", 4, np.nan)),
     r"saetm_backend\.safetensors: theta_data holds NaN or infinite values \(first at "
     r"index 4\)"),
    ("negative mixture weight", lambda p: _edit_state(p, lambda a: _set(a, "theta_data", 4, -1)),
     r"saetm_backend\.safetensors: theta_data holds negative values"),
    ("labels one short", lambda p: _edit_state(
        p, lambda a: a.update(labels=np.ascontiguousarray(a["labels"][1:]))),
     r"saetm_backend\.safetensors: labels has shape \(\d+,\), but \(n_documents\) = "
     r"\(\d+\)"),
    ("label past the topics", lambda p: _edit_state(p, lambda a: _set(a, "labels", 0, 99)),
     r"saetm_backend\.safetensors: labels holds 99 at index 0, outside -1\.\.\d+"),
    ("atom centroids too narrow", lambda p: _edit_state(
        p, lambda a: a.update(atom_centroids=np.ascontiguousarray(a["atom_centroids"][:, :10]))),
     r"saetm_backend\.safetensors: atom_centroids has shape \(\d+, 10\), but "
     r"\(n_atoms, n_features\) = \(\d+, 384\); n_features = 384 is n_features_in_ in "
     r"saetm/saetm\.json"),
    ("fingerprints one short", lambda p: _edit_state(
        p, lambda a: a.update(fingerprints=np.ascontiguousarray(a["fingerprints"][1:]))),
     r"saetm_backend\.safetensors: fingerprints has shape \(\d+,\), but \(n_documents\)"),
    ("n_atoms disagrees with the model", lambda p: _edit_header(
        p, lambda m: m.update(n_atoms=m["n_atoms"] + 1)),
     r"saetm_backend\.json: n_atoms is \d+, but the number of atoms of the model in saetm/ "
     r"is \d+"),
    ("n_documents disagrees with the mixtures", lambda p: _edit_header(
        p, lambda m: m.update(n_documents=m["n_documents"] - 1)),
     r"saetm_backend\.safetensors: theta_indptr has shape \(\d+,\), but "
     r"\(n_documents \+ 1\) = \(\d+\); n_documents \+ 1 = \d+ is n_documents in "
     r"saetm_backend\.json, plus one"),
    ("missing fingerprints", lambda p: _edit_state(p, lambda a: a.pop("fingerprints")),
     r"saetm_backend\.safetensors: missing arrays \['fingerprints'\]"),
    ("NaN in the SAE-TM model inside", lambda p: _nan_in_model(p / "saetm"),
     r"saetm/arrays\.safetensors: topic_word_ holds NaN"),
]


def _nan_in_model(path):
    arrays = load_file(str(path / "arrays.safetensors"))
    arrays["topic_word_"][0, 0] = np.nan
    save_file(arrays, str(path / "arrays.safetensors"))


@pytest.mark.parametrize(("case", "edit", "message"), BROKEN_STATE,
                         ids=[case for case, *_ in BROKEN_STATE])
def test_load_refuses_tampered_state_naming_the_file_and_the_array(saved, tmp_path, case, edit,
                                                                   message):
    path = shutil.copytree(saved[0], tmp_path / "model")
    edit(path)
    with pytest.raises(ValueError, match=message):
        backends.load_bertopic(path)
