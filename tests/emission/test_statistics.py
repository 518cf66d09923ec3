"""The EM emission gives the same answer in one pass, in chunks, and on a Dask cluster."""

import numpy as np
import pytest
import scipy.sparse as sp

from bertopic_saetm.emission import statistics
from bertopic_saetm.emission.em import fit_word_emission, prepare_emission
from bertopic_saetm.emission.profiles import atom_word_profiles
from bertopic_saetm.emission.statistics import (
    CHUNK_ROWS,
    chunk_statistics,
    compact,
    e_step_counts,
    make_statistics,
    map_reduce,
    row_blocks,
    split_rows,
)


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


def test_weighted_statistics_equal_the_weighted_copy(data):
    # The kernel weighs the counts as it reads them: the same sums, bit for bit, as the
    # statistics of an IDF-weighted copy of the counts (how 0.1.0 computed them).
    theta, counts = data
    rng = np.random.default_rng(2)
    weights = rng.random(counts.shape[1])
    weights[:5] = 0  # words in every document have IDF 0
    B = rng.dirichlet(np.ones(counts.shape[1]), size=theta.shape[1])
    P0 = rng.dirichlet(np.ones(counts.shape[1]))
    kept = e_step_counts(theta, counts, weights, 0.3)
    assert kept[:, :5].nnz == 0
    weighted = sp.csr_matrix(counts.multiply(weights[None, :]))
    weighted.eliminate_zeros()
    S, s0, L = make_statistics(theta, kept, weights)(np.ascontiguousarray(B.T), P0, 0.3)
    S_copy, s0_copy, L_copy = make_statistics(theta, weighted)(np.ascontiguousarray(B.T), P0,
                                                              0.3)
    np.testing.assert_array_equal(S, S_copy)
    np.testing.assert_array_equal(s0, s0_copy)
    assert L == L_copy


def test_chunks_hold_counts_in_the_smallest_exact_type(data):
    theta, counts = data
    chunk = split_rows(theta, counts, None)[0]
    assert chunk[5].dtype == np.uint8 and chunk[4].dtype == np.uint16
    for scale, dtype in ((100.0, np.float32), (0.1, np.float64)):
        scaled = counts * scale  # counts above 255; fractions float32 cannot hold
        chunk = split_rows(theta, scaled, None)[0]
        assert chunk[5].dtype == dtype
        np.testing.assert_array_equal(np.sort(chunk[5].astype(np.float64)),
                                      np.sort(scaled.data))


def test_statistics_do_not_depend_on_how_the_chunks_store_counts(data):
    theta, counts = data
    rng = np.random.default_rng(3)
    BT = np.ascontiguousarray(rng.dirichlet(np.ones(counts.shape[1]), size=theta.shape[1]).T)
    P0 = rng.dirichlet(np.ones(counts.shape[1]))
    weights = rng.random(counts.shape[1])
    small = make_statistics(theta, counts, weights)(BT, P0, 0.3)
    chunk = split_rows(theta, counts, None)[0]
    assert chunk[4].dtype == np.uint16 and chunk[5].dtype == np.uint8
    wide = (*chunk[:4], chunk[4].astype(np.int32), chunk[5].astype(np.float64))
    for a, b in zip(small, chunk_statistics(wide, weights, BT, P0, 0.3), strict=True):
        np.testing.assert_array_equal(a, b)


def test_documents_without_atoms_are_left_out_when_there_is_no_background(data):
    theta, counts = data
    theta = theta.tolil()
    theta[:3] = 0
    theta = theta.tocsr()
    theta.eliminate_zeros()
    assert e_step_counts(theta, counts, np.ones(counts.shape[1]), 0.0)[:3].nnz == 0
    assert e_step_counts(theta, counts, np.ones(counts.shape[1]), 0.1)[:3].nnz == counts[:3].nnz


