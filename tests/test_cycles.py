import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealgraph import LimitError
from dealgraph.transactions.cycles import simple_cycles


def _csr(n, edges):
    edges = sorted(set(edges))
    indptr = np.zeros(n + 1, dtype=np.int64)
    for a, _ in edges:
        indptr[a + 1] += 1
    return np.cumsum(indptr), np.array([b for _, b in edges], dtype=np.int64)


def _canon(c):
    k = c.index(min(c))
    return tuple(c[k:] + c[:k])


def _brute(n, edges, k):
    """Every simple cycle by trying every sequence of distinct nodes."""
    from itertools import permutations

    es = set(edges)
    out = set()
    for length in range(2, k + 1):
        for seq in permutations(range(n), length):
            if seq[0] == min(seq) and all((seq[i], seq[(i + 1) % length]) in es for i in range(length)):
                out.add(seq)
    return out


graphs = st.integers(2, 7).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
)


@settings(max_examples=150, deadline=None)
@given(graphs, st.integers(2, 7))
def test_equals_networkx_and_brute_force(g, k):
    n, edges = g
    edges = [(a, b) for a, b in edges if a != b]
    indptr, indices = _csr(n, edges)
    ours = list(simple_cycles(indptr, indices, k))
    assert len(ours) == len(set(ours)), "a cycle was reported twice"
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(edges)
    theirs = {_canon(c) for c in nx.simple_cycles(G, length_bound=k) if len(c) >= 2}
    assert set(ours) == theirs == _brute(n, edges, k)


def test_canonical_order():
    indptr, indices = _csr(3, [(0, 1), (1, 0), (1, 2), (2, 0), (2, 1)])
    assert list(simple_cycles(indptr, indices, 3)) == [(0, 1), (0, 1, 2), (1, 2)]


def test_bound_checked():
    with pytest.raises(LimitError):
        list(simple_cycles(np.array([0, 0]), np.array([], dtype=np.int64), 1))


# ---- compiled kernels: temporal cycles, counts, per-edge features ------------------------------------------

from dealgraph.transactions.cycles import count_cycles, cycle_blocks, cycle_features, simple_graph, temporal_graph  # noqa: E402

multigraphs = st.integers(2, 6).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 12)),
                                             max_size=4 * n))
)


def _brute_temporal(rows, k, window):
    """Every temporal cycle as a tuple of row numbers, by plain recursion over rows."""
    out = set()

    def extend(path, seen):
        last = rows[path[-1]]
        for r, (a, b, t) in enumerate(rows):
            if a != last[1] or t <= last[2] or t - rows[path[0]][2] > window or len(path) >= k:
                continue
            if b == rows[path[0]][0]:
                out.add((*path, r))
            elif b not in seen:
                extend((*path, r), seen | {b})

    for r, (a, b, _) in enumerate(rows):
        if a != b:
            extend((r,), {a, b})
    return out


@settings(max_examples=200, deadline=None)
@given(multigraphs, st.integers(2, 6), st.integers(0, 12))
def test_temporal_cycles_equal_brute_force(g, k, window):
    n, rows = g
    src, dst, ts = (np.array([r[i] for r in rows], dtype=np.int64) for i in range(3))
    graph = temporal_graph(src, dst, ts, n)
    listed = [tuple(int(graph.row[e]) for e in r if e >= 0) for b in cycle_blocks(graph, k, window=window, block=2) for r in b]
    expected = _brute_temporal(rows, k, window)
    assert len(listed) == len(set(listed)) and set(listed) == expected
    counts = count_cycles(graph, k, window=window)
    assert counts.complete and counts.total == len(expected)
    assert counts.by_length.tolist() == [sum(len(c) == L for c in expected) for L in range(k + 1)]


@settings(max_examples=100, deadline=None)
@given(graphs, st.integers(2, 6))
def test_per_edge_and_vertex_counts_sum_to_the_cycle_list(g, k):
    n, edges = g
    graph = simple_graph(np.array([a for a, _ in edges], dtype=np.int64), np.array([b for _, b in edges], dtype=np.int64), n)
    cycles = [tuple(v for v in r if v >= 0) for b in cycle_blocks(graph, k) for r in b]
    edge_counts, vertex_counts = cycle_features(graph, k)
    src, dst = graph.edge_pairs()
    expected_e = np.zeros_like(edge_counts)
    expected_v = np.zeros_like(vertex_counts)
    for c in cycles:
        for i, v in enumerate(c):
            w = c[(i + 1) % len(c)]
            expected_e[np.flatnonzero((src == v) & (dst == w))[0], len(c)] += 1
            expected_v[v, len(c)] += 1
    assert (edge_counts == expected_e).all() and (vertex_counts == expected_v).all()
    assert (edge_counts.sum(axis=0) == np.arange(k + 1) * count_cycles(graph, k).by_length).all()


def test_temporal_features_count_each_row_of_each_cycle():
    # 0 -> 1 -> 2 -> 0 in time order, plus a late 2 -> 0 outside a window of 5
    graph = temporal_graph(np.array([0, 1, 2, 2]), np.array([1, 2, 0, 0]), np.array([1, 2, 3, 9]), 3)
    edge_counts, vertex_counts = cycle_features(graph, 4, window=5)
    per_row = np.zeros(4, dtype=np.int64)
    per_row[graph.row] = edge_counts[:, 3]
    assert per_row.tolist() == [1, 1, 1, 0] and vertex_counts[:, 3].tolist() == [1, 1, 1]


def test_a_time_budget_stops_between_blocks():
    rng = np.random.default_rng(0)
    src, dst = rng.integers(0, 300, 3000), rng.integers(0, 300, 3000)
    partial = count_cycles(simple_graph(src, dst, 300), 6, seconds=0.0, block=10)
    assert not partial.complete and partial.total > 0
