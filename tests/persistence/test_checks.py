"""The loaders' checks (bertopic_saetm.persistence.checks): each rule on its own, the checks
on the loaded SAE, and an untampered model that loads and saves back byte for byte."""

import json

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file
from safetensors.torch import save_file as save_tensors

from bertopic_saetm import SAETopicModel
from bertopic_saetm.persistence import model_files
from bertopic_saetm.persistence.checks import (
    FLOAT,
    INTEGER,
    Size,
    Spec,
    check_arrays,
    check_count,
    check_csr,
    check_finite,
    check_non_negative,
    check_range,
    check_sae_parameters,
    check_sae_weights,
    check_shape,
    check_vocabulary,
)

SIZES = {"n_atoms": Size(4, "d_sae in cfg.json"), "n_words": Size(3, "the vocabulary")}


def test_check_finite_names_the_file_the_array_and_the_first_bad_index():
    array = np.ones((2, 3))
    array[1, 2] = -np.inf
    with pytest.raises(ValueError, match=r"^f\.safetensors: B holds NaN or infinite values "
                                         r"\(first at index \(1, 2\)\)\.$"):
        check_finite("f.safetensors", "B", array)
    check_finite("f", "ids", np.array([-1, 5]))  # integers hold neither
    check_finite("f", "B", np.ones(3, dtype=np.float16))


def test_check_shape_says_which_size_disagrees_and_where_it_was_read():
    with pytest.raises(ValueError, match=r"^f: B has shape \(4, 2\), but \(n_atoms, n_words\) = "
                                         r"\(4, 3\); n_words = 3 is the vocabulary\.$"):
        check_shape("f", "B", np.zeros((4, 2)), ("n_atoms", "n_words"), SIZES)
    with pytest.raises(ValueError, match=r"has shape \(4,\), but \(n_atoms, dim\) = \(4, any\)"):
        check_shape("f", "V", np.zeros(4), ("n_atoms", "dim"), SIZES)
    check_shape("f", "V", np.zeros((4, 17)), ("n_atoms", "dim"), SIZES)  # dim is free


def test_check_arrays_applies_every_rule_and_skips_absent_optional_arrays():
    specs = {"B": Spec(("n_atoms", "n_words"), FLOAT, non_negative=True),
             "ids": Spec(("n_atoms",), INTEGER), "old": Spec(("n_atoms",))}
    good = {"B": np.full((4, 3), 1 / 3), "ids": np.array([0, 1, -1, 0])}
    check_arrays("f", good, specs, SIZES)  # "old" is absent: older formats lack it
    with pytest.raises(ValueError, match=r"f: ids has dtype float64, expected integer"):
        check_arrays("f", {**good, "ids": np.zeros(4)}, specs, SIZES)
    with pytest.raises(ValueError, match=r"f: B holds negative values \(-0\.5 at index "
                                         r"\(0, 1\)\)"):
        check_arrays("f", {**good, "B": np.array([[1, -0.5, 0.5]] * 4)}, specs, SIZES)
    with pytest.raises(ValueError, match=r"f: old holds NaN"):
        check_arrays("f", {**good, "old": np.array([0, np.nan, 0, 0])}, specs, SIZES)


def test_small_rules():
    with pytest.raises(ValueError, match=r"f: n_topics_ must be an integer >= 0, got True"):
        check_count("f", "n_topics_", True)
    with pytest.raises(ValueError, match=r"got '12'"):
        check_count("f", "n_topics_", "12")
    assert check_count("f", "n_topics_", 12) == 12
    with pytest.raises(ValueError, match=r"f: ids holds -2 at index 3, outside -1\.\.4"):
        check_range("f", "ids", np.array([0, 4, -1, -2]), -1, 4)
    with pytest.raises(ValueError, match=r"f: p holds negative values"):
        check_non_negative("f", "p", np.array([0.0, -0.0, -1e-300]))
    check_non_negative("f", "p", np.array([0.0, -0.0]))
    with pytest.raises(ValueError, match="list of strings"):
        check_vocabulary("m.json", ["a", 3])
    assert check_vocabulary("dir/m.json", ["a", "b"]) == Size(
        2, "the length of the vocabulary in m.json")


