"""The EM emission gives the same answer in one pass, in chunks, and on a Dask cluster."""

import numpy as np
import pytest
import scipy.sparse as sp

from bertopic_saetm.emission.em import fit_word_emission
from bertopic_saetm.emission.statistics import make_statistics, split_rows


@pytest.fixture(scope="module")
def data():
    """Sparse mixtures over 12 atoms and bags of words drawn from the emission model."""
    rng = np.random.default_rng(0)
    n_docs, n_atoms, n_words = 700, 12, 300
    theta = rng.dirichlet(np.full(n_atoms, 0.3), size=n_docs)
    theta[theta < 0.05] = 0
    theta /= theta.sum(axis=1, keepdims=True)
    B = rng.dirichlet(np.full(n_words, 0.05), size=n_atoms)
    P0 = rng.dirichlet(np.ones(n_words))
    q = 0.7 * theta @ B + 0.3 * P0
    counts = np.stack([rng.multinomial(40, row) for row in q])
    return sp.csr_matrix(theta), sp.csr_matrix(counts.astype(float))


def test_chunks_cover_every_row_once(data):
    theta, counts = data
    chunks = split_rows(theta.tocsr(), counts.tocsr(), 128)
    assert len(chunks) == 6
    assert sum(len(chunk[0]) - 1 for chunk in chunks) == theta.shape[0]
    with pytest.raises(ValueError, match="chunk_size must be positive"):
        split_rows(theta.tocsr(), counts.tocsr(), 0)


def test_chunked_statistics_add_up_to_the_whole(data):
    theta, counts = data
    rng = np.random.default_rng(0)
    B = rng.dirichlet(np.ones(counts.shape[1]), size=theta.shape[1])
    P0 = rng.dirichlet(np.ones(counts.shape[1]))
    whole = make_statistics(theta.tocsr(), counts.tocsr())(np.ascontiguousarray(B.T), P0, 0.3)
    parts = make_statistics(theta.tocsr(), counts.tocsr(), chunk_size=97)(
        np.ascontiguousarray(B.T), P0, 0.3)
    for a, b in zip(whole, parts, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_chunked_fit_equals_single_pass(data):
    theta, counts = data
    single = fit_word_emission(theta, counts)
    chunked = fit_word_emission(theta, counts, chunk_size=150)
    np.testing.assert_allclose(chunked.atom_word, single.atom_word, rtol=1e-8, atol=1e-12)
    assert chunked.n_iter == single.n_iter


def test_fit_on_a_local_dask_cluster_equals_single_pass(data):
    distributed = pytest.importorskip("dask.distributed")
    theta, counts = data
    single = fit_word_emission(theta, counts)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = fit_word_emission(theta, counts, chunk_size=200, client=client)
    np.testing.assert_allclose(remote.atom_word, single.atom_word, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(remote.background, single.background, rtol=1e-8)
    assert remote.log_likelihood == pytest.approx(single.log_likelihood, rel=1e-10)


def test_statistics_equal_their_dense_formulas(data):
    # S_wk = sum_d theta_dk n_dw / q_dw, s0_w = sum_d n_dw / q_dw, L = sum_dw n_dw log q_dw.
    theta, counts = data
    rng = np.random.default_rng(1)
    B = rng.dirichlet(np.ones(counts.shape[1]), size=theta.shape[1])
    P0 = rng.dirichlet(np.ones(counts.shape[1]))
    S, s0, L = make_statistics(theta, counts)(np.ascontiguousarray(B.T), P0, 0.3)
    n = counts.toarray()
    q = 0.7 * theta.toarray() @ B + 0.3 * P0
    ratio = np.where(n > 0, n / q, 0.0)
    np.testing.assert_allclose(S, (theta.toarray().T @ ratio).T, rtol=1e-10)
    np.testing.assert_allclose(s0, ratio.sum(axis=0), rtol=1e-10)
    assert L == pytest.approx(float((n * np.log(q)).sum()), rel=1e-12)
