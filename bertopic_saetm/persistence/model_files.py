"""Saving and loading fitted SAETopicModels: a folder of safetensors + JSON, no pickle.

Layout::

    model_dir/
        saetm.json           format name and version, parameters, vocabulary, reports
        arrays.safetensors   atom_word_, background_, atom_prior_, ... (float64 / int64;
                             background_atoms_, atom_selectivity_,
                             atom_main_documents_, atom_word_profile_,
                             atom_document_words_ optional)
        sae/                 the SAE in SAE-Lens format (cfg.json + sae_weights.safetensors)

The folder is written under a temporary name and renamed into place, so an interrupted save
never leaves a half-written model that loads.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from ..merge.topic_words import TOPIC_WORD_RULES
from ..sae import SAETrainingConfig, load_sae, save_sae
from ..sae.sae_lens_format import CFG_FILE, WEIGHTS_FILE
from ..text.vocabulary import default_vectorizer, fixed_vectorizer
from .checks import (
    FLOAT,
    INTEGER,
    NUMBER,
    Size,
    Spec,
    check_arrays,
    check_count,
    check_equal,
    check_keys,
    check_range,
    check_sae_parameters,
    check_sae_weights,
    check_vocabulary,
)
from .folders import read_folder, write_folder_atomically

FORMAT_NAME = "bertopic-saetm"
FORMAT_VERSION = 1
META_FILE = "saetm.json"
ARRAYS_FILE = "arrays.safetensors"
SAE_DIR = "sae"

_ARRAYS = ("atom_word_", "background_", "atom_prior_", "atom_topic_vectors_", "atom_to_topic_",
           "topic_word_", "topic_prior_", "idf_", "inactive_documents_")
_JSON_PARAMS = ("n_topics", "background_weight", "top_p", "emission_max_iter", "emission_tol",
                "min_cluster_size", "random_state", "verbose")
#: What every stored array must look like (the sizes are :func:`_sizes`). Probabilities,
#: IDF weights, selectivities, document counts and document numbers are never negative.
_SPECS = {
    "atom_word_": Spec(("n_atoms", "n_words"), FLOAT, non_negative=True),
    "atom_word_profile_": Spec(("n_atoms", "n_words"), FLOAT, non_negative=True),
    "background_": Spec(("n_words",), FLOAT, non_negative=True),
    "atom_prior_": Spec(("n_atoms",), FLOAT, non_negative=True),
    "atom_selectivity_": Spec(("n_atoms",), FLOAT, non_negative=True),
    "atom_main_documents_": Spec(("n_atoms",), NUMBER, non_negative=True),
    "atom_document_words_": Spec(("n_atoms",), FLOAT, non_negative=True),
    "atom_topic_vectors_": Spec(("n_atoms", "dim")),
    "atom_to_topic_": Spec(("n_atoms",), INTEGER),
    "background_atoms_": Spec(("n_atoms",), INTEGER),
    "topic_word_": Spec(("n_topics_", "n_words"), FLOAT, non_negative=True),
    "topic_prior_": Spec(("n_topics_",), FLOAT, non_negative=True),
    "idf_": Spec(("n_words",), FLOAT, non_negative=True),
    "inactive_documents_": Spec(("n_inactive",), INTEGER, non_negative=True),
}
_META_KEYS = ("params", "vocabulary", "n_topics_", "n_features_in_", "sae_report_",
              "emission_log_likelihood_", "emission_n_iter_", "fit_seconds_")
#: Models saved without ``atom_document_words_`` ranked topics of fewer than this many
#: documents as small (:meth:`~bertopic_saetm.merge.topic_words.TopicWordRule.relevance_for`).
LEGACY_SMALL_TOPIC_DOCUMENTS = 50
#: Parameters added after format version 1 was first written, with the values that
#: reproduce what models saved before them did (no background topic, merge by words,
#: topic words from the emission, no wordless atoms, every atom weighed by its documents).
_LATER_PARAMS = {"atom_space": "words", "background_share": 0.0, "topic_words": "emission",
                 "min_document_words": 0.0, "generic_atom_power": 0.0}


def _portable(value):
    """The value if JSON can hold it, else None (the parameter is then not restored)."""
    try:
        json.dumps(value)
    except TypeError:
        return None
    return value


def save_model(model, path) -> Path:
    """Write a fitted model to ``path`` (replacing an existing model folder there)."""
    path = Path(path)
    params = {name: getattr(model, name) for name in (*_JSON_PARAMS, *_LATER_PARAMS)}
    params["embedding_model"] = model.embedding_model if model.embedding_model == "default" \
        else None
    params["word_vectors"] = model.word_vectors if isinstance(model.word_vectors, str) else None
    params["sae_config"] = model.sae_config.to_dict() if model.sae_config is not None else None
    params["sae_pretrained"] = model.sae is not None
    params["vectorizer"] = None if model.vectorizer is None else _portable(
        {k: v for k, v in model.vectorizer.get_params().items() if k != "dtype"}
    )
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "params": params,
        "vocabulary": [str(w) for w in model.vocabulary_],
        "n_topics_": model.n_topics_,
        "n_features_in_": model.n_features_in_,
        "sae_report_": model.sae_report_,
        "emission_log_likelihood_": model.emission_log_likelihood_,
        "emission_n_iter_": model.emission_n_iter_,
        "fit_seconds_": model.fit_seconds_,
    }

    def write(folder: Path) -> None:
        save_sae(model.sae_, folder / SAE_DIR)
        arrays = {name: np.ascontiguousarray(getattr(model, name)) for name in _ARRAYS}
        arrays["background_atoms_"] = model.background_atoms_.astype(np.uint8)
        arrays["atom_selectivity_"] = np.ascontiguousarray(model.atom_selectivity_)
        arrays["atom_main_documents_"] = np.ascontiguousarray(model.atom_main_documents_)
        arrays["atom_document_words_"] = np.ascontiguousarray(model.atom_document_words_)
        if getattr(model, "atom_word_profile_", None) is not None:
            arrays["atom_word_profile_"] = np.ascontiguousarray(model.atom_word_profile_)
        save_file(arrays, str(folder / ARRAYS_FILE))
        (folder / META_FILE).write_text(json.dumps(meta, indent=1))

    return write_folder_atomically(path, write, META_FILE, "a saved SAETopicModel")


def check_model_folder(path, meta: dict, arrays: dict, sae) -> None:
    """Refuse a model folder whose arrays, JSON and SAE disagree or hold bad values.

    Parameters
    ----------
    path : Path
        The model folder.
    meta : dict
        ``saetm.json``.
    arrays : dict of str to ndarray
        ``arrays.safetensors``.
    sae : SparseAutoencoder
        The SAE read from ``sae/``.

    Raises
    ------
    ValueError
        Naming the file and the array or key at fault.
    """
    meta_path, arrays_path = path / META_FILE, path / ARRAYS_FILE
    weights_path, cfg_path = path / SAE_DIR / WEIGHTS_FILE, path / SAE_DIR / CFG_FILE
    check_sae_parameters(weights_path, sae)
    check_keys(meta_path, meta, _META_KEYS)
    check_keys(arrays_path, arrays, _ARRAYS, "arrays")
    # The SAE reader accepted cfg.json, so it is a JSON object with integer sizes; the sizes
    # are read from the file itself so that the messages name where they come from.
    cfg = json.loads(cfg_path.read_text())
    cfg_name = f"{SAE_DIR}/{CFG_FILE}"
    n_features = check_count(meta_path, "n_features_in_", meta["n_features_in_"], 1)
    check_equal(meta_path, "n_features_in_", n_features,
                Size(cfg["d_in"], f"d_in in {cfg_name}"))
    sizes = {
        "n_atoms": Size(cfg["d_sae"], f"d_sae in {cfg_name}"),
        "n_words": check_vocabulary(meta_path, meta["vocabulary"]),
        "n_topics_": Size(check_count(meta_path, "n_topics_", meta["n_topics_"]),
                          f"n_topics_ in {META_FILE}"),
    }
    check_arrays(arrays_path, arrays, _SPECS, sizes)
    check_range(arrays_path, "atom_to_topic_", arrays["atom_to_topic_"], -1,
                sizes["n_topics_"].value - 1)
    if "background_atoms_" in arrays:
        check_range(arrays_path, "background_atoms_", arrays["background_atoms_"], 0, 1)


def load_model(cls, path):
    """Read a model folder written by :func:`save_model`.

    Everything read is checked first (:func:`check_model_folder`): a folder that was edited,
    truncated or written by other software is refused with a ``ValueError`` naming the file
    and the array, rather than loading a model that computes NaN topics.
    """
    path = Path(path)
    meta, arrays = read_folder(path, META_FILE, ARRAYS_FILE, FORMAT_NAME, FORMAT_VERSION,
                               "a saved SAETopicModel")
    weights_path = path / SAE_DIR / WEIGHTS_FILE
    if weights_path.is_file():  # a missing file is the SAE reader's to report
        check_sae_weights(weights_path)
    sae = load_sae(path / SAE_DIR)
    check_model_folder(path, meta, arrays, sae)

    params = meta["params"]
    vectorizer = None
    if params.get("vectorizer"):
        from sklearn.feature_extraction.text import CountVectorizer

        settings = dict(params["vectorizer"])
        if isinstance(settings.get("ngram_range"), list):
            # JSON has no tuples; CountVectorizer accepts only a tuple here.
            settings["ngram_range"] = tuple(settings["ngram_range"])
        vectorizer = CountVectorizer(**settings)
    model = cls(
        **{name: params[name] for name in _JSON_PARAMS},
        **{name: params.get(name, default) for name, default in _LATER_PARAMS.items()},
        sae=sae if params.get("sae_pretrained") else None,
        sae_config=SAETrainingConfig(**params["sae_config"]) if params.get("sae_config") else None,
        vectorizer=vectorizer,
        embedding_model=params.get("embedding_model"),
        word_vectors=params.get("word_vectors") or "auto",
    )
    for name in _ARRAYS:
        setattr(model, name, arrays[name])
    # Models saved before the background topic existed have none.
    model.background_atoms_ = (arrays["background_atoms_"].astype(bool)
                               if "background_atoms_" in arrays
                               else np.zeros(model.atom_prior_.shape, dtype=bool))
    # Models saved before topic words weighted atoms by their selectivity: all ones keeps
    # their prior-only weighting, so their topics stay what they were when re-merged.
    model.atom_selectivity_ = (arrays["atom_selectivity_"] if "atom_selectivity_" in arrays
                               else np.ones(model.atom_prior_.shape))
    # Models saved before the merge weighted atoms by the documents they head: zeros make
    # the merge weights the prior alone, so re-merging them gives the topics it gave then.
    model.atom_main_documents_ = (arrays["atom_main_documents_"]
                                  if "atom_main_documents_" in arrays
                                  else np.zeros(model.atom_prior_.shape))
    # Models saved before the damped words were kept ranked small topics by documents; as
    # many words a document as makes the words threshold that many documents keeps their rule.
    legacy_words = (TOPIC_WORD_RULES["documents"].small_topic_words
                    / LEGACY_SMALL_TOPIC_DOCUMENTS)
    model.atom_document_words_ = (arrays["atom_document_words_"]
                                  if "atom_document_words_" in arrays
                                  else np.full(model.atom_prior_.shape, legacy_words))
    # Models saved before word profiles have none; they load with topic_words="emission".
    model.atom_word_profile_ = arrays.get("atom_word_profile_")
    model.sae_ = sae
    model.atoms_ = sae.atoms()
    model.vocabulary_ = np.asarray(meta["vocabulary"], dtype=object)
    # The fitted vectorizer: the same analyzer, fixed to the saved vocabulary.
    model.vectorizer_ = fixed_vectorizer(
        vectorizer if vectorizer is not None else default_vectorizer(), model.vocabulary_)
    for name in ("n_topics_", "n_features_in_", "sae_report_", "emission_log_likelihood_",
                 "emission_n_iter_", "fit_seconds_"):
        setattr(model, name, meta[name])
    return model
