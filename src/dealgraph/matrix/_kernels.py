"""The compiled loops of the matrix layer (numba; imported only where a large input needs them)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True)
def hitting_kernel(indptr, indices, prob, targets, steps, at_edge, nt):  # pragma: no cover - compiled
    """``steps`` rounds of h <- Q h with h[i] = 1 for each target i; writes h at the ends of i's row.

    Targets go in blocks of ``B`` per sweep over the matrix (each entry read once for the block).
    """
    B = 8
    k = len(indptr) - 1
    nblocks = (len(targets) + B - 1) // B
    for t in prange(nt):
        h = np.zeros((k, B))
        hn = np.zeros((k, B))
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
                        row = h[indices[p]]
                        for c in range(B):
                            a[c] += w * row[c]
                    hn[j, :] = a
                for c in range(width):
                    hn[targets[lo + c], c] = 1.0
                h, hn = hn, h
            for c in range(width):
                i = targets[lo + c]
                for p in range(indptr[i], indptr[i + 1]):
                    at_edge[p] = h[indices[p], c]


@njit(cache=True)
def decompose_kernel(indptr, indices, flow, tol):  # pragma: no cover - compiled
    """Peel cycles off a circulation on CSR edges (``flow`` is consumed): see ``decompose_circulation``.

    Returns (nodes, starts, amounts): cycle c is ``nodes[starts[c]:starts[c + 1]]`` in path order.
    """
    n = len(indptr) - 1
    nodes = np.empty(max(16, 4 * len(indices)), dtype=np.int64)
    starts = np.zeros(len(indices) + 2, dtype=np.int64)
    amounts = np.zeros(len(indices) + 1)
    where = np.full(n, -1, dtype=np.int64)
    path = np.empty(n + 1, dtype=np.int64)
    via = np.empty(n + 1, dtype=np.int64)  # CSR position of the edge into path[d]
    for p in range(len(flow)):
        if flow[p] <= tol:
            flow[p] = 0.0
    found = 0
    used = 0
    first = 0
    while first < n:
        active = False
        for p in range(indptr[first], indptr[first + 1]):
            if flow[p] > 0:
                active = True
                break
        if not active:
            first += 1
            continue
        depth = 0
        path[0] = first
        where[first] = 0
        while True:
            v = path[depth]
            best = -1
            for p in range(indptr[v], indptr[v + 1]):
                if flow[p] > 0 and (best < 0 or flow[p] > flow[best]):
                    best = p
            if best < 0:  # flow not conserved within tolerance: drop the stub that led here
                if depth > 0:
                    flow[via[depth]] = 0.0
                break
            w = indices[best]
            if where[w] >= 0:
                at = where[w]
                via[depth + 1] = best
                amount = np.inf
                for d in range(at + 1, depth + 2):
                    amount = min(amount, flow[via[d]])
                for d in range(at + 1, depth + 2):
                    flow[via[d]] -= amount
                    if flow[via[d]] <= tol:
                        flow[via[d]] = 0.0
                size = depth + 1 - at
                if used + size > len(nodes):
                    nodes = np.concatenate((nodes, np.empty(len(nodes) + size, dtype=np.int64)))
                for d in range(size):
                    nodes[used + d] = path[at + d]
                used += size
                amounts[found] = amount
                found += 1
                starts[found] = used
                break
            depth += 1
            path[depth] = w
            via[depth] = best
            where[w] = depth
        for d in range(depth + 1):
            where[path[d]] = -1
    return nodes[:used], starts[:found + 1], amounts[:found]
