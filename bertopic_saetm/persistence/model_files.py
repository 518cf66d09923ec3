"""Saving and loading fitted SAETopicModels: a folder of safetensors + JSON, no pickle.

Layout::

    model_dir/
        saetm.json           format name and version, parameters, vocabulary, reports
        arrays.safetensors   atom_word_, background_, atom_prior_, ... (float64 / int64;
                             background_atoms_, atom_selectivity_,
                             atom_main_documents_ optional)
        sae/                 the SAE in SAE-Lens format (cfg.json + sae_weights.safetensors)

The folder is written under a temporary name and renamed into place, so an interrupted save
never leaves a half-written model that loads.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from ..sae import SAETrainingConfig, load_sae, save_sae
from ..text.vocabulary import default_vectorizer, fixed_vectorizer
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
#: Parameters added after format version 1 was first written, with the values that
#: reproduce what models saved before them did (no background topic, merge by words).
_LATER_PARAMS = {"atom_space": "words", "background_share": 0.0}


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
        save_file(arrays, str(folder / ARRAYS_FILE))
        (folder / META_FILE).write_text(json.dumps(meta, indent=1))

    return write_folder_atomically(path, write, META_FILE, "a saved SAETopicModel")






def load_model(cls, path):
    """Read a model folder written by :func:`save_model`."""
    path = Path(path)
    meta, arrays = read_folder(path, META_FILE, ARRAYS_FILE, FORMAT_NAME, FORMAT_VERSION,
                               "a saved SAETopicModel")
    missing = [name for name in _ARRAYS if name not in arrays]
    if missing:
        raise ValueError(f"{path / ARRAYS_FILE}: missing arrays {missing}.")
    sae = load_sae(path / SAE_DIR)

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
    model.sae_ = sae
    model.atoms_ = sae.atoms()
    model.vocabulary_ = np.asarray(meta["vocabulary"], dtype=object)
    # The fitted vectorizer: the same analyzer, fixed to the saved vocabulary.
    model.vectorizer_ = fixed_vectorizer(
        vectorizer if vectorizer is not None else default_vectorizer(), model.vocabulary_)
    for name in ("n_topics_", "n_features_in_", "sae_report_", "emission_log_likelihood_",
                 "emission_n_iter_", "fit_seconds_"):
        setattr(model, name, meta[name])
    n_atoms, n_words = model.atom_word_.shape
    if n_atoms != sae.d_sae or n_words != model.vocabulary_.size:
        raise ValueError(
            f"{path}: atom_word_ has shape {model.atom_word_.shape}, inconsistent with the SAE "
            f"({sae.d_sae} atoms) and vocabulary ({model.vocabulary_.size} words)."
        )
    return model
