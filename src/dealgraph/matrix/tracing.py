"""Where a dollar goes: proportional tracing and Finn's cycling index.

Orientation: ``F[i, j]`` is the amount i pays j; ``inputs[i]`` is money that
enters i from outside the network; ``exits[i]`` is money that leaves the
network at i (kept, spent outside, or lost). A node's throughflow is
``T[i] = F[:, i].sum() + inputs[i] = F[i, :].sum() + exits[i]``.

The fungibility assumption: money that arrives at an entity is pooled with
the rest of its money and leaves in proportion to its payments, so of every
dollar passing through i the share ``F[i, j] / T[i]`` goes on to j and
``exits[i] / T[i]`` leaves the network. A dollar is thereby an absorbing
Markov chain whose absorbing state is "out of the network".
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components
from scipy.sparse.linalg import splu

from .._errors import MatrixError
from .checks import square_matrix, vector

__all__ = ["BALANCE_TOLERANCE", "FUNGIBILITY", "balance", "boundary", "cycling_index", "edge_return_shares", "return_shares"]

logger = logging.getLogger(__name__)

FUNGIBILITY = (
    "Fungibility assumption: money arriving at an entity is pooled with its other money and "
    "paid on in proportion to its payments (proportional tracing, an absorbing Markov chain); "
    "no dollar is earmarked."
)


def balance(F) -> tuple[np.ndarray, np.ndarray]:
    """Boundary flows that make every node of ``F`` balanced, at least possible cost.

    A node that pays more than it receives gets the difference as an
    *input* (outside money: own funds, outside revenue); one that receives
    more than it pays gets it as an *exit* (money kept). Returns
    ``(inputs, exits)``.

    >>> import numpy as np
    >>> balance(np.array([[0, 5.0], [2.0, 0]]))
    (array([3., 0.]), array([0., 3.]))
    """
    F = square_matrix(F, "F")
    np.fill_diagonal(F, 0.0)
    return boundary(F.sum(axis=0), F.sum(axis=1))


def boundary(inflow: np.ndarray, outflow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``balance`` from each node's inflow and outflow: ``(inputs, exits)`` at least possible cost."""
    top = np.maximum(inflow, outflow)
    return top - inflow, top - outflow


BALANCE_TOLERANCE = 0.05  # relative imbalance of a node accepted as rounding: enaR's ssCheck default (5% of throughflow)


def _throughflow(F: np.ndarray, inputs, exits, tolerance: float) -> np.ndarray:
    """Throughflow out of each node (outflow + exits), after checking each node's balance within ``tolerance``."""
    n = F.shape[0]
    z, y = vector(inputs, n, "inputs"), vector(exits, n, "exits")
    if not 0 <= tolerance < 1:
        raise MatrixError(f"tolerance must be a fraction from 0 to 1, got {tolerance!r}")
    t_in, t_out = F.sum(axis=0) + z, F.sum(axis=1) + y
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.where(np.maximum(t_in, t_out) > 0, np.abs(t_in - t_out) / np.maximum(t_in, t_out), 0.0)
    if (off > tolerance).any():
        i = int(np.argmax(off))
        raise MatrixError(
            f"node {i} is not balanced: inflow + inputs = {t_in[i]:g} but outflow + exits = {t_out[i]:g} "
            f"({off[i]:.1%} apart, more than the {100 * tolerance:g}% tolerated as rounding); "
            "use balance(F) for boundary flows that balance every node"
        )
    if (off > 1e-6).any():
        i = int(np.argmax(off))
        logger.warning("the network is balanced only within rounding: node %d is %.2f%% apart (inflow + inputs %g, outflow + "
                       "exits %g); throughflow is taken on the outflow side", i, 100 * off[i], t_in[i], t_out[i])
    return t_out


