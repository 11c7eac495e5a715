"""Contagion on matrices: clearing payments, sequential defaults and DebtRank.

Orientations:

- ``L[i, j]`` is what i **owes** j (liabilities; rows pay, columns receive).
- ``A[i, j]`` is i's **claim on** j (assets; ``A = L.T`` for the same debts).

Every function returns a frozen result with the per-node figures and the
order in which nodes failed (``wave``: 0 for the initial shock, 1 for those
that failed because of it, and so on; -1 for nodes that did not fail).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from .._errors import MatrixError
from .checks import entry_rows, sparse_square, vector

__all__ = ["ClearingResult", "DebtRankResult", "FurfineResult", "clearing_vector", "debtrank", "furfine"]


def _rows_scaled(M: sp.csr_matrix, by: np.ndarray) -> sp.csr_matrix:
    """``M[i, :] / by[i]`` (rows with ``by[i] <= 0`` become zero)."""
    out = sp.csr_matrix(M, dtype=float, copy=True)
    out.data *= np.where(by > 0, 1.0 / np.where(by > 0, by, 1.0), 0.0)[entry_rows(out)]
    out.eliminate_zeros()
    return out


@dataclass(frozen=True)
class ClearingResult:
    """Clearing payments: ``payments[i]`` paid out of ``obligations[i]`` owed."""

    payments: np.ndarray
    obligations: np.ndarray
    defaults: np.ndarray  # bool
    waves: np.ndarray  # int, -1 = no default
    equity: np.ndarray  # assets received and held minus obligations, after clearing

    @property
    def shortfall(self) -> np.ndarray:
        return self.obligations - self.payments


def clearing_vector(L, external_assets, external_liabilities=None, alpha: float = 1.0, beta: float = 1.0,
                    *, fixed_payments: dict[int, float] | None = None) -> ClearingResult:
    """The greatest clearing payment vector (Eisenberg-Noe; Rogers-Veraart with default costs).

    Each node i owes ``pbar[i] = L[i, :].sum() + external_liabilities[i]``
    and pays its creditors pro rata (``Pi[i, j] = L[i, j] / pbar[i]``). A
    node whose assets ``e[i] + sum_j Pi[j, i] p[j]`` cover ``pbar[i]`` pays in
    full; otherwise it defaults and pays ``alpha * e[i] + beta * sum_j Pi[j, i]
    p[j]``: with ``alpha = beta = 1`` this is Eisenberg and Noe (2001), with
    recovery fractions below 1 Rogers and Veraart (2013).

    Computed by the fictitious default / greatest clearing vector algorithm:
    start from full payment, mark the nodes that cannot pay, solve the linear
    system for the defaulters' payments, repeat until no new default. The
    iteration in which a node is first marked is its ``wave`` (1 = fails on
    its own assets; later waves fail because others did).

    ``fixed_payments`` pins the payments of shocked nodes (``{node: amount}``);
    they count as defaulting in wave 0 when they pay less than they owe.

    Notes
    -----
    ``L`` may be dense or sparse; it is kept sparse (memory linear in its entries). At most
    n iterations, each a sparse solve on the defaulters.

    Examples
    --------
    The three-bank example of the ``systemicrisk`` R package (``default_clearing``):

    >>> L = [[0, .5, .5], [.5, 0, .5], [.5, .5, 0]]
    >>> r = clearing_vector(L, [1/2, 5/8, 3/4], [3/2, 1/2, 1/2])
    >>> r.payments.round(6).tolist(), r.defaults.tolist(), r.waves.tolist()
    ([1.473214, 1.419643, 1.5], [True, True, False], [1, 2, -1])
    """
    L = sparse_square(L, "L")
    n = L.shape[0]
    e = vector(external_assets, n, "external_assets", nonnegative=False)
    el = vector(external_liabilities, n, "external_liabilities", nonnegative=False)
    if not (0 <= alpha <= 1 and 0 <= beta <= 1):
        raise MatrixError("alpha and beta are recovery fractions in [0, 1]")
    pbar = np.asarray(L.sum(axis=1)).ravel() + el
    Pi = _rows_scaled(L, pbar)
    PiT = Pi.T.tocsr()
    fixed = {int(k): float(v) for k, v in (fixed_payments or {}).items()}
    pinned = np.zeros(n, bool)
    pinned[list(fixed)] = True
    p = pbar.copy()
    for k, v in fixed.items():
        p[k] = min(max(v, 0.0), pbar[k])
    waves = np.full(n, -1)
    waves[[k for k in fixed if p[k] < pbar[k] - 1e-12 * max(1.0, pbar[k])]] = 0
    tol = 1e-12 * max(1.0, float(pbar.max(initial=0.0)), float(np.abs(e).max(initial=0.0)))
    for wave in range(1, n + 2):
        assets = e + PiT @ p
        new = (~pinned) & (waves < 0) & (assets < pbar - tol)
        if not new.any():
            break
        waves[new] = wave
        D = np.flatnonzero((waves > 0) & ~pinned)
        # defaulters pay alpha*e + beta*(what they receive); everyone else pays as set
        others = np.setdiff1d(np.arange(n), D)
        rhs = alpha * e[D] + beta * (PiT[D][:, others] @ p[others])
        M = (sp.identity(len(D), format="csc") - beta * PiT[D][:, D]).tocsc()
        p[D] = np.clip(np.atleast_1d(spsolve(M, rhs)), 0.0, pbar[D])
    assets = e + PiT @ p
    return ClearingResult(payments=p, obligations=pbar, defaults=waves >= 0, waves=waves, equity=assets - p)


@dataclass(frozen=True)
class FurfineResult:
    """Sequential defaults: who failed, in which wave, and each node's loss."""

    failed: np.ndarray  # bool
    waves: np.ndarray
    losses: np.ndarray


