"""Cycle search on integer edge arrays: hop-bounded simple cycles and temporal cycles.

Definitions (the ones the anti-money-laundering literature and snapml use):

- a **hop-bounded cycle** is a simple cycle of the simple directed graph (one
  edge per ordered pair, self-loops dropped) with 2 to ``k`` vertices, counted
  once up to rotation (reported from its smallest vertex);
- a **temporal cycle** lives on the multigraph (every row its own edge): distinct
  vertices, strictly increasing timestamps along the cycle, last timestamp
  minus first at most ``window``, at most ``k`` edges; each distinct sequence of
  rows is one cycle.

The search runs in compiled kernels (``_kernels``) over blocks of start
vertices, so callers get progress, limits and streaming between blocks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .._errors import LimitError

__all__ = ["CycleCounts", "SimpleGraph", "TemporalGraph", "count_cycles", "cycle_blocks", "cycle_features", "simple_cycles",
           "simple_graph", "temporal_graph"]

Progress = Callable[[int, int], None]  # (starts done, starts in all)


def _csr(src: np.ndarray, dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst.astype(np.int64, copy=False)


@dataclass(frozen=True)
class SimpleGraph:
    """One edge per ordered pair, no self-loops: CSR out (sorted) and reverse CSR."""

    n: int
    indptr: np.ndarray
    indices: np.ndarray
    rindptr: np.ndarray
    rindices: np.ndarray

    @property
    def m(self) -> int:
        return len(self.indices)

    def edge_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(source, target) of every edge, in CSR order (the edge ids)."""
        return np.repeat(np.arange(self.n), np.diff(self.indptr)), self.indices


def simple_graph(src: np.ndarray, dst: np.ndarray, n: int | None = None) -> SimpleGraph:
    """The simple digraph of an edge list: duplicates merged, self-loops dropped.

    >>> g = simple_graph(np.array([0, 0, 1, 2, 2]), np.array([1, 1, 2, 0, 2]))
    >>> g.indptr.tolist(), g.indices.tolist()
    ([0, 1, 2, 3], [1, 2, 0])
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    n = int(max(src.max(initial=-1), dst.max(initial=-1)) + 1) if n is None else n
    keep = src != dst
    key = np.unique(src[keep] * n + dst[keep])  # sorted by (source, target)
    s, d = key // n, key % n
    indptr, indices = _csr(s, d, n)
    order = np.argsort(d * n + s)
    rindptr, rindices = _csr(d[order], s[order], n)
    return SimpleGraph(n, indptr, indices, rindptr, rindices)


@dataclass(frozen=True)
class TemporalGraph:
    """Every row an edge, grouped by source and sorted by time; ``row[e]`` is edge e's input row (0-based)."""

    n: int
    eptr: np.ndarray
    edst: np.ndarray
    ets: np.ndarray
    row: np.ndarray
    tptr: np.ndarray  # in-edges: grouped by target, sorted by time
    tsrc: np.ndarray
    tts: np.ndarray

    @property
    def m(self) -> int:
        return len(self.edst)


