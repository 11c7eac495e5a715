import networkx as nx
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import dealgraph as dg
from dealgraph.matrix.circulation import has_cycle


def matrices(max_n=7):
    return st.integers(2, max_n).flatmap(
        lambda n: arrays(np.int64, (n, n), elements=st.sampled_from([0, 0, 0, 1, 2, 5, 10, 40, 100]))
    )


def _networkx_max_circulation(W):
    """Independent solve: min-cost circulation with cost -1 per unit (network simplex)."""
    G = nx.DiGraph()
    n = W.shape[0]
    G.add_nodes_from(range(n), demand=0)
    for i, j in zip(*np.nonzero(W)):
        if i != j:
            G.add_edge(int(i), int(j), capacity=int(W[i, j]), weight=-1)
    cost, flow = nx.network_simplex(G)
    return -cost + int(np.trace(W))


@settings(max_examples=120, deadline=None)
@given(matrices())
def test_max_circulation_equals_independent_solve(W):
    C = dg.max_circulation(W.astype(float))
    assert C.sum() == pytest.approx(_networkx_max_circulation(W), abs=1e-6)
    assert (C >= 0).all() and (C <= W + 1e-9).all()
    assert np.allclose(C.sum(axis=0), C.sum(axis=1), atol=1e-6)
    assert not has_cycle(W - C, tol=1e-6), "the residual still has a cycle"


@settings(max_examples=120, deadline=None)
@given(matrices())
def test_bff_is_a_valid_split_below_the_maximum(W):
    W = W.astype(float)
    C, D = dg.bff_decomposition(W)
    assert np.allclose(C + D, W)
    assert (C >= -1e-9).all() and (D >= -1e-9).all()
    assert np.allclose(C.sum(axis=0), C.sum(axis=1), atol=1e-6)
    assert not has_cycle(D, tol=1e-6)
    assert C.sum() <= dg.max_circulation(W).sum() + 1e-6


@settings(max_examples=60, deadline=None)
@given(matrices(5), st.randoms(use_true_random=False))
def test_bff_does_not_depend_on_labels(W, rnd):
    W = W.astype(float)
    perm = list(range(W.shape[0]))
    rnd.shuffle(perm)
    C, _ = dg.bff_decomposition(W)
    Cp, _ = dg.bff_decomposition(W[np.ix_(perm, perm)])
    assert np.allclose(Cp, C[np.ix_(perm, perm)], atol=1e-6)


@settings(max_examples=80, deadline=None)
@given(matrices())
def test_decomposition_adds_up(W):
    C = dg.max_circulation(W.astype(float))
    back = np.zeros_like(C)
    for cyc, amount in dg.decompose_circulation(C):
        assert amount > 0
        for a, b in zip(cyc, cyc[1:] + cyc[:1]):
            back[a, b] += amount
    assert np.allclose(back, C, atol=1e-6)


def test_bff_spreads_over_cycles_in_proportion():
    # A bidirected triangle with equal weights is all circular.
    W = np.ones((3, 3)) - np.eye(3)
    C, D = dg.bff_decomposition(W)
    assert np.allclose(C, W) and np.allclose(D, 0)
    # A single cycle: its smallest edge goes round.
    W = np.array([[0, 3, 0], [0, 0, 2], [5, 0, 0]], float)
    C, _ = dg.bff_decomposition(W)
    assert np.allclose(C, np.array([[0, 2, 0], [0, 0, 2], [2, 0, 0]]))


def test_uncapped_edges_let_stated_money_circulate():
    W = np.array([[0, 30.0], [0, 0]])
    free = np.array([[False, False], [True, False]])
    assert dg.max_circulation(W).sum() == 0
    assert dg.max_circulation(W, uncapped=free).sum() == pytest.approx(30.0)


def test_rejects_bad_matrices():
    with pytest.raises(ValueError):
        dg.max_circulation(np.array([[0, -1.0], [0, 0]]))
    with pytest.raises(ValueError):
        dg.max_circulation(np.array([[0, np.nan], [0, 0]]))
    with pytest.raises(ValueError):
        dg.bff_decomposition(np.ones((2, 3)))


