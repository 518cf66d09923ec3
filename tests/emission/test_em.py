import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from bertopic_saetm.emission.em import fit_word_emission, idf_weights

#: Tests that run EM to max_iter on purpose (tol=0) expect its ConvergenceWarning.
RUNS_TO_THE_CAP = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _synthetic(n_docs=400, n_atoms=6, n_words=60, pi=0.3, seed=0):
    rng = np.random.default_rng(seed)
    # Each atom owns a block of 10 words; sparse document mixtures over 1-2 atoms.
    B = np.full((n_atoms, n_words), 1e-3)
    for k in range(n_atoms):
        B[k, 10 * k : 10 * k + 10] = rng.uniform(1, 3, size=10)
    B /= B.sum(axis=1, keepdims=True)
    P0 = rng.dirichlet(np.ones(n_words))
    theta = np.zeros((n_docs, n_atoms))
    for d in range(n_docs):
        atoms = rng.choice(n_atoms, size=rng.integers(1, 3), replace=False)
        theta[d, atoms] = rng.dirichlet(np.ones(atoms.size))
    q = (1 - pi) * theta @ B + pi * P0
    counts = np.stack([rng.multinomial(200, row) for row in q]).astype(float)
    return sp.csr_matrix(theta), sp.csr_matrix(counts), B, P0


def _dense_loglik(theta, counts, B, P0, pi, weights):
    q = (1 - pi) * theta.toarray() @ B + pi * P0
    c = counts.toarray() * weights
    return (c * np.log(q, where=c > 0, out=np.zeros_like(q))).sum() / c.sum()


@RUNS_TO_THE_CAP
@pytest.mark.parametrize("accelerate", [False, True])
def test_loglikelihood_never_decreases_and_matches_dense_reference(accelerate):
    theta, counts, _, _ = _synthetic()
    result = fit_word_emission(theta, counts, 0.3, max_iter=50, tol=0, accelerate=accelerate)
    history = np.array(result.history)
    assert result.n_iter == 50 and len(history) >= 17
    assert np.all(np.diff(history) >= -1e-12 * np.abs(history[:-1]))
    assert history[-1] > history[0]
    reference = _dense_loglik(theta, counts, result.atom_word, result.background, 0.3,
                              idf_weights(counts))
    assert result.log_likelihood == pytest.approx(reference, rel=1e-10)


@RUNS_TO_THE_CAP
def test_squarem_kernels_compile_one_c_ordered_signature():
    # Each extra signature is another numba compilation on a user's first fit.
    from bertopic_saetm.emission import em as word_emission

    theta, counts, _, _ = _synthetic()
    fit_word_emission(theta, counts, 0.3, max_iter=10, tol=0, accelerate=True)
    for kernel in (word_emission._step_norms_rows, word_emission._extrapolate_rows):
        layouts = {argument.layout for signature in kernel.signatures
                   for argument in signature if hasattr(argument, "layout")}
        assert len(kernel.signatures) == 1 and layouts == {"C"}, kernel.signatures


@RUNS_TO_THE_CAP
def test_acceleration_reaches_a_better_likelihood_for_the_same_passes(fitted, corpus):
    # A real problem: SAE mixtures and bag-of-words of the bundled corpus.
    theta = fitted.transform_atoms(embeddings=corpus.embeddings)
    counts = fitted.vectorizer_.transform(corpus.texts)
    plain = fit_word_emission(theta, counts, max_iter=30, tol=0, accelerate=False)
    fast = fit_word_emission(theta, counts, max_iter=30, tol=0, accelerate=True)
    assert plain.n_iter == fast.n_iter == 30
    assert fast.log_likelihood > plain.log_likelihood


def test_recovers_generating_word_distributions():
    theta, counts, B_true, _ = _synthetic(n_docs=1500)
    result = fit_word_emission(theta, counts, 0.3, use_idf=False, max_iter=500, tol=1e-9)
    assert result.converged
    # Total-variation distance between fitted and true rows.
    tv = 0.5 * np.abs(result.atom_word - B_true).sum(axis=1)
    assert tv.max() < 0.12
    np.testing.assert_allclose(result.atom_word.sum(axis=1), 1.0)
    assert result.background.sum() == pytest.approx(1.0)
    assert (result.atom_word >= 0).all()


