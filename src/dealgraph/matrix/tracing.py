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
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components
from scipy.sparse.linalg import splu

from .._errors import MatrixError
from .._work import out_of_time
from .checks import square_matrix, vector

__all__ = ["BALANCE_TOLERANCE", "EXACT_NODES", "FUNGIBILITY", "TRACE_LIMIT", "EdgeShares", "balance", "boundary", "cycling_index",
           "edge_return_shares", "return_shares"]

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
EXACT_NODES = 1_000  # components up to this size are factorised (sparse LU); larger ones fill in, so they are iterated
TRACE_LIMIT = 200  # in components above EXACT_NODES, the entities traced (most money through them first)


@dataclass(frozen=True)
class EdgeShares:
    """What ``edge_return_shares`` found: per edge, per node, and which nodes were traced.

    ``edge[e]``: share of a dollar on edge ``e`` that comes back to its payer (NaN: payer not
    traced); ``own[i]``: the same over everything ``i`` pays (NaN: not traced); ``traced[i]``:
    whether ``i``'s shares were computed; ``iterated``: how many of them by iteration (the rest
    exactly); ``error``: the largest error iteration left in a share (0 when none was iterated).
    """

    edge: np.ndarray
    own: np.ndarray
    traced: np.ndarray
    iterated: int = 0
    error: float = 0.0
    cut: bool = False  # the time limit left some entities untraced

    @property
    def untraced(self) -> int:
        return int((~self.traced).sum())


