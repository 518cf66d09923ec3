"""Hostile inputs across the public API, the CLI and the loaders: each gives a clear error
naming the problem, or a documented behaviour that is checked here."""

import json
import os

import numpy as np
import pytest
from safetensors.numpy import load_file
from safetensors.numpy import save_file as save_arrays
from safetensors.torch import load_file as load_tensors
from safetensors.torch import save_file as save_tensors
from sklearn.feature_extraction.text import CountVectorizer

from bertopic_saetm import SAETopicModel, SAETrainingConfig, load_sae, save_sae
from bertopic_saetm.cli import main as cli

FAST = SAETrainingConfig(expansion_factor=1, min_steps=50, max_steps=60)


def fit(docs, X, **params):
    params = {"n_topics": 3, "sae_config": FAST, "word_vectors": "decoder", "random_state": 0,
              **params}
    return SAETopicModel(**params).fit(docs, X)


def _greek(n):
    return [f"Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο {i % 7}"
            for i in range(n)]


# (case, call(corpus, tmp_path), exception, message)
FIT_ERRORS = [
    ("empty corpus", lambda c, t: fit([], c.embeddings[:0]), ValueError, "empty"),
    ("None corpus", lambda c, t: fit(None, None), ValueError, "documents is None"),
    ("a single string", lambda c, t: fit("one text", None), TypeError, "not a single string"),
    ("non-string item", lambda c, t: fit(c.texts[:3] + [42] + c.texts[4:50], c.embeddings[:50]),
     TypeError, r"documents\[3\] is int"),
    ("one document", lambda c, t: fit(c.texts[:1], c.embeddings[:1]), ValueError,
     "no vocabulary words"),
    ("identical documents", lambda c, t: fit([c.texts[0]] * 50,
                                             np.repeat(c.embeddings[:1], 50, 0)),
     ValueError, "identical"),
    ("only empty strings", lambda c, t: fit([""] * 40, c.embeddings[:40]), ValueError,
     "no vocabulary words"),
    ("only stop words", lambda c, t: fit(["the and of to in is it that"] * 60,
                                         c.embeddings[:60]), ValueError, "no vocabulary"),
    ("non-Latin script, default vectorizer", lambda c, t: fit(_greek(60), c.embeddings[:60]),
     ValueError, "Latin-alphabet"),
    ("NaN embeddings", lambda c, t: fit(c.texts[:50], np.where(
        np.arange(50)[:, None] == 7, np.nan, c.embeddings[:50])), ValueError,
     "NaN or infinite values \\(first in row 7\\)"),
    ("inf embeddings", lambda c, t: fit(c.texts[:50], np.full((50, 384), np.inf)), ValueError,
     "NaN or infinite"),
    ("all-zero embeddings", lambda c, t: fit(c.texts[:200], np.zeros((200, 384), np.float32)),
     ValueError, "zero vectors"),
    ("1-D embeddings", lambda c, t: fit(c.texts[:50], c.embeddings[0]), ValueError, "2-D"),
    ("3-D embeddings", lambda c, t: fit(c.texts[:50], c.embeddings[:50, None, :]), ValueError,
     "2-D"),
    ("count mismatch", lambda c, t: fit(c.texts[:50], c.embeddings[:49]), ValueError,
     "49 rows but there are 50 documents"),
    ("n_topics 0", lambda c, t: fit(c.texts[:200], c.embeddings[:200], n_topics=0), ValueError,
     r"n_topics' parameter .* must be an int in the range \[1, inf\)"),
    ("n_topics negative", lambda c, t: fit(c.texts[:200], c.embeddings[:200], n_topics=-4),
     ValueError, r"n_topics' parameter .* Got -4 instead"),
    ("n_topics not an integer", lambda c, t: fit(c.texts[:200], c.embeddings[:200],
                                                 n_topics=2.5), TypeError, "Got 2.5 instead"),
    ("n_topics above the active atoms", lambda c, t: fit(c.texts[:200], c.embeddings[:200],
                                                         n_topics=5000),
     ValueError, "n_topics=5000 asks for more topics than the"),
]


@pytest.mark.parametrize(("case", "call", "error", "message"), FIT_ERRORS,
                         ids=[case for case, *_ in FIT_ERRORS])
def test_fit_refuses_with_a_clear_message(corpus, tmp_path, case, call, error, message):
    with pytest.raises(error, match=message):
        call(corpus, tmp_path)


def test_width_mismatch_with_a_pretrained_sae(fitted, corpus):
    with pytest.raises(ValueError, match="width 10 but the SAE reads width 384"):
        fit(corpus.texts[:50], np.ones((50, 10)), sae=fitted.sae_)


def test_non_latin_scripts_work_with_a_suitable_vectorizer(corpus):
    model = fit(_greek(100), corpus.embeddings[:100],
                vectorizer=CountVectorizer(token_pattern=r"(?u)\b\w\w+\b", min_df=2))
    assert "αλεπού" in set(model.vocabulary_)


