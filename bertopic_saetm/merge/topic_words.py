"""A topic's word distribution: the weighted average of its atoms' word rows.

The one topic-word rule, :func:`group_word_distributions`: a group of atoms (a topic, a
merged topic, the atoms of some documents) describes its words by its atoms' rows, each
weighted by the atom's mass in the group times its selectivity to a power
(:func:`topic_word_weights`), so a topic's focused atoms name it. For a whole topic the
mass is the atom's prior (:func:`topics_of`).

Which rows, which power and how the words are then ranked is a :class:`TopicWordRule`,
chosen by ``SAETopicModel(topic_words=...)`` among :data:`TOPIC_WORD_RULES`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .partition import assignment_matrix

#: ``gamma`` of the ``"emission"`` rule. Measured (``docs/decisions/topic_words.md``)
#: (3 seeds): NPMI rose with the power on 20 Newsgroups and on
#: the bundled corpus at every K tried, most at small K (20 Newsgroups K = 20: .111 with the
#: prior alone, .151 / .161 / .170 at 4 / 6 / 8), flattening by 8; TD@25 did not drop.
SELECTIVITY_POWER = 8


@dataclass(frozen=True)
class TopicWordRule:
    """How a topic gets its words.

    Attributes
    ----------
    rows : {"profiles", "emission"}
        The atom word rows averaged: the document word profiles
        (:mod:`bertopic_saetm.emission.profiles`, ``atom_word_profile_``) or the emission
        ``B`` (``atom_word_``).
    selectivity_power : float
        ``gamma`` in :func:`topic_word_weights`.
    relevance_weight : float in [0, 1]
        ``lambda`` of the LDAvis relevance the words are ranked by
        (:mod:`bertopic_saetm.merge.ranking`).
    small_topic_relevance_weight : float in [0, 1] or None
        ``lambda`` instead when the topics' documents hold fewer than ``small_topic_words``
        words on average (:meth:`relevance_for`); None: ``relevance_weight`` always.
    small_topic_words : float
        Average damped vocabulary words per topic (of the documents its atoms head) below
        which ``small_topic_relevance_weight`` applies.
    """

    rows: str
    selectivity_power: float
    relevance_weight: float
    small_topic_relevance_weight: float | None = None
    small_topic_words: float = 1500.0

    def relevance_for(self, words_per_topic: float) -> float:
        """``lambda`` for topics whose documents hold ``words_per_topic`` damped words on
        average (0: unknown, as in models saved before the merge counted documents)."""
        if (self.small_topic_relevance_weight is not None
                and 0 < words_per_topic < self.small_topic_words):
            return self.small_topic_relevance_weight
        return self.relevance_weight


#: The rules ``SAETopicModel(topic_words=...)`` names. ``"documents"`` (the default) was
#: chosen on 20 Newsgroups, the bundled corpus and 20,000 Simple English Wikipedia leads
#: (``docs/decisions/topic_words.md``): profile rows beat ``B`` in NPMI at every K tried on
#: all three; with them a selectivity power of 16 beat 8 at small K, and lambda 0.6 was the
#: best balance among 0.5-0.9 (0.7 scored higher at large K on two corpora, lower at small K;
#: 0.5 buys TD@25 for NPMI). Topics whose documents hold fewer than 1,500 damped words on
#: average (40 posts of 20 Newsgroups, 150 Simple Wikipedia leads, 400 one-sentence
#: definitions) rank with 0.7: the exclusivity term then rests on too few words and lifts
#: rare ones. Higher NPMI wherever it applies on five corpora, long and very short (3 seeds,
#: "Small topics" on that page). ``"emission"`` is the paper's words (``B``) as 0.1.0 gave
#: them, and what models saved without word profiles load with.
TOPIC_WORD_RULES = {
    "documents": TopicWordRule("profiles", selectivity_power=16, relevance_weight=0.6,
                               small_topic_relevance_weight=0.7),
    "emission": TopicWordRule("emission", selectivity_power=SELECTIVITY_POWER,
                              relevance_weight=0.9),
}


def topic_word_weights(mass: np.ndarray, selectivity: np.ndarray,
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


def merge_topic_word(atom_word: np.ndarray, weights: np.ndarray, atom_to_topic: np.ndarray,
                     n_topics: int) -> np.ndarray:
    """Weighted average of each topic's atom rows, ndarray of shape (n_topics, n_words).

    ``weights`` (n_atoms,): any non-negative weights of the atoms' rows
    (:func:`topics_of` uses :func:`topic_word_weights` of the priors).
    """
    return mixture_word_distribution(
        atom_word, assignment_matrix(atom_to_topic, n_topics).T @ sp.diags(weights))


def topics_of(atom_word: np.ndarray, atom_prior: np.ndarray, atom_to_topic: np.ndarray,
              atom_selectivity: np.ndarray, power: float = SELECTIVITY_POWER
              ) -> tuple[int, np.ndarray, np.ndarray]:
    """The merged topics a partition of the atoms describes.

    ``atom_word`` (n_atoms, n_words): the rows the words come from (``B`` or the word
    profiles, :class:`TopicWordRule`); ``power``: the selectivity power.

    Returns
    -------
    n_topics : int
    topic_word : ndarray of shape (n_topics, n_words)
        Average of each topic's atom word distributions, weighted by
        :func:`topic_word_weights` (prior and selectivity).
    topic_prior : ndarray of shape (n_topics,)
        Summed prior of each topic's atoms.
    """
    n_topics = int(atom_to_topic.max()) + 1
    valid = atom_to_topic >= 0
    mass = assignment_matrix(atom_to_topic, n_topics).T @ sp.diags(atom_prior)
    return (n_topics, group_word_distributions(atom_word, mass, atom_selectivity, power),
            np.bincount(atom_to_topic[valid], weights=atom_prior[valid], minlength=n_topics))


def group_word_distributions(atom_word: np.ndarray, mass, atom_selectivity: np.ndarray,
                             power: float = SELECTIVITY_POWER) -> np.ndarray:
    """Word distribution of groups of atoms: each atom's row weighted by its mass in the
    group times its selectivity ** ``power``, rows normalised.

    Parameters
    ----------
    atom_word : ndarray of shape (n_atoms, n_words)
    mass : array-like or sparse matrix of shape (n_groups, n_atoms)
        Non-negative mass of every atom in every group (its prior for a whole topic, its
        summed mixture weights over some documents, 0 outside the group).
    atom_selectivity : ndarray of shape (n_atoms,)
    power : float
        The selectivity power (:attr:`TopicWordRule.selectivity_power`).

    Returns
    -------
    ndarray of shape (n_groups, n_words)
        All-zero rows for groups without mass.
    """
    if sp.issparse(mass):
        weights = sp.csr_matrix(mass) @ sp.diags(topic_word_weights(
            np.ones(atom_selectivity.shape), atom_selectivity, power))
    else:
        weights = topic_word_weights(np.atleast_2d(mass), atom_selectivity, power)
    return mixture_word_distribution(atom_word, weights)


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
