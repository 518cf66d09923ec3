"""Every use of BERTopic's private API, in this one module.

SAE-TM's backends need a few BERTopic steps that BERTopic has no public call for: rebuilding
its topic state after a re-merge (``set_n_topics``), computing topic embeddings, c-TF-IDF
and representative documents SAE-TM's way (instance hooks, see
:mod:`bertopic_saetm.backends.hooks`), keeping the c-TF-IDF weights of a loaded model, and
reading the documents table BERTopic hands representation models. Each is wrapped in a
named function here; no other module touches a private BERTopic name
(``tests/test_architecture.py`` checks it).

Every function was checked against BERTopic :data:`CHECKED_AGAINST` (the ``bertopic``
pin in ``pyproject.toml`` is ``>=0.17,<0.18``). :func:`check_internals` lists what an
installed BERTopic no longer provides (a name gone, a parameter renamed, the documents
table changed); ``tests/backends/test_bertopic_internals.py`` fails with its list, so a
BERTopic release that breaks the backends is caught before users meet it.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    import pandas as pd

#: The BERTopic release the functions below were read against and tested with.
CHECKED_AGAINST = "0.17.4"

#: Columns of the documents table BERTopic passes between its private steps.
FRAME_COLUMNS = ("Document", "ID", "Topic", "Image")


@dataclass(frozen=True)
class Internal:
    """A private BERTopic callable this module relies on.

    Attributes
    ----------
    owner : str
        Dotted path of the module or class that holds it.
    name : str
    parameters : tuple of str
        Parameter names it must still accept.
    """

    owner: str
    name: str
    parameters: tuple[str, ...]


INTERNALS = (
    Internal("bertopic._bertopic", "TopicMapper", ("topics",)),
    Internal("bertopic._bertopic.TopicMapper", "get_mappings", ("original_topics",)),
    Internal("bertopic.BERTopic", "_update_topic_size", ("documents",)),
    Internal("bertopic.BERTopic", "_sort_mappings_by_frequency", ("documents",)),
    Internal("bertopic.BERTopic", "_extract_topics",
             ("documents", "embeddings", "mappings", "verbose", "fine_tune_representation")),
    Internal("bertopic.BERTopic", "_extract_words_per_topic",
             ("words", "documents", "fine_tune_representation", "calculate_aspects",
              "embeddings")),
    Internal("bertopic.BERTopic", "_save_representative_docs", ("documents",)),
    Internal("bertopic.BERTopic", "_create_topic_vectors",
             ("documents", "embeddings", "mappings")),
)


# ------------------------------------------------------------------- topic state
def topic_mapping(topic_model) -> dict:
    """BERTopic's map from the cluster model's topic ids to its current topic ids.

    ``topic_model.topic_mapper_.get_mappings(original_topics=True)``; ``TopicMapper`` is
    not exported by BERTopic. Checked against BERTopic 0.17.4.

    Returns
    -------
    dict of int to int
        Includes -1 (outliers); merged or reduced topics map several ids to one.
    """
    return topic_model.topic_mapper_.get_mappings(original_topics=True)


def documents_frame(documents: list[str], labels) -> pd.DataFrame:
    """The documents table BERTopic's private steps take (``Document``, ``ID``, ``Topic``,
    ``Image``), built as ``BERTopic.fit_transform`` builds it. Checked against BERTopic
    0.17.4."""
    import pandas as pd

    return pd.DataFrame({"Document": documents, "ID": range(len(documents)),
                         "Topic": labels, "Image": None})


def frame_contents(documents: pd.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Documents, training-corpus rows and topic ids of a table BERTopic hands over.

    BERTopic passes such a table to a representation model's ``extract_topics`` and to
    ``_create_topic_vectors``. The tables of ``topics_over_time`` and ``merge_topics`` have
    no ``ID`` column; their index is then the row in the documents the user passed, as in
    ``fit_transform``. Checked against BERTopic 0.17.4.

    Returns
    -------
    texts : list of str
    rows : ndarray of shape (n,), int
    topics : ndarray of shape (n,), int
    """
    rows = documents["ID"].to_numpy() if "ID" in documents.columns \
        else documents.index.to_numpy()
    return documents["Document"].tolist(), np.asarray(rows, dtype=np.int64), \
        documents["Topic"].to_numpy()