def cycling_index(F, inputs=None, exits=None, *, tolerance: float = BALANCE_TOLERANCE) -> float:
    """Finn's cycling index: the share of total system throughflow that cycles.

    With ``P[i, j] = F[i, j] / T[i]`` and ``N = (I - P)^-1``, a dollar entering
    node i returns to it ``N[i, i] - 1`` times on average, so the cycled part
    of ``T[i]`` is ``T[i] * (N[i, i] - 1) / N[i, i]`` and

        FCI = sum_i T[i] (N[i, i] - 1) / N[i, i]  /  sum_i T[i].

    Finn (1976), *Measures of ecosystem structure and function derived from
    analysis of flows*, J. Theor. Biol. 56: 363-380. Self-flows are ignored.
    The network must be balanced (see :func:`balance`); a closed cycle with
    no exit cycles entirely (its nodes count as fully cycled).

    Published ecosystem models are balanced only to the rounding of their
    figures: a node whose inflow + inputs and outflow + exits differ by at
    most ``tolerance`` of the larger (5% by default, as enaR's ``ssCheck``)
    is accepted, its throughflow taken on the outflow side, and a warning
    logged (``dealgraph.matrix.tracing``) naming the worst node; beyond it a
    ``MatrixError`` says which node is off and by how much.

    Examples
    --------
    The Cone Spring ecosystem (Tilly 1968, as used by Kay et al. 1989),
    whose FCI is reported as 0.092:

    >>> import numpy as np
    >>> F = np.zeros((5, 5))
    >>> F[0, 1], F[1, 2], F[1, 3], F[2, 1], F[2, 3] = 8881, 5205, 2309, 1600, 75
    >>> F[3, 1], F[3, 4], F[4, 1] = 200, 370, 167
    >>> z = [11184, 635, 0, 0, 0]
    >>> y = [300 + 2003, 860 + 3109, 255 + 3275, 1814, 203]
    >>> round(cycling_index(F, z, y), 3)
    0.092
    """
    F = square_matrix(F, "F")
    np.fill_diagonal(F, 0.0)
    T = _throughflow(F, inputs, exits, tolerance)
    if T.sum() == 0:
        return 0.0
    return float((T * _return_probability(F, T)).sum() / T.sum())


