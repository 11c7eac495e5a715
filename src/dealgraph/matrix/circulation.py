"""Circular money on a matrix of flows: the maximum circulation and BFF.

Orientation everywhere: ``W[i, j]`` is the amount that i pays j.

A *circulation* is a matrix ``C`` with ``0 <= C <= W`` and, at every entity,
inflow equal to outflow (``C.sum(0) == C.sum(1)``). It is money that could be
netted away without changing anyone's net position ``W.sum(0) - W.sum(1)``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .._errors import MatrixError
from ._mincost import min_cost_flows
from .checks import square_matrix

__all__ = ["bff_decomposition", "decompose_circulation", "edge_circulation", "edge_cycles", "has_cycle", "max_circulation"]

_RTOL = 1e-9
_CAPACITY = 2.0**61  # integer units a node's capacity may sum to (OR-Tools works in int64)


def max_circulation(W, uncapped=None) -> np.ndarray:
    """The largest circulation that fits inside ``W``.

    Solves the linear program: maximise the sum of ``C[i, j]`` subject to
    ``0 <= C <= W`` and inflow = outflow at every node, as a minimum-cost
    circulation (:func:`edge_circulation`). Self-loops are circular by
    themselves. The total ``C.sum()`` is unique; ``C`` itself may not be.

    Parameters
    ----------
    W : (n, n) array or sparse matrix
        ``W[i, j]`` = amount i pays j, finite and ``>= 0``.
    uncapped : (n, n) bool array, optional
        Pairs that also carry an edge of unknown amount. Such an edge may
        carry any flow, which is not counted: the result is then the most
        *stated* money that could be circular, and ``C`` holds the flow on
        the stated amounts only.

    Returns
    -------
    C : (n, n) ndarray

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[0, 30, 0], [0, 0, 8], [10, 5, 0]], dtype=float)
    >>> max_circulation(W).round(6).tolist()
    [[0.0, 8.0, 0.0], [0.0, 0.0, 8.0], [8.0, 0.0, 0.0]]
    >>> unknown = np.zeros((3, 3), bool); unknown[1, 0] = True
    >>> float(max_circulation(W, uncapped=unknown).sum())
    46.0
    """
    W = square_matrix(W, "W", infinite="mark edges of unknown amount with `uncapped` instead")
    n = W.shape[0]
    C = np.zeros_like(W)
    np.fill_diagonal(C, np.diag(W))
    off = W.copy()
    np.fill_diagonal(off, 0.0)
    src, dst = np.nonzero(off > 0)
    free = np.zeros((n, n), bool) if uncapped is None else np.array(uncapped, dtype=bool)
    if free.shape != W.shape:
        raise MatrixError(f"uncapped must have the shape of W, {W.shape}")
    np.fill_diagonal(free, False)
    C[src, dst] = edge_circulation(src, dst, off[src, dst], n, *np.nonzero(free))
    return C


def edge_circulation(src, dst, cap, n: int, free_src=(), free_dst=()) -> np.ndarray:
    """``max_circulation`` on edges: the circular flow on each edge ``src[e] -> dst[e]`` (at most ``cap[e]``).

    ``free_src``, ``free_dst`` are the edges of unknown amount (``uncapped``): they may
    carry any flow, which is not counted.

    Notes
    -----
    A minimum-cost circulation (cost -1 per unit on every stated edge, 0 on the free ones)
    on the edges inside strongly connected components, solved by OR-Tools' cost-scaling
    push-relabel (``SimpleMinCostFlow``; a large problem in a child process, see ``_mincost``)
    in integers: amounts are scaled so that no node's total capacity can overflow 64 bits
    and rounded down to that unit (about 1e-18 of the
    stated total per free edge at the busiest node; the tests check the totals against a
    floating-point LP by HiGHS). A free edge gets the whole stated capacity: an
    optimal circulation, less its cycles of free edges (which add nothing), never puts more
    on one edge.

    >>> edge_circulation([0, 1, 2, 2], [1, 2, 0, 1], [30.0, 8.0, 10.0, 5.0], 3).tolist()
    [8.0, 8.0, 8.0, 0.0]
    """
    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    cap = np.asarray(cap, dtype=float)
    usrc, udst = np.asarray(free_src, dtype=np.int64), np.asarray(free_dst, dtype=np.int64)
    flow = np.zeros(len(src))
    if len(src) == 0 or cap.max() <= 0:
        return flow
    # circulation lives inside strongly connected components: only the edges there can carry any
    tails, heads = np.r_[src[cap > 0], usrc], np.r_[dst[cap > 0], udst]
    _, comp = connected_components(sp.csr_matrix((np.ones(len(tails)), (tails, heads)), shape=(n, n)), directed=True,
                                   connection="strong")
    on = np.flatnonzero((cap > 0) & (comp[src] == comp[dst]))
    free = (comp[usrc] == comp[udst]) & (usrc != udst)
    if len(on) == 0:
        return flow
    # a node's in- or outflow capacity is at most the stated total plus that total per free edge at it
    crowd = 1 + max(np.bincount(usrc[free], minlength=n).max(initial=0), np.bincount(udst[free], minlength=n).max(initial=0))
    scale = _CAPACITY / (cap[on].sum() * crowd)
    units = np.floor(cap[on] * scale).astype(np.int64)
    whole = int(units.sum())
    flows = min_cost_flows(np.r_[src[on], usrc[free]], np.r_[dst[on], udst[free]],
                           np.r_[units, np.full(int(free.sum()), whole, dtype=np.int64)],
                           np.r_[np.full(len(on), -1), np.zeros(int(free.sum()))].astype(np.int64))
    # whole units, so no rounding noise to clear: a flow far below the largest amount is still a flow (conservation holds)
    flow[on] = np.minimum(flows[: len(on)] / scale, cap[on])
    return flow


def has_cycle(W, tol: float = 0.0) -> bool:
    """Whether the entries of ``W`` above ``tol`` contain a directed cycle."""
    W = W.toarray() if sp.issparse(W) else np.asarray(W)
    support = sp.csr_matrix(W > tol)
    if support.diagonal().any():
        return True
    ncomp, labels = connected_components(support, directed=True, connection="strong")
    return ncomp < W.shape[0]


def decompose_circulation(C, tol: float | None = None) -> list[tuple[tuple[int, ...], float]]:
    """Split a circulation into simple cycles, deterministically.

    Repeatedly starts at the smallest node with outflow, follows the largest
    remaining outflow (smallest index on ties) until a node repeats, and
    removes that cycle's smallest flow. At most one cycle per edge.

    Returns ``[(nodes, flow), ...]`` with each cycle rotated to start at its
    smallest node, largest flow first.

    >>> import numpy as np
    >>> C = np.array([[0, 3, 0], [1, 0, 2], [2, 0, 0]], dtype=float)
    >>> decompose_circulation(C)
    [((0, 1, 2), 2.0), ((0, 1), 1.0)]
    """
    R = C.toarray() if sp.issparse(C) else np.array(C, dtype=float)
    if tol is None:
        tol = _RTOL * (R.max() if R.size else 0.0)
    loops = [((i,), float(R[i, i])) for i in range(R.shape[0]) if R[i, i] > tol]
    np.fill_diagonal(R, 0.0)
    src, dst = np.nonzero(R > 0)
    return sorted(loops + edge_cycles(src, dst, R[src, dst], R.shape[0], tol), key=lambda c: (-c[1], len(c[0]), c[0]))


def edge_cycles(src, dst, flow, n: int, tol: float | None = None, *, limit: int | None = None) -> list[tuple[tuple[int, ...], float]]:
    """``decompose_circulation`` on edges (no self-loops), in linear memory; each cycle from its smallest node.

    With ``limit`` only the ``limit`` largest cycles are returned (the same as the first ones of the whole list).

    >>> edge_cycles([0, 1, 1, 2], [1, 0, 2, 0], [3.0, 1.0, 2.0, 2.0], 3)
    [((0, 1, 2), 2.0), ((0, 1), 1.0)]
    >>> edge_cycles([0, 1, 1, 2], [1, 0, 2, 0], [3.0, 1.0, 2.0, 2.0], 3, limit=1)
    [((0, 1, 2), 2.0)]
    """
    from ._kernels import decompose_kernel

    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    flow = np.asarray(flow, dtype=float)
    if tol is None:
        tol = _RTOL * flow.max(initial=0.0)
    order = np.lexsort((dst, src))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    nodes, starts, amounts = decompose_kernel(indptr, dst[order], flow[order].copy(), float(tol))
    keep = np.arange(len(amounts))
    if limit is not None and limit < len(amounts):  # only cycles that can be among the largest become tuples
        floor = np.partition(amounts, len(amounts) - limit)[len(amounts) - limit]
        keep = np.flatnonzero(amounts >= floor)
    cycles = []
    for c in keep:
        cyc = nodes[starts[c]:starts[c + 1]].tolist()
        k = cyc.index(min(cyc))
        cycles.append((tuple(cyc[k:] + cyc[:k]), float(amounts[c])))
    return sorted(cycles, key=lambda c: (-c[1], len(c[0]), c[0]))[:limit]


def _stationary(P: np.ndarray) -> np.ndarray:
    """Stationary distribution of an irreducible row-stochastic matrix."""
    n = P.shape[0]
    A = P.T - np.eye(n)
    A[-1, :] = 1.0
    b = np.zeros(n)
    b[-1] = 1.0
    pi = np.linalg.solve(A, b)
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


def bff_decomposition(W) -> tuple[np.ndarray, np.ndarray]:
    """Balanced Flow Forwarding: the unique circular/acyclic split of ``W``.

    Homs-Dones, MacKay, Sansom and Zhou (2025), *Circular Directional Flow
    Decomposition of Networks* (arXiv:2506.12546). On every strongly
    connected block of the residual, take the random walk that leaves each
    node in proportion to its outgoing amounts, its stationary distribution
    ``pi`` and the balanced flow ``pi[i] * W[i, j] / out[i]``; subtract the
    largest multiple of it that fits (one edge reaches zero) and repeat until
    the residual is acyclic. Self-loops are circular.

    Returns ``(C, D)``: ``C`` balanced, ``D`` acyclic, ``C + D == W``,
    ``0 <= C <= W``. ``C.sum() / W.sum()`` is the BFF circularity, at most the
    maximum circulation's.

    Notes
    -----
    At most one iteration per edge; each solves one linear system per
    strongly connected block, ``O(m * b**3)`` for blocks of size ``b``.

    Examples
    --------
    >>> import numpy as np
    >>> C, D = bff_decomposition(np.array([[0, 3.0], [1.0, 0]]))
    >>> C.tolist(), D.tolist()
    ([[0.0, 1.0], [1.0, 0.0]], [[0.0, 2.0], [0.0, 0.0]])
    """
    W = square_matrix(W, "W", infinite="BFF needs every amount")
    tol = _RTOL * (W.max() if W.size else 0.0)
    R = W.copy()
    np.fill_diagonal(R, 0.0)
    R[R <= tol] = 0.0
    for _ in range(int((R > 0).sum()) + 1):
        ncomp, labels = connected_components(sp.csr_matrix(R > 0), directed=True, connection="strong")
        sizes = np.bincount(labels, minlength=ncomp)
        blocks = [np.flatnonzero(labels == c) for c in np.flatnonzero(sizes > 1)]
        if not blocks:
            break
        for idx in blocks:
            sub = R[np.ix_(idx, idx)]
            out = sub.sum(axis=1)
            P = sub / out[:, None]
            flow = _stationary(P)[:, None] * P
            mask = flow > 0
            alpha = np.min(sub[mask] / flow[mask])
            step = alpha * flow
            new = sub - step
            new[(new <= tol) | (np.abs(new) <= 1e-12 * np.abs(sub))] = 0.0
            # the edge that set alpha is exactly used up
            k = np.argmin(np.where(mask, sub / np.where(mask, flow, 1.0), np.inf))
            new.flat[k] = 0.0
            R[np.ix_(idx, idx)] = np.clip(new, 0.0, None)
    else:  # pragma: no cover - each pass zeroes at least one edge
        raise MatrixError("BFF did not reach an acyclic residual")
    D = R
    C = W - D
    C[np.abs(C) <= tol] = 0.0
    return C, D