def rebuild_topics(topic_model, documents: list[str], labels: np.ndarray) -> None:
    """Rebuild BERTopic's topic state from new labels of its training documents.

    Does what ``BERTopic.fit_transform`` does after clustering: topic sizes and
    ``topics_``, a fresh ``topic_mapper_``, renumbering by size, topic words and
    embeddings (through the representation model and ``_create_topic_vectors``), and the
    representative documents. Uses ``_update_topic_size``, ``TopicMapper``,
    ``_sort_mappings_by_frequency``, ``_extract_topics`` and ``_save_representative_docs``.
    Checked against BERTopic 0.17.4.

    Parameters
    ----------
    topic_model : BERTopic
    documents : list of str of length n_documents
    labels : ndarray of shape (n_documents,)
        New topic of every document (-1: outlier).
    """
    from bertopic._bertopic import TopicMapper

    table = documents_frame(documents, labels)
    topic_model._update_topic_size(table)
    topic_model.topic_mapper_ = TopicMapper(topic_model.topics_)
    table = topic_model._sort_mappings_by_frequency(table)
    topic_model._extract_topics(table, verbose=False)
    topic_model._save_representative_docs(table)


# ------------------------------------------------------------------ instance hooks
#: Private BERTopic steps SAE-TM replaces on a BERTopic instance (never on the class):
#: topic embeddings, topic words with their c-TF-IDF, and representative documents.
TOPIC_VECTORS = "_create_topic_vectors"
TOPIC_WORDS = "_extract_topics"
REPRESENTATIVE_DOCS = "_save_representative_docs"
HOOKABLE = (TOPIC_VECTORS, TOPIC_WORDS, REPRESENTATIVE_DOCS)


def installed_hook(topic_model, name: str):
    """The callable installed for BERTopic's step ``name`` on ``topic_model``, or None.

    Checked against BERTopic 0.17.4.
    """
    return topic_model.__dict__.get(_hookable(name))


def install_hook(topic_model, name: str, compute) -> None:
    """Make ``topic_model`` call ``compute`` (same parameters) for its private step ``name``.

    BERTopic has no public hook for how it computes topic embeddings, c-TF-IDF and
    representative documents; the method is replaced on this instance only, so other
    BERTopic models are untouched. Checked against BERTopic 0.17.4.
    """
    setattr(topic_model, _hookable(name), compute)


def bertopic_step(topic_model, name: str, *args, **kwargs):
    """Run BERTopic's own step ``name`` (its class's method), for calls a hook leaves to
    BERTopic. Checked against BERTopic 0.17.4."""
    return getattr(type(topic_model), _hookable(name))(topic_model, *args, **kwargs)


def create_topic_vectors(topic_model, documents, embeddings=None, mappings=None) -> None:
    """Recompute ``topic_embeddings_`` (through an installed hook, if any).

    Checked against BERTopic 0.17.4.
    """
    topic_model._create_topic_vectors(documents=documents, embeddings=embeddings,
                                      mappings=mappings)


def extract_words_per_topic(topic_model, words, documents: pd.DataFrame,
                            fine_tune_representation: bool = True, embeddings=None) -> dict:
    """Topic words from ``topic_model.c_tf_idf_`` and its representation model.

    Wraps ``_extract_words_per_topic`` (aspects computed when fine-tuning, as
    ``_extract_topics`` does). Checked against BERTopic 0.17.4.
    """
    return topic_model._extract_words_per_topic(
        words, documents, fine_tune_representation=fine_tune_representation,
        calculate_aspects=fine_tune_representation, embeddings=embeddings)


