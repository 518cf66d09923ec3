"""BERTopic steps SAE-TM computes its own way, installed on one BERTopic instance.

BERTopic recomputes three things whenever its topics change (``fit_transform``,
``merge_topics``, ``reduce_topics``, ``update_topics``, :func:`set_n_topics`) and offers no
public hook for them, so each is replaced on the instance (never on the class):

* topic embeddings (:class:`SAETopicVectors`): SAE-TM topics are soft, so a topic's
  embedding is mixture-weighted;
* the c-TF-IDF matrix behind topic words (:class:`CountedTopics`): BERTopic re-reads the
  text of every document, joined per topic. The backend already holds the bag-of-words of
  the training corpus over the same vocabulary and sums it per topic;
* representative documents (:class:`RepresentativeDocuments`): BERTopic vectorizes a sample
  of up to 500 documents per topic again. Here every document of the topic is scored from
  the same bag-of-words, with BERTopic's criterion (cosine similarity of its c-TF-IDF to the
  topic's).

Re-reading the text was most of the time of a re-topic through BERTopic: on 20 Newsgroups
``benchmarks/fit_speed.py`` measured 5.8-9.4 s before these hooks, 0.4-1.1 s with them.
The counts differ from BERTopic's in one way: BERTopic strips punctuation from topic text
before counting (``re.sub`` becomes ``resub``), while these are the counts the word emission
was learnt from, the text as SAE-TM's vectorizer tokenises it. c-TF-IDF is computed this
way from the first fit on, so it does not change with how a topic set was reached.

A hook leaves the call to BERTopic when its inputs are not SAE-TM's: another vectorizer
(``update_topics(vectorizer_model=...)``), seed words, or a backend that holds no
bag-of-words (a loaded model, or one reusing an already fitted SAETopicModel).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from .bertopic_internals import (
    REPRESENTATIVE_DOCS,
    TOPIC_VECTORS,
    TOPIC_WORDS,
    bertopic_step,
    create_topic_vectors,
    extract_words_per_topic,
    frame_contents,
    install_hook,
    installed_hook,
    uses_seed_words,
)
from .groups import group_atom_mass, training_rows_and_topics

#: How many representative documents BERTopic keeps per topic.
N_REPRESENTATIVE = 3


def training_counts(topic_model, backend) -> sp.csr_matrix | None:
    """The backend's bag-of-words if ``topic_model``'s c-TF-IDF may be computed from it.

    None when the backend holds no counts, BERTopic's vectorizer is no longer the backend's,
    or BERTopic would weight seed words: then BERTopic's own steps run.
    """
    if uses_seed_words(topic_model):
        return None
    return backend.bag_of_words(topic_model.vectorizer_model)


class _Hook:
    def __init__(self, topic_model, backend):
        self.topic_model = topic_model
        self.backend = backend


def topic_counts(backend, counts: sp.csr_matrix, documents) -> tuple[np.ndarray, sp.csr_matrix]:
    """Word counts of each topic of BERTopic's documents table.

    Parameters
    ----------
    backend : SAETMBackend
    counts : scipy.sparse.csr_matrix of shape (n_training_documents, n_words)
    documents : pandas.DataFrame
        BERTopic's documents table.

    Returns
    -------
    labels : ndarray of shape (n_topics,)
        Topic ids in ascending order (BERTopic's row order of ``c_tf_idf_``).
    topic_counts : scipy.sparse.csr_matrix of shape (n_topics, n_words)
    """
    rows, topics = training_rows_and_topics(backend, documents)
    labels, index = np.unique(topics, return_inverse=True)
    indicator = sp.csr_matrix((np.ones(rows.size), (index, rows)),
                              shape=(labels.size, counts.shape[0]))
    per_topic = (indicator @ counts).tocsr()
    # Sorted as a vectorizer's output: BERTopic's hierarchy needs c_tf_idf_ @ c_tf_idf_.T
    # exactly symmetric, which holds only when every row lists its words in one order.
    per_topic.sort_indices()
    return labels, per_topic


def set_ctfidf_from_counts(topic_model, backend, documents) -> bool:
    """Fit BERTopic's c-TF-IDF model and ``c_tf_idf_`` on the backend's counts.

    Returns
    -------
    bool
        False (nothing changed) when the backend holds no counts for this model's
        vectorizer, or the model uses seed words.
    """
    counts = training_counts(topic_model, backend)
    if counts is None:
        return False
    _, per_topic = topic_counts(backend, counts, documents)
    topic_model.ctfidf_model = topic_model.ctfidf_model.fit(per_topic)
    topic_model.c_tf_idf_ = topic_model.ctfidf_model.transform(per_topic)
    return True


class CountedTopics(_Hook):
    """BERTopic's ``_extract_topics`` with c-TF-IDF from the backend's bag-of-words.

    The same steps as BERTopic's: c-TF-IDF of every topic, topic words (BERTopic's
    representation model, here SAE-TM's emission), topic embeddings.
    """

    def __call__(self, documents, embeddings=None, mappings=None, verbose=False,
                 fine_tune_representation=True):
        topic_model = self.topic_model
        if not set_ctfidf_from_counts(topic_model, self.backend, documents):
            return bertopic_step(topic_model, TOPIC_WORDS, documents,
                                 embeddings=embeddings, mappings=mappings, verbose=verbose,
                                 fine_tune_representation=fine_tune_representation)
        words = topic_model.vectorizer_model.get_feature_names_out()
        topic_model.topic_representations_ = extract_words_per_topic(
            topic_model, words, documents, fine_tune_representation, embeddings)
        create_topic_vectors(topic_model, documents, embeddings, mappings)
        return None


class RepresentativeDocuments(_Hook):
    """BERTopic's ``_save_representative_docs`` from the backend's bag-of-words.

    A topic's representative documents are its documents whose c-TF-IDF vector is most
    similar (cosine) to the topic's row of ``c_tf_idf_``, BERTopic's criterion, taken over
    all of the topic's documents instead of a sample of 500; ties go to the earlier
    document, so the choice is deterministic.
    """

    def __call__(self, documents):
        topic_model = self.topic_model
        counts = training_counts(topic_model, self.backend)
        if counts is None:
            return bertopic_step(topic_model, REPRESENTATIVE_DOCS, documents)
        texts, _, _ = frame_contents(documents)
        rows, topics = training_rows_and_topics(self.backend, documents)
        labels, index = np.unique(topics, return_inverse=True)
        if topic_model.c_tf_idf_.shape[0] != labels.size:
            # c_tf_idf_ is not one row per topic of this table: BERTopic's way.
            return bertopic_step(topic_model, REPRESENTATIVE_DOCS, documents)
        # A copy: BERTopic's c-TF-IDF transform normalises its input in place.
        own = counts.copy() if np.array_equal(rows, np.arange(counts.shape[0])) \
            else counts[rows]
        scores = _similarities(topic_model.ctfidf_model.transform(own),
                               topic_model.c_tf_idf_, index)
        order = np.lexsort((np.arange(rows.size), -scores, index))
        starts = np.searchsorted(index[order], np.arange(labels.size))
        topic_model.representative_docs_ = {
            int(label): [texts[i] for i in order[start:start + N_REPRESENTATIVE]
                         if index[i] == position]
            for position, (label, start) in enumerate(zip(labels, starts, strict=True))
        }
        return None


def _similarities(documents: sp.csr_matrix, topics, index: np.ndarray) -> np.ndarray:
    # Cosine of every document's c-TF-IDF row with its own topic's row, read off the dense
    # topic rows at the documents' nonzeros (no (n_documents, n_words) product).
    documents = normalize(sp.csr_matrix(documents))
    topics = normalize(sp.csr_matrix(topics)).toarray()
    owner = np.repeat(np.arange(documents.shape[0]), np.diff(documents.indptr))
    products = documents.data * topics[index[owner], documents.indices]
    return np.bincount(owner, weights=products, minlength=documents.shape[0])


class SAETopicVectors(_Hook):
    """SAE-TM topic embeddings, installed where BERTopic computes its topic embeddings.

    BERTopic recomputes ``topic_embeddings_`` right after asking for topic words, as the
    mean embedding of each topic's hard-assigned documents. SAE-TM topics are soft: a
    topic's embedding is the mixture-weighted mean of all document embeddings,
    ``sum_d theta'_dt x_d / sum_d theta'_dt``, computed from the per-atom sums the backend
    kept (so merging and re-topicking need no embeddings). The outlier topic keeps the mean
    embedding of its documents. ``find_topics``, ``visualize_topics`` and
    ``visualize_heatmap`` then show SAE-TM's topics.
    """

    def __call__(self, documents=None, embeddings=None, mappings=None):
        topic_model, backend = self.topic_model, self.backend
        if documents is None:
            # update_topics without documents: BERTopic's own keyword-based vectors.
            bertopic_step(topic_model, TOPIC_VECTORS, documents, embeddings,
                          mappings)
            return
        rows, groups = training_rows_and_topics(backend, documents)
        labels = sorted(int(label) for label in np.unique(groups))
        # Topic embedding = prior-weighted atom centroids; atom_centroids_ holds sums.
        atoms = (group_atom_mass(backend, rows, groups, labels) > 0).astype(np.float64)
        sums = np.asarray(atoms @ backend.atom_centroids_)
        mass = np.asarray(atoms @ np.asarray(backend.theta_.sum(axis=0)).ravel())
        vectors = np.divide(sums, mass[:, None], out=np.zeros_like(sums),
                            where=mass[:, None] > 0)
        vectors[mass <= 0] = backend.outlier_centroid_
        topic_model.topic_embeddings_ = vectors


#: The hooks SAE-TM installs, by the BERTopic step each replaces.
HOOKS = {
    TOPIC_VECTORS: SAETopicVectors,
    TOPIC_WORDS: CountedTopics,
    REPRESENTATIVE_DOCS: RepresentativeDocuments,
}


def install_hooks(topic_model, backend) -> bool:
    """Make ``topic_model`` compute its steps SAE-TM's way (idempotent).

    Returns
    -------
    bool
        Whether anything was installed (False when all hooks were already there).
    """
    installed = False
    for name, hook_type in HOOKS.items():
        hook = installed_hook(topic_model, name)
        if not isinstance(hook, hook_type) or hook.backend is not backend:
            install_hook(topic_model, name, hook_type(topic_model, backend))
            installed = True
    return installed
