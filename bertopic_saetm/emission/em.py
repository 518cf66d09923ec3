"""Word emission: each atom's distribution over the vocabulary, learned post hoc.

With document mixtures ``theta`` (n_documents, n_atoms) fixed, the bag-of-words is modelled as

    q_dw = (1 - pi) * sum_k theta_dk B_kw + pi * P0_w

and ``B`` (atoms x words, rows on the simplex) and the background ``P0`` maximise the
IDF-weighted log-likelihood ``sum_dw idf_w c_dw log q_dw``. With theta fixed this is a
mixture likelihood, so EM has closed-form updates:

    B_kw  <- B_kw  * sum_d theta_dk r_dw   (then rows renormalised)
    P0_w  <- P0_w  * sum_d r_dw            (then renormalised),    r_dw = idf_w c_dw / q_dw

Each iteration is one fused pass over the non-zeros of the bag-of-words (a numba kernel),
so its cost is ``sum_d nnz(c_d) * nnz(theta_d)`` and nothing of size documents x words or
documents x atoms is ever densified.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field

import numba
import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from tqdm.auto import tqdm

from .row_threads import run_on_rows
from .statistics import e_step_counts, make_statistics, row_blocks

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmissionResult:
    """Fitted word emission.

    Attributes
    ----------
    atom_word : ndarray of shape (n_atoms, n_words)
        ``B``: each row a distribution over the vocabulary. Atoms that are never active keep
        the background distribution.
    background : ndarray of shape (n_words,)
        ``P0``, the background word distribution.
    log_likelihood : float
        IDF-weighted log-likelihood per unit of weighted count at the returned parameters.
    history : list of float
        The same quantity at the start and after every (accelerated) iteration,
        non-decreasing.
    n_iter : int
        EM maps evaluated.
    converged : bool
        Whether the relative change fell below the tolerance before ``max_iter``.
    idf : ndarray of shape (n_words,)
        Weight of each word's counts in the likelihood (normalised IDF, or ones); the
        estimator's ``idf_``.
    """

    atom_word: np.ndarray
    background: np.ndarray
    log_likelihood: float
    history: list = field(default_factory=list)
    n_iter: int = 0
    converged: bool = False
    idf: np.ndarray | None = None

    @property
    def word_weights(self) -> np.ndarray | None:
        """Deprecated name of :attr:`idf` (removed in 0.3)."""
        warnings.warn("EmissionResult.word_weights is now EmissionResult.idf; the old name "
                      "goes in 0.3.", DeprecationWarning, stacklevel=2)
        return self.idf


def idf_weights(counts: sp.csr_matrix) -> np.ndarray:
    """Word weights ``ln(N / df_w) / max_v ln(N / df_v)``, ndarray of shape (n_words,).

    A word present in every document gets weight 0. If every word is (degenerate corpora),
    all weights are 1 so that the likelihood stays defined.
    """
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return idf_from_document_frequency(df, counts.shape[0])


def _normalise_rows(M: np.ndarray) -> np.ndarray:
    sums = M.sum(axis=-1, keepdims=True)
    return np.divide(M, sums, out=np.zeros_like(M), where=sums > 0)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _step_norms_rows(start, stop, x0, x1, x2, r2, v2):  # pragma: no cover
    # Squared norms of rows start:stop of r = x1 - x0 and v = x2 - 2 x1 + x0 in one pass, no
    # temporaries (the B matrices are atoms x words: elementwise numpy here cost a quarter
    # of the fit).
    for i in range(start, stop):
        for j in range(x0.shape[1]):
            r = x1[i, j] - x0[i, j]
            v = x2[i, j] - 2.0 * x1[i, j] + x0[i, j]
            r2[i] += r * r
            v2[i] += v * v


def _step_norms(x0, x1, x2):
    r2 = np.zeros(x0.shape[0])
    v2 = np.zeros(x0.shape[0])
    run_on_rows(_step_norms_rows, x0.shape[0], x0, x1, x2, r2, v2)
    return r2.sum(), v2.sum()


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _extrapolate_rows(start, stop, x0, x1, x2, alpha, out):  # pragma: no cover
    # max(x0 - 2 alpha r + alpha^2 v, 0), the SQUAREM point, in one pass over rows start:stop.
    a2 = alpha * alpha
    for i in range(start, stop):
        for j in range(x0.shape[1]):
            r = x1[i, j] - x0[i, j]
            v = x2[i, j] - 2.0 * x1[i, j] + x0[i, j]
            out[i, j] = max(x0[i, j] - 2.0 * alpha * r + a2 * v, 0.0)


def _extrapolate(x0, x1, x2, alpha):
    out = np.empty_like(x0)
    run_on_rows(_extrapolate_rows, x0.shape[0], x0, x1, x2, alpha, out)
    return out


def _squarem_step(x0, x1, stats1, e_step, m_step, active):
    """One SQUAREM extrapolation (Varadhan & Roland, 2008) with a monotone safeguard.

    From ``x0`` and its EM image ``x1`` take a second EM step to ``x2``, extrapolate along
    the two steps, and keep the extrapolated point only if its likelihood beats ``x1``;
    otherwise fall back to ``x2``. Either way the likelihood never decreases.
    Returns the new parameters, their E-step statistics and the number of E-steps used.
    """
    x2 = m_step(*x1, stats1)
    # Parameters are (B, P0); P0 is handled as a one-row matrix. Both kernels work element
    # by element, so a Fortran-ordered B goes in transposed: each kernel then compiles one
    # C-ordered signature instead of two (numba's compilation is most of a cold first fit).
    flip = not x0[0].flags.c_contiguous
    triples = [(a0[None], a1[None], a2[None]) if a0.ndim == 1
               else (a0.T, a1.T, a2.T) if flip else (a0, a1, a2)
               for a0, a1, a2 in zip(x0, x1, x2, strict=True)]
    norms = [_step_norms(*t) for t in triples]
    r_norm = math.sqrt(sum(n[0] for n in norms))
    v_norm = math.sqrt(sum(n[1] for n in norms))
    if v_norm > 0:
        alpha = min(-r_norm / v_norm, -1.0)
        B3, P3 = (_extrapolate(*t, alpha) for t in triples)
        if flip:
            B3 = B3.T
        P3 = P3[0] / P3.sum()
        B3 = _normalise_rows(B3)
        B3[~active] = P3
        stats3 = e_step(B3, P3)
        if np.isfinite(stats3[2]) and stats3[2] >= stats1[2]:
            return B3, P3, stats3, 1
    B2, P2 = x2
    return B2, P2, e_step(B2, P2), 2 if v_norm > 0 else 1


def _not_converged_message(history: list, n_iter: int, max_iter: int, tol: float) -> str:
    """What a run that stopped at its iteration cap says: how far it was from converging.

    Parameters
    ----------
    history : list of float
        Weighted log-likelihood per unit count at the start and after every iteration.
    n_iter : int
        EM maps evaluated.
    max_iter, tol : int, float
        The cap and the relative tolerance the run was given.
    """
    if len(history) < 2:
        distance = "no EM iteration ran"
    else:
        previous = abs(history[-2])
        change = abs(history[-1] - history[-2]) / previous if previous > 0 else math.inf
        distance = (f"the last relative change of the weighted log-likelihood was "
                    f"{change:.3g}, against tol={tol:g}")
    return (f"Word-emission EM stopped at its iteration cap before converging ({n_iter} EM "
            f"iterations, max_iter={max_iter}): {distance}. Raise emission_max_iter (max_iter "
            f"of fit_word_emission), or emission_tol to accept this precision.")


def fit_word_emission(
    theta: sp.csr_matrix,
    counts: sp.csr_matrix,
    background_weight: float = 0.3,
    use_idf: bool = True,
    max_iter: int = 200,
    tol: float = 1e-4,
    accelerate: bool = True,
    verbose: bool = False,
    chunk_size: int | None = None,
    client=None,
) -> EmissionResult:
    """Fit the atom-word matrix ``B`` and the background ``P0`` by EM.

    Parameters
    ----------
    theta : sparse matrix of shape (n_documents, n_atoms)
        Document mixtures over atoms; rows sum to 1 or are all zero.
    counts : sparse matrix of shape (n_documents, n_words)
        Bag-of-words counts.
    background_weight : float
        ``pi``, the fixed share of the background distribution, in [0, 1).
    use_idf : bool
        Weight each word's counts by its normalised IDF (the paper's objective).
    max_iter : int
        Maximum number of EM maps (E-step + M-step) evaluated.
    tol : float
        Stop when the weighted log-likelihood per unit count changes by less than this
        fraction between iterations.
    accelerate : bool
        Use SQUAREM extrapolation between EM steps (several times fewer passes for the same
        likelihood; still monotone). False: plain EM.
    chunk_size : int, optional
        Documents per chunk of the E-step (bounds its working memory); default
        :data:`~bertopic_saetm.emission.statistics.CHUNK_ROWS`.
    client : dask.distributed.Client, optional
        Compute the chunks' E-step statistics on this Dask cluster (chunks are scattered
        once; each iteration ships ``B`` and ``P0`` and reduces the statistics there).
    verbose : bool
        Show a progress bar.

    Returns
    -------
    EmissionResult

    Warns
    -----
    ConvergenceWarning
        If EM stops at ``max_iter`` before the relative change falls below ``tol``
        (``EmissionResult.converged`` is then False).
    """
    if not 0 <= background_weight < 1:
        raise ValueError(f"background_weight must be in [0, 1), got {background_weight}.")
    start, theta, kept = prepare_emission(theta, counts, background_weight, use_idf)
    statistics = make_statistics(theta, kept, start.idf, chunk_size, client)
    del kept  # the chunks hold their own copy
    return run_em(start, statistics, background_weight, max_iter, tol, accelerate, verbose)


@dataclass(frozen=True)
class EmissionStart:
    """Where EM starts: everything it needs but the E-step's data, all sums over documents.

    Attributes
    ----------
    idf : ndarray of shape (n_words,)
        Weight of each word's counts (:func:`idf_weights`, or ones).
    P0 : ndarray of shape (n_words,)
        Initial background: the weighted word mass, normalised.
    total : float
        Total weighted count (the likelihood's unit).
    fitted : ndarray of int
        The atoms active on the corpus (the others keep ``P0``).
    B : ndarray of shape (n_fitted, n_words)
        Initial emission: the weighted counts of each atom's documents, normalised.
    active : ndarray of shape (n_fitted,), bool
        Fitted atoms with any weighted count.
    n_atoms : int
    """

    idf: np.ndarray
    P0: np.ndarray
    total: float
    fitted: np.ndarray
    B: np.ndarray
    active: np.ndarray
    n_atoms: int

    @classmethod
    def from_sums(cls, idf, word_mass, total, fitted, atom_word_mass, n_atoms) -> EmissionStart:
        """The start from its sums over documents (in one process or reduced from blocks).

        ``atom_word_mass`` (n_fitted, n_words) is ``theta[:, fitted].T @ weighted``.
        """
        if total <= 0:
            raise ValueError("The bag-of-words has no (weighted) counts to fit word emission "
                             "on.")
        P0 = word_mass / word_mass.sum()
        B = np.array(atom_word_mass, dtype=np.float64)
        active = B.sum(axis=1) > 0
        B[~active] = P0
        return cls(idf, P0, float(total), np.asarray(fitted), _normalise_rows(B), active,
                   int(n_atoms))


def idf_from_document_frequency(df: np.ndarray, n_documents: int) -> np.ndarray:
    """:func:`idf_weights` from the document frequency of every word, shape (n_words,)."""
    idf = np.log(n_documents / np.maximum(np.asarray(df, dtype=np.float64), 1.0))
    top = idf.max() if idf.size else 0.0
    if top <= 0:
        return np.ones(idf.size)
    return idf / top


def prepare_emission(theta, counts, background_weight: float, use_idf: bool = True):
    """The EM start of a corpus held in this process, and the E-step's data.

    Returns
    -------
    start : EmissionStart
    theta : scipy.sparse.csr_matrix of shape (n_documents, n_fitted)
        The mixtures over the fitted atoms.
    counts : scipy.sparse.csr_matrix of shape (n_documents, n_words)
        The counts the E-step reads, weighted there by ``start.idf``
        (:func:`~bertopic_saetm.emission.statistics.e_step_counts`).
    """
    if theta.shape[0] != counts.shape[0]:
        raise ValueError(
            f"theta has {theta.shape[0]} rows but counts has {counts.shape[0]} documents."
        )
    theta = sp.csr_matrix(theta, dtype=np.float64)
    theta.sum_duplicates()
    counts = sp.csr_matrix(counts, dtype=np.float64)
    counts.sum_duplicates()
    n_words = counts.shape[1]

    weights = idf_weights(counts) if use_idf else np.ones(n_words)
    # The counts the likelihood is over (documents without atoms left out when pi == 0,
    # see e_step_counts).
    kept = e_step_counts(theta, counts, weights, background_weight)
    # Only atoms active on this corpus are fitted (a pretrained dictionary can have many
    # that never fire here); every dense pass is then over n_active x n_words.
    n_atoms = theta.shape[1]
    fitted = np.flatnonzero(np.diff(theta.tocsc().indptr) > 0)
    theta = theta[:, fitted]
    # EM starts one step away from uniform parameters: B_k proportional to the weighted
    # counts of the documents where atom k is active. The sums are taken over blocks of
    # rows, so that the IDF-weighted copy is one block's (one block up to 2**20 documents).
    word_mass, total = np.zeros(n_words), 0.0
    atom_word_mass = np.zeros((fitted.size, n_words))
    for theta_block, kept_block in row_blocks(theta, kept):
        weighted = sp.csr_matrix(kept_block.multiply(weights[None, :]))
        total += float(weighted.sum())
        word_mass += np.asarray(weighted.sum(axis=0)).ravel()
        atom_word_mass += np.asarray((theta_block.T @ weighted).todense())
    start = EmissionStart.from_sums(weights, word_mass, total, fitted, atom_word_mass, n_atoms)
    return start, theta, kept


def run_em(start: EmissionStart, statistics, background_weight: float, max_iter: int = 200,
           tol: float = 1e-4, accelerate: bool = True, verbose: bool = False) -> EmissionResult:
    """EM from ``start``, with the E-step sums of ``statistics`` (:func:`make_statistics`,
    or the same callable over blocks held by a cluster's workers).

    Returns
    -------
    EmissionResult
    """
    B, P0, active, total = start.B, start.P0, start.active, start.total

    def e_step(B, P0):
        return statistics(np.ascontiguousarray(B.T), P0, background_weight)

    def m_step(B, P0, stats):
        S_T, s0, _ = stats
        P0 = P0 * s0
        P0 /= P0.sum()
        B = _normalise_rows(B * S_T.T)
        B[~active] = P0
        return B, P0

    stats = e_step(B, P0)
    history = [stats[2] / total]
    n_iter = 0  # E-steps after the first, i.e. EM maps evaluated
    converged = False
    with tqdm(total=max_iter, desc="Word emission (EM)", disable=not verbose, leave=False) as bar:
        while n_iter < max_iter:
            B1, P1 = m_step(B, P0, stats)
            stats1 = e_step(B1, P1)
            n_iter += 1
            if accelerate and n_iter + 2 <= max_iter:
                B, P0, stats, used = _squarem_step((B, P0), (B1, P1), stats1, e_step, m_step,
                                                   active)
                n_iter += used
            else:
                B, P0, stats = B1, P1, stats1
            bar.update(n_iter - bar.n)
            history.append(stats[2] / total)
            if abs(history[-1] - history[-2]) <= tol * abs(history[-2]):
                converged = True
                break
    logger.info("Word emission: %d EM iterations, weighted log-likelihood %.6f%s", n_iter,
                history[-1], "" if converged else " (max_iter reached)")
    if not converged:
        # stacklevel 3: the caller of fit_word_emission (or of the cluster fit's EM).
        warnings.warn(_not_converged_message(history, n_iter, max_iter, tol),
                      ConvergenceWarning, stacklevel=3)
    atom_word = np.tile(P0, (start.n_atoms, 1))
    atom_word[start.fitted] = B
    return EmissionResult(atom_word, P0, history[-1], history, n_iter, converged, start.idf)
