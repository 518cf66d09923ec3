"""The background topic: atoms too diffuse (lowest selectivity) or too wordless to name a
topic.

An atom's selectivity is its mean mixture weight where it fires; the least selective atoms,
holding ``background_share`` of the corpus' mixture mass, are merged into no topic
(:func:`diffuse_atoms`). Nor are atoms whose documents hold almost no vocabulary words
(:func:`wordless_atoms`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: An atom is wordless below this many damped words per document
#: (:func:`~bertopic_saetm.emission.profiles.document_words`; one word seen once: 0.69), that
#: is when most of its documents hold no vocabulary word. Measured
#: (``docs/decisions/background_share.md``, "Wordless atoms"): on 20 Newsgroups one atom per
#: fit falls under it (the empty posts, 0.04 words; the next, "test" posts, 2.7), whose words
#: scored NPMI -.18 to -.26 alone in a topic; the bundled corpus' and Simple Wikipedia's least
#: wordy content atoms hold 8.0 and 3.5. A threshold against the corpus' mean document would
#: also set apart the titles of a corpus that mixes titles with articles.
WORDLESS_WORDS = 0.5


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


def diffuse_atoms(theta, share: float, document_words: np.ndarray | None = None,
                  min_document_words: float = WORDLESS_WORDS) -> np.ndarray:
    """The least selective atoms, holding ``share`` of the corpus's mixture mass, and with
    ``document_words`` the :func:`wordless_atoms`.

    An atom's selectivity is its mean mixture weight on the documents where it fires. Atoms
    that fire weakly on many documents have little of it; their word rows are mostly noise
    (on 20 Newsgroups the NPMI of atoms' top words falls from .08 to -.12 from the strongest
    to the weakest quarter), and summed together they form a "junk" topic that wins many
    documents' argmax. They form the background topic instead.

    Parameters
    ----------
    theta : sparse matrix of shape (n_documents, n_atoms)
    share : float in [0, 1)
        Mass given to the background; 0 flags nothing (not even wordless atoms).
    document_words : ndarray of shape (n_atoms,), optional
        :func:`~bertopic_saetm.emission.profiles.document_words`; None flags no wordless atom.
    min_document_words : float
        The :func:`wordless_atoms` threshold; 0 flags none.

    Returns
    -------
    ndarray of shape (n_atoms,), bool
    """
    if not 0 <= share < 1:
        raise ValueError(f"background share must be in [0, 1), got {share}.")
    theta = sp.csc_matrix(theta, dtype=np.float64)
    mass = np.asarray(theta.sum(axis=0)).ravel()
    return background_from_sums(mass, atom_selectivity(theta), share, document_words,
                                min_document_words)


def background_from_sums(mass: np.ndarray, selectivity: np.ndarray, share: float,
                         document_words: np.ndarray | None = None,
                         min_document_words: float = WORDLESS_WORDS) -> np.ndarray:
    """:func:`diffuse_atoms` from the atoms' mixture mass and selectivity (sums over the
    documents, in one process or reduced from a cluster's blocks).

    Parameters
    ----------
    mass : ndarray of shape (n_atoms,)
        Summed mixture weight of every atom.
    selectivity : ndarray of shape (n_atoms,)
        :func:`atom_selectivity`.
    share : float in [0, 1)
    document_words : ndarray of shape (n_atoms,), optional
    min_document_words : float

    Returns
    -------
    ndarray of shape (n_atoms,), bool
    """
    if not 0 <= share < 1:
        raise ValueError(f"background share must be in [0, 1), got {share}.")
    flagged = np.zeros(mass.size, dtype=bool)
    if share == 0:
        return flagged
    if document_words is not None:
        flagged |= wordless_atoms(document_words, mass, min_document_words)
    active = np.flatnonzero(mass > 0)
    if active.size < 2:
        return flagged
    order = active[np.argsort(selectivity[active], kind="stable")]
    cumulative = np.cumsum(mass[order]) / mass.sum()
    flagged[order[cumulative <= share]] = True
    return flagged


def wordless_atoms(document_words: np.ndarray, atom_prior: np.ndarray,
                   threshold: float = WORDLESS_WORDS) -> np.ndarray:
    """Atoms that fire, on documents holding almost no vocabulary words.

    Their word profiles rest on the few words such documents (empty posts, greetings, a
    signature) happen to hold, so a topic of them has no words that co-occur; they join
    the background instead.

    Parameters
    ----------
    document_words : ndarray of shape (n_atoms,)
        :func:`~bertopic_saetm.emission.profiles.document_words`: damped words per document
        of the documents each atom dominates.
    atom_prior : ndarray of shape (n_atoms,)
        Mean (or summed) mixture weight; atoms at 0 never fire and are not flagged.
    threshold : float
        :data:`WORDLESS_WORDS`.

    Returns
    -------
    ndarray of shape (n_atoms,), bool
    """
    return (np.asarray(atom_prior) > 0) & (np.asarray(document_words) < threshold)