def test_a_5_mb_document_is_fitted(corpus):
    huge = " ".join(corpus.texts[:5]) + " word" * 1_000_000
    assert len(huge) > 5_000_000
    model = fit([huge] + corpus.texts[:199], corpus.embeddings[:200])
    assert np.isfinite(model.atom_word_).all()


def test_some_empty_documents_are_fine(corpus):
    texts = list(corpus.texts[:200])
    texts[3] = ""
    theta = SAETopicModel(n_topics=3, sae_config=FAST, word_vectors="decoder",
                          random_state=0).fit_transform(texts, corpus.embeddings[:200])
    assert theta.shape == (200, 3)


# ------------------------------------------------------------------------------ loaders
def _edit_arrays(path, change):
    arrays = load_file(str(path / "arrays.safetensors"))
    change(arrays)
    save_arrays(arrays, str(path / "arrays.safetensors"))


def _edit_meta(path, change):
    meta = json.loads((path / "saetm.json").read_text())
    change(meta)
    (path / "saetm.json").write_text(json.dumps(meta))


def _set(arrays, name, index, value):
    arrays[name][index] = value


#: Folders whose files read fine but whose contents are wrong: (case, edit(folder)).
TAMPERED = {
    "NaN in atom_word_": lambda p: _edit_arrays(p, lambda a: _set(a, "atom_word_", (3, 5),
                                                                  np.nan)),
    "inf in idf_": lambda p: _edit_arrays(p, lambda a: _set(a, "idf_", 7, np.inf)),
    "NaN in SAE weights": lambda p: _nan_in_sae_weights(p / "sae" / "sae_weights.safetensors"),
    "atom_word_ one row short": lambda p: _edit_arrays(
        p, lambda a: a.update(atom_word_=np.ascontiguousarray(a["atom_word_"][:-1]))),
    "vocabulary one word short": lambda p: _edit_meta(
        p, lambda m: m.update(vocabulary=m["vocabulary"][:-1])),
    "vocabulary one word long": lambda p: _edit_meta(
        p, lambda m: m.update(vocabulary=[*m["vocabulary"], "zzzextra"])),
    "vocabulary repeats a word": lambda p: _edit_meta(
        p, lambda m: m.update(vocabulary=[m["vocabulary"][1], *m["vocabulary"][1:]])),
    "n_topics_ disagrees with topic_word_": lambda p: _edit_meta(
        p, lambda m: m.update(n_topics_=m["n_topics_"] - 1)),
    "n_features_in_ disagrees with the SAE": lambda p: _edit_meta(
        p, lambda m: m.update(n_features_in_=100)),
    "topic id out of range": lambda p: _edit_arrays(
        p, lambda a: _set(a, "atom_to_topic_", 0, a["topic_word_"].shape[0])),
    "negative probability": lambda p: _edit_arrays(p, lambda a: _set(a, "atom_prior_", 1,
                                                                     -0.25)),
    "float document numbers": lambda p: _edit_arrays(
        p, lambda a: a.update(inactive_documents_=np.zeros(2))),
    "missing array": lambda p: _edit_arrays(p, lambda a: a.pop("topic_prior_")),
}


def _nan_in_sae_weights(weights_path):
    tensors = load_tensors(str(weights_path))
    tensors["W_dec"][2, 3] = float("nan")
    save_tensors(tensors, str(weights_path))


