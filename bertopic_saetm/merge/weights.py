"""How much each atom counts in the merge: mostly the number of documents it heads."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import rel_entr

#: What ``SAETopicModel(generic_atom_power="auto")`` means with a dictionary trained on the
#: corpus: how hard the merge weighs down the atoms whose words are the corpus' common ones
#: (:func:`generic_atom_factors`); with a pretrained dictionary "auto" means 0. Measured
#: over 10 seeds (``docs/decisions/merge_space.md``, "Generic atoms weighed down in the
#: merge"): on 20 Newsgroups NPMI +.005 to +.013 at K = 50 / 100 / 200 (+.007 at K = 20),
#: purity up; on the bundled corpus, Simple Wikipedia and its first sentences level or up;
#: on 20 Newsgroups snippets level from K = 20, -.018 +- .011 at K = 10. On the frozen
#: foundation dictionary it lowered NPMI on two corpora of four and grew the largest topic.
GENERIC_ATOM_POWER = 4.0


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
    them. Measured over 3 seeds (figures and the commit that reproduces them in
    ``docs/decisions/merge_space.md``): on 20 Newsgroups NPMI and purity rose at
    K = 20 / 50 / 100 / 200 (purity at K = 20 .501 -> .515), on the bundled corpus at
    K = 15 (NPMI .088 -> .114, purity .592 -> .609);
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


def atom_distinctiveness(atom_word_profile: np.ndarray, content_prior: np.ndarray
                         ) -> np.ndarray:
    """How far every atom's words are from the corpus' common words.

    Parameters
    ----------
    atom_word_profile : ndarray of shape (n_atoms, n_words)
        Rows summing to 1 (:func:`~bertopic_saetm.emission.profiles.word_profiles`).
    content_prior : ndarray of shape (n_atoms,)
        Atom priors, 0 for the atoms that take part in no topic.

    Returns
    -------
    ndarray of shape (n_atoms,)
        ``KL_k / median KL`` (at least 1e-12), with ``KL_k`` the KL divergence of atom k's
        profile from the prior-weighted mean profile of the content atoms and the median
        taken over the content atoms; all ones when that median is 0 (the content atoms'
        profiles coincide), no content atom has words, or no atom has a prior. An atom
        without words (an all-zero row) is as generic as can be (1e-12).
    """
    prior = np.asarray(content_prior, dtype=np.float64)
    content = prior > 0
    if not content.any():
        return np.ones(prior.shape[0])
    rows = np.asarray(atom_word_profile, dtype=np.float64)
    mean = prior @ rows
    if not mean.sum() > 0:  # no content atom has words: none is more generic than another
        return np.ones(prior.shape[0])
    mean = mean / mean.sum()
    kl = rel_entr(rows, mean[None, :]).sum(axis=1)
    median = np.median(kl[content])
    if not median > 0:
        return np.ones(prior.shape[0])
    return np.maximum(kl / median, 1e-12)


def generic_atom_factors(atom_word_profile: np.ndarray, content_prior: np.ndarray,
                         power: float) -> np.ndarray:
    """Factor on every atom's merge weight that weighs down the generic atoms.

    An atom whose word profile is close to the mean profile of all content atoms (chatter,
    greetings, generic prose: words every topic holds) is generic. Weighted by its
    documents alone, such atoms pull k-means centres of their own and, at large K, fill
    many topics with the corpus' common words. With this factor a generic atom pulls
    little and joins the nearest topic instead; every atom still joins a topic, so the
    largest K does not shrink.

    Parameters
    ----------
    atom_word_profile : ndarray of shape (n_atoms, n_words)
        Rows summing to 1.
    content_prior : ndarray of shape (n_atoms,)
        Atom priors, 0 for the atoms that take part in no topic.
    power : float >= 0
        0 gives all ones (every atom weighs its documents).

    Returns
    -------
    ndarray of shape (n_atoms,)
        ``min(1, atom_distinctiveness) ** power``: the more distinctive half of the content
        atoms weighs in full (:func:`atom_distinctiveness`).
    """
    if power == 0:
        return np.ones(np.shape(content_prior)[0])
    return np.minimum(atom_distinctiveness(atom_word_profile, content_prior), 1.0) ** power
