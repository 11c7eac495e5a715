"""Round trips: of a dollar an entity pays out, how much comes back to it.

Money is traced proportionally (see :data:`dealgraph.FUNGIBILITY`). Each
entity is balanced first: one that pays more than it receives adds outside
money, one that receives more keeps the difference (money that leaves the
network). ``return_share`` of a deal ``A -> B`` is the share of a dollar A
pays B that reaches A again, directly or through any chain; an entity's
``return_share`` is the same over all it pays.

Both bases follow the money through the same network, the headline one (where it really
goes): on the firm basis only firm money counts, on every hop from the first to the last, so
the firm money that comes back never exceeds the headline money that comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from .._results import OnBases, fmt_money, fmt_share, terminal_rows
from .._work import stopped
from ..matrix.tracing import EXACT_NODES, FUNGIBILITY, EdgeShares
from ..reading.ledger import Ledger
from .flows import BASES, Flows, assumptions, flows, traced

__all__ = ["RoundTripsResult", "round_trips", "traced_note"]

_UNKNOWN_NOTE = "Unknown amounts are left out of the tracing: money can only be traced along stated amounts."
_FIRM_NOTE = ("Firm round trips: money traced through the whole network, counting only what travels on firm deals all the way "
              "round, so firm never exceeds headline.")


@dataclass(frozen=True)
class RoundTripsResult(OnBases):
    """Return shares per entity and per deal (aggregated per pair), on both bases."""

    entities: pl.DataFrame
    deals: pl.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "assumption": FUNGIBILITY,
            "notes": list(self.notes),
            "entities": self.entities.to_dicts(),
            "deals": self.deals.to_dicts(),
        }

    def __rich__(self):
        from rich.console import Group
        from rich.table import Table

        c = self.currency
        parts: list[Any] = []
        for basis in self.entities["basis"].unique(maintain_order=True).to_list():
            ent = self.entities.filter(pl.col("basis") == basis, pl.col("paid") > 0).sort("return_share", descending=True)
            t = Table(title=f"Round trips per entity ({basis})", title_justify="left")
            for col in ("entity", "paid", "comes back", "share", "outside money"):
                t.add_column(col, justify="left" if col == "entity" else "right")
            rows, more = terminal_rows(ent)
            for r in rows.iter_rows(named=True):
                t.add_row(r["entity"], fmt_money(r["paid"], c), fmt_money(r["returned"], c), fmt_share(r["return_share"]),
                          fmt_money(r["outside_money"], c))
            parts.extend([t, *more])
        first = self.deals["basis"][0] if self.deals.height else "headline"
        deals = self.deals.filter(pl.col("basis") == first, pl.col("return_share") > 0).sort("returned", descending=True)
        t = Table(title=f"Deals whose money comes back ({first})", title_justify="left")
        for col in ("deal", "kinds", "amount", "share back", "comes back"):
            t.add_column(col, justify="right" if col in ("amount", "share back", "comes back") else "left")
        rows, more = terminal_rows(deals)
        for r in rows.iter_rows(named=True):
            amount = "unknown" if r["unknown_deals"] and not r["amount"] else fmt_money(r["amount"], c)
            t.add_row(f"{r['source']} -> {r['target']}", r["kinds"], amount,
                      fmt_share(r["return_share"]), fmt_money(r["returned"], c))
        parts.extend([t, *more])
        return Group(*parts, FUNGIBILITY, *self.notes)


def round_trips(ledger: Ledger, *, usd_per_gw: float | None = None) -> RoundTripsResult:
    """Of each dollar paid, the share that comes back to the payer.

    Examples
    --------
    >>> from dealgraph import seed_ledger
    >>> rt = round_trips(seed_ledger())
    >>> row = rt.entities.filter(entity="Anthropic", basis="headline").row(0, named=True)
    >>> round(row["return_share"], 4)
    0.1667
    """
    ent, deals = [], []
    fs = [flows(ledger, b, usd_per_gw=usd_per_gw) for b in BASES]
    inputs, exits = fs[0].balanced()
    through = fs[0].paid + exits  # what passes through each entity of the headline network
    bounds = []
    for f in fs:
        # a dollar at i moves on with probability W[i, j] / through[i]: on the firm basis the rest (non-firm hops) leaves the count
        if f is fs[0]:
            shares = traced(ledger, f, exits, "balanced")
        else:
            shares = traced(ledger, f, np.maximum(through - f.paid, 0.0), "through the headline network")
        e, d = _on_basis(f, inputs, shares, ledger.table)
        ent.append(e)
        deals.append(d)
        if shares.untraced:
            bounds.append(traced_note(shares, f.basis))
    notes = (*assumptions(fs[0], extra=_UNKNOWN_NOTE), _FIRM_NOTE, *bounds)
    return RoundTripsResult(pl.concat(ent), pl.concat(deals), currency=ledger.currency, notes=notes)


def traced_note(shares: EdgeShares, basis: str) -> str:
    """What a bounded tracing left out, in words."""
    if shares.cut:
        return stopped(f"{shares.untraced:,} entities ({basis}) were not traced and their shares are left empty, not guessed")
    return (f"Bound ({basis}): in strongly connected components of more than {EXACT_NODES:,} entities, the {shares.iterated:,} "
            f"with the most money through them were traced by iteration (error at most {shares.error:.0e}); "
            f"{shares.untraced:,} were not traced and their shares are left empty, not guessed.")


def _on_basis(f: Flows, inputs: np.ndarray, shares: EdgeShares, table: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    back, share = shares.edge, shares.own
    paid, received = f.paid, f.received
    entities = pl.DataFrame({
        "basis": [f.basis] * f.n,
        "entity": list(f.entities),
        "paid": paid,
        "received": received,
        "outside_money": inputs,
        "return_share": share,
        "returned": share * paid,
    })
    deals = pl.DataFrame({
        "basis": [f.basis] * f.m,
        "source": [f.entities[i] for i in f.src],
        "target": [f.entities[j] for j in f.dst],
        "kinds": f.joined(table["kind"], distinct=True),
        "deals": f.joined(table["id"]),
        "amount": f.amount,
        "unknown_deals": f.n_unknown,
        "return_share": back,
        "returned": back * f.amount,
    }, schema_overrides={"amount": pl.Float64, "return_share": pl.Float64, "returned": pl.Float64})
    untraced = [pl.col(c).fill_nan(None) for c in ("return_share", "returned")]  # not traced: empty, never a number
    return entities.with_columns(untraced), deals.with_columns(untraced)
