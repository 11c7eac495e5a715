"""A ledger seen as money on edges: one edge per ordered pair, on one basis.

Two bases value every figure:

- **headline**: every live row (not lapsed, superseded or replaced), at face value ("up to" at its
  cap, estimates at the estimate); a capacity-only row (``gw`` without an
  amount) is valued at ``gw * usd_per_gw`` when that assumption is given.
- **firm**: only closed or committed rows with exact amounts; capacity rows
  stay unknown (a dollars-per-gigawatt price is an estimate).

A row whose amount is unknown keeps its edge (the relation exists) and is
counted in ``n_unknown``; it never contributes a zero amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
import scipy.sparse as sp

from .._errors import DealgraphError, LimitError
from .._results import fmt_money, listed
from .._work import step
from ..matrix.tracing import EdgeShares, boundary, edge_return_shares
from ..reading.ledger import FIRM_STATUSES, Ledger, live_rows

__all__ = ["BASES", "Basis", "Flows", "Ranges", "assumptions", "flows", "traced"]

Basis = Literal["headline", "firm"]
MAX_USD_PER_GW = 1e13  # dollars per gigawatt: far above any price (about 5e10 in 2025); keeps every priced amount and sum finite
BASES: tuple[Basis, ...] = ("headline", "firm")


@dataclass(frozen=True)
class Flows:
    """Edges of the entity graph on one basis (arrays sorted by source, target).

    ``amount[e]`` is the sum of the stated amounts of the rows on edge ``e``;
    ``n_unknown[e]`` counts its rows with no stated amount; ``rows(e)`` gives
    the positions of its rows in ``ledger.table`` and ``row_amount`` their
    amounts on the basis (NaN: unknown), aligned with ``row_pos``.
    """

    entities: tuple[str, ...]
    src: np.ndarray
    dst: np.ndarray
    amount: np.ndarray
    n_unknown: np.ndarray
    row_ptr: np.ndarray
    row_pos: np.ndarray
    row_amount: np.ndarray
    basis: Basis
    usd_per_gw: float | None
    priced_rows: int
    n_priced: np.ndarray  # per edge, rows whose amount is a capacity priced by assumption
    year: int | None = None
    undated: tuple[str, ...] = ()
    realised: float = 1.0

    def __post_init__(self) -> None:
        for value in vars(self).values():  # shared through the ledger's derived values: nobody may change them
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    @property
    def n(self) -> int:
        return len(self.entities)

    @property
    def m(self) -> int:
        return len(self.src)

    @property
    def paid(self) -> np.ndarray:
        """What each entity pays, in stated amounts."""
        return np.bincount(self.src, weights=self.amount, minlength=self.n).astype(float)

    @property
    def received(self) -> np.ndarray:
        """What each entity receives, in stated amounts."""
        return np.bincount(self.dst, weights=self.amount, minlength=self.n).astype(float)

    def balanced(self) -> tuple[np.ndarray, np.ndarray]:
        """``(inputs, exits)`` that balance every entity, as ``dealgraph.matrix.tracing.balance`` (from the edges)."""
        return boundary(self.received, self.paid)

    @property
    def edge_of_row(self) -> np.ndarray:
        """The edge of each of the basis's rows, aligned with ``row_pos`` and ``row_amount``."""
        return np.repeat(np.arange(self.m), np.diff(self.row_ptr))

    def rows(self, e: int) -> np.ndarray:
        return self.row_pos[self.row_ptr[e]: self.row_ptr[e + 1]]

    def joined(self, column: pl.Series, *, distinct: bool = False) -> pl.Series:
        """Per edge, the values of a ledger column over its rows, comma-joined (``distinct``: each once, sorted)."""
        values = pl.col("v").cast(pl.String)
        by_edge = pl.DataFrame({"e": self.edge_of_row, "v": column.gather(self.row_pos)}).group_by("e").agg(
            (values.unique().sort() if distinct else values).str.join(","))
        return by_edge.sort("e")["v"]

    def unknown_rows(self, e: int) -> np.ndarray:
        """Positions of the rows of edge ``e`` with no stated amount."""
        sl = slice(self.row_ptr[e], self.row_ptr[e + 1])
        return self.row_pos[sl][np.isnan(self.row_amount[sl])]

    def matrix(self, *, dense: bool = True):
        """``W[i, j]`` = stated amount that i pays j (unknown amounts left out)."""
        W = sp.csr_matrix((self.amount, (self.src, self.dst)), shape=(self.n, self.n))
        return W.toarray() if dense else W

    def adjacency(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR of the graph: successors of i are ``indices[indptr[i]:indptr[i+1]]``."""
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.add.at(indptr, self.src + 1, 1)
        return np.cumsum(indptr), self.dst.copy()


def row_amounts(ledger: Ledger, basis: Basis, usd_per_gw: float | None) -> tuple[pl.Series, pl.Series]:
    """Per row: is it on the basis, and its amount there (null = unknown)."""
    if basis not in BASES:
        raise DealgraphError(f"unknown basis {basis!r}; expected one of {', '.join(BASES)}")
    if usd_per_gw is not None and not (0 <= usd_per_gw <= MAX_USD_PER_GW):
        raise LimitError(f"usd_per_gw must be a number from 0 to {MAX_USD_PER_GW:g} dollars per gigawatt, got {usd_per_gw!r}")
    t = ledger.table
    on = live_rows(t)
    amount = t["amount"]
    if basis == "firm":
        on = on & t["status"].cast(pl.String).is_in(list(FIRM_STATUSES)) & (t["cap"].is_null() | (t["cap"] == "exact"))
    elif usd_per_gw is not None:
        amount = amount.fill_null(t["gw"] * usd_per_gw)
    return on, amount


def flows(ledger: Ledger, basis: Basis = "headline", *, usd_per_gw: float | None = None) -> Flows:
    """Aggregate a ledger's rows on ``basis`` into one edge per ordered pair.

    >>> from dealgraph import seed_ledger
    >>> f = flows(seed_ledger())
    >>> f.m, int(f.n_unknown.sum()) > 0
    (12, True)
    """
    return ledger.derived(("flows", basis, usd_per_gw), lambda: _flows(ledger, basis, usd_per_gw))


def _flows(ledger: Ledger, basis: Basis, usd_per_gw: float | None) -> Flows:
    on, amount = row_amounts(ledger, basis, usd_per_gw)
    t = ledger.table
    pos = np.flatnonzero(on.to_numpy())
    src = t["source"].to_numpy()[pos]
    dst = t["target"].to_numpy()[pos]
    amt = amount.to_numpy(allow_copy=True).astype(float)[pos]
    n = len(ledger.entities)
    key = src.astype(np.int64) * max(n, 1) + dst
    order = np.lexsort((pos, key))
    key, pos, amt = key[order], pos[order], amt[order]
    uniq, start = np.unique(key, return_index=True)
    edge_of = np.repeat(np.arange(len(uniq)), np.diff(np.append(start, len(key))))
    unknown = np.isnan(amt)
    priced_rows = np.zeros(len(pos), dtype=bool)
    if basis == "headline" and usd_per_gw is not None:
        priced_rows = (t["amount"].is_null() & t["gw"].is_not_null()).to_numpy()[pos]
    return Flows(
        entities=ledger.entities,
        src=(uniq // max(n, 1)).astype(np.int64),
        dst=(uniq % max(n, 1)).astype(np.int64),
        amount=np.bincount(edge_of, weights=np.where(unknown, 0.0, amt), minlength=len(uniq)).astype(float),  # float when empty too
        n_unknown=np.bincount(edge_of, weights=unknown, minlength=len(uniq)).astype(np.int64),
        row_ptr=np.append(start, len(key)).astype(np.int64),
        row_pos=pos.astype(np.int64),
        row_amount=amt,
        basis=basis,
        usd_per_gw=usd_per_gw,
        priced_rows=int(priced_rows.sum()),
        n_priced=np.bincount(edge_of, weights=priced_rows, minlength=len(uniq)).astype(np.int64),
        year=ledger.year,
        undated=ledger.undated,
        realised=ledger.realised,
    )


def traced(ledger: Ledger, f: Flows, exits: np.ndarray, how: str) -> EdgeShares:
    """Return shares on ``f``'s edges with ``exits`` (named by ``how``), computed once per ledger view."""
    def compute() -> EdgeShares:
        with step(f"tracing where each dollar goes ({f.basis}, {how})"):
            return edge_return_shares(f.src, f.dst, f.amount, f.n, exits)

    return ledger.derived(("traced", f.basis, f.usd_per_gw, how), compute)


@dataclass(frozen=True)
class Ranges:
    """The ends of the assumptions behind headline figures.

    ``usd_per_gw`` is the public range of dollar-per-gigawatt prices (low, high; the point
    figure uses the middle); ``realised`` is the share of "up to" amounts counted at the low
    end (the high end counts them at their cap). Unknown amounts without a capacity stay
    unknown at both ends.
    """

    usd_per_gw: tuple[float, float] | None = None
    realised: float = 1.0

    def __post_init__(self) -> None:
        if self.usd_per_gw is not None:
            low, high = self.usd_per_gw
            if not 0 <= low <= high <= MAX_USD_PER_GW:
                raise LimitError(f"a range of dollars per gigawatt runs from a low to a higher end within 0 to {MAX_USD_PER_GW:g}, "
                                 f"got {low!r}:{high!r}")
        if not 0 <= self.realised <= 1:
            raise LimitError(f"the realised share of 'up to' amounts is a number from 0 to 1, got {self.realised!r}")

    @property
    def point(self) -> float | None:
        """The dollars per gigawatt of the point figures: the middle of the range."""
        return None if self.usd_per_gw is None else sum(self.usd_per_gw) / 2

    def ends(self, ledger: Ledger, usd_per_gw: float | None) -> tuple[tuple[Ledger, float | None], tuple[Ledger, float | None]]:
        """(ledger, dollars per gigawatt) at the low and at the high end."""
        low, high = self.usd_per_gw if self.usd_per_gw is not None else (usd_per_gw, usd_per_gw)
        return (ledger.realised_at(self.realised) if self.realised != 1 else ledger, low), (ledger, high)


def assumptions(f: Flows, extra: str | None = None, *, period: bool = True) -> tuple[str, ...]:
    """The assumptions behind figures computed from ``f``, in plain words (``period``: say which years count)."""
    notes = []
    if f.basis == "firm":
        notes.append("Firm basis: only closed or committed deals with exact amounts.")
    else:
        notes.append("Headline basis: every live deal (not lapsed or replaced), at face value ('up to' at its cap).")
    if f.usd_per_gw is not None:
        notes.append(
            f"Assumption: capacity-only deals valued at {fmt_money(f.usd_per_gw)} per gigawatt "
            f"({f.priced_rows} deal{'s' if f.priced_rows != 1 else ''} priced this way)."
        )
    if f.realised != 1 and f.basis == "headline":
        notes.append(f"Assumption: 'up to' amounts realised at {100 * f.realised:g}% of their cap.")
    if period and f.year is None:
        notes.append("Whole term: every deal at its full amount, whatever the years it runs (--year YYYY gives one calendar year).")
    elif period:
        notes.append(f"Calendar year {f.year}: each deal's money spread evenly over its term (start to end), one-off deals in the "
                     "year of their date.")
        if f.undated:
            notes.append(f"Left out of {f.year}, timing unknown (no date, start or end): {len(f.undated)} deal"
                         f"{'s' if len(f.undated) != 1 else ''}, {listed(f.undated)}.")
    if extra:
        notes.append(extra)
    return tuple(notes)
