"""Saving a BERTopic model fitted with SAE-TM, together with SAE-TM's state (no pickle).

BERTopic's own pickle-free save (safetensors) drops custom dimensionality and cluster
models and its ``probabilities_``. :func:`save_bertopic` writes BERTopic's safetensors
save and, beside it, everything SAE-TM needs to rebuild the components::

    model_dir/
        config.json, topics.json, topic_embeddings.safetensors, ctfidf*   (BERTopic)
        saetm/                       the fitted SAETopicModel (see bertopic_saetm.persistence)
        saetm_backend.json           format name and version
        saetm_backend.safetensors    training mixtures, labels, atom centroids, fingerprints
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from ..topic_model import SAETopicModel
from .backend import SAETMBackend
from .representation import install_topic_vectors

logger = logging.getLogger(__name__)

FORMAT_NAME = "bertopic-saetm-backend"
FORMAT_VERSION = 1
META_FILE = "saetm_backend.json"
ARRAYS_FILE = "saetm_backend.safetensors"
MODEL_DIR = "saetm"


def save_bertopic(topic_model, path, save_embedding_model=False) -> Path:
    """Save a BERTopic model that uses SAE-TM components, with SAE-TM's state.

    Parameters
    ----------
    topic_model : BERTopic
    path : str or Path
        A folder; an existing model folder there is replaced.
    save_embedding_model : bool or str, default=False
        Passed to ``BERTopic.save`` (a string: the embedding model's name or path to
        record).

    Returns
    -------
    Path
    """
    backend = SAETMBackend.of(topic_model)
    backend.check_attached(topic_model)
    path = Path(path)
    if path.exists() and not (path / META_FILE).is_file():
        raise FileExistsError(f"{path} exists and is not a saved SAE-TM BERTopic model; "
                              "refusing to overwrite it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        topic_model.save(tmp, serialization="safetensors", save_ctfidf=True,
                         save_embedding_model=save_embedding_model)
        backend.model.save(tmp / MODEL_DIR)
        theta = backend.theta_
        save_file({
            "theta_data": theta.data, "theta_indices": theta.indices.astype(np.int64),
            "theta_indptr": theta.indptr.astype(np.int64),
            "labels": backend.labels_.astype(np.int64),
            "atom_centroids": np.ascontiguousarray(backend.atom_centroids_),
            "outlier_centroid": np.ascontiguousarray(backend.outlier_centroid_),
            "fingerprints": backend.fingerprints_,
        }, str(tmp / ARRAYS_FILE))
        (tmp / META_FILE).write_text(json.dumps({
            "format": FORMAT_NAME, "format_version": FORMAT_VERSION,
            "n_documents": int(theta.shape[0]), "n_atoms": int(theta.shape[1]),
        }, indent=1))
        os.chmod(tmp, 0o755)
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            path.rename(old)
            tmp.rename(path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def load_bertopic(path, embedding_model=None):
    """Load a model written by :func:`save_bertopic`, SAE-TM components attached.

    Parameters
    ----------
    path : str or Path
    embedding_model : optional
        Passed to ``BERTopic.load`` (needed to embed new documents there).

    Returns
    -------
    BERTopic
        ``transform``, :func:`~bertopic_saetm.backends.topic_distribution`, merging and the
        figures work as before saving. Re-topicking needs the training documents again.
    """
    from bertopic import BERTopic

    path = Path(path)
    meta_path = path / META_FILE
    if not meta_path.is_file():
        raise FileNotFoundError(f"{path} is not a saved SAE-TM BERTopic model ({META_FILE} is "
                                "missing); save it with bertopic_saetm.backends.save_bertopic.")
    try:
        meta = json.loads(meta_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{meta_path}: not valid JSON ({exc}).") from exc
    version = meta.get("format_version")
    if meta.get("format") != FORMAT_NAME or not isinstance(version, int):
        raise ValueError(f"{meta_path}: not a {FORMAT_NAME} file.")
    if version > FORMAT_VERSION:
        raise ValueError(f"{path} was written in format version {version}, newer than this "
                         f"package supports ({FORMAT_VERSION}); upgrade bertopic-saetm.")
    try:
        arrays = load_file(str(path / ARRAYS_FILE))
    except (SafetensorError, OSError) as exc:
        raise ValueError(f"{path / ARRAYS_FILE}: unreadable ({exc}).") from exc
    model = SAETopicModel.load(path / MODEL_DIR)
    shape = (meta["n_documents"], meta["n_atoms"])
    if shape[1] != model.sae_.d_sae or arrays["labels"].shape != (shape[0],):
        raise ValueError(f"{path}: the saved mixtures do not match the saved SAE-TM model.")

    backend = SAETMBackend(model)
    backend.theta_ = sp.csr_matrix(
        (arrays["theta_data"], arrays["theta_indices"], arrays["theta_indptr"]), shape=shape)
    backend.labels_ = arrays["labels"]
    backend.atom_centroids_ = arrays["atom_centroids"]
    backend.outlier_centroid_ = arrays["outlier_centroid"]
    backend.fingerprints_ = arrays["fingerprints"]

    topic_model = BERTopic.load(str(path), embedding_model=embedding_model)
    components = backend.components()
    # BERTopic restored the fitted c-TF-IDF weights; keep them in SAE-TM's transformer.
    components["ctfidf_model"]._idf_diag = topic_model.ctfidf_model._idf_diag
    for name, component in components.items():
        setattr(topic_model, name, component)
    topic_model.probabilities_ = backend.current_mixture(topic_model, backend.theta_)
    install_topic_vectors(topic_model, backend)
    return topic_model
