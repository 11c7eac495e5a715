"""Cycle search on integer edge arrays: hop-bounded simple cycles and temporal cycles, and their result values.

Definitions (the ones the anti-money-laundering literature and snapml use):

- a **hop-bounded cycle** is a simple cycle of the simple directed graph (one
  edge per ordered pair, self-loops dropped) with 2 to ``k`` vertices, counted
  once up to rotation (reported from its smallest vertex);
- a **temporal cycle** lives on the multigraph (every row its own edge): distinct
  vertices, strictly increasing timestamps along the cycle, last timestamp
  minus first at most ``window``, at most ``k`` edges; each distinct sequence of
  rows is one cycle.

The search runs in compiled kernels (``kernels``) over blocks of start
vertices, so callers get progress, limits and streaming between blocks.

Public verbs take a ledger (a CSV or Parquet path, an ``EdgeList`` or a polars
DataFrame) and return values: ``count_cycles`` -> ``CycleCounts``,
``list_cycles`` -> ``CycleListing``, and ``write_cycles`` streams every cycle
to Parquet block by block. The graph-level functions below them
(``simple_graph``, ``temporal_graph``, ``count_graph_cycles``,
``cycle_blocks``, ``cycle_features``) work on arrays.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import polars as pl

from .._errors import LedgerError, LimitError, Problem
from .._files import atomic_path
from ..reading.cells import Window, window_seconds
from .ingest import EdgeList, read_edges

__all__ = ["DEFINITIONS", "CycleCounts", "CycleListing", "CycleSearch", "CycleTally", "SimpleGraph", "Source", "TemporalGraph",
           "as_edge_list", "check_max_length", "check_time_limit", "count_cycles", "count_graph_cycles", "cycle_blocks", "cycle_features",
           "list_cycles", "simple_graph", "strongest_cycles", "temporal_graph", "write_cycles"]

logger = logging.getLogger(__name__)

DEFINITIONS = {
    "hop-bounded": ("hop-bounded cycle: a simple cycle of the simple directed graph (one edge per ordered pair of entities, "
                    "self-loops dropped) with 2 to k entities, counted once up to rotation"),
    "temporal": ("temporal cycle: on the multigraph (every row its own edge), distinct entities, strictly increasing "
                 "timestamps along the cycle, last timestamp minus first at most the window, at most k edges; "
                 "each distinct sequence of rows is one cycle"),
}

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

    def by_time_within(group: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``rows`` ordered by (group, time), equal ones in row order."""
        if n * span < 2**62:  # one integer key, sorted stably (a radix sort)
            return rows[np.argsort(group[rows] * span + (ts[rows] - low), kind="stable")]
        return rows[np.lexsort((rows, ts[rows], group[rows]))]

    rows = by_time_within(src, rows)
    eptr, _ = _csr(src[rows], dst[rows], n)
    by_target = by_time_within(dst, rows)
    tptr, _ = _csr(dst[by_target], src[by_target], n)
    return TemporalGraph(n, eptr, dst[rows], ts[rows], rows, tptr, src[by_target], ts[by_target])


@dataclass(frozen=True)
class CycleTally:
    """A graph-level count: cycles by length (``by_length[L]`` = cycles of L vertices) and whether the search finished."""

    by_length: np.ndarray
    complete: bool
    seconds: float

    @property
    def total(self) -> int:
        return int(self.by_length.sum())


def check_max_length(k: int) -> None:
    """Raise ``LimitError`` unless ``k`` (the most entities in a cycle) is at least 2."""
    if k < 2:
        raise LimitError(f"the hop bound must be at least 2 (a cycle needs two entities), got {k}")


def check_time_limit(seconds: float | None) -> None:
    """A time limit is a non-negative, finite number of seconds (or None: no limit)."""
    if seconds is not None and not (isinstance(seconds, (int, float)) and 0 <= seconds < float("inf")):
        raise LimitError(f"the time limit must be a non-negative number of seconds, got {seconds!r}")