def uses_seed_words(topic_model) -> bool:
    """Whether BERTopic's c-TF-IDF would weight seed words (guided topic modelling)."""
    return bool(getattr(topic_model.ctfidf_model, "seed_words", None)
                or topic_model.seed_topic_list)


def _hookable(name: str) -> str:
    if name not in HOOKABLE:
        raise ValueError(f"{name!r} is not a BERTopic step SAE-TM replaces ({HOOKABLE}).")
    return name


# ------------------------------------------------------------------------- c-TF-IDF
def ctfidf_idf(ctfidf) -> np.ndarray:
    """IDF weights of a fitted ``ClassTfidfTransformer``, ndarray of shape (n_words,).

    Read from its private ``_idf_diag``. Checked against BERTopic 0.17.4.
    """
    return ctfidf._idf_diag.diagonal()


def set_ctfidf_idf(ctfidf, idf: np.ndarray) -> None:
    """Replace the IDF weights of a fitted ``ClassTfidfTransformer`` (its ``_idf_diag``).

    Checked against BERTopic 0.17.4.
    """
    ctfidf._idf_diag = sp.diags(np.asarray(idf, dtype=np.float64), offsets=0, format="csr",
                                dtype=np.float64)


def copy_ctfidf_weights(source, target) -> None:
    """Give ``target`` the fitted c-TF-IDF weights of ``source`` (``_idf_diag``).

    Checked against BERTopic 0.17.4.
    """
    target._idf_diag = source._idf_diag


# ---------------------------------------------------------------------------- checks
def _resolve(path: str):
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(path)


def _signature_problems() -> list[str]:
    problems = []
    for internal in INTERNALS:
        where = f"{internal.owner}.{internal.name}"
        try:
            target = getattr(_resolve(internal.owner), internal.name)
        except (ImportError, AttributeError):
            problems.append(f"{where} no longer exists")
            continue
        parameters = inspect.signature(target).parameters
        missing = [name for name in internal.parameters if name not in parameters]
        if missing:
            problems.append(f"{where} no longer takes {missing}; its signature is now "
                            f"{inspect.signature(target)}")
    return problems


def _behaviour_problems() -> list[str]:
    # The documents table and the c-TF-IDF weights are data, not signatures: run the
    # private steps on a toy table and read what they produce.
    from bertopic import BERTopic
    from bertopic._bertopic import TopicMapper
    from bertopic.vectorizers import ClassTfidfTransformer

    problems = []
    try:
        topic_model = BERTopic()
        table = documents_frame(["a", "b", "c"], np.array([1, 1, 0]))
        topic_model._update_topic_size(table)
        topic_model.topic_mapper_ = TopicMapper(topic_model.topics_)
        table = topic_model._sort_mappings_by_frequency(table)
        if table["Topic"].tolist() != [0, 0, 1] or topic_model.topics_ != [0, 0, 1]:
            problems.append("_update_topic_size / _sort_mappings_by_frequency no longer "
                            f"renumber topics by size on a {list(FRAME_COLUMNS)} table")
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        problems.append(f"the {list(FRAME_COLUMNS)} documents table no longer works with "
                        f"BERTopic's private steps ({exc!r})")
    ctfidf = ClassTfidfTransformer().fit(sp.csr_matrix(np.array([[1.0, 2.0], [0.0, 1.0]])))
    if not sp.issparse(getattr(ctfidf, "_idf_diag", None)):
        problems.append("ClassTfidfTransformer.fit no longer sets the sparse _idf_diag")
    return problems


def check_internals() -> list[str]:
    """What the installed BERTopic no longer provides of :data:`INTERNALS` and the rest.

    Returns
    -------
    list of str
        One line per problem (empty when everything this module uses is there), each
        naming the installed and the checked BERTopic versions.
    """
    import bertopic

    suffix = (f" (installed BERTopic {bertopic.__version__}; SAE-TM's backends were "
              f"checked against {CHECKED_AGAINST}, see bertopic_saetm/backends/"
              "bertopic_internals.py)")
    return [problem + suffix for problem in _signature_problems() + _behaviour_problems()]
