"""Circularity: how much of all the money is circular, overall and per entity.

Three numbers, each on the headline and the firm basis:

- **maximum circulation** (``circular``): the most money that could be netted
  away without changing anyone's net position (a linear program). Unknown
  amounts count as zero; ``circular_upper`` lets them carry any amount and
  counts only stated money, so the truth lies between the two.
- **BFF circulation**: the unique Balanced Flow Forwarding split of
  Homs-Dones, MacKay et al. (2025), which spreads circular flow over every
  cycle in proportion to the amounts (stated amounts only).
- **Finn's cycling index**: the share of all throughflow that comes back to
  where it was, after balancing each entity with outside money in and
  retained money out (stated amounts only).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .._results import Result, fmt_money, fmt_share, listed, terminal_rows
from .._work import out_of_time, step, stopped, tick, two_at_a_time
from ..matrix.circulation import bff_decomposition, edge_circulation, edge_cycles
from ..reading.ledger import Ledger
from .flows import BASES, Flows, assumptions, flows, traced
from .round_trips import traced_note

__all__ = ["BasisCircularity", "CircularityResult", "circular_money", "circularity"]

BFF_WORK = 3e9  # BFF's cost: per strongly connected block, its edges times its size cubed; above this sum it is not run
MAX_CARRIERS = 1_000  # loops listed as carrying the maximum circulation, largest first

_UNKNOWN_NOTE = (
    "Unknown amounts: 'circular' counts them as zero; 'could be' lets them (and capacity priced by assumption) carry any "
    "amount and counts only stated money. BFF and the cycling index use stated amounts only."
)


@dataclass(frozen=True)
class BasisCircularity:
    """Circularity on one basis. Shares are of ``total`` (all stated money)."""

    basis: str
    total: float
    circular: float
    circular_upper: float
    bff_circular: float | None  # None: past the work BFF is given (``BFF_WORK``)
    cycling_index: float | None  # None: some entities were not traced, see ``cycling_index_range``
    cycling_index_range: tuple[float, float]
    unknown_on_loops: tuple[str, ...]
    per_entity: pl.DataFrame
    carriers: tuple[tuple[tuple[str, ...], float], ...]
    notes: tuple[str, ...] = ()

    @property
    def share(self) -> float:
        return self.circular / self.total if self.total else 0.0

    @property
    def share_upper(self) -> float:
        return self.circular_upper / self.total if self.total else 0.0

    @property
    def bff_share(self) -> float | None:
        if self.bff_circular is None:
            return None
        return self.bff_circular / self.total if self.total else 0.0

    def fci_text(self) -> str:
        """The cycling index to three places, or its range when some entities were not traced."""
        low, high = self.cycling_index_range
        return f"{low:.3f}" if self.cycling_index is not None else f"{low:.3f} to {high:.3f}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "total": self.total,
            "circular": self.circular,
            "share": self.share,
            "circular_upper": self.circular_upper,
            "share_upper": self.share_upper,
            "bff_circular": self.bff_circular,
            "bff_share": self.bff_share,
            "cycling_index": self.cycling_index,
            "cycling_index_low": self.cycling_index_range[0],
            "cycling_index_high": self.cycling_index_range[1],
            "notes": list(self.notes),
            "unknown_deals_on_loops": list(self.unknown_on_loops),
            "carried_by": [{"loop": " -> ".join(c + c[:1]), "amount": a} for c, a in self.carriers],
            "entities": self.per_entity.to_dicts(),
        }


@dataclass(frozen=True)
class CircularityResult(Result):
    """Circularity of a ledger on the headline and firm bases."""

    bases: tuple[BasisCircularity, ...]

    def __getitem__(self, basis: str) -> BasisCircularity:
        for b in self.bases:
            if b.basis == basis:
                return b
        raise KeyError(basis)

    def only(self, basis: str) -> CircularityResult:
        """The same result on one basis."""
        return replace(self, bases=(self[basis],))

    def to_frame(self) -> pl.DataFrame:
        """Per entity and basis: money in and out, and how much of it is circular."""
        return pl.concat([b.per_entity.with_columns(basis=pl.lit(b.basis)) for b in self.bases]).select(
            "basis", pl.exclude("basis"))

    def overview(self) -> pl.DataFrame:
        """One row per basis with the network-level figures."""
        return pl.DataFrame([{k: v for k, v in b.to_dict().items() if not isinstance(v, list)} for b in self.bases])

    def to_dict(self) -> dict[str, Any]:
        return {"currency": self.currency, "notes": list(self.notes), "bases": [b.to_dict() for b in self.bases]}

    def __rich__(self):
        from rich.console import Group
        from rich.table import Table

        c = self.currency
        top = Table(title="Circularity", title_justify="left")
        for col in ("basis", "stated money", "circular", "share", "could be", "BFF share", "cycling index"):
            top.add_column(col, justify="left" if col == "basis" else "right")
        for b in self.bases:
            top.add_row(b.basis, fmt_money(b.total, c), fmt_money(b.circular, c), fmt_share(b.share),
                        fmt_share(b.share_upper), fmt_share(b.bff_share), b.fci_text())
        parts: list[Any] = [top]
        for b in self.bases:
            parts.extend(b.notes)
            if not b.carriers:
                continue
            t = Table(title=f"Loops carrying the maximum circulation ({b.basis})", title_justify="left")
            t.add_column("loop")
            t.add_column("amount", justify="right")
            carriers, more = terminal_rows(b.carriers)
            for cyc, amount in carriers:
                t.add_row(" -> ".join(cyc + cyc[:1]), fmt_money(amount, c))
            parts.extend([t, *more])
        ent = Table(title="Per entity (headline)", title_justify="left")
        for col in ("entity", "paid", "received", "circular", "share of paid", "could be"):
            ent.add_column(col, justify="left" if col == "entity" else "right")
        rows, more = terminal_rows(self.bases[0].per_entity.sort("circular", descending=True))
        for r in rows.iter_rows(named=True):
            ent.add_row(r["entity"], fmt_money(r["outflow"], c), fmt_money(r["inflow"], c), fmt_money(r["circular"], c),
                        fmt_share(r["circular_share_of_outflow"]), fmt_money(r["circular_upper"], c))
        parts.extend([ent, *more])
        for b in self.bases:
            if b.unknown_on_loops:
                parts.append(f"{b.basis}: deals of unknown amount on loops: {listed(b.unknown_on_loops, 50)}")
        return Group(*parts, *self.notes)


def circularity(ledger: Ledger, *, usd_per_gw: float | None = None) -> CircularityResult:
    """How much of a ledger's money is circular, on the headline and firm bases.

    Examples
    --------
    >>> from dealgraph import seed_ledger
    >>> res = circularity(seed_ledger())
    >>> head = res["headline"]
    >>> head.circular / 1e9, round(head.share, 4)
    (10.0, 0.0067)
    >>> head.circular_upper / 1e9
    83.0
    """
    fs = [flows(ledger, b, usd_per_gw=usd_per_gw) for b in BASES]
    # a large circulation is solved in a child process: the circulations of both bases, then what could be, two at a time
    jobs = [(_circulation, f) for f in fs] + [(_could_be, f) for f in fs if _open(f).any()]
    for _ in two_at_a_time(lambda job: job[0](ledger, job[1]), jobs):
        pass
    return CircularityResult(tuple(_on_basis(f, ledger) for f in fs), currency=ledger.currency,
                             notes=assumptions(fs[0], extra=_UNKNOWN_NOTE))


def circular_money(ledger: Ledger, *, usd_per_gw: float | None = None) -> tuple[float, float]:
    """Stated money and the maximum circulation in it, headline basis: ``circularity``'s first two figures alone.

    >>> from dealgraph import seed_ledger
    >>> [x / 1e9 for x in circular_money(seed_ledger())]
    [1483.0, 10.0]
    """
    f = flows(ledger, "headline", usd_per_gw=usd_per_gw)
    return float(f.amount.sum()), float(_circulation(ledger, f).sum())


def _circulation(ledger: Ledger, f: Flows) -> np.ndarray:
    """The maximum circulation on ``f``'s edges, computed once per ledger view and basis."""
    def compute() -> np.ndarray:
        with step(f"circularity: the maximum circulation ({f.basis}, {f.m:,} pairs)", whole=True):
            return edge_circulation(f.src, f.dst, f.amount, f.n)

    return ledger.derived(("circulation", f.basis, f.usd_per_gw), compute)


