import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealgraph import LimitError
from dealgraph._cycles import simple_cycles


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
