"""Serial kernels on ranges of rows from threads: every row once, the same results whatever
the number of threads."""

import numba
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from bertopic_saetm.emission.em import fit_word_emission
from bertopic_saetm.emission.row_threads import row_ranges, run_on_rows
from bertopic_saetm.emission.statistics import make_statistics


@settings(max_examples=60, deadline=None)
@given(n_rows=st.integers(0, 40), n_ranges=st.integers(1, 12),
       weights=st.lists(st.integers(0, 50), min_size=40, max_size=40), weighted=st.booleans())
def test_ranges_cover_every_row_once_in_order(n_rows, n_ranges, weights, weighted):
    cost = np.concatenate([[0], np.cumsum(weights[:n_rows])]) if weighted else None
    ranges = row_ranges(n_rows, n_ranges, cost)
    assert len(ranges) <= n_ranges
    assert all(start < stop for start, stop in ranges)
    covered = [row for start, stop in ranges for row in range(start, stop)]
    assert covered == list(range(n_rows))


def test_ranges_balance_the_cost():
    # One heavy row among light ones: the cuts follow the cost, not the row count.
    weights = np.ones(100)
    weights[10] = 100
    cost = np.concatenate([[0], np.cumsum(weights)])
    ranges = row_ranges(100, 4, cost)
    per_range = [cost[stop] - cost[start] for start, stop in ranges]
    assert max(per_range) <= cost[-1] / 4 + weights.max()
    assert ranges[0][1] <= 11  # the heavy row closes the first range
    assert row_ranges(100, 4) == [(0, 25), (25, 50), (50, 75), (75, 100)]


@numba.njit(nogil=True)
def _cumulative_rows(start, stop, x, out):  # pragma: no cover
    for i in range(start, stop):
        acc = 0.0
        for j in range(x.shape[1]):
            acc += x[i, j]
            out[i, j] = acc


def test_run_on_rows_fills_every_row_on_threads(monkeypatch):
    x = np.random.default_rng(0).random((37, 5))
    monkeypatch.setattr(numba, "get_num_threads", lambda: 3)  # 12 ranges, 3 threads
    out = np.zeros_like(x)
    run_on_rows(_cumulative_rows, 37, x, out)
    np.testing.assert_array_equal(out, np.cumsum(x, axis=1))


def test_a_kernel_error_reaches_the_caller(monkeypatch):
    monkeypatch.setattr(numba, "get_num_threads", lambda: 2)

    def kernel(start, stop):
        if start > 0:
            raise RuntimeError("kernel failed")

    with pytest.raises(RuntimeError, match="kernel failed"):
        run_on_rows(kernel, 10)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    theta = rng.dirichlet(np.full(8, 0.3), size=300)
    theta[theta < 0.05] = 0
    theta /= theta.sum(axis=1, keepdims=True)
    counts = rng.poisson(0.3, size=(300, 120)).astype(float)
    return sp.csr_matrix(theta), sp.csr_matrix(counts)


@pytest.mark.parametrize("n_threads", [2, 5])
def test_emission_is_the_same_on_any_number_of_threads(data, monkeypatch, n_threads):
    theta, counts = data
    rng = np.random.default_rng(0)
    BT = np.ascontiguousarray(rng.dirichlet(np.ones(counts.shape[1]), size=8).T)
    P0 = rng.dirichlet(np.ones(counts.shape[1]))
    statistics = make_statistics(theta, counts)
    monkeypatch.setattr(numba, "get_num_threads", lambda: 1)
    one_stats = statistics(BT, P0, 0.3)
    one_fit = fit_word_emission(theta, counts, max_iter=20)
    monkeypatch.setattr(numba, "get_num_threads", lambda: n_threads)
    many_stats = statistics(BT, P0, 0.3)
    many_fit = fit_word_emission(theta, counts, max_iter=20)
    for a, b in zip(one_stats, many_stats, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(one_fit.atom_word, many_fit.atom_word)
    np.testing.assert_array_equal(one_fit.background, many_fit.background)