def _open(f: Flows) -> np.ndarray:
    """The edges whose amount is open: a deal of unknown amount, or a capacity priced by assumption (its true amount unknown)."""
    return (f.n_unknown > 0) | (f.n_priced > 0)


def _could_be(ledger: Ledger, f: Flows) -> np.ndarray:
    """The maximum circulation if every open edge could carry anything, once per ledger view and basis."""
    open_ = _open(f)
    if not open_.any():  # nothing could carry more than is stated: the same problem
        return _circulation(ledger, f)

    def compute() -> np.ndarray:
        with step(f"circularity: the most that could be circular ({f.basis})", whole=True):
            return edge_circulation(f.src, f.dst, f.amount, f.n, f.src[open_], f.dst[open_])

    return ledger.derived(("could be circular", f.basis, f.usd_per_gw), compute)


def _on_basis(f: Flows, ledger: Ledger) -> BasisCircularity:
    names = f.entities
    flow, upper = _circulation(ledger, f), _could_be(ledger, f)
    _, comp = connected_components(sp.csr_matrix((np.ones(f.m), (f.src, f.dst)), shape=(f.n, f.n)), directed=True,
                                   connection="strong")
    with step(f"circularity: BFF ({f.basis})"):
        bff, bff_note = _bff(f, comp)
    inputs, exits = f.balanced()
    shares = traced(ledger, f, exits, "balanced")
    through = f.paid.sum() + exits.sum()
    cycled = np.nansum(shares.own * f.paid)  # Finn: the cycled part of i's throughflow is what comes back of what it pays
    untraced = f.paid[~shares.traced].sum()
    fci = (cycled / through, (cycled + untraced) / through) if through else (0.0, 0.0)
    # deals of unknown amount whose edge lies inside a strongly connected block
    looped = np.isnan(f.row_amount) & (comp[f.src] == comp[f.dst])[f.edge_of_row]
    unknown_on_loops = tuple(ledger.table["id"].gather(np.sort(f.row_pos[looped])).to_list())
    outflow, inflow = f.paid, f.received
    circ = np.bincount(f.src, weights=flow, minlength=f.n)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_out = np.where(outflow > 0, circ / outflow, np.nan)
    per_entity = pl.DataFrame({
        "entity": list(names),
        "outflow": outflow,
        "inflow": inflow,
        "circular": circ,
        "circular_share_of_outflow": share_out,
        "circular_upper": np.bincount(f.src, weights=upper, minlength=f.n),
        "bff_circular": None if bff is None else np.bincount(f.src, weights=bff, minlength=f.n),
    }, schema_overrides={"bff_circular": pl.Float64}).with_columns(pl.col("circular_share_of_outflow").fill_nan(None))
    with step(f"circularity: the loops carrying the circulation ({f.basis})"):
        cycles = edge_cycles(f.src, f.dst, flow, f.n, limit=MAX_CARRIERS)
    carriers = tuple((tuple(names[i] for i in cyc), amt) for cyc, amt in cycles)
    return BasisCircularity(
        basis=f.basis,
        total=float(f.amount.sum()),
        circular=float(flow.sum()),
        circular_upper=float(upper.sum()),
        bff_circular=None if bff is None else float(bff.sum()),
        cycling_index=fci[0] if fci[0] == fci[1] else None,
        cycling_index_range=fci,
        unknown_on_loops=unknown_on_loops,
        per_entity=per_entity,
        carriers=carriers,
        notes=((traced_note(shares, f.basis),) if shares.untraced else ()) + ((bff_note,) if bff_note else ()),
    )