def furfine(A, capital, failed, lgd: float = 1.0, *, initial_losses=None) -> FurfineResult:
    """Furfine (2003) sequential default algorithm.

    Nodes in ``failed`` fail first (wave 0). In each later wave, node i fails
    when its losses on failed counterparties, ``lgd * sum_j A[i, j]`` over
    the failed j, reach its ``capital``. ``A[i, j]`` is i's claim on j.
    ``initial_losses`` adds losses that are not from failed nodes (for
    instance a partial payment by a shocked node).

    >>> A = [[0, 5, 0], [0, 0, 8], [0, 0, 0]]        # 0 lends to 1, 1 lends to 2
    >>> furfine(A, capital=[4, 6, 1], failed=[2], lgd=1.0).waves.tolist()
    [2, 1, 0]
    """
    A = sparse_square(A, "A")
    n = A.shape[0]
    cap = vector(capital, n, "capital", nonnegative=False)
    if not 0 <= lgd <= 1:
        raise MatrixError("lgd (loss given default) must be in [0, 1]")
    start = np.zeros(n, bool)
    start[np.asarray(failed, dtype=int)] = True
    waves = np.where(start, 0, -1)
    base = vector(initial_losses, n, "initial_losses", nonnegative=False)
    for wave in range(1, n + 1):
        losses = base + lgd * (A @ (waves >= 0).astype(float))
        new = (waves < 0) & (losses >= cap) & (losses > 0)
        if not new.any():
            break
        waves[new] = wave
    losses = base + lgd * (A @ (waves >= 0).astype(float))
    return FurfineResult(failed=waves >= 0, waves=waves, losses=losses)


@dataclass(frozen=True)
class DebtRankResult:
    """DebtRank: relative equity loss ``stress[i]`` in [0, 1] after propagation."""

    initial: np.ndarray
    stress: np.ndarray
    rounds: int
    rule: str

    @property
    def defaults(self) -> np.ndarray:
        return self.stress >= 1.0 - 1e-12

    def additional_stress(self, weights=None) -> float:
        """Weighted stress added by propagation (weights normalised to sum 1)."""
        w = np.ones(len(self.stress)) if weights is None else np.asarray(weights, dtype=float)
        w = w / w.sum()
        return float(w @ (self.stress - self.initial))


def debtrank(A, equity, shock, rule: Literal["single_hit", "linear"] = "single_hit",
             max_rounds: int = 1000) -> DebtRankResult:
    """DebtRank stress propagation.

    ``A[i, j]`` is i's claim on j, ``equity[i]`` i's buffer, ``shock[i]`` the
    initial relative equity loss. The impact of j on i is
    ``Lambda[i, j] = A[i, j] / equity[i]``.

    - ``"single_hit"`` (Battiston et al. 2012): a node propagates once, in
      the round after it first becomes distressed, with its stress level
      then; impacts are capped at 1 (``min(1, Lambda)``).
    - ``"linear"`` (Bardoscia et al. 2015): every increase of stress
      propagates: ``h(t+1) = min(1, h(t) + Lambda (h(t) - h(t-1)))``.

    Examples
    --------
    The toy network of the NetworkRiskMeasures README (a, b, c):

    >>> A = [[0, 1, 0], [10, 0, 3], [3, 2, 0]]
    >>> r = debtrank(A, equity=[2, 5, 2], shock=[0.1, 0.1, 0.1])
    >>> r.stress.round(2).tolist(), round(r.additional_stress([10, 100, 30]), 4)
    ([0.15, 0.26, 0.3], 0.1607)
    """
    A = sparse_square(A, "A")
    n = A.shape[0]
    E = vector(equity, n, "equity", nonnegative=False)
    if (E <= 0).any():
        raise MatrixError("equity must be positive (DebtRank measures losses relative to it)")
    h0 = np.clip(vector(shock, n, "shock", nonnegative=False), 0.0, 1.0)
    Lam = _rows_scaled(A, E)
    if rule == "single_hit":
        V = Lam.minimum(1.0).tocsr()
        h = h0.copy()
        state = np.where(h0 > 0, 1, 0)  # 0 undistressed, 1 distressed, 2 inactive
        rounds = 0
        while (state == 1).any() and rounds < max_rounds:
            rounds += 1
            D = state == 1
            h = np.minimum(1.0, h + V @ np.where(D, h, 0.0))
            state[D] = 2
            state[(state == 0) & (h > 0)] = 1
    elif rule == "linear":
        h_prev, h = np.zeros(n), h0.copy()
        rounds = 0
        while rounds < max_rounds:
            rounds += 1
            nxt = np.minimum(1.0, h + Lam @ (h - h_prev))
            h_prev, h = h, nxt
            if np.abs(h - h_prev).max(initial=0.0) < 1e-13:
                break
    else:
        raise MatrixError(f"rule must be 'single_hit' or 'linear', got {rule!r}")
    return DebtRankResult(initial=h0, stress=h, rounds=rounds, rule=rule)