def _broken(fitted, tmp_path, how):
    path = fitted.save(tmp_path / "model")
    if how in TAMPERED:
        TAMPERED[how](path)
    elif how == "truncated arrays":
        data = (path / "arrays.safetensors").read_bytes()
        (path / "arrays.safetensors").write_bytes(data[: len(data) // 3])
    elif how == "newer format":
        meta = json.loads((path / "saetm.json").read_text())
        (path / "saetm.json").write_text(json.dumps({**meta, "format_version": 99}))
    elif how == "corrupt SAE weights":
        (path / "sae" / "sae_weights.safetensors").write_bytes(b"\x00" * 64)
    elif how == "unknown architecture":
        cfg = json.loads((path / "sae" / "cfg.json").read_text())
        (path / "sae" / "cfg.json").write_text(json.dumps({**cfg, "architecture": "gated"}))
    elif how == "cfg missing keys":
        cfg = json.loads((path / "sae" / "cfg.json").read_text())
        del cfg["d_sae"]
        (path / "sae" / "cfg.json").write_text(json.dumps(cfg))
    elif how == "cfg wrong shapes":
        cfg = json.loads((path / "sae" / "cfg.json").read_text())
        (path / "sae" / "cfg.json").write_text(json.dumps({**cfg, "d_in": 100}))
    return path


LOAD_ERRORS = [
    ("truncated arrays", "unreadable"),
    ("newer format", "newer than this package supports"),
    ("corrupt SAE weights", "not a readable safetensors file"),
    ("unknown architecture", "'gated' is not supported"),
    ("cfg missing keys", "missing required key"),
    ("cfg wrong shapes", "implies"),
    # Each message names the file and the array (or JSON key) at fault.
    ("NaN in atom_word_", r"arrays\.safetensors: atom_word_ holds NaN or infinite values "
                          r"\(first at index \(3, 5\)\)"),
    ("inf in idf_", r"arrays\.safetensors: idf_ holds NaN or infinite values \(first at "
                    r"index 7\)"),
    ("NaN in SAE weights", r"sae_weights\.safetensors: W_dec holds NaN or infinite values "
                           r"\(first at index \(2, 3\)\)"),
    ("atom_word_ one row short", r"arrays\.safetensors: atom_word_ has shape \(767, \d+\), "
                                 r"but \(n_atoms, n_words\) = \(768, \d+\); n_atoms = 768 is "
                                 r"d_sae in sae/cfg\.json"),
    ("vocabulary one word short", r"arrays\.safetensors: atom_word_ has shape .*; n_words = "
                                  r"\d+ is the length of the vocabulary in saetm\.json"),
    ("vocabulary one word long", r"arrays\.safetensors: atom_word_ has shape .*; n_words = "
                                 r"\d+ is the length of the vocabulary in saetm\.json"),
    ("vocabulary repeats a word", r"saetm\.json: vocabulary lists '.+' more than once"),
    ("n_topics_ disagrees with topic_word_", r"arrays\.safetensors: topic_word_ has shape "
                                             r"\(12, \d+\), but \(n_topics_, n_words\) = "
                                             r"\(11, \d+\); n_topics_ = 11 is n_topics_ in "
                                             r"saetm\.json"),
    ("n_features_in_ disagrees with the SAE", r"saetm\.json: n_features_in_ is 100, but d_in "
                                              r"in sae/cfg\.json is 384"),
    ("topic id out of range", r"arrays\.safetensors: atom_to_topic_ holds 12 at index 0, "
                              r"outside -1\.\.11"),
    ("negative probability", r"arrays\.safetensors: atom_prior_ holds negative values "
                             r"\(-0\.25 at index 1\)"),
    ("float document numbers", r"arrays\.safetensors: inactive_documents_ has dtype float64, "
                               r"expected integer values"),
    ("missing array", r"arrays\.safetensors: missing arrays \['topic_prior_'\]"),
]


@pytest.mark.parametrize(("how", "message"), LOAD_ERRORS, ids=[h for h, _ in LOAD_ERRORS])
def test_broken_model_folders_are_named(fitted, tmp_path, how, message):
    path = _broken(fitted, tmp_path, how)
    with pytest.raises(ValueError, match=message):
        SAETopicModel.load(path)


def test_interrupted_save_leaves_no_half_written_model(fitted, tmp_path, monkeypatch):
    import bertopic_saetm.persistence.model_files as persistence

    path = fitted.save(tmp_path / "model")
    before = sorted(p.name for p in path.rglob("*"))

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(persistence, "save_file", crash)
    with pytest.raises(KeyboardInterrupt):
        fitted.save(path)
    with pytest.raises(KeyboardInterrupt):
        fitted.save(tmp_path / "fresh")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temp folder left
    assert sorted(p.name for p in path.rglob("*")) == before
    SAETopicModel.load(path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="permissions are not enforced for root")
def test_read_only_output_folder(fitted, tmp_path):
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(PermissionError):
            fitted.save(tmp_path / "model")
    finally:
        tmp_path.chmod(0o755)


def test_sae_folder_with_wrong_tensor_shapes(tmp_path, fitted):
    save_sae(fitted.sae_, tmp_path)
    cfg = json.loads((tmp_path / "cfg.json").read_text())
    (tmp_path / "cfg.json").write_text(json.dumps({**cfg, "d_sae": cfg["d_sae"] + 1}))
    with pytest.raises(ValueError, match="implies"):
        load_sae(tmp_path)


# ---------------------------------------------------------------------------------- CLI
def test_cli_wrong_csv_column(tmp_path, capsys):
    (tmp_path / "docs.csv").write_text("body\nhello world\n")
    assert cli(["fit", str(tmp_path / "docs.csv"), "-o", str(tmp_path / "m")]) == 2
    assert "no column 'text'" in capsys.readouterr().err


def test_cli_bad_embeddings_file(tmp_path, capsys):
    (tmp_path / "docs.txt").write_text("one document\nanother document\n")
    np.save(tmp_path / "emb.npy", np.zeros((3, 4)))
    assert cli(["fit", str(tmp_path / "docs.txt"), "--embeddings", str(tmp_path / "emb.npy"),
                "-o", str(tmp_path / "m")]) == 2
    assert "corpus has 2 documents" in capsys.readouterr().err