def _bff(f: Flows, comp: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    """BFF's circular flow per edge, one strongly connected block at a time (BFF never mixes blocks); ``None`` and the
    reason past the work it is given or the time limit."""
    inside = (comp[f.src] == comp[f.dst]) & (f.amount > 0)
    blocks, edges = np.unique(comp[f.src[inside]], return_counts=True)
    sizes = np.bincount(comp, minlength=f.n)[blocks]
    if (edges * sizes.astype(float) ** 3).sum() > BFF_WORK:
        return None, (f"BFF ({f.basis}): not computed; its cost (edges times size cubed of each strongly connected block) is "
                      f"above {BFF_WORK:.0e}, the work it is given.")
    out = np.zeros(f.m)
    for done, c in enumerate(blocks):
        if out_of_time():
            return None, stopped(f"BFF ({f.basis}) not computed ({done} of {len(blocks)} strongly connected blocks done)")
        tick(done, len(blocks))
        nodes = np.flatnonzero(comp == c)
        local = np.full(f.n, -1)
        local[nodes] = np.arange(len(nodes))
        on = np.flatnonzero(inside & (comp[f.src] == c))
        W = np.zeros((len(nodes), len(nodes)))
        W[local[f.src[on]], local[f.dst[on]]] = f.amount[on]
        C, _ = bff_decomposition(W)
        out[on] = C[local[f.src[on]], local[f.dst[on]]]
    return out, None
