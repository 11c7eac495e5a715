"""Bounded enumeration of simple directed cycles on CSR arrays.

A cycle is reported once, rotated to start at its smallest node, so the
output never depends on the order edges were given in. Search order is
canonical: by start node, then successors in increasing order.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ._errors import LimitError

__all__ = ["simple_cycles"]


def simple_cycles(indptr: np.ndarray, indices: np.ndarray, max_length: int) -> Iterator[tuple[int, ...]]:
    """Yield every simple cycle of 2 to ``max_length`` nodes (self-loops skipped).

    ``indices[indptr[i]:indptr[i + 1]]`` are the successors of node i, sorted.

    Notes
    -----
    Depth-first search from each start node s over nodes greater than s
    within s's strongly connected component, cut at ``max_length``: time
    ``O(n * d**max_length)`` in the worst case for out-degree d, memory
    ``O(n + max_length)``. Callers bound the count with ``itertools.islice``.

    >>> import numpy as np
    >>> # 0 -> 1 -> 2 -> 0 and 0 <-> 1
    >>> list(simple_cycles(np.array([0, 1, 3, 4]), np.array([1, 0, 2, 0]), 3))
    [(0, 1), (0, 1, 2)]
    """
    if max_length < 2:
        raise LimitError(f"max_length must be at least 2 (a loop needs two entities), got {max_length}")
    n = len(indptr) - 1
    if n == 0:
        return
    A = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n, n))
    _, comp = connected_components(A, directed=True, connection="strong")
    for s in range(n):
        path = [s]
        on_path = {s}
        stack = [iter(indices[indptr[s]:indptr[s + 1]])]
        while stack:
            for v in stack[-1]:
                v = int(v)
                if v == s:
                    if len(path) >= 2:
                        yield tuple(path)
                    continue
                if v < s or v in on_path or comp[v] != comp[s] or len(path) >= max_length:
                    continue
                path.append(v)
                on_path.add(v)
                stack.append(iter(indices[indptr[v]:indptr[v + 1]]))
                break
            else:
                stack.pop()
                on_path.discard(path.pop())
