"""Hitting probabilities by iteration: where an exact factorisation would fill in.

On a strongly connected component whose sparse LU fills in (a random graph's does, and
its cost then grows with the cube of its size), the probability that a dollar at ``j``
ever reaches ``i`` is found for one target ``i`` at a time by iterating the chain:
``h_t(j)``, the probability of reaching ``i`` within ``t`` steps, grows to the answer
from below, and what is missing is at most the probability of still being in the
component after ``t`` steps, ``s_t = Q^t 1``, whatever the target. So ``t`` is found
once, as the first step where every ``s_t`` is below the tolerance, and every answer is
certified, not estimated. Targets run in parallel on all cores (numba, compiled once and
cached on disk).
"""

from __future__ import annotations

import numpy as np

from .._errors import MatrixError

__all__ = ["TOLERANCE", "hitting_rows"]

TOLERANCE = 1e-7  # largest error left in a hitting probability found by iteration (shares are shown to 0.1%)
MAX_STEPS = 100_000  # a chain that keeps money this long is all but closed; say so rather than run on


def hitting_rows(indptr: np.ndarray, indices: np.ndarray, prob: np.ndarray, targets: np.ndarray,
                 tolerance: float = TOLERANCE) -> tuple[np.ndarray, float]:
    """For each target ``i``, the probability that a dollar at ``indices[p]`` reaches ``i``, for each ``p`` in row ``i``.

    ``indptr``, ``indices``, ``prob`` are the CSR of a substochastic chain (``prob[p]``:
    move from row ``i`` to ``indices[p]``; what a row lacks of 1 leaves). Returns
    ``(at_edge, error)``: ``at_edge[p]`` for the positions ``p`` of the targets' rows
    (NaN elsewhere) and the bound on what iteration left out (at most ``tolerance``).

    >>> import numpy as np

from .._errors import MatrixError
    >>> # 0 -> 1 with probability 1; 1 -> 0 with 0.6 (the rest leaves)
    >>> h, err = hitting_rows(np.array([0, 1, 2]), np.array([1, 0]), np.array([1.0, 0.6]), np.array([0]))
    >>> round(float(h[0]), 6), err < 1e-7
    (0.6, True)
    """
    import scipy.sparse as sp
    from numba import get_num_threads

    from ._kernels import hitting_kernel

    k = len(indptr) - 1
    at_edge = np.full(len(indices), np.nan)
    Q = sp.csr_matrix((prob, indices, indptr), shape=(k, k))
    alive, steps = np.ones(k), 0
    while alive.max(initial=0.0) > tolerance:
        if steps == MAX_STEPS:
            raise MatrixError(f"hitting probabilities: money still circulates after {MAX_STEPS:,} steps (the chain barely leaks)")
        alive = Q @ alive
        steps += 1
    if len(targets):
        hitting_kernel(indptr.astype(np.int64), indices.astype(np.int64), prob.astype(np.float64), targets.astype(np.int64),
                       steps, at_edge, get_num_threads())
    return at_edge, float(alive.max(initial=0.0))
