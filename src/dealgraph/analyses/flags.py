"""The three tests of a harmful circular deal, per entity: flags with their figures, never verdicts.

Round-tripping is not wrong in itself; three features make it a risk to others (they are
what accounting and securities rules look for in vendor financing and round-trip revenue):

1. **Outside equity funds the loop.** Of what an entity on a loop pays to other members of
   its circular core, the share that equity and loans from outside the core could cover. The
   loop then turns on outside investors' money, not on earnings. Flag at half or more.
2. **Hidden leverage.** The entity's stated commitments still to be paid (committed, letters
   of intent, rumoured; live deals of every kind but closed ones) against its equity, else
   its reported annual revenue (from the entity table). Flag when the commitments are at
   least as large (a ratio of 1 or more). Not assessed without either figure.
3. **Revenue from its own investees.** What the entity is paid for what it sells (every kind
   but equity and loans) by entities it has invested in, as a share of its reported annual
   revenue, else of its revenue in the ledger (said which). Flag at 10% or more, the US
   segment-reporting threshold for a major customer (ASC 280).

Ledger money is the whole term of each deal unless the ledger is one year's view
(``Ledger.in_year``); the result says which. Amounts unknown in the ledger are left out and
counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from .._results import Result, fmt_money, fmt_share, terminal_rows
from ..reading.entities import EntityTable
from ..reading.ledger import Ledger, live_rows
from .core import core_labels
from .dependency import FUNDING_KINDS, MAJOR_CUSTOMER
from .flows import assumptions, flows, row_amounts

__all__ = ["FLAG_TESTS", "FlagsResult", "circular_deal_flags"]

FLAG_TESTS = ("outside equity funds the loop", "hidden leverage", "revenue from own investees")
OUTSIDE_FUNDED, LEVERAGE, OWN_INVESTEES = 0.5, 1.0, MAJOR_CUSTOMER


@dataclass(frozen=True)
class FlagsResult(Result):
    """One row per entity and test: ``flagged`` (null when the data do not allow the test), the
    ``figure`` (a share or ratio: ``amount`` over ``base``, the base being ``base_label``), its
    ``threshold``, and in words what it counts (``measure``)."""

    flags: pl.DataFrame

    def to_frame(self) -> pl.DataFrame:
        return self.flags

    def raised(self) -> pl.DataFrame:
        """The flags raised, largest figure first within each test."""
        return self.flags.filter(pl.col("flagged").fill_null(False)).sort("test", "figure", descending=[False, True])

    def to_dict(self) -> dict[str, Any]:
        return {"currency": self.currency, "notes": list(self.notes), "tests": list(FLAG_TESTS), "flags": self.flags.to_dicts()}

    def __rich__(self):
        from rich.console import Group
        from rich.table import Table

        t = Table(title="Flags of a harmful circular deal (figures, not verdicts)", title_justify="left")
        for col in ("entity", "test", "flag", "figure", "threshold", "what it counts"):
            t.add_column(col, justify="right" if col in ("figure", "threshold") else "left")
        rows, more = terminal_rows(self.flags.filter(pl.col("figure").is_not_null() | pl.col("flagged").is_not_null())
                                   .sort("flagged", "figure", descending=True, nulls_last=True))
        for r in rows.iter_rows(named=True):
            share = r["test"] != "hidden leverage"
            figure = "-" if r["figure"] is None else fmt_share(r["figure"]) if share else f"{r['figure']:.2f}x"
            threshold = fmt_share(r["threshold"]) if share else f"{r['threshold']:.2f}x"
            t.add_row(r["entity"], r["test"], "not assessed" if r["flagged"] is None else "FLAG" if r["flagged"] else "-",
                      figure, threshold, r["measure"])
        return Group(t, *more, *self.notes)


def circular_deal_flags(ledger: Ledger, *, usd_per_gw: float | None = None, entities: EntityTable | None = None) -> FlagsResult:
    """The three tests of a harmful circular deal for every entity (headline basis).

    >>> from dealgraph import seed_ledger
    >>> f = circular_deal_flags(seed_ledger())
    >>> f.raised().select("entity", "test").rows()
    [('OpenAI', 'hidden leverage'), ('Microsoft', 'revenue from own investees')]
    """
    names, n, cur = ledger.entities, len(ledger.entities), ledger.currency
    t = ledger.table
    on, amount = row_amounts(ledger, "headline", usd_per_gw)
    amt = amount.to_numpy(allow_copy=True).astype(float)
    known = on.to_numpy() & ~np.isnan(amt)
    src, dst = t["source"].to_numpy(), t["target"].to_numpy()
    kind = t["kind"].cast(pl.String).to_numpy()
    funding = np.isin(kind, FUNDING_KINDS)
    facts = {r["entity"]: r for r in ledger.facts(entities).frame.iter_rows(named=True)}
    core = core_labels(flows(ledger, "headline", usd_per_gw=usd_per_gw))
    same_core = (core[src] == core[dst]) & (core[src] >= 0)
    period = "whole term" if ledger.year is None else str(ledger.year)

    def per(mask: np.ndarray, by: np.ndarray) -> np.ndarray:
        return np.bincount(by[mask & known], weights=amt[mask & known], minlength=n)

    rows: list[dict[str, Any]] = []
    # 1. outside equity and loans against what the entity pays into its core
    into_core = per(same_core, src)
    outside_funding = per(funding & ~same_core, dst)
    for i in range(n):
        if into_core[i] > 0:
            share = min(1.0, outside_funding[i] / into_core[i])
            rows.append(_row(names[i], 0, share >= OUTSIDE_FUNDED, share, OUTSIDE_FUNDED, outside_funding[i], into_core[i],
                             "payments into its core",
                             f"equity and loans from outside its core ({fmt_money(outside_funding[i], cur)}) against what it pays into "
                             f"the core ({fmt_money(into_core[i], cur)}), {period}"))
    # 2. commitments still to be paid against equity, else reported revenue
    pending = live_rows(t).to_numpy() & ~t["status"].cast(pl.String).is_in(["closed"]).to_numpy()
    owed = per(pending, src)
    for i in range(n):
        if owed[i] <= 0:
            continue
        rec = facts.get(names[i], {})
        base, label = ((rec["equity"], "equity") if rec.get("equity") else (rec["revenue"], "reported annual revenue")
                       if rec.get("revenue") else (None, "equity or revenue"))
        what = f"stated commitments still to be paid ({fmt_money(owed[i], cur)}, {period})"
        if base is None:
            rows.append(_row(names[i], 1, None, None, LEVERAGE, owed[i], None, label,
                             what + " against equity or revenue: neither is in the entity table"))
        else:
            ratio = owed[i] / base
            rows.append(_row(names[i], 1, ratio >= LEVERAGE, ratio, LEVERAGE, owed[i], base, label,
                             f"{what} against its {label} ({fmt_money(base, cur)}, as of {rec.get('as_of') or '?'})"))
    # 3. revenue from entities it has invested in
    stakes = on.to_numpy() & (kind == "equity")
    investor = np.bincount(src[stakes], minlength=n) > 0
    sells = known & ~funding
    ledger_revenue = per(sells, dst)
    from_investees = per(sells & np.isin(dst * n + src, src[stakes] * n + dst[stakes]), dst)  # the payer is the payee's investee
    for i in range(n):
        if not investor[i] or ledger_revenue[i] <= 0:
            continue
        rec = facts.get(names[i], {})
        base, label = (rec["revenue"], "reported annual revenue") if rec.get("revenue") else (ledger_revenue[i], "revenue in the ledger")
        share = from_investees[i] / base
        rows.append(_row(names[i], 2, share >= OWN_INVESTEES, share, OWN_INVESTEES, from_investees[i], base, label,
                         f"paid by its investees ({fmt_money(from_investees[i], cur)}, {period}) against its {label} "
                         f"({fmt_money(base, cur)}{', as of ' + (rec.get('as_of') or '?') if label.startswith('reported') else ''})"))
    frame = pl.DataFrame(rows, schema=_SCHEMA).sort("entity", "test")
    notes = (*assumptions(flows(ledger, "headline", usd_per_gw=usd_per_gw)),
             "Flags are figures against thresholds, not verdicts: outside equity funding the loop at 50% or more, commitments at "
             "least equal to equity (else revenue), 10% or more of revenue from its own investees.",
             f"Unknown amounts are left out of every figure ({int((on & amount.is_null()).sum())} live deals).")
    return FlagsResult(frame, currency=cur, notes=notes)


_SCHEMA: dict[str, Any] = {"entity": pl.String, "test": pl.String, "flagged": pl.Boolean, "figure": pl.Float64,
                           "threshold": pl.Float64, "amount": pl.Float64, "base": pl.Float64, "base_label": pl.String,
                           "measure": pl.String}


def _row(entity: str, test: int, flagged: bool | None, figure: float | None, threshold: float, amount: float,
         base: float | None, base_label: str, measure: str) -> dict[str, Any]:
    return {"entity": entity, "test": FLAG_TESTS[test], "flagged": None if flagged is None else bool(flagged), "figure": figure,
            "threshold": threshold, "amount": float(amount), "base": None if base is None else float(base),
            "base_label": base_label, "measure": measure}