def _csr(indptr, indices=(0, 1, 1), data=(0.5, 0.5, 1.0)):
    return {"theta_indptr": np.array(indptr), "theta_indices": np.array(indices),
            "theta_data": np.array(data)}


@pytest.mark.parametrize(("parts", "message"), [
    (_csr([0, 2]), r"theta_indptr has shape \(2,\), but a matrix of 2 rows needs 3 entries"),
    (_csr([1, 2, 3]), r"theta_indptr runs from 1 to 3, but it must run from 0 to the 3 "
                      r"values of theta_data\.$"),
    (_csr([0, 2, 2]), r"theta_indptr runs from 0 to 2"),
    (_csr([0, 2, 3], indices=(0, 1)), r"theta_indices has shape \(2,\), but theta_data has "
                                      r"\(3,\)"),
    (_csr([0, 4, 3]), r"theta_indptr decreases at index 2"),
    (_csr([0, 2, 3], indices=(0, 5, 1)), r"theta_indices holds 5 at index 1, outside 0\.\.4"),
])
def test_check_csr(parts, message):
    with pytest.raises(ValueError, match=r"^f: " + message):
        check_csr("f", "theta", parts, (2, 5))


def test_check_csr_accepts_a_valid_matrix_with_empty_rows():
    check_csr("f", "theta", _csr([0, 0, 2, 3]), (3, 5))
    check_csr("f", "theta", _csr([0], indices=(), data=()), (0, 5))


def test_sae_weights_in_bfloat16_are_checked_by_name(tmp_path):
    path = tmp_path / "sae_weights.safetensors"
    weights = torch.zeros(3, 4, dtype=torch.bfloat16)
    save_tensors({"W_enc": weights, "b_enc": torch.zeros(4)}, str(path))
    check_sae_weights(path)
    weights[0, 1] = float("inf")
    save_tensors({"W_enc": weights, "b_enc": torch.zeros(4)}, str(path))
    with pytest.raises(ValueError, match=r"sae_weights\.safetensors: W_enc holds NaN or "
                                         r"infinite values \(first at index \(0, 1\)\)"):
        check_sae_weights(path)
    path.write_bytes(b"\x00" * 16)
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        check_sae_weights(path)


def test_the_loaded_sae_is_checked_after_the_sae_reader(fitted, tmp_path, monkeypatch):
    # Whatever the SAE reader does to the stored tensors, the loader checks what it returns.
    path = fitted.save(tmp_path / "model")
    real_load_sae = model_files.load_sae

    def load_sae_with_nan(folder):
        sae = real_load_sae(folder)
        with torch.no_grad():
            sae.b_enc[5] = float("nan")
        return sae

    monkeypatch.setattr(model_files, "load_sae", load_sae_with_nan)
    with pytest.raises(ValueError, match=r"sae_weights\.safetensors: b_enc holds NaN or "
                                         r"infinite values \(first at index 5\)"):
        SAETopicModel.load(path)
    check_sae_parameters("w", real_load_sae(path / "sae"))


def test_an_untampered_model_loads_and_saves_back_identically(fitted, corpus, tmp_path):
    first = fitted.save(tmp_path / "first")
    loaded = SAETopicModel.load(first)
    second = loaded.save(tmp_path / "second")
    for name in ("arrays.safetensors", "sae/sae_weights.safetensors"):
        a, b = load_file(str(first / name)), load_file(str(second / name))
        assert sorted(a) == sorted(b)
        for key in a:
            assert a[key].dtype == b[key].dtype
            np.testing.assert_array_equal(a[key], b[key], err_msg=f"{name}: {key}")
    for name in ("saetm.json", "sae/cfg.json"):
        assert json.loads((first / name).read_text()) == json.loads((second / name).read_text())
    np.testing.assert_array_equal(loaded.transform(embeddings=corpus.embeddings[:100]),
                                  fitted.transform(embeddings=corpus.embeddings[:100]))
    for name in ("atom_word_", "topic_word_", "idf_", "atom_to_topic_", "inactive_documents_"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(fitted, name))

