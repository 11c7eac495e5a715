"""Clearing, sequential defaults and DebtRank against published examples and properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linprog

import dealgraph as dg

# --- Eisenberg-Noe: the example network of the systemicrisk R package (default_clearing, default_cascade)
SR_L = np.array([[0, .5, .5], [.5, 0, .5], [.5, .5, 0]])
SR_EA = np.array([1 / 2, 5 / 8, 3 / 4])
SR_EL = np.array([3 / 2, 1 / 2, 1 / 2])


def test_systemicrisk_example_clearing():
    r = dg.clearing_vector(SR_L, SR_EA, SR_EL)
    # Exact solution: banks 1 and 2 default; p1 = 1.375 * 15/14, p2 = 1.125 + p1/5, p3 pays 1.5 in full.
    p1 = 1.375 * 15 / 14
    assert r.payments == pytest.approx([p1, 1.125 + p1 / 5, 1.5], abs=1e-12)
    assert r.defaults.tolist() == [True, True, False]


def test_systemicrisk_example_cascade_zero_recovery():
    # default_cascade(L, ea, el) with recovery 0: all three banks default.
    A = SR_L.T
    networth = SR_L.sum(axis=0) + SR_EA - SR_L.sum(axis=1) - SR_EL
    first = np.flatnonzero(networth < 0)
    r = dg.furfine(A, capital=np.maximum(networth, 0), failed=first, lgd=1.0)
    assert r.failed.tolist() == [True, True, True]
    assert r.waves.tolist() == [0, 1, 1]


def _lp_clearing(L, e, el):
    """Independent Eisenberg-Noe solve: the LP of the systemicrisk package (max sum p)."""
    pbar = L.sum(axis=1) + el
    Pi = np.divide(L, pbar[:, None], out=np.zeros_like(L), where=pbar[:, None] > 0)
    n = len(e)
    res = linprog(-np.ones(n), A_ub=np.eye(n) - Pi.T, b_ub=e, bounds=list(zip(np.zeros(n), pbar)), method="highs")
    return res.x


def _picard_rv(L, e, el, alpha, beta, iters=20000):
    """Independent Rogers-Veraart solve: iterate the clearing map down from full payment."""
    pbar = L.sum(axis=1) + el
    Pi = np.divide(L, pbar[:, None], out=np.zeros_like(L), where=pbar[:, None] > 0)
    p = pbar.copy()
    for _ in range(iters):
        inflow = Pi.T @ p
        new = np.where(e + inflow >= pbar, pbar, alpha * e + beta * inflow)
        if np.allclose(new, p, rtol=0, atol=1e-13):
            break
        p = new
    return p


# The six-bank asymmetric network used to test Rogers-Veraart implementations (FinNetValu's test_rv.jl).
RV6_L = np.array([
    [0, 4.94, 2.47, 5.59, 0, 0], [6, 0, 0, 2, 0, 0], [0, 13, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 8], [12, 0, 0, 0, 0, 0], [2.79, 6.21, 0, 0, 0, 0],
])
RV6_E = np.array([1, 1, 11.51, 1.4, 12.5, 2])


@pytest.mark.parametrize("alpha,beta", [(1, 1), (0.5, 0.7), (0.9, 0.2), (0.1, 0.95), (0, 0)])
@pytest.mark.parametrize("scale", [1.0, 0.6, 0.3, 0.05])
def test_rogers_veraart_six_banks_matches_picard(alpha, beta, scale):
    e = scale * RV6_E
    r = dg.clearing_vector(RV6_L, e, None, alpha, beta)
    assert r.payments == pytest.approx(_picard_rv(RV6_L, e, np.zeros(6), alpha, beta), abs=1e-9)


def test_rogers_veraart_systemicrisk_example_is_a_fixed_point():
    alpha, beta = 0.5, 0.7
    r = dg.clearing_vector(SR_L, SR_EA, SR_EL, alpha, beta)
    assert r.payments == pytest.approx(_picard_rv(SR_L, SR_EA, SR_EL, alpha, beta), abs=1e-10)


@pytest.mark.parametrize("n", [2, 3, 5, 8])
@pytest.mark.parametrize("alpha,beta", [(1.0, 1.0), (0.5, 0.7), (0.3, 0.0)])
def test_rogers_veraart_ring_closed_form(n, alpha, beta):
    """A homogeneous ring: each bank owes l to the next and d outside, holds e < d outside.

    Every bank defaults and, by symmetry, pays p with p = alpha*e + beta*(l/(l+d))*p, so
    p = alpha * e * (l + d) / (l + d - beta * l); with alpha = beta = 1 this is e (l + d) / d.
    """
    ell, d, e = 10.0, 2.0, 1.0
    L = np.zeros((n, n))
    for i in range(n):
        L[i, (i + 1) % n] = ell
    r = dg.clearing_vector(L, np.full(n, e), np.full(n, d), alpha, beta)
    expected = alpha * e * (ell + d) / (ell + d - beta * ell)
    assert r.payments == pytest.approx(np.full(n, expected), rel=1e-12)
    assert r.defaults.all() and (r.waves == 1).all()


# --- DebtRank: the toy network of the NetworkRiskMeasures README
NRM_A = np.array([[0, 1, 0], [10, 0, 3], [3, 2, 0]], dtype=float)  # rows a, b, c: claims on a, b, c
NRM_BUFFER = np.array([2, 5, 2.0])
NRM_WEIGHTS = np.array([10, 100, 30.0])


@pytest.mark.parametrize("node,additional,defaults", [(0, 0.9285714, 2), (2, 0.6642857, 0), (1, 0.2500000, 1)])
def test_debtrank_readme_default_of_each_node(node, additional, defaults):
    shock = np.zeros(3)
    shock[node] = 1.0
    r = dg.debtrank(NRM_A, NRM_BUFFER, shock, rule="single_hit")
    assert round(r.additional_stress(NRM_WEIGHTS), 7) == additional
    assert int(r.defaults.sum()) - 1 == defaults


def test_debtrank_readme_ten_percent_shock():
    r = dg.debtrank(NRM_A, NRM_BUFFER, [0.1, 0.1, 0.1], rule="single_hit")
    assert r.stress.round(2).tolist() == [0.15, 0.26, 0.30]
    assert round(100 * r.additional_stress(NRM_WEIGHTS), 2) == 16.07


# --- properties
def networks(max_n=6):
    return st.integers(2, max_n).flatmap(lambda n: st.tuples(
        arrays(np.float64, (n, n), elements=st.sampled_from([0.0, 0.0, 1.0, 2.0, 5.0, 10.0])),
        arrays(np.float64, (n,), elements=st.sampled_from([0.0, 0.5, 1.0, 3.0, 8.0])),
        arrays(np.float64, (n,), elements=st.sampled_from([0.0, 0.0, 1.0, 4.0])),
    ))


@settings(max_examples=150, deadline=None)
@given(networks(), st.floats(0, 1), st.floats(0, 1))
def test_payments_within_obligations_and_assets(net, alpha, beta):
    L, e, el = net
    r = dg.clearing_vector(L, e, el, alpha, beta)
    Lz = L.copy()
    np.fill_diagonal(Lz, 0)
    pbar = Lz.sum(axis=1) + el
    Pi = np.divide(Lz, pbar[:, None], out=np.zeros_like(Lz), where=pbar[:, None] > 0)
    assert (r.payments <= pbar + 1e-9).all() and (r.payments >= -1e-12).all()
    assert (r.payments <= e + Pi.T @ r.payments + 1e-9).all()


@settings(max_examples=150, deadline=None)
@given(networks())
def test_alpha_beta_one_is_eisenberg_noe(net):
    L, e, el = net
    np.fill_diagonal(L, 0)
    r = dg.clearing_vector(L, e, el, 1.0, 1.0)
    assert r.payments == pytest.approx(_lp_clearing(L, e, el), abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(networks(), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_larger_shock_never_smaller_losses(net, s1, s2, recovery):
    L, e, el = net
    small, large = sorted([s1, s2])
    base = dg.clearing_vector(L, e, el)
    losses = []
    for s in (small, large):
        r = dg.clearing_vector(L, e * (1 - s), el, recovery, recovery)
        losses.append((base.payments - r.payments).sum() + s * e.sum())
    assert losses[1] >= losses[0] - 1e-7


@settings(max_examples=150, deadline=None)
@given(networks(), st.data())
def test_linear_debtrank_never_below_single_hit(net, data):
    A, _, _ = net
    n = A.shape[0]
    equity = data.draw(arrays(np.float64, (n,), elements=st.sampled_from([0.5, 1.0, 4.0, 20.0])))
    shock = data.draw(arrays(np.float64, (n,), elements=st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0])))
    single = dg.debtrank(A, equity, shock, "single_hit")
    linear = dg.debtrank(A, equity, shock, "linear")
    assert (linear.stress >= single.stress - 1e-9).all()
    assert ((single.stress >= 0) & (single.stress <= 1)).all()


@settings(max_examples=100, deadline=None)
@given(networks(), st.sampled_from([0.2, 0.6, 1.0]))
def test_furfine_larger_lgd_never_fewer_failures(net, lgd):
    A, capital, _ = net
    small = dg.furfine(A, capital + 1, [0], lgd=lgd / 2)
    large = dg.furfine(A, capital + 1, [0], lgd=lgd)
    assert (large.failed >= small.failed).all()
