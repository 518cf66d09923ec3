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
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from safetensors.numpy import save_file

from ..persistence.checks import (
    FLOAT,
    INTEGER,
    Size,
    Spec,
    check_arrays,
    check_count,
    check_csr,
    check_equal,
    check_keys,
    check_range,
)
from ..persistence.folders import read_folder, write_folder_atomically
from ..persistence.model_files import META_FILE as MODEL_META_FILE
from ..topic_model import SAETopicModel
from .backend import SAETMBackend
from .bertopic_internals import copy_ctfidf_weights
from .hooks import install_hooks

logger = logging.getLogger(__name__)

FORMAT_NAME = "bertopic-saetm-backend"
FORMAT_VERSION = 1
META_FILE = "saetm_backend.json"
ARRAYS_FILE = "saetm_backend.safetensors"
MODEL_DIR = "saetm"
#: What every stored array must look like (sizes: :func:`check_backend_folder`).
_SPECS = {
    "theta_data": Spec(("n_stored",), FLOAT, non_negative=True),
    "theta_indices": Spec(("n_stored",), INTEGER),
    "theta_indptr": Spec(("n_documents + 1",), INTEGER),
    "labels": Spec(("n_documents",), INTEGER),
    "atom_centroids": Spec(("n_atoms", "n_features")),
    "outlier_centroid": Spec(("n_features",)),
    "fingerprints": Spec(("n_documents",), INTEGER),
}


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

    def write(folder: Path) -> None:
        topic_model.save(folder, serialization="safetensors", save_ctfidf=True,
                         save_embedding_model=save_embedding_model)
        backend.model.save(folder / MODEL_DIR)
        theta = backend.theta_
        save_file({
            "theta_data": theta.data, "theta_indices": theta.indices.astype(np.int64),
            "theta_indptr": theta.indptr.astype(np.int64),
            "labels": backend.labels_.astype(np.int64),
            "atom_centroids": np.ascontiguousarray(backend.atom_centroids_),
            "outlier_centroid": np.ascontiguousarray(backend.outlier_centroid_),
            "fingerprints": backend.fingerprints_,
        }, str(folder / ARRAYS_FILE))
        (folder / META_FILE).write_text(json.dumps({
            "format": FORMAT_NAME, "format_version": FORMAT_VERSION,
            "n_documents": int(theta.shape[0]), "n_atoms": int(theta.shape[1]),
        }, indent=1))

    return write_folder_atomically(path, write, META_FILE,
                                   "a saved SAE-TM BERTopic model")


def check_backend_folder(path, meta: dict, arrays: dict, model: SAETopicModel) -> None:
    """Refuse saved BERTopic state that disagrees with its JSON or with the SAE-TM model.

    Parameters
    ----------
    path : Path
        The model folder.
    meta : dict
        ``saetm_backend.json``.
    arrays : dict of str to ndarray
        ``saetm_backend.safetensors``.
    model : SAETopicModel
        The SAE-TM model loaded (and checked) from ``saetm/``.

    Raises
    ------
    ValueError
        Naming the file and the array or key at fault.
    """
    meta_path, arrays_path = path / META_FILE, path / ARRAYS_FILE
    check_keys(meta_path, meta, ("n_documents", "n_atoms"))
    check_keys(arrays_path, arrays, tuple(_SPECS), "arrays")
    n_documents = check_count(meta_path, "n_documents", meta["n_documents"])
    n_atoms = check_count(meta_path, "n_atoms", meta["n_atoms"])
    model_file = f"{MODEL_DIR}/{MODEL_META_FILE}"
    check_equal(meta_path, "n_atoms", n_atoms,
                Size(model.sae_.d_sae, f"the number of atoms of the model in {MODEL_DIR}/"))
    sizes = {
        "n_documents": Size(n_documents, f"n_documents in {META_FILE}"),
        "n_documents + 1": Size(n_documents + 1, f"n_documents in {META_FILE}, plus one"),
        "n_atoms": Size(n_atoms, f"n_atoms in {META_FILE}"),
        "n_features": Size(model.n_features_in_, f"n_features_in_ in {model_file}"),
        "n_stored": Size(arrays["theta_data"].size, "the length of theta_data"),
    }
    check_arrays(arrays_path, arrays, _SPECS, sizes)
    check_csr(arrays_path, "theta", arrays, (n_documents, n_atoms))
    # Training documents are labelled with the model's topics, -1 for outliers.
    check_range(arrays_path, "labels", arrays["labels"], -1, model.n_topics_ - 1)


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

    Raises
    ------
    ValueError
        If a file is unreadable or what it holds is inconsistent
        (:func:`check_backend_folder`, and for ``saetm/``
        :func:`~bertopic_saetm.persistence.model_files.check_model_folder`).
    """
    from bertopic import BERTopic

    path = Path(path)
    meta, arrays = read_folder(path, META_FILE, ARRAYS_FILE, FORMAT_NAME, FORMAT_VERSION,
                               "a saved SAE-TM BERTopic model (save it with "
                               "bertopic_saetm.backends.save_bertopic)")
    model = SAETopicModel.load(path / MODEL_DIR)
    check_backend_folder(path, meta, arrays, model)
    shape = (meta["n_documents"], meta["n_atoms"])

    theta = sp.csr_matrix(
        (arrays["theta_data"], arrays["theta_indices"], arrays["theta_indptr"]), shape=shape)
    backend = SAETMBackend(model).restore(theta, arrays["labels"], arrays["atom_centroids"],
                                          arrays["outlier_centroid"], arrays["fingerprints"])

    topic_model = BERTopic.load(str(path), embedding_model=embedding_model)
    components = backend.components()
    # BERTopic restored the fitted c-TF-IDF weights; keep them in SAE-TM's transformer.
    copy_ctfidf_weights(topic_model.ctfidf_model, components["ctfidf_model"])
    for name, component in components.items():
        setattr(topic_model, name, component)
    topic_model.probabilities_ = backend.current_mixture(topic_model, backend.theta_)
    install_hooks(topic_model, backend)
    return topic_model