def test_map_reduce_sums_every_block_once_in_a_fixed_order():
    distributed = pytest.importorskip("dask.distributed")
    values = np.random.default_rng(4).standard_normal((13, 50)) * 10.0 ** np.arange(13)[:, None]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        blocks = client.scatter(list(values))  # 13 blocks: several waves of 4
        runs = [map_reduce(client, np.add, np.multiply, blocks, blocks) for _ in range(3)]
        with pytest.raises(ValueError, match="at least one block"):
            map_reduce(client, np.add, np.negative, [])
        one = map_reduce(client, np.add, np.negative, blocks[:1])
    np.testing.assert_allclose(runs[0], (values**2).sum(axis=0), rtol=1e-12)
    for run in runs[1:]:
        np.testing.assert_array_equal(run, runs[0])
    np.testing.assert_array_equal(one, -values[0])


def test_e_step_counts_keep_every_other_count_compactly(data):
    # Empty rows at the ends and inside, zero-weight words: the kept entries are exactly
    # those of a masked float64 copy, held as one byte each.
    theta, counts = data
    empty = sp.csr_matrix((2, counts.shape[1]))
    padded = sp.vstack([empty, counts[:5], empty, counts[5:], empty], format="csr")
    mixtures = sp.vstack([sp.csr_matrix((2, theta.shape[1])), theta[:5],
                          sp.csr_matrix((2, theta.shape[1])), theta[5:],
                          sp.csr_matrix((2, theta.shape[1]))], format="csr")
    weights = np.ones(counts.shape[1])
    weights[::7] = 0
    kept = e_step_counts(mixtures, padded, weights, 0.2)
    expected = sp.csr_matrix(padded.multiply(weights[None, :] != 0))
    expected.eliminate_zeros()
    assert kept.dtype == np.uint8 and kept.shape == padded.shape
    np.testing.assert_array_equal(kept.indptr, expected.indptr)
    np.testing.assert_array_equal(kept.indices, expected.indices)
    np.testing.assert_array_equal(kept.data, expected.data)


def test_sums_over_row_blocks_equal_the_one_block_sums(data, monkeypatch):
    theta, counts = data
    start, fitted_theta, kept = prepare_emission(theta, counts, 0.3)
    profiles = atom_word_profiles(theta, counts)
    whole = next(row_blocks(theta, counts))
    assert whole[0] is theta and whole[1] is counts  # one block: no copy
    monkeypatch.setattr(statistics, "SUM_BLOCK_ROWS", 97)
    assert [block[0].shape[0] for block in row_blocks(theta)] == [97] * 7 + [21]
    blocked, blocked_theta, blocked_kept = prepare_emission(theta, counts, 0.3)
    np.testing.assert_allclose(blocked.B, start.B, rtol=1e-12)
    np.testing.assert_allclose(blocked.P0, start.P0, rtol=1e-12)
    assert blocked.total == pytest.approx(start.total, rel=1e-12)
    assert (blocked_theta != fitted_theta).nnz == 0 and (blocked_kept != kept).nnz == 0
    np.testing.assert_allclose(atom_word_profiles(theta, counts), profiles, rtol=1e-12)


def test_default_chunks_have_two_byte_document_ids(data):
    theta, counts = data
    n = CHUNK_ROWS + 5
    rows = np.arange(n) % theta.shape[0]
    chunks = split_rows(theta[rows], counts[rows], None)
    assert [len(chunk[0]) - 1 for chunk in chunks] == [CHUNK_ROWS, 5]
    assert all(chunk[4].dtype == np.uint16 for chunk in chunks)


def test_compact_keeps_small_counts_without_a_wider_copy():
    small = np.array([0, 3, 255], dtype=np.uint8)
    assert compact(small) is small
    wide = compact(np.array([1, 256, 7], dtype=np.int64))  # past one byte
    assert wide.dtype == np.float32 and wide.tolist() == [1, 256, 7]
    theta = sp.csr_matrix(np.eye(3))
    kept = e_step_counts(theta, sp.csr_matrix(np.diag(small[1:].tolist() + [2]), dtype=np.uint8),
                         np.ones(3), 0.3)
    assert kept.dtype == np.uint8 and kept.toarray().diagonal().tolist() == [3, 255, 2]