def temporal_graph(src: np.ndarray, dst: np.ndarray, ts: np.ndarray, n: int | None = None) -> TemporalGraph:
    """The time-ordered multigraph of an edge list (self-loops dropped).

    >>> g = temporal_graph(np.array([1, 0, 0]), np.array([0, 1, 1]), np.array([5, 9, 2]))
    >>> g.edst.tolist(), g.ets.tolist(), g.row.tolist()
    ([1, 1, 0], [2, 9, 5], [2, 1, 0])
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    ts = np.asarray(ts, dtype=np.int64)
    n = int(max(src.max(initial=-1), dst.max(initial=-1)) + 1) if n is None else n
    rows = np.flatnonzero(src != dst)
    low = int(ts.min()) if len(ts) else 0
    span = int(ts.max()) - low + 1 if len(ts) else 1
    if n * span < 2**62:  # one integer key: (source, time), stable so equal times keep row order
        rows = rows[np.argsort(src[rows] * span + (ts[rows] - low), kind="stable")]
    else:
        rows = rows[np.lexsort((rows, ts[rows], src[rows]))]
    eptr, _ = _csr(src[rows], dst[rows], n)
    by_target = rows[np.lexsort((ts[rows], dst[rows]))]
    tptr, _ = _csr(dst[by_target], src[by_target], n)
    return TemporalGraph(n, eptr, dst[rows], ts[rows], rows, tptr, src[by_target], ts[by_target])


@dataclass(frozen=True)
class CycleCounts:
    """Cycles by length (``by_length[L]`` = cycles of L vertices) and whether the search finished."""

    by_length: np.ndarray
    complete: bool
    seconds: float

    @property
    def total(self) -> int:
        return int(self.by_length.sum())


def _check(k: int) -> None:
    if k < 2:
        raise LimitError(f"the hop bound must be at least 2 (a cycle needs two entities), got {k}")


def _blocks(n: int, size: int | None) -> Iterator[np.ndarray]:
    size = size or max(256, -(-n // 64))
    for lo in range(0, n, size):
        yield np.arange(lo, min(n, lo + size), dtype=np.int64)


_EMPTY_OUT = np.zeros(0, dtype=np.int64)
_EMPTY_COUNTS = np.zeros((1, 1, 1), dtype=np.int64)


def _run(graph: SimpleGraph | TemporalGraph, starts: np.ndarray, k: int, window: int | None, mode: int, offsets: np.ndarray,
         out: np.ndarray, edge_counts: np.ndarray, vertex_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from numba import get_num_threads

    from .kernels import simple_block, temporal_block

    nt = edge_counts.shape[0] if mode == 2 else get_num_threads()
    if isinstance(graph, SimpleGraph):
        return simple_block(starts, graph.indptr, graph.indices, graph.rindptr, graph.rindices, k, mode, offsets, out,
                            edge_counts, vertex_counts, nt)
    if window is None:
        raise LimitError("temporal cycles need a time window")
    return temporal_block(starts, graph.eptr, graph.edst, graph.ets, graph.tptr, graph.tsrc, graph.tts, k, int(window), mode,
                          offsets, out, edge_counts, vertex_counts, nt)


def count_cycles(graph: SimpleGraph | TemporalGraph, k: int, *, window: int | None = None, progress: Progress | None = None,
                 seconds: float | None = None, block: int | None = None) -> CycleCounts:
    """Count cycles by length: hop-bounded on a ``SimpleGraph``, temporal (within ``window``) on a ``TemporalGraph``.

    Stops after the block in which ``seconds`` run out (``complete`` is then False).

    >>> g = simple_graph(np.array([0, 1, 2, 1]), np.array([1, 2, 0, 0]))
    >>> count_cycles(g, 3).by_length.tolist()
    [0, 0, 1, 1]
    """
    _check(k)
    start = time.perf_counter()
    total = np.zeros(k + 1, dtype=np.int64)
    done = 0
    for starts in _blocks(graph.n, block):
        _, counts = _run(graph, starts, k, window, 0, np.zeros(len(starts), dtype=np.int64), _EMPTY_OUT, _EMPTY_COUNTS, _EMPTY_COUNTS)
        total += counts
        done += len(starts)
        if progress:
            progress(done, graph.n)
        if seconds is not None and time.perf_counter() - start > seconds and done < graph.n:
            return CycleCounts(total, False, time.perf_counter() - start)
    return CycleCounts(total, True, time.perf_counter() - start)


def cycle_blocks(graph: SimpleGraph | TemporalGraph, k: int, *, window: int | None = None, progress: Progress | None = None,
                 block: int | None = None) -> Iterator[np.ndarray]:
    """Listed cycles, a block of start vertices at a time: int64 arrays of shape (cycles, k), -1 padded.

    Rows hold vertices (simple cycles, smallest first) or edge ids (temporal
    cycles, positions in ``graph.row``), in a fixed order.
    """
    _check(k)
    done = 0
    for starts in _blocks(graph.n, block):
        zeros = np.zeros(len(starts), dtype=np.int64)
        found, _ = _run(graph, starts, k, window, 0, zeros, _EMPTY_OUT, _EMPTY_COUNTS, _EMPTY_COUNTS)
        offsets = np.concatenate(([0], np.cumsum(found)[:-1])).astype(np.int64)
        out = np.empty(int(found.sum()) * k, dtype=np.int64)
        _run(graph, starts, k, window, 1, offsets, out, _EMPTY_COUNTS, _EMPTY_COUNTS)
        done += len(starts)
        if progress:
            progress(done, graph.n)
        yield out.reshape(-1, k)


def simple_cycles(indptr: np.ndarray, indices: np.ndarray, max_length: int) -> Iterator[tuple[int, ...]]:
    """Yield every simple cycle of 2 to ``max_length`` nodes of a CSR digraph (self-loops skipped).

    Each cycle starts at its smallest node; order is by start node, then
    depth-first by successor order. Callers bound the count with ``islice``.

    >>> import numpy as np
    >>> # 0 -> 1 -> 2 -> 0 and 0 <-> 1
    >>> list(simple_cycles(np.array([0, 1, 3, 4]), np.array([1, 0, 2, 0]), 3))
    [(0, 1), (0, 1, 2)]
    """
    _check(max_length)
    n = len(indptr) - 1
    src = np.repeat(np.arange(n), np.diff(indptr))
    graph = simple_graph(src, np.asarray(indices), n)
    for rows in cycle_blocks(graph, max_length, block=1024):
        for r in rows:
            yield tuple(int(v) for v in r if v >= 0)


def cycle_features(graph: SimpleGraph | TemporalGraph, k: int, *, window: int | None = None,
                   progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
    """How many cycles of each length pass through each edge and each vertex.

    Returns ``(edge_counts, vertex_counts)`` of shapes (edges, k + 1) and
    (vertices, k + 1); column L counts cycles of L vertices. Edges are
    ``graph``'s edge ids (CSR positions of the simple graph; positions in
    ``graph.row`` for a temporal graph).
    """
    _check(k)
    from numba import get_num_threads

    nt = get_num_threads()
    edges = np.zeros((nt, graph.m, k + 1), dtype=np.int64)
    vertices = np.zeros((nt, graph.n, k + 1), dtype=np.int64)
    done = 0
    for starts in _blocks(graph.n, None):
        _run(graph, starts, k, window, 2, np.zeros(len(starts), dtype=np.int64), _EMPTY_OUT, edges, vertices)
        done += len(starts)
        if progress:
            progress(done, graph.n)
    return edges.sum(axis=0), vertices.sum(axis=0)
