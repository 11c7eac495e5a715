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

from .._results import Result, fmt_money, fmt_share
from ..matrix.circulation import bff_decomposition, decompose_circulation, max_circulation
from ..matrix.tracing import balance, cycling_index
from ..reading.ledger import Ledger
from .flows import BASES, Flows, assumptions, flows

__all__ = ["BasisCircularity", "CircularityResult", "circularity"]

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
    bff_circular: float
    cycling_index: float
    unknown_on_loops: tuple[str, ...]
    per_entity: pl.DataFrame
    carriers: tuple[tuple[tuple[str, ...], float], ...]

    @property
    def share(self) -> float:
        return self.circular / self.total if self.total else 0.0

    @property
    def share_upper(self) -> float:
        return self.circular_upper / self.total if self.total else 0.0

    @property
    def bff_share(self) -> float:
        return self.bff_circular / self.total if self.total else 0.0

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
                        fmt_share(b.share_upper), fmt_share(b.bff_share), f"{b.cycling_index:.3f}")
        parts: list[Any] = [top]
        for b in self.bases:
            if not b.carriers:
                continue
            t = Table(title=f"Loops carrying the maximum circulation ({b.basis})", title_justify="left")
            t.add_column("loop")
            t.add_column("amount", justify="right")
            for cyc, amount in b.carriers:
                t.add_row(" -> ".join(cyc + cyc[:1]), fmt_money(amount, c))
            parts.append(t)
        ent = Table(title="Per entity (headline)", title_justify="left")
        for col in ("entity", "paid", "received", "circular", "share of paid", "could be"):
            ent.add_column(col, justify="left" if col == "entity" else "right")
        for r in self.bases[0].per_entity.sort("circular", descending=True).iter_rows(named=True):
            ent.add_row(r["entity"], fmt_money(r["outflow"], c), fmt_money(r["inflow"], c), fmt_money(r["circular"], c),
                        fmt_share(r["circular_share_of_outflow"]), fmt_money(r["circular_upper"], c))
        parts.append(ent)
        for b in self.bases:
            if b.unknown_on_loops:
                parts.append(f"{b.basis}: deals of unknown amount on loops: {', '.join(b.unknown_on_loops)}")
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
    return CircularityResult(tuple(_on_basis(f, ledger) for f in fs), currency=ledger.currency,
                             notes=assumptions(fs[0], extra=_UNKNOWN_NOTE))


def _on_basis(f: Flows, ledger: Ledger) -> BasisCircularity:
    names = f.entities
    W = f.matrix()
    C = max_circulation(W)
    unknown = np.zeros_like(W, dtype=bool)
    # the true amount of a capacity priced by assumption is unknown too: "could be" lets it carry anything
    open_ = (f.n_unknown > 0) | (f.n_priced > 0)
    unknown[f.src[open_], f.dst[open_]] = True
    Cu_stated = max_circulation(W, uncapped=unknown)
    Cb, _ = bff_decomposition(W)
    inputs, exits = balance(W)
    fci = cycling_index(W, inputs, exits)
    # deals of unknown amount whose edge lies inside a strongly connected block
    support = sp.csr_matrix((np.ones(f.m), (f.src, f.dst)), shape=(f.n, f.n))
    _, comp = connected_components(support, directed=True, connection="strong")
    ids = ledger.table["id"].to_list()
    unknown_on_loops = tuple(ids[r] for r in sorted(
        r for e in range(f.m) if f.n_unknown[e] and comp[f.src[e]] == comp[f.dst[e]] for r in f.unknown_rows(e)))
    outflow, inflow = W.sum(axis=1), W.sum(axis=0)
    circ = C.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_out = np.where(outflow > 0, circ / outflow, np.nan)
    per_entity = pl.DataFrame({
        "entity": list(names),
        "outflow": outflow,
        "inflow": inflow,
        "circular": circ,
        "circular_share_of_outflow": share_out,
        "circular_upper": Cu_stated.sum(axis=1),
        "bff_circular": Cb.sum(axis=1),
    }).with_columns(pl.col("circular_share_of_outflow").fill_nan(None))
    carriers = tuple((tuple(names[i] for i in cyc), amt) for cyc, amt in decompose_circulation(C))
    return BasisCircularity(
        basis=f.basis,
        total=float(W.sum()),
        circular=float(C.sum()),
        circular_upper=float(Cu_stated.sum()),
        bff_circular=float(Cb.sum()),
        cycling_index=fci,
        unknown_on_loops=unknown_on_loops,
        per_entity=per_entity,
        carriers=carriers,
    )