def _blocks(n: int, size: int | None) -> Iterator[np.ndarray]:
    size = size or max(256, -(-n // 64))
    for lo in range(0, n, size):
        yield np.arange(lo, min(n, lo + size), dtype=np.int64)


_EMPTY_OUT = np.zeros(0, dtype=np.int64)
_EMPTY_COUNTS = np.zeros((1, 1, 1), dtype=np.int64)


EVER = (-(2**62), 2**62)  # first-edge times: every one
Shares: TypeAlias = "tuple[np.ndarray, np.ndarray] | None"  # (part, parts) per start: its out-edges part, part + parts, ...


def _start_blocks(n: int, starts: np.ndarray | None, shares: Shares, block: int | None) -> Iterator[tuple[np.ndarray, Shares, int]]:
    """The starts asked for (None: all ``n``), a block at a time, with their shares and how many starts there are in all."""
    chosen = None if starts is None else np.asarray(starts, dtype=np.int64)
    if shares is not None:
        if chosen is None:
            raise LimitError("shares of a search go with the starts they share")
        part, parts = (np.asarray(a, dtype=np.int64) for a in shares)
        if part.shape != chosen.shape or parts.shape != chosen.shape or (parts < 1).any() or (part < 0).any() or (part >= parts).any():
            raise LimitError("shares are (part, parts) per start, 0 <= part < parts")
    size = n if chosen is None else len(chosen)
    for at in _blocks(size, block):
        yield (at if chosen is None else chosen[at]), (None if shares is None else (part[at], parts[at])), size


def _run(graph: SimpleGraph | TemporalGraph, starts: np.ndarray, k: int, window: int | None, mode: int, offsets: np.ndarray,
         out: np.ndarray, edge_counts: np.ndarray, vertex_counts: np.ndarray, first: tuple[int, int] = EVER,
         shares: Shares = None) -> tuple[np.ndarray, np.ndarray]:
    from numba import get_num_threads

    from .kernels import simple_block, temporal_block

    nt = edge_counts.shape[0] if mode == 2 else get_num_threads()
    if isinstance(graph, SimpleGraph):
        part, parts = shares if shares is not None else (np.zeros(len(starts), dtype=np.int64), np.ones(len(starts), dtype=np.int64))
        return simple_block(starts, graph.indptr, graph.indices, graph.rindptr, graph.rindices, k, mode, offsets, out,
                            edge_counts, vertex_counts, nt, part, parts)
    if window is None:
        raise LimitError("temporal cycles need a time window")
    return temporal_block(starts, graph.eptr, graph.edst, graph.ets, graph.tptr, graph.tsrc, graph.tts, k, int(window), mode,
                          offsets, out, edge_counts, vertex_counts, nt, int(first[0]), int(first[1]))


def count_graph_cycles(graph: SimpleGraph | TemporalGraph, k: int, *, window: int | None = None, progress: Progress | None = None,
                       seconds: float | None = None, block: int | None = None, starts: np.ndarray | None = None,
                       first: tuple[int, int] = EVER, shares: Shares = None) -> CycleTally:
    """Count cycles by length: hop-bounded on a ``SimpleGraph``, temporal (within ``window``) on a ``TemporalGraph``.

    Stops after the block in which ``seconds`` run out (``complete`` is then False). ``starts``
    limits the search to cycles from those entities (hop-bounded: whose smallest entity is one of
    them; temporal: whose first edge leaves one); ``first`` to temporal cycles whose first edge's
    time is in ``[first[0], first[1])``. ``shares`` (with ``starts``, hop-bounded) gives each start a share of its
    search: ``(part, parts)`` arrays, start i's cycles whose first edge is its out-edge ``part[i]``, ``part[i] + parts[i]``,
    ... (one hub's search split across tasks). Counts over disjoint ``starts``, ``first`` ranges or shares add up.

    >>> g = simple_graph(np.array([0, 1, 2, 1]), np.array([1, 2, 0, 0]))
    >>> count_graph_cycles(g, 3).by_length.tolist()
    [0, 0, 1, 1]
    """
    check_max_length(k)
    start = time.perf_counter()
    total = np.zeros(k + 1, dtype=np.int64)
    done = 0
    for some, share, size in _start_blocks(graph.n, starts, shares, block):
        _, counts = _run(graph, some, k, window, 0, np.zeros(len(some), dtype=np.int64), _EMPTY_OUT, _EMPTY_COUNTS, _EMPTY_COUNTS,
                         first, share)
        total += counts
        done += len(some)
        if progress:
            progress(done, size)
        if seconds is not None and time.perf_counter() - start > seconds and done < size:
            return CycleTally(total, False, time.perf_counter() - start)
    return CycleTally(total, True, time.perf_counter() - start)


def deal_starts(graph: SimpleGraph, tasks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hop-bounded searches dealt to ``tasks`` tasks of about equal work: ``(task, starts, part, parts)``, one entry per share.

    A cycle is found from its smallest entity, leaving it by an edge to a larger entity and coming
    back by an edge from one: a start's work is estimated by the pairs of such edges, and starts
    without any (which begin no cycle) are left out. A start above a task's fair share is split into
    ``parts`` shares by its out-edges (``count_graph_cycles``'s ``shares``), so one hub's search is
    spread over tasks; shares are dealt in decreasing estimated work, round-robin. Counts over
    every task's shares are the graph's.

    >>> g = simple_graph(np.array([0, 0, 0, 1, 2, 3]), np.array([1, 2, 3, 0, 0, 0]))
    >>> task, starts, part, parts = deal_starts(g, 3)
    >>> starts.tolist(), part.tolist(), parts.tolist()
    ([0, 0, 0], [0, 1, 2], [3, 3, 3])
    >>> sum(count_graph_cycles(g, 2, starts=starts[task == t], shares=(part[task == t], parts[task == t])).total for t in range(3))
    3
    """
    src, dst = graph.edge_pairs()
    degree = np.diff(graph.indptr)
    up = dst > src
    work = np.bincount(src[up], minlength=graph.n).astype(np.float64) * np.bincount(dst[~up], minlength=graph.n)
    fair = max(work.sum() / max(tasks, 1), 1.0)
    parts = np.clip(np.ceil(work / fair), 1, np.maximum(degree, 1)).astype(np.int64)
    parts[work == 0] = 0
    starts = np.repeat(np.arange(graph.n, dtype=np.int64), parts)
    part = np.arange(len(starts), dtype=np.int64) - np.repeat(np.cumsum(parts) - parts, parts)
    order = np.argsort(-(work[starts] / parts[starts]), kind="stable")
    task = np.empty(len(starts), dtype=np.int64)
    task[order] = np.arange(len(starts)) % max(tasks, 1)
    return task, starts, part, parts[starts]


def cycle_blocks(graph: SimpleGraph | TemporalGraph, k: int, *, window: int | None = None, progress: Progress | None = None,
                 block: int | None = None, starts: np.ndarray | None = None, first: tuple[int, int] = EVER,
                 shares: Shares = None) -> Iterator[np.ndarray]:
    """Listed cycles, a block of start vertices at a time: int64 arrays of shape (cycles, k), -1 padded.

    Rows hold vertices (simple cycles, smallest first) or edge ids (temporal
    cycles, positions in ``graph.row``), in a fixed order. ``starts``, ``first`` and ``shares`` limit the
    search as in ``count_graph_cycles``.
    """
    check_max_length(k)
    done = 0
    for some, share, size in _start_blocks(graph.n, starts, shares, block):
        zeros = np.zeros(len(some), dtype=np.int64)
        found, _ = _run(graph, some, k, window, 0, zeros, _EMPTY_OUT, _EMPTY_COUNTS, _EMPTY_COUNTS, first, share)
        offsets = np.concatenate(([0], np.cumsum(found)[:-1])).astype(np.int64)
        out = np.empty(int(found.sum()) * k, dtype=np.int64)
        _run(graph, some, k, window, 1, offsets, out, _EMPTY_COUNTS, _EMPTY_COUNTS, first, share)
        done += len(some)
        if progress:
            progress(done, size)
        yield out.reshape(-1, k)


def strongest_cycles(src, dst, weight, n: int, max_length: int, limit: int) -> tuple[list[tuple[int, ...]], bool]:
    """The ``limit`` simple cycles of 2 to ``max_length`` nodes with the largest bottleneck ``weight``.

    ``src``, ``dst``, ``weight`` give a simple digraph (one edge per ordered pair, no
    self-loops); a cycle's bottleneck is its smallest edge weight. An edge of weight
    ``inf`` (unknown, bounding nothing) is part of cycles but no cycle of ``inf`` edges
    alone is returned: it has no bottleneck to rank it by. Edges are added strongest
    first and each closes the cycles it is the weakest edge of, so the search touches only
    the part of the graph the strongest cycles live in and stops after ``limit`` cycles.
    Returns the cycles (each from its smallest node, strongest first) and whether more
    exist, all with a bottleneck no larger than the last one returned; ties at that weight
    keep an arbitrary subset.

    >>> strongest_cycles([0, 1, 1, 2], [1, 0, 2, 0], [5.0, 1.0, 4.0, 3.0], 3, 3, 2)
    ([(0, 1, 2), (0, 1)], False)
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    from .kernels import strongest_cycles as kernel

    check_max_length(max_length)
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    weight = np.asarray(weight, dtype=float)
    if not len(src):
        return [], False
    _, comp = connected_components(csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)), directed=True, connection="strong")
    order = np.argsort(-weight, kind="stable")
    rank = np.empty(len(src), dtype=np.int64)
    rank[order] = np.arange(len(src))
    out_order = np.lexsort((dst, src))
    in_order = np.lexsort((src, dst))
    indptr, indices = _csr(src[out_order], dst[out_order], n)
    rindptr, rindices = _csr(dst[in_order], src[in_order], n)
    out = np.empty((limit + 1, max_length), dtype=np.int64)
    found, _ = kernel(src[order], dst[order], comp.astype(np.int64), indptr, indices, rank[out_order], rindptr, rindices,
                      rank[in_order], max_length, limit + 1, int(np.isinf(weight).sum()), out)
    cycles = []
    for row in out[:found]:
        cyc = [int(v) for v in row if v >= 0]
        first = cyc.index(min(cyc))
        cycles.append(tuple(cyc[first:] + cyc[:first]))
    truncated = found > limit
    return cycles[:limit], truncated


def cycle_features(graph: SimpleGraph | TemporalGraph, k: int, *, window: int | None = None, progress: Progress | None = None,
                   starts: np.ndarray | None = None, first: tuple[int, int] = EVER, shares: Shares = None) -> tuple[np.ndarray, np.ndarray]:
    """How many cycles of each length pass through each edge and each vertex.

    Returns ``(edge_counts, vertex_counts)`` of shapes (edges, k + 1) and
    (vertices, k + 1); column L counts cycles of L vertices. Edges are
    ``graph``'s edge ids (CSR positions of the simple graph; positions in
    ``graph.row`` for a temporal graph). ``starts``, ``first`` and ``shares`` limit the
    search as in ``count_graph_cycles``; counts over disjoint ones add up.
    """
    check_max_length(k)
    from numba import get_num_threads

    nt = get_num_threads()
    edges = np.zeros((nt, graph.m, k + 1), dtype=np.int64)
    vertices = np.zeros((nt, graph.n, k + 1), dtype=np.int64)
    done = 0
    for some, share, size in _start_blocks(graph.n, starts, shares, None):
        _run(graph, some, k, window, 2, np.zeros(len(some), dtype=np.int64), _EMPTY_OUT, edges, vertices, first, share)
        done += len(some)
        if progress:
            progress(done, size)
    return edges.sum(axis=0), vertices.sum(axis=0)


# ---- ledgers in, result values out ---------------------------------------------------------------------------------------

Source: TypeAlias = "str | Path | EdgeList | pl.DataFrame"


def as_edge_list(source: Source, *, input_format: str = "auto", columns: Mapping[str, str] | None = None) -> EdgeList:
    """A ledger as edge arrays: an ``EdgeList`` as is; a CSV or Parquet path or a polars DataFrame through ``read_edges``.

    >>> e = as_edge_list(pl.DataFrame({"source": ["B", "A"], "target": ["A", "C"], "timestamp": [5, 7]}))
    >>> e.names.to_list(), e.src.tolist(), e.dst.tolist(), e.ts.tolist()
    (['A', 'B', 'C'], [1, 0], [0, 2], [5, 7])
    """
    return source if isinstance(source, EdgeList) else read_edges(source, input_format=input_format, columns=columns)


@dataclass(frozen=True)
class CycleSearch:
    """What a cycle search ran on: the definition, its bounds and the size of its arrays.

    ``rows`` and ``entities`` are the ledger's; ``graph_edges`` the searched
    graph's (simple graph: distinct ordered pairs; temporal: rows that are not
    self-loops); ``array_bytes`` the edge arrays plus the graph.
    """

    mode: str  # "hop-bounded" or "temporal"
    max_length: int
    window_seconds: int | None
    rows: int
    entities: int
    graph_edges: int
    array_bytes: int

    @property
    def definition(self) -> str:
        return DEFINITIONS[self.mode]

    @property
    def title(self) -> str:
        window = f", window {self.window_seconds} s" if self.window_seconds is not None else ""
        return f"{self.mode} cycles, up to {self.max_length} entities{window}"

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "definition": self.definition, "max_length": self.max_length, "window_seconds": self.window_seconds,
                "rows": self.rows, "entities": self.entities, "graph_edges": self.graph_edges, "array_bytes": self.array_bytes}


@dataclass(frozen=True)
class CycleCounts:
    """Cycles by number of entities (``counts[L]``, L = 2 .. max_length), and whether the search finished."""

    search: CycleSearch
    counts: dict[int, int]
    complete: bool  # False: stopped at the time limit, the counts are partial
    seconds: float

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_frame(self) -> pl.DataFrame:
        """One row per length: ``length`` (entities) and ``cycles``."""
        return pl.DataFrame({"length": list(self.counts), "cycles": list(self.counts.values())},
                            schema={"length": pl.Int64, "cycles": pl.Int64})

    def to_dict(self) -> dict[str, Any]:
        return {**self.search.to_dict(), "counts": {str(L): n for L, n in self.counts.items()}, "total": self.total,
                "complete": self.complete, "seconds": round(self.seconds, 3)}

    def __rich__(self):
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        s = self.search
        table = Table()
        table.add_column("entities", justify="right")
        table.add_column("cycles", justify="right")
        for length, count in self.counts.items():
            table.add_row(str(length), f"{count:,}")
        table.add_row("total", f"{self.total:,}", style="bold")
        done = "" if self.complete else " (stopped at the time limit: partial counts)"
        sizes = Text(f"{s.rows:,} rows, {s.entities:,} entities; {round(self.seconds, 3)} s{done}")
        return Group(Text(s.title, style="italic"), table, sizes, Text(s.definition))


@dataclass(frozen=True)
class CycleListing:
    """Listed cycles, one row each: ``cycle`` (0-based), ``length`` and ``entities``; temporal cycles also ``rows`` (input rows,
    1-based) and ``timestamps``. A temporal cycle's entities start at the source of its earliest row."""

    search: CycleSearch
    cycles: pl.DataFrame
    limit: int | None
    truncated: bool  # the listing reached ``limit``; more cycles may exist

    def __len__(self) -> int:
        return self.cycles.height

    def to_frame(self) -> pl.DataFrame:
        return self.cycles

    def to_dict(self) -> dict[str, Any]:
        return {**self.search.to_dict(), "listed": len(self), "limit": self.limit, "truncated": self.truncated,
                "cycles": self.cycles.to_dicts()}

    def __rich__(self):
        from rich.console import Group
        from rich.text import Text

        lines = [Text(" -> ".join([*names, names[0]])) for names in self.cycles["entities"].to_list()]  # Text: names are never markup
        more = f" (first {self.limit}; raise the limit or stream them all to a file)" if self.truncated else ""
        return Group(*lines, Text(f"{len(self)} cycles{more}"))


def _prepare(source: Source, max_length: int, temporal: bool, window: Window | None, input_format: str,
             columns: Mapping[str, str] | None) -> tuple[EdgeList, SimpleGraph | TemporalGraph, CycleSearch]:
    check_max_length(max_length)
    if window is not None and not temporal:
        raise LimitError("a window bounds temporal cycles only; pass temporal=True or leave the window out")
    seconds = window_seconds("1d" if window is None else window) if temporal else None  # bounds are checked before reading
    edges = as_edge_list(source, input_format=input_format, columns=columns)
    graph: SimpleGraph | TemporalGraph
    if temporal:
        if edges.ts is None:
            raise LedgerError([Problem(edges.origin, None, "timestamp", None, "temporal cycles need a timestamp column (timestamp or date)")])
        graph = temporal_graph(edges.src, edges.dst, edges.ts, edges.n)
    else:
        graph = simple_graph(edges.src, edges.dst, edges.n)
    graph_bytes = sum(v.nbytes for f in fields(graph) if isinstance(v := getattr(graph, f.name), np.ndarray))
    search = CycleSearch("temporal" if temporal else "hop-bounded", max_length, seconds, edges.m, edges.n, graph.m, edges.nbytes + graph_bytes)
    return edges, graph, search


def count_cycles(source: Source, *, max_length: int = 5, temporal: bool = False, window: Window | None = None,
                 time_limit: float | None = None, input_format: str = "auto", columns: Mapping[str, str] | None = None,
                 progress: Progress | None = None, engine: str = "local", spark_master: str | None = None) -> CycleCounts:
    """Count the cycles of a transaction ledger by length, without listing them.

    Parameters
    ----------
    source : str, Path, EdgeList or polars.DataFrame
        The ledger: a CSV or Parquet file (read with ``read_edges``), edge
        arrays, or a frame with ``source``, ``target`` and, for temporal
        cycles, ``timestamp`` (see ``as_edge_list``).
    max_length : int
        The most entities in a cycle (the hop bound k), at least 2.
    temporal : bool
        Temporal cycles of the multigraph instead of hop-bounded cycles of the simple graph.
    window : str, int or datetime.timedelta, optional
        Temporal cycles only: last timestamp minus first at most this (text
        such as ``"1d"``, or integer seconds); one day when not given.
    time_limit : float, optional
        Stop after the block of start entities in which this many seconds
        run out; the result is then marked incomplete.
    input_format : {"auto", "dealgraph", "amlworld"}
        Column layout of a file.
    columns : mapping, optional
        Our column name -> yours (``source``, ``target``, ``timestamp``, ``amount``).
    progress : callable, optional
        Called as ``progress(done, total)`` with start entities searched so far.
    engine : {"local", "spark"}
        ``spark``: the same counts computed on Apache Spark (``dealgraph.transactions.spark``) for
        a file path Spark reads; ``spark_master`` names the master (default: spark-submit's, else
        ``SPARK_MASTER``, else ``local[*]``). ``time_limit`` and ``progress`` are the local engine's.

    Returns
    -------
    CycleCounts
        Counts by length, the total, whether the search finished, the time taken and what was searched.

    Raises
    ------
    LimitError
        A bound out of range (``max_length`` below 2, a negative window or time limit, a window without ``temporal``).
    LedgerError
        A file that cannot be read, or temporal cycles asked of a ledger without timestamps.

    Notes
    -----
    Reading streams the file: O(m) for m rows, 32 bytes per row in edge
    arrays. The graph is built by sorting: O(m log m) time and about 18
    (hop-bounded) or 42 (temporal) more bytes per row. The search is a
    depth-first search of at most k hops from every entity, pruned by
    distances back to the start and run on all cores; its time is
    proportional to the paths it walks (at least k per cycle found, at worst
    O(n d^(k-1)) for n entities of out-degree up to d) and no cycle is held in
    memory.

    Examples
    --------
    >>> ledger = pl.DataFrame({"source": ["A", "B", "C", "B"], "target": ["B", "C", "A", "A"], "timestamp": [1, 2, 3, 4]})
    >>> counts = count_cycles(ledger, max_length=3)
    >>> counts.counts, counts.total, counts.complete
    ({2: 1, 3: 1}, 2, True)
    >>> count_cycles(ledger, max_length=3, temporal=True, window=2).counts  # A -> B -> C -> A spans 2 s, A -> B -> A 3 s
    {2: 0, 3: 1}
    """
    check_time_limit(time_limit)
    if engine == "spark":
        if not isinstance(source, (str, Path)):
            raise LimitError("engine='spark' reads a file path (Parquet or CSV) that Spark can reach")
        from .spark import spark_count_cycles

        return spark_count_cycles(str(source), max_length=max_length, temporal=temporal, window=window, master=spark_master,
                                  input_format=input_format, columns=columns)
    if engine != "local":
        raise LimitError(f"engine is 'local' or 'spark', got {engine!r}")
    _, graph, search = _prepare(source, max_length, temporal, window, input_format, columns)
    logger.info("cycles: %s search of %d rows, %d entities, up to %d entities", search.mode, search.rows, search.entities, max_length)
    tally = count_graph_cycles(graph, max_length, window=search.window_seconds, progress=progress, seconds=time_limit)
    return CycleCounts(search, {L: int(tally.by_length[L]) for L in range(2, max_length + 1)}, tally.complete, tally.seconds)


def _cycle_frame(block: np.ndarray, graph: SimpleGraph | TemporalGraph, names: np.ndarray, first: int) -> pl.DataFrame:
    """A block of ``cycle_blocks`` as a frame of entity names (and, for temporal cycles, 1-based rows and timestamps)."""
    length = (block >= 0).sum(axis=1)
    cycle = np.arange(first, first + len(block))
    if isinstance(graph, TemporalGraph):
        rows = np.where(block >= 0, graph.row[np.maximum(block, 0)], -1)
        arrive = np.where(block >= 0, graph.edst[np.maximum(block, 0)], -1)
        vertices = np.roll(arrive, 1, axis=1)  # a cycle's entities start at the source of its first row: where its last row arrives
        vertices[:, 0] = arrive[np.arange(len(block)), length - 1]
        entities = [names[v[:L]].tolist() for v, L in zip(vertices, length)]
        return pl.DataFrame({"cycle": cycle, "length": length, "entities": entities,
                             "rows": [(r[:L] + 1).tolist() for r, L in zip(rows, length)],
                             "timestamps": [graph.ets[b[:L]].tolist() for b, L in zip(block, length)]},
                            schema={"cycle": pl.Int64, "length": pl.Int64, "entities": pl.List(pl.String), "rows": pl.List(pl.Int64),
                                    "timestamps": pl.List(pl.Int64)})
    return pl.DataFrame({"cycle": cycle, "length": length, "entities": [names[b[:L]].tolist() for b, L in zip(block, length)]},
                        schema={"cycle": pl.Int64, "length": pl.Int64, "entities": pl.List(pl.String)})


def _frames(edges: EdgeList, graph: SimpleGraph | TemporalGraph, search: CycleSearch, progress: Progress | None) -> Iterator[pl.DataFrame]:
    """The empty frame with the columns, then every block's cycles as a frame (empty for a block without any)."""
    names = edges.names.to_numpy()
    yield _cycle_frame(np.zeros((0, search.max_length), dtype=np.int64), graph, names, 0)
    listed = 0
    for block in cycle_blocks(graph, search.max_length, window=search.window_seconds, progress=progress):
        yield _cycle_frame(block, graph, names, listed)
        listed += len(block)


def list_cycles(source: Source, *, max_length: int = 5, temporal: bool = False, window: Window | None = None, limit: int | None = None,
                input_format: str = "auto", columns: Mapping[str, str] | None = None, progress: Progress | None = None) -> CycleListing:
    """List the cycles of a transaction ledger in memory, up to ``limit``.

    Parameters
    ----------
    source, max_length, temporal, window, input_format, columns, progress
        As for ``count_cycles``.
    limit : int, optional
        Stop after this many cycles (at least 1); all of them when not given.

    Returns
    -------
    CycleListing
        The cycles as a frame (entities; for temporal cycles also input rows, 1-based, and timestamps), in a fixed order:
        by start entity, then depth-first.

    Raises
    ------
    LimitError
        A bound out of range.
    LedgerError
        A file that cannot be read, or temporal cycles asked of a ledger without timestamps.

    Notes
    -----
    The search of ``count_cycles``, run twice per block of start entities
    (count, then list into an array of the right size); memory grows with the
    cycles kept, O(c k) for c cycles. ``write_cycles`` streams them instead.

    Examples
    --------
    >>> ledger = pl.DataFrame({"source": ["A", "B", "C", "B"], "target": ["B", "C", "A", "A"], "timestamp": [1, 2, 3, 4]})
    >>> list_cycles(ledger, max_length=3).to_frame()["entities"].to_list()
    [['A', 'B'], ['A', 'B', 'C']]
    >>> listing = list_cycles(ledger, max_length=3, temporal=True, limit=1)
    >>> listing.to_frame().select("entities", "rows", "timestamps").row(0), listing.truncated
    ((['A', 'B', 'C'], [1, 2, 3], [1, 2, 3]), True)
    """
    if limit is not None and limit < 1:
        raise LimitError(f"the limit must be at least 1, got {limit}")
    edges, graph, search = _prepare(source, max_length, temporal, window, input_format, columns)
    kept: list[pl.DataFrame] = []
    listed = 0
    for frame in _frames(edges, graph, search, progress):
        kept.append(frame if limit is None else frame.head(limit - listed))
        listed += kept[-1].height
        if limit is not None and listed >= limit:
            break
    return CycleListing(search, pl.concat(kept), limit, limit is not None and listed >= limit)


def write_cycles(source: Source, path: str | Path, *, max_length: int = 5, temporal: bool = False, window: Window | None = None,
                 input_format: str = "auto", columns: Mapping[str, str] | None = None, progress: Progress | None = None,
                 time_limit: float | None = None) -> CycleCounts:
    """Stream every cycle of a transaction ledger to a Parquet file, block by block, without holding the list.

    Parameters
    ----------
    source, max_length, temporal, window, input_format, columns, progress
        As for ``count_cycles``.
    path : str or Path
        The Parquet file; written under a temporary name next to it and
        renamed when complete, so it is never seen half-written.
    time_limit : float, optional
        Stop after the block of start entities in which this many seconds run
        out; the file then holds the cycles found so far and the counts are
        marked incomplete.

    Returns
    -------
    CycleCounts
        Counts by length of the cycles written; incomplete when ``time_limit`` stopped the search. Raises as
        ``list_cycles`` does.

    Notes
    -----
    The search of ``list_cycles``; memory holds one block of start entities'
    cycles at a time. The file has the columns of ``CycleListing``.

    Examples
    --------
    >>> import tempfile
    >>> ledger = pl.DataFrame({"source": ["A", "B", "C", "B"], "target": ["B", "C", "A", "A"]})
    >>> out = Path(tempfile.mkdtemp()) / "cycles.parquet"
    >>> write_cycles(ledger, out, max_length=3).total, pl.read_parquet(out)["length"].to_list()
    (2, [2, 3])
    """
    import pyarrow.parquet as pq

    check_time_limit(time_limit)
    edges, graph, search = _prepare(source, max_length, temporal, window, input_format, columns)
    start = time.perf_counter()
    by_length = np.zeros(max_length + 1, dtype=np.int64)
    frames = _frames(edges, graph, search, progress)
    schema = next(frames).to_arrow().schema  # the first frame is empty: the columns, also of a file without cycles
    complete = True
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema) as writer:
        for frame in frames:
            writer.write_table(frame.to_arrow())
            by_length += np.bincount(frame["length"].to_numpy(), minlength=max_length + 1)
            if time_limit is not None and time.perf_counter() - start > time_limit:
                complete = False  # the file holds the cycles of the start entities searched so far
                break
    return CycleCounts(search, {L: int(by_length[L]) for L in range(2, max_length + 1)}, complete, time.perf_counter() - start)