def edge_return_shares(src, dst, amount, n: int, exits, *, limit: int | None = None) -> EdgeShares:
    """``return_shares`` on a sparse graph, for its edges only: memory linear in the edges.

    ``src``, ``dst``, ``amount`` give the edges (``amount[e]`` paid by ``src[e]`` to ``dst[e]``,
    one edge per ordered pair, no self-loops); ``exits`` as in :func:`return_shares`. Returns
    an :class:`EdgeShares` with ``edge[e] = R[src[e], dst[e]]`` and ``own[i] = R[i, i]``.

    A dollar can only come back along a loop, so only edges inside a strongly connected
    component of two or more nodes have a positive share. A component of up to
    ``EXACT_NODES`` nodes is factorised once (sparse LU) and solved for each node's column
    of the fundamental matrix ``N = (I - Q)^-1`` in blocks; the probability that a dollar at
    ``j`` reaches ``i`` is ``N[j, i] / N[i, i]``. A larger component's LU fills in (its cost
    grows with the cube of its size), so there the ``limit`` (default ``TRACE_LIMIT``) nodes with the most money
    through them are traced by iteration (:func:`dealgraph.matrix.hitting.hitting_rows`,
    certified to ``TOLERANCE``) and the others are left untraced (NaN), never guessed. Past the
    time limit (``dealgraph._work``) the components and targets not reached yet are left
    untraced too, and ``cut`` says so.

    >>> r = edge_return_shares([0, 1], [1, 0], [10.0, 6.0], 2, exits=[0.0, 4.0])
    >>> [round(float(x), 6) for x in r.edge], [round(float(x), 6) for x in r.own], r.untraced
    ([0.6, 1.0], [0.6, 1.0], 0)
    """
    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    amount = np.asarray(amount, dtype=float)
    exits = vector(exits, n, "exits")
    if len(src) and (src.min() < 0 or max(src.max(), dst.max()) >= n or (src == dst).any()):
        raise MatrixError("edges must join two different nodes among the n given")
    if not np.isfinite(amount).all() or (amount < 0).any():
        raise MatrixError("edge amounts must be finite and non-negative")
    limit = TRACE_LIMIT if limit is None else limit
    paid = np.bincount(src, weights=amount, minlength=n)
    T = paid + exits
    edge, traced = np.zeros(len(src)), np.ones(n, dtype=bool)
    if not len(src):
        return EdgeShares(edge, np.zeros(n), traced)
    support = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, comp = connected_components(support, directed=True, connection="strong")
    sizes = np.bincount(comp, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        prob = np.where(T[src] > 0, amount / np.where(T[src] > 0, T[src], 1.0), 0.0)
    inside = (comp[src] == comp[dst]) & (sizes[comp[src]] > 1)
    kept = np.bincount(comp[src[inside]], weights=prob[inside], minlength=n)  # per component, the sum of what each node keeps inside
    closed = np.isclose(kept, sizes, rtol=0, atol=1e-12 * np.maximum(sizes, 1.0))  # its size when no node lets anything out
    edge[inside & closed[comp[src]]] = 1.0  # a component nothing leaves: every dollar comes back (its I - Q is singular)
    inside &= ~closed[comp[src]]
    large = [c for c in np.unique(comp[src[inside]]) if sizes[c] > EXACT_NODES]
    chosen = np.zeros(n, dtype=bool)
    if large:  # the iterated targets: most money through them first, over all large components
        candidates = np.flatnonzero(np.isin(comp, large))
        chosen[candidates[np.argsort(-T[candidates], kind="stable")[:limit]]] = True
        traced[candidates] = chosen[candidates]
    error, cut = 0.0, False
    for c in np.unique(comp[src[inside]]):
        nodes = np.flatnonzero(comp == c)
        if out_of_time():
            traced[nodes], cut = False, True
            continue
        local = np.full(n, -1)
        local[nodes] = np.arange(len(nodes))
        on = np.flatnonzero(inside & (comp[src] == c))
        if sizes[c] > EXACT_NODES:
            done, err = _iterate(on, local, src, dst, prob, chosen[nodes], edge)
            error = max(error, err)
            cut |= not done[chosen[nodes]].all()
            traced[nodes] &= done
        else:
            _factorise(on, local, src, dst, prob, edge)
    edge[~traced[src]] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        back = np.bincount(src, weights=amount * np.nan_to_num(edge), minlength=n)
        own = np.where(paid > 0, back / np.where(paid > 0, paid, 1.0), 0.0)
    own[~traced] = np.nan
    return EdgeShares(edge, np.clip(own, 0.0, 1.0), traced, int((chosen & traced).sum()), error, cut)


def _factorise(on: np.ndarray, local: np.ndarray, src, dst, prob, edge: np.ndarray) -> None:
    """Exact shares on one component's edges ``on`` (sparse LU of ``I - Q``, columns solved in blocks)."""
    k = int(local.max()) + 1
    Q = sp.csc_matrix((prob[on], (local[src[on]], local[dst[on]])), shape=(k, k))
    lu = splu((sp.identity(k, format="csc") - Q).tocsc())  # irreducible and leaking somewhere, so I - Q is invertible
    by_source = local[src[on]]
    for start in range(0, k, BLOCK):
        cols = np.arange(start, min(start + BLOCK, k))
        rhs = np.zeros((k, len(cols)))
        rhs[cols, np.arange(len(cols))] = 1.0
        N = lu.solve(rhs)  # N[:, m] = column cols[m] of the fundamental matrix
        diag = N[cols, np.arange(len(cols))]
        mine = (by_source >= start) & (by_source < start + len(cols))
        e = on[mine]
        m = by_source[mine] - start
        edge[e] = np.clip(N[local[dst[e]], m] / diag[m], 0.0, 1.0)


def _iterate(on: np.ndarray, local: np.ndarray, src, dst, prob, chosen: np.ndarray, edge: np.ndarray) -> tuple[np.ndarray, float]:
    """Shares on one large component's edges out of the ``chosen`` nodes, by iteration; returns which of the component's
    nodes were done (the chosen ones the time limit left them) and the largest error bound."""
    from .hitting import hitting_rows

    k = len(chosen)
    a, b = local[src[on]], local[dst[on]]
    order = np.lexsort((b, a))
    indptr = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=k), out=indptr[1:])
    at_edge, err = hitting_rows(indptr, b[order], prob[on][order], np.flatnonzero(chosen))
    edge[on[order]] = np.clip(np.nan_to_num(at_edge), 0.0, 1.0)
    done = np.zeros(k, dtype=bool)
    done[a[order][~np.isnan(at_edge)]] = True  # every node inside has an edge inside: its row is written when it was done
    return done, err