def _transition(F: np.ndarray, T: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(T[:, None] > 0, F / np.where(T > 0, T, 1.0)[:, None], 0.0)


def _hitting(P: np.ndarray) -> np.ndarray:
    """``H[j, i]``: probability that a dollar at j ever reaches i (``H[i, i] = 1``)."""
    n = P.shape[0]
    H = np.eye(n)
    Ps = sp.csr_matrix(P)
    AT = sp.csr_matrix(P > 0).T.tocsr()
    for i in range(n):
        # only nodes that can reach i have a positive probability; solve on them alone (sparse LU)
        reach = breadth_first_order(AT, i, directed=True, return_predecessors=False)
        others = reach[reach != i]
        if len(others) == 0:
            continue
        Q = Ps[others][:, others]
        b = P[others, i]
        H[others, i] = splu((sp.identity(len(others), format="csc") - Q).tocsc()).solve(b)
    return np.clip(H, 0.0, 1.0)


def _return_probability(F: np.ndarray, T: np.ndarray) -> np.ndarray:
    P = _transition(F, T)
    H = _hitting(P)
    return np.clip((P * H.T).sum(axis=1), 0.0, 1.0)


def return_shares(F, exits=None) -> np.ndarray:
    """Of a dollar that i pays j, the share that comes back to i: ``R[i, j]``.

    Proportional tracing (see the module's fungibility assumption): a dollar
    at j moves on with probabilities ``F[j, k] / T[j]`` and leaves the network
    with ``exits[j] / T[j]``, where ``T[j] = F[j, :].sum() + exits[j]``.
    ``R[i, j]`` (``i != j``) is the probability that it reaches i, directly or
    through any chain. The diagonal ``R[i, i]`` is the share of *all* of i's
    payments that comes back to i: ``sum_j F[i, j] R[i, j] / sum_j F[i, j]``.

    Examples
    --------
    A pays B 10; B pays 6 back to A and keeps the rest (exit 4):

    >>> import numpy as np
    >>> R = return_shares(np.array([[0, 10.0], [6.0, 0]]), exits=[0, 4.0])
    >>> float(R[0, 1]), float(R[0, 0])
    (0.6, 0.6)
    """
    F = square_matrix(F, "F")
    np.fill_diagonal(F, 0.0)
    n = F.shape[0]
    T = F.sum(axis=1) + vector(exits, n, "exits")
    P = _transition(F, T)
    H = _hitting(P)
    R = H.T.copy()
    paid = F.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(paid > 0, (F * H.T).sum(axis=1) / np.where(paid > 0, paid, 1.0), 0.0)
    np.fill_diagonal(R, np.clip(own, 0.0, 1.0))
    return R


BLOCK = 256  # right-hand sides solved at once against one factorisation (memory: BLOCK x SCC size floats)


def edge_return_shares(src, dst, amount, n: int, exits) -> tuple[np.ndarray, np.ndarray]:
    """``return_shares`` on a sparse graph, for its edges only: memory linear in the edges.

    ``src``, ``dst``, ``amount`` give the edges (``amount[e]`` paid by ``src[e]`` to ``dst[e]``,
    one edge per ordered pair, no self-loops); ``exits`` as in :func:`return_shares`. Returns
    ``(edge, own)``: ``edge[e] = R[src[e], dst[e]]`` and ``own[i] = R[i, i]``.

    A dollar can only come back along a loop, so only edges inside a strongly connected
    component of two or more nodes have a positive share. On each such component the
    fundamental matrix ``N = (I - Q)^-1`` is factorised once (sparse LU) and solved for each
    node's column in blocks; the probability that a dollar at ``j`` reaches ``i`` is
    ``N[j, i] / N[i, i]`` (every visit to ``i`` after the first is a return to it).

    >>> edge, own = edge_return_shares([0, 1], [1, 0], [10.0, 6.0], 2, exits=[0.0, 4.0])
    >>> [round(float(x), 6) for x in edge], [round(float(x), 6) for x in own]
    ([0.6, 1.0], [0.6, 1.0])
    """
    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    amount = np.asarray(amount, dtype=float)
    exits = vector(exits, n, "exits")
    if len(src) and (src.min() < 0 or max(src.max(), dst.max()) >= n or (src == dst).any()):
        raise MatrixError("edges must join two different nodes among the n given")
    if not np.isfinite(amount).all() or (amount < 0).any():
        raise MatrixError("edge amounts must be finite and non-negative")
    paid = np.bincount(src, weights=amount, minlength=n)
    T = paid + exits
    edge, own = np.zeros(len(src)), np.zeros(n)
    if not len(src):
        return edge, own
    support = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, comp = connected_components(support, directed=True, connection="strong")
    sizes = np.bincount(comp, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        prob = np.where(T[src] > 0, amount / np.where(T[src] > 0, T[src], 1.0), 0.0)
    inside = (comp[src] == comp[dst]) & (sizes[comp[src]] > 1)
    for c in np.unique(comp[src[inside]]):
        nodes = np.flatnonzero(comp == c)
        local = np.full(n, -1)
        local[nodes] = np.arange(len(nodes))
        on = inside & (comp[src] == c)
        k = len(nodes)
        Q = sp.csc_matrix((prob[on], (local[src[on]], local[dst[on]])), shape=(k, k))
        edges_at = np.flatnonzero(on)
        if (np.asarray(Q.sum(axis=1)).ravel() >= 1 - 1e-12).all():  # nothing leaves the component: every dollar comes back
            edge[edges_at] = 1.0
            continue
        lu = splu((sp.identity(k, format="csc") - Q).tocsc())  # irreducible and leaking somewhere, so I - Q is invertible
        by_source = local[src[edges_at]]
        for start in range(0, k, BLOCK):
            cols = np.arange(start, min(start + BLOCK, k))
            rhs = np.zeros((k, len(cols)))
            rhs[cols, np.arange(len(cols))] = 1.0
            N = lu.solve(rhs)  # N[:, m] = column cols[m] of the fundamental matrix
            diag = N[cols, np.arange(len(cols))]
            mine = (by_source >= start) & (by_source < start + len(cols))
            e = edges_at[mine]
            m = by_source[mine] - start
            edge[e] = np.clip(N[local[dst[e]], m] / diag[m], 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        back = np.bincount(src, weights=amount * edge, minlength=n)
        own = np.where(paid > 0, back / np.where(paid > 0, paid, 1.0), 0.0)
    return edge, np.clip(own, 0.0, 1.0)
