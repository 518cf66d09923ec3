"""Merging atoms into any number of topics, without retraining.

Each content atom (active, not background) gets a topic vector: where its documents sit
(:func:`atom_centroids`) or the average word vector of its top words
(:func:`atom_topic_vectors`). Weighted k-means on those vectors (:func:`merge_weights`:
mostly the number of documents an atom heads) partitions the atoms; a topic's word
distribution is the average of its atoms' rows weighted by :func:`word_weights`, and a
document's weight on a topic is the sum of its weights on the topic's atoms.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans

logger = logging.getLogger(__name__)

#: k-means restarts per merge. NPMI on 20 Newsgroups varies a lot with the k-means start
#: (K'=20: .106 +- .023 over seeds with one start, .121 +- .018 with ten); ten starts cost
#: 1.8 s at K'=200, three stay under a second up to K'=500, so re-topicking stays cheap.
KMEANS_INITS = 3


def truncate_top_p(atom_word: np.ndarray, top_p: float = 0.9) -> np.ndarray:
    """Keep each row's most probable words up to cumulative ``top_p``; renormalise.

    Parameters
    ----------
    atom_word : ndarray of shape (n_atoms, n_words)
    top_p : float in (0, 1]

    Returns
    -------
    ndarray of shape (n_atoms, n_words)
    """
    if not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}.")
    order = np.argsort(-atom_word, axis=1, kind="stable")
    sorted_rows = np.take_along_axis(atom_word, order, axis=1)
    cumulative = np.cumsum(sorted_rows, axis=1)
    # Keep a word if the mass before it is still below top_p (so the top word always stays).
    keep_sorted = (cumulative - sorted_rows) < top_p * cumulative[:, -1:]
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=1)
    truncated = np.where(keep, atom_word, 0.0)
    sums = truncated.sum(axis=1, keepdims=True)
    return np.divide(truncated, sums, out=np.zeros_like(truncated), where=sums > 0)


def atom_topic_vectors(
    atom_word: np.ndarray,
    word_vectors: np.ndarray | None,
    found: np.ndarray | None = None,
    atoms: np.ndarray | None = None,
    top_p: float = 0.9,
) -> np.ndarray:
    """Topic vector of every atom: the average (unit) word vector of its top words.

    The result is deliberately not renormalised: an atom whose top words point in many
    directions gets a short vector, which keeps it apart from focused atoms. On 20
    Newsgroups this gave higher NPMI than unit topic vectors at K' = 20, 100 and 200
    (.146 / .108 / .097 against .085 / .099 / .084), as in the paper's code.

    Parameters
    ----------
    atom_word : ndarray of shape (n_atoms, n_words)
    word_vectors : ndarray of shape (n_words, dim) or None
        None: use ``atoms`` (decoder directions) instead.
    found : ndarray of shape (n_words,), bool, optional
        Words that have a vector; the truncated rows are renormalised over them.
    atoms : ndarray of shape (n_atoms, d_in), optional
        Decoder directions, required when ``word_vectors`` is None.
    top_p : float

    Returns
    -------
    ndarray of shape (n_atoms, dim)
    """
    if word_vectors is None:
        if atoms is None:
            raise ValueError("Either word vectors or the atoms' decoder rows are needed.")
        vectors = np.asarray(atoms, dtype=np.float64)
        lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.divide(vectors, lengths, out=np.zeros_like(vectors), where=lengths > 0)
    weights = truncate_top_p(atom_word, top_p)
    if found is not None and not found.all():
        weights = weights * found[None, :]
        sums = weights.sum(axis=1, keepdims=True)
        weights = np.divide(weights, sums, out=np.zeros_like(weights), where=sums > 0)
    # Word vectors are compared by direction only (GloVe / word2vec norms track frequency).
    unit = np.asarray(word_vectors, dtype=np.float64)
    lengths = np.linalg.norm(unit, axis=1, keepdims=True)
    unit = np.divide(unit, lengths, out=np.zeros_like(unit), where=lengths > 0)
    return weights @ unit


def atom_centroids(theta, activations, decoder: np.ndarray, decoder_bias: np.ndarray
                   ) -> np.ndarray:
    """Where each atom's documents sit: the mixture-weighted mean of their reconstructions.

    ``C_k = sum_d theta_dk xhat_d / sum_d theta_dk`` with ``xhat_d = a_d W_dec + b_dec`` the
    SAE's reconstruction of document d, computed as ``(theta^T A) W_dec`` without forming any
    reconstruction (so it needs neither the embeddings nor memory of documents x features).
    The vectors are not normalised: an atom that fires on documents pointing in many
    directions gets a short centroid, which keeps diffuse atoms apart from focused ones.

    Parameters
    ----------
    theta : sparse matrix of shape (n_documents, n_atoms)
        Document mixtures over atoms (rows of ``activations`` normalised).
    activations : sparse matrix of shape (n_documents, n_atoms)
    decoder : ndarray of shape (n_atoms, n_features)
        Decoder rows as the SAE applies them (not renormalised).
    decoder_bias : ndarray of shape (n_features,)

    Returns
    -------
    ndarray of shape (n_atoms, n_features)
        Zero rows for atoms that never fire.
    """
    theta = sp.csr_matrix(theta, dtype=np.float64)
    mass = np.asarray(theta.sum(axis=0)).ravel()
    coactivation = (theta.T @ sp.csr_matrix(activations, dtype=np.float64)).tocsr()
    centroids = np.asarray(coactivation @ np.asarray(decoder, dtype=np.float64))
    centroids = centroids / np.maximum(mass, 1e-300)[:, None] + np.asarray(decoder_bias)
    centroids[mass <= 0] = 0.0
    return centroids


#: ``gamma`` in :func:`word_weights`. Measured with ``benchmarks/topic_word_weights.py``
#: (3 seeds, the README gives the figures): NPMI rose with the power on 20 Newsgroups and on
#: the bundled corpus at every K tried, most at small K (20 Newsgroups K = 20: .111 with the
#: prior alone, .151 / .161 / .170 at 4 / 6 / 8), flattening by 8; TD@25 did not drop.
SELECTIVITY_POWER = 8


def atom_selectivity(theta) -> np.ndarray:
    """Mean mixture weight of every atom on the documents where it fires.

    Parameters
    ----------
    theta : sparse matrix of shape (n_documents, n_atoms)
        Document mixtures over atoms.

    Returns
    -------
    ndarray of shape (n_atoms,)
        In [0, 1]; 0 for atoms that never fire. A focused atom, which carries most of the
        mixture of the documents it fires on, is near 1; a diffuse one, firing weakly on
        many documents, is near 0.
    """
    theta = sp.csc_matrix(theta, dtype=np.float64)
    mass = np.asarray(theta.sum(axis=0)).ravel()
    fires = np.diff(theta.indptr)
    return np.divide(mass, fires, out=np.zeros_like(mass), where=fires > 0)


def word_weights(mass: np.ndarray, selectivity: np.ndarray,
                 power: float = SELECTIVITY_POWER) -> np.ndarray:
    """Weight of every atom's word row in the word distribution of a group of atoms.

    ``mass * selectivity ** power``: an atom counts by its mixture mass (its
    prior, for a whole topic), discounted when that mass is spread thinly over many
    documents. Weighting by mass alone lets a topic's many weak atoms, whose top words are
    mostly generic, outvote the few focused atoms that name it.

    Parameters
    ----------
    mass : ndarray of shape (n_atoms,) or (n_groups, n_atoms)
        Mixture mass of the atoms (in each group).
    selectivity : ndarray of shape (n_atoms,)
        :func:`atom_selectivity` on the training mixtures (ones: weight by mass alone, as
        models saved before this weighting did).
    power : float
        ``gamma``; 0 weights by mass alone.

    Returns
    -------
    ndarray of the shape of ``mass``
    """
    return np.asarray(mass, dtype=np.float64) * np.asarray(selectivity) ** power


def diffuse_atoms(theta, share: float) -> np.ndarray:
    """The least selective atoms, holding ``share`` of the corpus's mixture mass.

    An atom's selectivity is its mean mixture weight on the documents where it fires. Atoms
    that fire weakly on many documents have little of it; their word rows are mostly noise
    (on 20 Newsgroups the NPMI of atoms' top words falls from .08 to -.12 from the strongest
    to the weakest quarter), and summed together they form a "junk" topic that wins many
    documents' argmax. They form the background topic instead.

    Parameters
    ----------
    theta : sparse matrix of shape (n_documents, n_atoms)
    share : float in [0, 1)
        Mass given to the background; 0 flags nothing.

    Returns
    -------
    ndarray of shape (n_atoms,), bool
    """
    if not 0 <= share < 1:
        raise ValueError(f"background share must be in [0, 1), got {share}.")
    theta = sp.csc_matrix(theta, dtype=np.float64)
    mass = np.asarray(theta.sum(axis=0)).ravel()
    flagged = np.zeros(mass.size, dtype=bool)
    active = np.flatnonzero(mass > 0)
    if share == 0 or active.size < 2:
        return flagged
    selectivity = atom_selectivity(theta)[active]
    order = active[np.argsort(selectivity, kind="stable")]
    cumulative = np.cumsum(mass[order]) / mass.sum()
    flagged[order[cumulative <= share]] = True
    return flagged


def main_atoms(theta, content: np.ndarray) -> np.ndarray:
    """The strongest content atom of every document.

    Parameters
    ----------
    theta : sparse matrix of shape (n_documents, n_atoms)
        Document mixtures over atoms.
    content : ndarray of shape (n_atoms,), bool
        The atoms that can head a document (not background, active).

    Returns
    -------
    ndarray of shape (n_documents,), int
        Atom index, -1 for documents with no content mass.
    """
    theta = (sp.csr_matrix(theta, dtype=np.float64)
             @ sp.diags(np.asarray(content, dtype=np.float64))).tocsr()
    theta.eliminate_zeros()
    has_content = np.diff(theta.indptr) > 0
    return np.where(has_content, np.asarray(theta.argmax(axis=1)).ravel(), -1)


def main_atom_counts(theta, content: np.ndarray) -> np.ndarray:
    """How many documents each content atom is the strongest content atom of
    (:func:`main_atoms`).

    Parameters
    ----------
    theta : sparse matrix of shape (n_documents, n_atoms)
        Document mixtures over atoms.
    content : ndarray of shape (n_atoms,), bool
        The atoms that can head a document (not background, active).

    Returns
    -------
    ndarray of shape (n_atoms,), float
        Document counts; 0 for atoms outside ``content`` and for documents with no content
        mass (they count for no atom).
    """
    heads = main_atoms(theta, content)
    return np.bincount(heads[heads >= 0], minlength=len(content)).astype(np.float64)


def merge_weights(main_counts: np.ndarray, content_prior: np.ndarray) -> np.ndarray:
    """Weights of the atoms in the k-means that merges them into topics.

    An atom weighs the number of documents it is the strongest content atom of
    (:func:`main_atom_counts`), plus its share of the content prior, a fraction of one
    document, so that atoms that head no document still count a little. Weighted by
    documents, k-means splits the documents the way a document clustering would; weighted
    by the prior alone, many weak atoms that head few documents pulled centres towards
    them. Measured with ``benchmarks/merge_weights.py`` (3 seeds, figures in the README):
    on 20 Newsgroups NPMI and purity rose at K = 20 / 50 / 100 / 200 (purity at K = 20
    .501 -> .515), on the bundled corpus at K = 15 (NPMI .088 -> .114, purity .592 -> .609);
    TD@25 fell by .003-.019.

    Parameters
    ----------
    main_counts : ndarray of shape (n_atoms,)
        All zeros (models saved before these counts) gives prior-only weights.
    content_prior : ndarray of shape (n_atoms,)
        Atom priors, 0 for the atoms that take part in no topic.

    Returns
    -------
    ndarray of shape (n_atoms,)
        ``content_prior + content_prior.sum() * main_counts`` where the prior is positive,
        else 0: the count plus the prior's share, in units of the prior (k-means ignores the
        scale), so that without counts the weights are exactly the prior.
    """
    prior = np.asarray(content_prior, dtype=np.float64)
    counts = np.asarray(main_counts, dtype=np.float64)
    return np.where(prior > 0, prior + prior.sum() * counts, 0.0)


def _compact(labels: np.ndarray) -> np.ndarray:
    # Topic ids 0..k-1 in order of first appearance by atom index (deterministic).
    _, first = np.unique(labels, return_index=True)
    mapping = {label: new for new, label in enumerate(labels[np.sort(first)])}
    return np.array([mapping[label] for label in labels], dtype=np.int64)


def cluster_atoms(
    topic_vectors: np.ndarray,
    weights: np.ndarray,
    n_topics: int | str,
    random_state: int | None = None,
    min_cluster_size: int = 3,
) -> np.ndarray:
    """Assign valid atoms to topics.

    Parameters
    ----------
    topic_vectors : ndarray of shape (n_atoms, dim)
    weights : ndarray of shape (n_atoms,)
        k-means weights (:func:`merge_weights`, or priors); atoms with weight 0 are invalid
        and get topic -1.
    n_topics : int or "auto"
        ``"auto"``: HDBSCAN on the topic vectors decides the number; atoms it calls noise
        join the topic with the nearest centroid.
    random_state : int, optional
        Seed of k-means.
    min_cluster_size : int
        HDBSCAN's minimum number of atoms per topic (``"auto"`` only).

    Returns
    -------
    ndarray of shape (n_atoms,), int
        Topic id of every atom (0 .. n_topics-1), -1 for invalid atoms.
    """
    valid = weights > 0
    n_valid = int(valid.sum())
    atom_to_topic = np.full(weights.shape[0], -1, dtype=np.int64)
    if n_valid == 0:
        raise ValueError("No atom is active on this corpus, so there is nothing to merge (the "
                         "SAE reconstructs every document from its bias alone, as when all "
                         "documents are identical).")
    X = topic_vectors[valid]
    w = weights[valid]
    if isinstance(n_topics, str):
        labels = _hdbscan_labels(X, w, min_cluster_size)
    else:
        if not 1 <= n_topics <= n_valid:
            raise ValueError(
                f"n_topics must be between 1 and the number of active atoms ({n_valid}), "
                f"got {n_topics}."
            )
        kmeans = KMeans(n_clusters=n_topics, n_init=KMEANS_INITS, random_state=random_state)
        labels = kmeans.fit_predict(X, sample_weight=w)
        if np.unique(labels).size < n_topics:
            logger.warning(
                "Only %d distinct topics could be formed (requested %d): atoms coincide.",
                np.unique(labels).size, n_topics,
            )
    atom_to_topic[valid] = _compact(labels)
    return atom_to_topic


def _hdbscan_labels(X: np.ndarray, weights: np.ndarray, min_cluster_size: int) -> np.ndarray:
    import hdbscan

    if X.shape[0] < 2 * min_cluster_size:
        return np.zeros(X.shape[0], dtype=np.int64)
    labels = hdbscan.HDBSCAN(min_cluster_size=min_cluster_size, min_samples=1).fit_predict(X)
    clusters = np.unique(labels[labels >= 0])
    if clusters.size == 0:
        logger.warning("HDBSCAN found no dense group of atoms: one topic holds them all.")
        return np.zeros(X.shape[0], dtype=np.int64)
    centroids = np.stack([
        np.average(X[labels == c], axis=0, weights=weights[labels == c] + 1e-12)
        for c in clusters
    ])
    noise = labels < 0
    if noise.any():
        labels = labels.copy()
        distances = ((X[noise, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
        labels[noise] = clusters[np.argmin(distances, axis=1)]
    return labels


def assignment_matrix(atom_to_topic: np.ndarray, n_topics: int) -> sp.csr_matrix:
    """One-hot atom-to-topic matrix, sparse of shape (n_atoms, n_topics); invalid rows empty."""
    valid = np.flatnonzero(atom_to_topic >= 0)
    return sp.csr_matrix(
        (np.ones(valid.size), (valid, atom_to_topic[valid])),
        shape=(atom_to_topic.shape[0], n_topics),
    )


def merge_topic_word(
    atom_word: np.ndarray, weights: np.ndarray, atom_to_topic: np.ndarray, n_topics: int
) -> np.ndarray:
    """Weighted average of each topic's atom rows, ndarray of shape (n_topics, n_words).

    ``weights`` (n_atoms,): each atom's :func:`word_weights` (or any non-negative weights).
    """
    A = assignment_matrix(atom_to_topic, n_topics)
    weighted = A.T @ (atom_word * weights[:, None])
    mass = np.asarray(A.T @ weights).ravel()
    return weighted / np.maximum(mass, 1e-300)[:, None]


def topics_of(atom_word: np.ndarray, atom_prior: np.ndarray, atom_to_topic: np.ndarray,
              atom_selectivity: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """The merged topics a partition of the atoms describes.

    Returns
    -------
    n_topics : int
    topic_word : ndarray of shape (n_topics, n_words)
        Average of each topic's atom word distributions, weighted by
        :func:`word_weights` (prior and selectivity).
    topic_prior : ndarray of shape (n_topics,)
        Summed prior of each topic's atoms.
    """
    n_topics = int(atom_to_topic.max()) + 1
    valid = atom_to_topic >= 0
    weights = word_weights(atom_prior, atom_selectivity)
    return (n_topics, merge_topic_word(atom_word, weights, atom_to_topic, n_topics),
            np.bincount(atom_to_topic[valid], weights=atom_prior[valid], minlength=n_topics))


def mixture_word_distribution(atom_word: np.ndarray, atom_weights) -> np.ndarray:
    """Word distribution of weighted groups of atoms.

    Parameters
    ----------
    atom_word : ndarray of shape (n_atoms, n_words)
    atom_weights : array-like or sparse matrix of shape (n_groups, n_atoms)
        Non-negative mass of every atom in every group (e.g. summed mixtures of a group of
        documents).

    Returns
    -------
    ndarray of shape (n_groups, n_words)
        ``weights @ atom_word`` with rows normalised; all-zero rows for massless groups.
    """
    weighted = np.asarray(atom_weights @ atom_word)
    mass = weighted.sum(axis=1, keepdims=True)
    return np.divide(weighted, mass, out=np.zeros_like(weighted), where=mass > 0)


def absorb_unowned_topics(
    atom_to_topic: np.ndarray, label, topic_vectors: np.ndarray, prior: np.ndarray
) -> np.ndarray:
    """Fold topics that are no document's main topic into their nearest topic.

    Hard-label tools (BERTopic) can only show a topic that is the main topic of at least
    one document. Each such topic joins the topic whose prior-weighted centroid of atom
    topic vectors is nearest; this repeats until every topic owns a document (folding can
    move a document's argmax).

    Parameters
    ----------
    atom_to_topic : ndarray of shape (n_atoms,)
    label : callable
        ``label(atom_to_topic)``: the documents' main topics under a partition, ndarray of
        shape (n_documents,), -1 for none (e.g. ``SAETopicModel.main_topics_of`` on the
        training mixtures).
    topic_vectors : ndarray of shape (n_atoms, dim)
    prior : ndarray of shape (n_atoms,)

    Returns
    -------
    ndarray of shape (n_atoms,)
        The new partition, topic ids compacted to 0..n-1 (-1 stays -1).
    """
    atom_to_topic = atom_to_topic.copy()
    while True:
        n_topics = int(atom_to_topic.max()) + 1
        labels = label(atom_to_topic)
        owned = np.bincount(labels[labels >= 0], minlength=n_topics) > 0
        if owned.all() or not owned.any():
            break
        A = assignment_matrix(atom_to_topic, n_topics)
        mass = np.asarray(A.T @ prior).ravel()
        centroids = np.asarray(A.T @ (topic_vectors * prior[:, None])) / np.maximum(
            mass, 1e-300)[:, None]
        owners = np.flatnonzero(owned)
        unowned = np.flatnonzero(~owned)
        distances = ((centroids[unowned, None, :] - centroids[None, owners, :]) ** 2).sum(axis=2)
        target = np.arange(n_topics)
        target[unowned] = owners[np.argmin(distances, axis=1)]
        valid = atom_to_topic >= 0
        atom_to_topic[valid] = target[atom_to_topic[valid]]
        atom_to_topic[valid] = _compact(atom_to_topic[valid])
        logger.info("Folded %d topics that are no document's main topic into their nearest "
                    "topics.", unowned.size)
    return atom_to_topic
