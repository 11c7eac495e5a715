"""Compiled cycle kernels (numba, all cores, cached on disk after the first run).

Two searches, each a depth-first search from every start with a distance
prune: a vertex is only entered when it can still get back to the start
within the hop bound (reverse breadth-first distances, computed once per start
vertex).

- Hop-bounded simple cycles on a simple digraph (CSR ``indptr``/``indices``,
  sorted, no self-loops): a cycle is found once, from its smallest vertex,
  visiting only larger vertices.
- Temporal cycles on a multigraph (every row its own edge, out-edges of each
  vertex sorted by time): a cycle starts at its earliest edge, every next edge
  is strictly later, the last edge is at most ``window`` after the first, and
  the vertices are distinct.

Every kernel takes a block of start vertices so the caller can show progress,
stop at a time or count limit, and stream listed cycles out block by block.
Per-start results come back in start order, so listings are deterministic.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["simple_block", "temporal_block"]


@njit(cache=True, nogil=True)
def _reverse_distances(s, rindptr, rindices, k, only_above, dist, queue):
    """Fill ``dist[v]`` = hops from v to s (<= k - 1) over reverse edges; return how many were touched (in ``queue``)."""
    dist[s] = 0
    queue[0] = s
    head, tail = 0, 1
    while head < tail:
        v = queue[head]
        head += 1
        if dist[v] >= k - 1:
            continue
        for p in range(rindptr[v], rindptr[v + 1]):
            u = rindices[p]
            if dist[u] < 0 and (not only_above or u > s):
                dist[u] = dist[v] + 1
                queue[tail] = u
                tail += 1
    return tail


@njit(cache=True, nogil=True)
def _simple_from(s, indptr, indices, k, dist, onpath, stack_v, stack_p, path_e, mode, counts, out, out_at, edge_counts, vertex_counts):
    """Cycles through start s: ``mode`` 0 counts by length, 1 also lists, 2 also counts per edge and vertex."""
    found = 0
    depth = 0  # edges on the path so far
    stack_v[0] = s
    stack_p[0] = indptr[s]
    onpath[s] = True
    while depth >= 0:
        v = stack_v[depth]
        p = stack_p[depth]
        if p == indptr[v + 1]:
            onpath[v] = False
            depth -= 1
            continue
        stack_p[depth] = p + 1
        w = indices[p]
        if w == s:
            length = depth + 1
            if length >= 2:
                counts[length] += 1
                if mode == 1:
                    for i in range(length):
                        out[out_at + found * k + i] = stack_v[i]
                    for i in range(length, k):
                        out[out_at + found * k + i] = -1
                elif mode == 2:
                    path_e[depth] = p
                    for i in range(length):
                        edge_counts[path_e[i], length] += 1
                        vertex_counts[stack_v[i], length] += 1
                found += 1
            continue
        if w < s or onpath[w] or dist[w] < 0 or depth + 1 + dist[w] > k:
            continue
        path_e[depth] = p
        depth += 1
        stack_v[depth] = w
        stack_p[depth] = indptr[w]
        onpath[w] = True
    return found


@njit(parallel=True, cache=True)
def simple_block(starts, indptr, indices, rindptr, rindices, k, mode, offsets, out, edge_counts, vertex_counts, nt):
    """Hop-bounded simple cycles from each vertex of ``starts``.

    Returns ``found[i]`` (cycles whose smallest vertex is ``starts[i]``) and
    counts by length (index = number of vertices). ``mode`` 0 counts; 1 lists
    into ``out`` (``k`` slots per cycle, -1 padded) at ``offsets[i]`` (from a
    counting pass); 2 adds per-edge and per-vertex counts by length into
    ``edge_counts``/``vertex_counts`` (one slab per worker, summed by the caller). ``nt``
    workers share the starts, interleaved.
    """
    n = len(indptr) - 1
    found = np.zeros(len(starts), dtype=np.int64)
    counts = np.zeros((nt, k + 1), dtype=np.int64)
    for t in prange(nt):
        dist = np.full(n, -1, dtype=np.int64)
        queue = np.empty(n, dtype=np.int64)
        onpath = np.zeros(n, dtype=np.bool_)
        stack_v = np.empty(k + 1, dtype=np.int64)
        stack_p = np.empty(k + 1, dtype=np.int64)
        path_e = np.empty(k + 1, dtype=np.int64)
        slab = np.int64(t) if mode == 2 else np.int64(0)  # per-thread count slabs exist only when counting per edge
        for i in range(t, len(starts), nt):  # interleaved: low vertices carry more work
            s = starts[i]
            touched = _reverse_distances(s, rindptr, rindices, k, True, dist, queue)
            found[i] = _simple_from(s, indptr, indices, k, dist, onpath, stack_v, stack_p, path_e, mode, counts[t],
                                    out, offsets[i] * k, edge_counts[slab], vertex_counts[slab])
            for j in range(touched):
                dist[queue[j]] = -1
    return found, counts.sum(axis=0)


@njit(cache=True, nogil=True)
def _temporal_from(e0, s, eptr, edst, ets, k, window, dist, onpath, stack_v, stack_p, stack_t, path_e, mode, counts, out, out_at,
                   edge_counts, vertex_counts):
    """Temporal cycles whose first edge is ``e0`` (an out-edge of s)."""
    deadline = ets[e0] + window
    w0 = edst[e0]
    if w0 == s or dist[w0] < 0 or 1 + dist[w0] > k:
        return 0
    found = 0
    onpath[s] = True
    onpath[w0] = True
    path_e[0] = e0
    stack_v[0] = s
    stack_v[1] = w0
    stack_t[1] = ets[e0]
    # first out-edge of w0 strictly after the first edge's time (out-edges sorted by time)
    stack_p[1] = _first_after(eptr, ets, w0, ets[e0])
    depth = 1
    while depth >= 1:
        v = stack_v[depth]
        p = stack_p[depth]
        if p == eptr[v + 1] or ets[p] > deadline:
            onpath[v] = False
            depth -= 1
            continue
        stack_p[depth] = p + 1
        w = edst[p]
        if w == s:
            length = depth + 1
            if length <= k:
                counts[length] += 1
                path_e[depth] = p
                if mode == 1:
                    for i in range(length):
                        out[out_at + found * k + i] = path_e[i]
                    for i in range(length, k):
                        out[out_at + found * k + i] = -1
                elif mode == 2:
                    for i in range(length):
                        edge_counts[path_e[i], length] += 1
                        vertex_counts[stack_v[i], length] += 1
                found += 1
            continue
        if onpath[w] or dist[w] < 0 or depth + 1 + dist[w] > k:
            continue
        path_e[depth] = p
        depth += 1
        stack_v[depth] = w
        stack_t[depth] = ets[p]
        stack_p[depth] = _first_after(eptr, ets, w, ets[p])
        onpath[w] = True
    onpath[s] = False
    return found


@njit(cache=True, nogil=True)
def _first_after(eptr, ets, v, t):
    lo, hi = eptr[v], eptr[v + 1]
    while lo < hi:
        mid = (lo + hi) // 2
        if ets[mid] <= t:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(parallel=True, cache=True)
def temporal_block(starts, eptr, edst, ets, rindptr, rindices, k, window, mode, offsets, out, edge_counts, vertex_counts, nt):
    """Temporal cycles whose first edge leaves a vertex of ``starts``.

    ``eptr``/``edst``/``ets``: the multigraph's out-edges, grouped by source
    and sorted by time within each source (edge ids are positions there);
    ``rindptr``/``rindices``: the simple graph's reverse CSR, for the
    distance prune. ``found[i]`` counts cycles from ``starts[i]``'s edges;
    listing writes edge ids (``k`` slots per cycle, -1 padded).
    """
    n = len(eptr) - 1
    found = np.zeros(len(starts), dtype=np.int64)
    counts = np.zeros((nt, k + 1), dtype=np.int64)
    for t in prange(nt):
        dist = np.full(n, -1, dtype=np.int64)
        queue = np.empty(n, dtype=np.int64)
        onpath = np.zeros(n, dtype=np.bool_)
        stack_v = np.empty(k + 1, dtype=np.int64)
        stack_p = np.empty(k + 1, dtype=np.int64)
        stack_t = np.empty(k + 1, dtype=np.int64)
        path_e = np.empty(k + 1, dtype=np.int64)
        slab = np.int64(t) if mode == 2 else np.int64(0)
        for i in range(t, len(starts), nt):
            s = starts[i]
            if eptr[s] == eptr[s + 1]:
                continue
            touched = _reverse_distances(s, rindptr, rindices, k, False, dist, queue)
            at = offsets[i]
            for e0 in range(eptr[s], eptr[s + 1]):
                got = _temporal_from(e0, s, eptr, edst, ets, k, window, dist, onpath, stack_v, stack_p, stack_t, path_e, mode,
                                     counts[t], out, (at + found[i]) * k, edge_counts[slab], vertex_counts[slab])
                found[i] += got
            for j in range(touched):
                dist[queue[j]] = -1
    return found, counts.sum(axis=0)