def test_the_largest_cycles_alone_are_the_first_of_the_whole_decomposition():
    from dealgraph.matrix.circulation import edge_circulation, edge_cycles

    rng = np.random.default_rng(4)
    n, m = 60, 600
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = np.unique(src[src != dst] * n + dst[src != dst])
    src, dst = keep // n, keep % n
    cap = np.round(rng.lognormal(3, 1, len(src)))
    flow = edge_circulation(src, dst, cap, n)
    every = edge_cycles(src, dst, flow, n)
    assert len(every) > 20
    for k in (1, 5, 20, len(every), len(every) + 3):
        assert edge_cycles(src, dst, flow, n, limit=k) == every[:k]


def _networkx_edge_circulation(src, dst, cap, n, free_src, free_dst):
    """Reference: network simplex in exact integers on the amounts rounded to whole units; free edges uncapped and free."""
    G = nx.DiGraph()
    G.add_nodes_from(range(n), demand=0)
    G.add_edges_from((int(a), int(b), {"capacity": int(round(c)), "weight": -1}) for a, b, c in zip(src, dst, cap))
    G.add_edges_from((int(a), int(b), {"weight": 0}) for a, b in zip(free_src, free_dst))
    cost, _ = nx.network_simplex(G)
    return -cost


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 12), st.integers(0, 2**32 - 1), st.integers(0, 6))
@example(n=4, seed=2097151, n_free=0)  # a flow of 408 next to an amount of 1e12 was once cleared as noise
def test_circulation_on_amounts_of_any_size_is_exact(n, seed, n_free):
    """Deal amounts span nine orders of magnitude and some deals have none: the total is network simplex's on whole
    units (each amount moved by at most half a unit, each unit moving the total by at most n)."""
    from dealgraph.matrix.circulation import edge_circulation

    rng = np.random.default_rng(seed)
    keys = np.unique(rng.integers(0, n * n, 4 * n))
    keys = keys[keys // n != keys % n]
    src, dst = keys // n, keys % n
    cap = 10.0 ** rng.uniform(3, 12, len(src))  # from a thousand to a trillion
    free = rng.choice(len(src), min(n_free, max(len(src) - 1, 0)), replace=False)
    capped = np.setdiff1d(np.arange(len(src)), free)
    flow = edge_circulation(src[capped], dst[capped], cap[capped], n, src[free], dst[free])
    expected = _networkx_edge_circulation(src[capped], dst[capped], cap[capped], n, src[free], dst[free])
    assert flow.sum() == pytest.approx(expected, abs=len(src) * n)
    assert (flow >= 0).all() and (flow <= cap[capped]).all()
    if not len(free):  # every unit flows into each entity as it flows out (a free edge's flow is not given)
        net = np.bincount(src, flow, n) - np.bincount(dst, flow, n)
        assert np.abs(net).max(initial=0.0) <= 1e-9 * cap.sum()


def test_a_large_problem_is_solved_in_a_child_process_with_the_same_answer(monkeypatch, tmp_path):
    from dealgraph.matrix import _mincost
    from dealgraph.matrix.circulation import edge_circulation

    rng = np.random.default_rng(3)
    src, dst = rng.integers(0, 300, 3000), rng.integers(0, 300, 3000)
    cap, free = rng.lognormal(20, 3, 3000), rng.integers(0, 300, (2, 40))
    here = edge_circulation(src, dst, cap, 300, *free)
    started = []
    real_run = _mincost.subprocess.run
    monkeypatch.setattr(_mincost, "APART", 0)
    monkeypatch.chdir(tmp_path)  # a module in the working directory is not the child's numpy
    (tmp_path / "numpy.py").write_text("raise SystemExit('the working directory was on the path')\n")
    monkeypatch.setattr(_mincost.subprocess, "run", lambda *a, **k: started.append(a[0]) or real_run(*a, **k))
    apart = edge_circulation(src, dst, cap, 300, *free)
    assert started and started[0][1:3] == ["-P", "-c"] and "dealgraph.matrix._mincost" in started[0][3]
    assert here.sum() > 0 and np.array_equal(here, apart)
    # no interpreter to start: solved here all the same
    monkeypatch.setattr(_mincost.sys, "executable", "/nonexistent/python")
    assert np.array_equal(edge_circulation(src, dst, cap, 300, *free), here)