def test_stops_on_relative_tolerance():
    theta, counts, _, _ = _synthetic()
    loose = fit_word_emission(theta, counts, tol=1e-3)
    tight = fit_word_emission(theta, counts, tol=1e-8, max_iter=1000)
    assert loose.converged and tight.converged
    assert loose.n_iter < tight.n_iter
    assert tight.log_likelihood >= loose.log_likelihood


def test_inactive_atoms_keep_the_background():
    theta, counts, _, _ = _synthetic()
    theta = sp.hstack([theta, sp.csr_matrix((theta.shape[0], 1))], format="csr")
    result = fit_word_emission(theta, counts, max_iter=20)
    np.testing.assert_allclose(result.atom_word[-1], result.background)


def test_documents_without_atoms_are_explained_by_background():
    theta, counts, _, _ = _synthetic()
    theta = theta.tolil()
    theta[:50] = 0
    result = fit_word_emission(theta.tocsr(), counts, 0.3, max_iter=30)
    assert np.isfinite(result.log_likelihood)
    assert np.all(np.diff(result.history) >= -1e-12 * np.abs(np.array(result.history[:-1])))


def test_idf_weights():
    counts = sp.csr_matrix(np.array([[1, 1, 0], [1, 0, 0], [1, 0, 2], [1, 0, 0]], float))
    w = idf_weights(counts)
    assert w[0] == 0.0  # in every document
    assert w.max() == pytest.approx(1.0)
    assert w[1] == pytest.approx(w[2])


@pytest.mark.parametrize("kwargs, match", [
    ({"background_weight": 1.0}, "background_weight"),
    ({"background_weight": -0.1}, "background_weight"),
])
def test_bad_parameters(kwargs, match):
    theta, counts, _, _ = _synthetic(n_docs=20)
    with pytest.raises(ValueError, match=match):
        fit_word_emission(theta, counts, **kwargs)


def test_row_mismatch_and_empty_counts():
    theta, counts, _, _ = _synthetic(n_docs=20)
    with pytest.raises(ValueError, match="rows"):
        fit_word_emission(theta[:10], counts)
    with pytest.raises(ValueError, match="no"):
        fit_word_emission(theta, sp.csr_matrix(counts.shape))


@RUNS_TO_THE_CAP
def test_atoms_that_never_fire_keep_the_background_and_change_nothing_else():
    theta, counts, _, _ = _synthetic(n_docs=200)
    # Two extra atoms that fire on no document (as in a pretrained dictionary).
    padded = sp.hstack([theta[:, :3], sp.csr_matrix((200, 1)), theta[:, 3:],
                        sp.csr_matrix((200, 1))]).tocsr()
    plain = fit_word_emission(theta, counts, 0.3, max_iter=30, tol=0)
    wide = fit_word_emission(padded, counts, 0.3, max_iter=30, tol=0)
    np.testing.assert_allclose(wide.atom_word[[0, 1, 2, 4, 5, 6]], plain.atom_word, rtol=1e-10)
    np.testing.assert_array_equal(wide.atom_word[[3, 7]], np.stack([wide.background] * 2))
    np.testing.assert_allclose(wide.background, plain.background, rtol=1e-10)
    assert wide.log_likelihood == pytest.approx(plain.log_likelihood, rel=1e-12)


def test_warns_when_em_stops_at_its_iteration_cap():
    theta, counts, _, _ = _synthetic()
    with pytest.warns(ConvergenceWarning) as record:
        result = fit_word_emission(theta, counts, 0.3, max_iter=4, tol=1e-9)
    assert not result.converged and result.n_iter == 4
    (warning,) = [w for w in record if issubclass(w.category, ConvergenceWarning)]
    change = abs(result.history[-1] - result.history[-2]) / abs(result.history[-2])
    assert change > 1e-9
    assert str(warning.message) == (
        "Word-emission EM stopped at its iteration cap before converging (4 EM iterations, "
        f"max_iter=4): the last relative change of the weighted log-likelihood was "
        f"{change:.3g}, against tol=1e-09. Raise emission_max_iter (max_iter of "
        "fit_word_emission), or emission_tol to accept this precision.")
    assert warning.filename == __file__  # stacklevel: it points at the caller


def test_no_convergence_warning_when_em_converges():
    theta, counts, _, _ = _synthetic()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        result = fit_word_emission(theta, counts, 0.3, max_iter=200, tol=1e-3)
    assert result.converged and result.n_iter < 200
