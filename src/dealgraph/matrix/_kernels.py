"""The compiled loops of the matrix layer (numba; imported only where a large input needs them)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True, nogil=True)
def hitting_kernel(indptr, indices, prob, targets, steps, at_edge, nt):  # pragma: no cover - compiled
    """``steps`` Gauss-Seidel sweeps of h <- Q h with h[i] = 1 for each target i; writes h at the ends of i's row.

    Rows are updated in place, in index order (the order :func:`alive_kernel` certifies).
    Targets go in blocks of ``B`` per sweep over the matrix (each entry read once for the block).
    """
    B = 8
    k = len(indptr) - 1
    nblocks = (len(targets) + B - 1) // B
    for t in prange(nt):
        h = np.zeros((k, B))
        a = np.zeros(B)
        for blk in range(t, nblocks, nt):
            lo = blk * B
            width = min(B, len(targets) - lo)
            h[:, :] = 0.0
            for c in range(width):
                h[targets[lo + c], c] = 1.0
            for _ in range(steps):
                for j in range(k):
                    a[:] = 0.0
                    for p in range(indptr[j], indptr[j + 1]):
                        w = prob[p]
                        q = indices[p]
                        for c in range(B):
                            a[c] += w * h[q, c]
                    for c in range(B):
                        h[j, c] = a[c]
                    for c in range(width):
                        if targets[lo + c] == j:
                            h[j, c] = 1.0
            for c in range(width):
                i = targets[lo + c]
                for p in range(indptr[i], indptr[i + 1]):
                    at_edge[p] = h[indices[p], c]


@njit(cache=True, nogil=True)
def alive_kernel(indptr, indices, prob, tolerance, max_steps):  # pragma: no cover - compiled
    """Gauss-Seidel sweeps of s <- Q s from s = 1 until every entry is at most ``tolerance``; returns (sweeps, max s)."""
    k = len(indptr) - 1
    s = np.ones(k)
    largest = 1.0 if k else 0.0
    steps = 0
    while largest > tolerance and steps < max_steps:
        largest = 0.0
        for j in range(k):
            a = 0.0
            for p in range(indptr[j], indptr[j + 1]):
                a += prob[p] * s[indices[p]]
            s[j] = a
            largest = max(largest, a)
        steps += 1
    return steps, largest


@njit(cache=True, nogil=True, inline="always")
def _pick(tval, tidx, i, j):  # pragma: no cover - compiled
    """Of tree slots ``i`` and ``j``, the one with more flow (the earlier position on ties)."""
    if tval[j] > tval[i] or (tval[j] == tval[i] and tidx[j] < tidx[i]):
        return j
    return i


@njit(cache=True, nogil=True)
def _set(tval, tidx, size, p, value):  # pragma: no cover - compiled
    """Set the flow of CSR position ``p`` in the max-tree (values kept in the tree: no lookups elsewhere)."""
    i = p + size
    tval[i] = value if value > 0 else -1.0
    i //= 2
    while i >= 1:
        k = _pick(tval, tidx, 2 * i, 2 * i + 1)
        tval[i] = tval[k]
        tidx[i] = tidx[k]
        i //= 2


@njit(cache=True, nogil=True)
def _largest(tval, tidx, size, lo, hi):  # pragma: no cover - compiled
    """The position in ``[lo, hi)`` with the most flow (the first on ties), -1 if none has any."""
    best = 0  # slot 0 is never a real node: value -1, position -1
    lo += size
    hi += size
    while lo < hi:
        if lo & 1:
            best = _pick(tval, tidx, best, lo)
            lo += 1
        if hi & 1:
            hi -= 1
            best = _pick(tval, tidx, best, hi)
        lo //= 2
        hi //= 2
    return tidx[best] if tval[best] > 0 else -1


@njit(cache=True, nogil=True)
def decompose_kernel(indptr, indices, flow, tol):  # pragma: no cover - compiled
    """Peel cycles off a circulation on CSR edges (``flow`` is consumed): see ``decompose_circulation``.

    The walk keeps the part of its path a peeled cycle leaves (restarting from the first node
    would retrace it edge for edge). A node's largest outflow is found by scanning its edges,
    or, for a node with more than ``SCAN`` of them, from a max-tree over its CSR positions, so
    a hub is not rescanned for every cycle through it.
    Returns (nodes, starts, amounts): cycle c is ``nodes[starts[c]:starts[c + 1]]`` in path order.
    """
    n = len(indptr) - 1
    m = len(indices)
    nodes = np.empty(max(16, 4 * m), dtype=np.int64)
    starts = np.zeros(m + 2, dtype=np.int64)
    amounts = np.zeros(m + 1)
    where = np.full(n, -1, dtype=np.int64)
    path = np.empty(n + 1, dtype=np.int64)
    via = np.empty(n + 1, dtype=np.int64)  # CSR position of the edge into path[d]
    SCAN = 256
    hub = (indptr[1:] - indptr[:-1]) > SCAN
    size = 1
    while size < max(m, 1):
        size *= 2
    tval = np.full(2 * size, -1.0)
    tidx = np.full(2 * size, -1, dtype=np.int64)
    for p in range(m):
        if flow[p] <= tol:
            flow[p] = 0.0
        else:
            tval[p + size] = flow[p]
        tidx[p + size] = p
    for i in range(size - 1, 0, -1):
        k = _pick(tval, tidx, 2 * i, 2 * i + 1)
        tval[i] = tval[k]
        tidx[i] = tidx[k]
    found = 0
    used = 0
    for first in range(n):
        depth = 0
        path[0] = first
        where[first] = 0
        while depth >= 0:
            v = path[depth]
            if hub[v]:
                best = _largest(tval, tidx, size, indptr[v], indptr[v + 1])
            else:
                best = -1
                for p in range(indptr[v], indptr[v + 1]):
                    if flow[p] > 0 and (best < 0 or flow[p] > flow[best]):
                        best = p
            if best < 0:  # no flow left here (or not conserved within tolerance): drop the edge that led here
                where[v] = -1
                if depth > 0:
                    flow[via[depth]] = 0.0
                    if hub[path[depth - 1]]:
                        _set(tval, tidx, size, via[depth], 0.0)
                depth -= 1
                continue
            w = indices[best]
            if where[w] < 0:
                depth += 1
                path[depth] = w
                via[depth] = best
                where[w] = depth
                continue
            at = where[w]
            via[depth + 1] = best
            amount = np.inf
            for d in range(at + 1, depth + 2):
                amount = min(amount, flow[via[d]])
            for d in range(at + 1, depth + 2):
                flow[via[d]] -= amount
                if flow[via[d]] <= tol:
                    flow[via[d]] = 0.0
                if hub[path[d - 1]]:
                    _set(tval, tidx, size, via[d], flow[via[d]])
            k = depth + 1 - at
            if used + k > len(nodes):
                nodes = np.concatenate((nodes, np.empty(len(nodes) + k, dtype=np.int64)))
            for d in range(k):
                nodes[used + d] = path[at + d]
            used += k
            amounts[found] = amount
            found += 1
            starts[found] = used
            for d in range(at + 1, depth + 1):
                where[path[d]] = -1
            depth = at
    return nodes[:used], starts[:found + 1], amounts[:found]
