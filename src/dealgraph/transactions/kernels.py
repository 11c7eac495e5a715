"""Compiled cycle kernels (numba, all cores, cached on disk after the first run).

Two searches, each a depth-first search from every start with a distance
prune: a vertex is only entered when it can still get back to the start
within the hop bound (reverse breadth-first distances, computed once per start
vertex).

- Hop-bounded simple cycles on a simple digraph (CSR ``indptr``/``indices``,
  sorted, no self-loops): a cycle is found once, from its smallest vertex,
  visiting only larger vertices.
- The strongest cycles of a weighted digraph (``strongest_cycles``): edges are added in
  decreasing weight and each closes the cycles it is the weakest edge of, so cycles come
  out in decreasing bottleneck weight and the search stops at a count limit.
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

__all__ = ["simple_block", "strongest_cycles", "temporal_block"]


@njit(cache=True, nogil=True)
def _reverse_distances(s, rindptr, rindices, radius, dist, queue):
    """Fill ``dist[v]`` = hops from v to s for v > s within ``radius`` (-1: farther); return how many were touched (in ``queue``)."""
    dist[s] = 0
    queue[0] = s
    head, tail = 0, 1
    while head < tail:
        v = queue[head]
        head += 1
        if dist[v] >= radius:
            continue
        for p in range(rindptr[v], rindptr[v + 1]):
            u = rindices[p]
            if dist[u] < 0 and u > s:
                dist[u] = dist[v] + 1
                queue[tail] = u
                tail += 1
    return tail


@njit(cache=True, nogil=True)
def _record(mode, length, listed, path_e, path_v, k, counts, out, at, edge_counts, vertex_counts):
    """One cycle found: count it; mode 1 writes ``listed`` (k slots, -1 padded) at ``out[at:]``; mode 2 counts its edges and vertices."""
    counts[length] += 1
    if mode == 1:
        for i in range(length):
            out[at + i] = listed[i]
        for i in range(length, k):
            out[at + i] = -1
    elif mode == 2:
        for i in range(length):
            edge_counts[path_e[i], length] += 1
            vertex_counts[path_v[i], length] += 1


@njit(cache=True, nogil=True)
def _simple_from(s, indptr, indices, k, radius, dist, onpath, stack_v, stack_p, path_e, mode, counts, out, out_at, edge_counts, vertex_counts,
                 hop0, hop_step):
    """Cycles through start s whose first edge is s's out-edge ``hop0``, ``hop0 + hop_step``, ... (all of them: 0, 1):
    ``mode`` 0 counts by length, 1 also lists, 2 also counts per edge and vertex."""
    found = 0
    depth = 0  # edges on the path so far
    stack_v[0] = s
    stack_p[0] = indptr[s] + hop0
    onpath[s] = True
    while depth >= 0:
        v = stack_v[depth]
        p = stack_p[depth]
        if p >= indptr[v + 1]:
            onpath[v] = False
            depth -= 1
            continue
        stack_p[depth] = p + (hop_step if depth == 0 else 1)
        w = indices[p]
        if w == s:
            length = depth + 1
            if length >= 2:
                path_e[depth] = p
                _record(mode, length, stack_v, path_e, stack_v, k, counts, out, out_at + found * k, edge_counts, vertex_counts)
                found += 1
            continue
        if w < s or onpath[w]:
            continue
        # hops still needed from w back to s: exact within the radius, more than the radius beyond it
        if depth + 1 + (dist[w] if dist[w] >= 0 else radius + 1) > k:
            continue
        path_e[depth] = p
        depth += 1
        stack_v[depth] = w
        stack_p[depth] = indptr[w]
        onpath[w] = True
    return found


@njit(parallel=True, cache=True)
def simple_block(starts, indptr, indices, rindptr, rindices, k, mode, offsets, out, edge_counts, vertex_counts, nt, hop0, hop_step):
    """Hop-bounded simple cycles from each vertex of ``starts``; start i's cycles only those whose first edge is its out-edge
    ``hop0[i]``, ``hop0[i] + hop_step[i]``, ... (a share of a hub's search; 0 and 1: every cycle from it).

    Returns ``found[i]`` (cycles whose smallest vertex is ``starts[i]``) and
    counts by length (index = number of vertices). ``mode`` 0 counts; 1 lists
    into ``out`` (``k`` slots per cycle, -1 padded) at ``offsets[i]`` (from a
    counting pass); 2 adds per-edge and per-vertex counts by length into
    ``edge_counts``/``vertex_counts`` (one slab per worker, summed by the caller). ``nt``
    workers share the starts, interleaved.
    """
    n = len(indptr) - 1
    radius = (k - 1) // 2  # a short reverse search per start: the prune matters most near the end of the path
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
            touched = _reverse_distances(s, rindptr, rindices, radius, dist, queue)
            found[i] = _simple_from(s, indptr, indices, k, radius, dist, onpath, stack_v, stack_p, path_e, mode, counts[t],
                                    out, offsets[i] * k, edge_counts[slab], vertex_counts[slab], hop0[i], hop_step[i])
            for j in range(touched):
                dist[queue[j]] = -1
    return found, counts.sum(axis=0)


@njit(cache=True, nogil=True)
def _latest_departures(s, t0, deadline, k, tptr, tsrc, tts, ld, frontier, nxt, touched, stamp, tick):
    """``ld[v]``: the latest time v can leave on a time-respecting path of at most k - 1 hops that reaches s by
    ``deadline`` using edges after ``t0`` (-1: it cannot). Bellman-Ford rounds over in-edges sorted by time."""
    ld[s] = deadline + 1  # an edge into s closes the cycle if it is at or before the deadline
    touched[0] = s
    n_touched = 1
    frontier[0] = s
    size = 1
    for _ in range(k - 1):
        grown = 0
        tick += 1  # stamp[u] == tick: u is already in this round's next frontier
        for f in range(size):
            v = frontier[f]
            hi = _first_after(tptr, tts, v, ld[v] - 1)  # in-edges strictly before ld[v]
            for p in range(hi - 1, tptr[v] - 1, -1):
                t = tts[p]
                if t <= t0:
                    break
                u = tsrc[p]
                if u == s or t <= ld[u]:
                    continue
                if ld[u] < 0:
                    touched[n_touched] = u
                    n_touched += 1
                ld[u] = t
                if stamp[u] != tick:
                    stamp[u] = tick
                    nxt[grown] = u
                    grown += 1
        if grown == 0:
            break
        for f in range(grown):
            frontier[f] = nxt[f]
        size = grown
    return n_touched, tick


@njit(cache=True, nogil=True)
def _temporal_from(e0, s, eptr, edst, ets, k, window, ld, onpath, stack_v, stack_p, path_e, mode, counts, out, out_at,
                   edge_counts, vertex_counts):
    """Temporal cycles whose first edge is ``e0`` (an out-edge of s)."""
    deadline = ets[e0] + window
    w0 = edst[e0]
    if w0 == s or ets[e0] >= ld[w0]:
        return 0
    found = 0
    onpath[s] = True
    onpath[w0] = True
    path_e[0] = e0
    stack_v[0] = s
    stack_v[1] = w0
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
                path_e[depth] = p
                _record(mode, length, path_e, path_e, stack_v, k, counts, out, out_at + found * k, edge_counts, vertex_counts)
                found += 1
            continue
        if onpath[w] or depth + 1 >= k or ets[p] >= ld[w]:
            continue
        path_e[depth] = p
        depth += 1
        stack_v[depth] = w
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
def temporal_block(starts, eptr, edst, ets, tptr, tsrc, tts, k, window, mode, offsets, out, edge_counts, vertex_counts, nt, t_lo, t_hi):
    """Temporal cycles whose first edge leaves a vertex of ``starts`` at a time in ``[t_lo, t_hi)`` (a slab of the time axis).

    ``eptr``/``edst``/``ets``: the multigraph's out-edges, grouped by source
    and sorted by time within each source (edge ids are positions there);
    ``tptr``/``tsrc``/``tts``: its in-edges, grouped by target and sorted by
    time, for the latest-departure prune. ``found[i]`` counts cycles from ``starts[i]``'s edges;
    listing writes edge ids (``k`` slots per cycle, -1 padded).
    """
    n = len(eptr) - 1
    found = np.zeros(len(starts), dtype=np.int64)
    counts = np.zeros((nt, k + 1), dtype=np.int64)
    for t in prange(nt):
        onpath = np.zeros(n, dtype=np.bool_)
        stack_v = np.empty(k + 1, dtype=np.int64)
        stack_p = np.empty(k + 1, dtype=np.int64)
        path_e = np.empty(k + 1, dtype=np.int64)
        ld = np.full(n, -1, dtype=np.int64)
        frontier = np.empty(n, dtype=np.int64)
        nxt = np.empty(n, dtype=np.int64)
        ld_touched = np.empty(n + 1, dtype=np.int64)
        stamp = np.zeros(n, dtype=np.int64)
        tick = 0
        slab = np.int64(t) if mode == 2 else np.int64(0)
        for i in range(t, len(starts), nt):
            s = starts[i]
            if eptr[s] == eptr[s + 1] or tptr[s] == tptr[s + 1]:
                continue
            at = offsets[i]
            for e0 in range(_first_after(eptr, ets, s, t_lo - 1), _first_after(eptr, ets, s, t_hi - 1)):
                n_ld, tick = _latest_departures(s, ets[e0], ets[e0] + window, k, tptr, tsrc, tts, ld, frontier, nxt, ld_touched, stamp,
                                                tick)
                got = _temporal_from(e0, s, eptr, edst, ets, k, window, ld, onpath, stack_v, stack_p, path_e, mode,
                                     counts[t], out, (at + found[i]) * k, edge_counts[slab], vertex_counts[slab])
                found[i] += got
                for j in range(n_ld):
                    ld[ld_touched[j]] = -1
    return found, counts.sum(axis=0)


@njit(parallel=True, cache=True)
def fan_block(ptr, other, ts, window, nt):
    """Distinct counterparties within ``window`` up to each row: rows grouped by entity (``ptr``), sorted by time.

    For row r of entity e at time t, the number of distinct ``other`` values
    among e's rows with time in [t - window, t] up to and including r.
    """
    n = len(ptr) - 1
    m = len(other)
    out = np.zeros(m, dtype=np.int64)
    size = 0
    for i in range(m):
        size = max(size, other[i] + 1)
    for t in prange(nt):
        seen = np.zeros(size, dtype=np.int64)
        for e in range(t, n, nt):
            lo = ptr[e]
            distinct = 0
            for r in range(ptr[e], ptr[e + 1]):
                while ts[lo] < ts[r] - window:
                    seen[other[lo]] -= 1
                    if seen[other[lo]] == 0:
                        distinct -= 1
                    lo += 1
                if seen[other[r]] == 0:
                    distinct += 1
                seen[other[r]] += 1
                out[r] = distinct
            for r in range(lo, ptr[e + 1]):
                seen[other[r]] = 0
    return out


@njit(cache=True, nogil=True)
def strongest_cycles(esrc, edst, comp, indptr, indices, erank, rindptr, rindices, rrank, k, limit, first, out):
    """Cycles of 2 to ``k`` vertices in decreasing bottleneck weight, at most ``limit`` of them.

    Edge ``r`` of the processing order (``esrc[r] -> edst[r]``, strongest first) closes
    every cycle whose other edges all come before it (CSR ``erank``, reverse CSR ``rrank``:
    each edge's place in that order), found by a depth-first search from ``edst[r]`` back
    to ``esrc[r]`` pruned by reverse breadth-first distances. An edge between two strongly
    connected components closes nothing and is skipped, and so are the first ``first`` edges
    (they are in the graph but close nothing). Cycles are written to ``out``
    (``limit`` x ``k``, -1 padded, starting at the closing edge's source). Returns (cycles
    written, edges fully processed).
    """
    n = len(indptr) - 1
    dist = np.full(n, -1, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    onpath = np.zeros(n, dtype=np.bool_)
    stack_v = np.empty(k + 1, dtype=np.int64)
    stack_p = np.empty(k + 1, dtype=np.int64)
    found = 0
    for r in range(first, len(esrc)):
        u, v = esrc[r], edst[r]
        if comp[u] != comp[v]:
            continue
        # hops from each vertex to u over earlier edges, up to k - 1
        dist[u] = 0
        queue[0] = u
        head, tail = 0, 1
        while head < tail:
            x = queue[head]
            head += 1
            if dist[x] >= k - 1:
                continue
            for p in range(rindptr[x], rindptr[x + 1]):
                y = rindices[p]
                if rrank[p] < r and dist[y] < 0:
                    dist[y] = dist[x] + 1
                    queue[tail] = y
                    tail += 1
        if dist[v] > 0:
            onpath[u] = True
            onpath[v] = True
            stack_v[0] = u
            stack_v[1] = v
            stack_p[1] = indptr[v]
            depth = 1  # edges on the path from u
            while depth >= 1 and found < limit:
                x = stack_v[depth]
                p = stack_p[depth]
                if p == indptr[x + 1]:
                    onpath[x] = False
                    depth -= 1
                    continue
                stack_p[depth] = p + 1
                if erank[p] >= r:
                    continue
                y = indices[p]
                if y == u:
                    for i in range(depth + 1):
                        out[found, i] = stack_v[i]
                    for i in range(depth + 1, k):
                        out[found, i] = -1
                    found += 1
                    continue
                if onpath[y] or dist[y] < 0 or depth + 1 + dist[y] > k:
                    continue
                depth += 1
                stack_v[depth] = y
                stack_p[depth] = indptr[y]
                onpath[y] = True
            for i in range(depth + 1):
                onpath[stack_v[i]] = False
            onpath[u] = False
        for i in range(tail):
            dist[queue[i]] = -1
        if found >= limit:
            return found, r
    return found, len(esrc)
