"""Dependency: how concentrated each entity's funding, revenue and suppliers are.

Directions: **revenue** is money an entity receives for what it sells (every kind but
equity and loans), **funding** is money it receives as equity or loans (never called
revenue), **out** is money it pays. Shares are of stated amounts in the ledger; relations
whose amount is unknown are counted in ``unknown_relations`` and left out of the shares.
Where the entity table gives an entity's reported annual revenue, each customer's ledger
revenue is also shown as a share of it (``reported``): the ledger's money is the whole term
of each deal unless the ledger is one year's view (``Ledger.in_year``), and says so.

- HHI: ``10,000 * sum(share**2)`` over counterparties (0 to 10,000). The
  2023 US Merger Guidelines call a market above 1,800 highly concentrated;
  dealgraph also marks 1,000 to 1,800 as moderately concentrated.
- Effective number of counterparties: ``10,000 / HHI``.
- Customers at or above 10% of revenue: the disclosure threshold of US
  segment reporting (ASC 280).
- Largest exposure: the most an entity stands to lose if one counterparty
  stops paying it, against its buffer; 10% of the buffer marks a large
  exposure and 25% the limit, as in bank large-exposure rules (Basel LEX);
  *vulnerable* when one counterparty's failure alone exceeds the buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from .._errors import MatrixError
from .._results import Result, fmt_money, fmt_share
from ..matrix.tracing import edge_return_shares
from ..reading.entities import EntityTable, read_entities
from ..reading.ledger import KINDS, Ledger
from .flows import Basis, assumptions, flows

__all__ = ["DependencyResult", "dependency", "hhi"]

HIGHLY_CONCENTRATED = 1800.0
MODERATELY_CONCENTRATED = 1000.0
MAJOR_CUSTOMER = 0.10
LARGE_EXPOSURE, EXPOSURE_LIMIT = 0.10, 0.25
CLOUD_KINDS, CHIP_KINDS = ("cloud",), ("chips", "compute")
FUNDING_KINDS = ("equity", "loan")
REVENUE_KINDS = tuple(k for k in KINDS if k not in FUNDING_KINDS)


def hhi(shares) -> float:
    """Herfindahl-Hirschman index on the 0-10,000 scale.

    ``shares`` may be amounts or fractions; they are normalised to sum 1.

    >>> hhi([50, 50]), hhi([1.0]), round(hhi([0.6, 0.3, 0.1]))
    (5000.0, 10000.0, 4600)
    """
    s = np.asarray(shares, dtype=float)
    if (s < 0).any() or not np.isfinite(s).all():
        raise MatrixError("shares must be finite and non-negative")
    total = s.sum()
    return 0.0 if total == 0 else float(10_000 * ((s / total) ** 2).sum())


def _level(h: float) -> str:
    if h > HIGHLY_CONCENTRATED:
        return "highly concentrated"
    return "moderately concentrated" if h >= MODERATELY_CONCENTRATED else "unconcentrated"


@dataclass(frozen=True)
class DependencyResult(Result):
    """Concentration, exposures, multi-homing, own money returning, single points of failure."""

    concentration: pl.DataFrame
    reported: pl.DataFrame
    exposures: pl.DataFrame
    multihoming: pl.DataFrame
    own_money: pl.DataFrame
    single_points: pl.DataFrame

    def to_frame(self) -> pl.DataFrame:
        """The concentration table (entity, direction, kind)."""
        return self.concentration

    def to_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency, "notes": list(self.notes),
            "concentration": self.concentration.to_dicts(), "reported_revenue": self.reported.to_dicts(),
            "exposures": self.exposures.to_dicts(),
            "multihoming": self.multihoming.to_dicts(), "own_money": self.own_money.to_dicts(),
            "single_points_of_failure": self.single_points.to_dicts(),
        }

    def __rich__(self):
        from rich.console import Group
        from rich.table import Table

        c = self.currency
        t = Table(title="Concentration (all kinds)", title_justify="left")
        for col in ("entity", "direction", "stated", "counterparties", "HHI", "effective n", "top counterparty", "level",
                    "≥10% customers", "unknown"):
            t.add_column(col, justify="right" if col in ("stated", "counterparties", "HHI", "effective n", "unknown") else "left")
        for r in self.concentration.filter(pl.col("kind") == "all", pl.col("counterparties") > 0).iter_rows(named=True):
            t.add_row(r["entity"], r["direction"], fmt_money(r["total"], c), str(r["counterparties"]), f"{r['hhi']:.0f}",
                      f"{r['effective_n']:.2f}", f"{r['top_counterparty']} ({fmt_share(r['top_share'])})", r["level"],
                      ", ".join(r["major_customers"]) or "-", str(r["unknown_relations"]))
        v = Table(title="Customers' ledger money against reported annual revenue", title_justify="left")
        for col in ("entity", "customer", "ledger money", "share of ledger revenue", "reported revenue", "as of", "share of reported"):
            v.add_column(col, justify="left" if col in ("entity", "customer", "as of") else "right")
        for r in self.reported.iter_rows(named=True):
            v.add_row(r["entity"], r["counterparty"], fmt_money(r["ledger_revenue"], c), fmt_share(r["share_of_ledger_revenue"]),
                      fmt_money(r["reported_revenue"], c), r["as_of"] or "-", fmt_share(r["share_of_reported_revenue"]))
        e = Table(title="Largest single exposure against the buffer", title_justify="left")
        for col in ("entity", "counterparty", "exposure", "buffer", "of buffer", "flags"):
            e.add_column(col, justify="right" if col in ("exposure", "buffer", "of buffer") else "left")
        for r in self.exposures.filter(pl.col("exposure") > 0).sort("exposure_to_buffer", descending=True,
                                                                      nulls_last=True).iter_rows(named=True):
            flags = [f for f, on in (("vulnerable", r["vulnerable"]), ("over 25% limit", r["over_limit"]),
                                     ("large (10%)", r["large"])) if on]
            e.add_row(r["entity"], r["counterparty"], fmt_money(r["exposure"], c),
                      fmt_money(r["buffer"], c) + (" (assumed)" if r["buffer_assumed"] else ""),
                      fmt_share(r["exposure_to_buffer"]), ", ".join(flags[:1]) or "-")
        m = Table(title="Multi-homing", title_justify="left")
        for col in ("entity", "cloud providers it pays", "model makers it serves", "chip suppliers"):
            m.add_column(col, justify="left" if col == "entity" else "right")
        for r in self.multihoming.iter_rows(named=True):
            if r["cloud_providers"] or r["cloud_customers"] or r["chip_suppliers"]:
                m.add_row(r["entity"], str(r["cloud_providers"]), str(r["cloud_customers"]), str(r["chip_suppliers"]))
        o = Table(title="Own money returning as revenue", title_justify="left")
        for col in ("entity", "revenue from", "revenue", "funded by the entity", "amount"):
            o.add_column(col, justify="right" if col in ("revenue", "funded by the entity", "amount") else "left")
        for r in self.own_money.filter(pl.col("own_share") > 0).sort("own_money", descending=True).iter_rows(named=True):
            o.add_row(r["entity"], r["counterparty"], fmt_money(r["revenue"], c), fmt_share(r["own_share"]),
                      fmt_money(r["own_money"], c))
        s = Table(title="Single points of failure", title_justify="left")
        for col in ("entity", "pays others", "share of others' inflow"):
            s.add_column(col, justify="left" if col == "entity" else "right")
        for r in self.single_points.head(5).iter_rows(named=True):
            s.add_row(r["entity"], fmt_money(r["pays_others"], c), fmt_share(r["share_of_others_inflow"]))
        return Group(t, v, e, m, o, s, *self.notes)


def dependency(ledger: Ledger, *, basis: Basis = "headline", usd_per_gw: float | None = None,
               entities: EntityTable | None = None, assume_buffer: float | None = None) -> DependencyResult:
    """Who depends on whom: concentration, exposures, multi-homing, own money, single points of failure.

    Examples
    --------
    >>> from dealgraph import seed_ledger
    >>> dep = dependency(seed_ledger())
    >>> ms = dep.concentration.filter(entity="Microsoft", direction="revenue", kind="all").row(0, named=True)
    >>> ms["top_counterparty"], ms["hhi"]
    ('Anthropic', 10000.0)
    """
    f = flows(ledger, basis, usd_per_gw=usd_per_gw)
    names = f.entities
    n = f.n
    kinds = ledger.table["kind"].cast(pl.String).to_numpy()
    # per (edge, kind) stated amounts, from the rows on the basis
    row_kind = np.array([kinds[p] for p in f.row_pos], dtype=object)
    edge_of_row = np.repeat(np.arange(f.m), np.diff(f.row_ptr))
    known = ~np.isnan(f.row_amount)

    def matrices(kinds_: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Stated amounts and counts of unknown-amount rows per (payer, payee), over rows of ``kinds_``."""
        sel = np.isin(row_kind, kinds_)
        W, U = np.zeros((n, n)), np.zeros((n, n), dtype=int)
        e = edge_of_row[sel & known]
        np.add.at(W, (f.src[e], f.dst[e]), f.row_amount[sel & known])
        np.add.at(U, (f.src[edge_of_row[sel & ~known]], f.dst[edge_of_row[sel & ~known]]), 1)
        return W, U

    rows: list[dict[str, Any]] = []
    for kind in ("all", *KINDS):
        if kind == "all":
            views = [("revenue", REVENUE_KINDS), ("funding", FUNDING_KINDS), ("out", KINDS)]
        else:
            views = [("funding" if kind in FUNDING_KINDS else "revenue", (kind,)), ("out", (kind,))]
        for direction, kinds_ in views:
            W, U = matrices(kinds_)
            M, UU = (W, U) if direction == "out" else (W.T, U.T)
            for i in range(n):
                amounts, unknown = M[i], int(UU[i].sum())
                if amounts.sum() == 0 and unknown == 0:
                    continue
                rows.append(_concentration_row(names, i, direction, kind, amounts, unknown))
    concentration = pl.DataFrame(rows, schema=_CONC_SCHEMA)

    W = f.matrix()
    table = entities if entities is not None else read_entities(aliases=ledger.aliases)
    buf = table.buffers(names, W.sum(axis=1), assume=assume_buffer)
    top = W.argmax(axis=0) if n else np.zeros(0, dtype=np.int64)
    exposure = W.max(axis=0, initial=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(buf.values > 0, exposure / buf.values, np.where(exposure > 0, np.inf, 0.0))
    ratio = np.where(buf.assessed, ratio, np.nan)  # not assessed: no ratio, no flag
    sold, _ = matrices(REVENUE_KINDS)
    facts = {r["entity"]: r for r in table.frame.iter_rows(named=True)}
    reported_rows = []
    for seller in np.flatnonzero(~np.isnan(buf.revenue) & (sold.sum(axis=0) > 0)).tolist():
        for buyer in np.flatnonzero(sold[:, seller] > 0).tolist():
            got = sold[buyer, seller]
            reported_rows.append({"entity": names[seller], "counterparty": names[buyer], "ledger_revenue": got,
                                  "share_of_ledger_revenue": got / sold[:, seller].sum(), "reported_revenue": buf.revenue[seller],
                                  "share_of_reported_revenue": got / buf.revenue[seller], "as_of": facts[names[seller]]["as_of"]})
    reported = pl.DataFrame(reported_rows, schema=_REPORTED_SCHEMA).sort("share_of_reported_revenue", descending=True)
    exposures = pl.DataFrame({
        "entity": list(names),
        "counterparty": [names[j] if exposure[i] > 0 else None for i, j in enumerate(top)],
        "exposure": exposure,
        "buffer": pl.Series(buf.values).fill_nan(None),
        "buffer_assumed": buf.assumed,
        "buffer_basis": list(buf.basis),
        "exposure_to_buffer": ratio,
        "large": ratio >= LARGE_EXPOSURE,
        "over_limit": ratio > EXPOSURE_LIMIT,
        "vulnerable": ratio > 1.0,
    }).with_columns(pl.col("exposure_to_buffer").replace(np.inf, None).fill_nan(None))

    def distinct(kinds_: tuple[str, ...], direction: str) -> list[int]:
        sel = np.isin(row_kind, kinds_)
        e = np.unique(edge_of_row[sel])
        A = np.zeros((n, n), bool)
        A[f.src[e], f.dst[e]] = True
        return (A.sum(axis=1) if direction == "out" else A.sum(axis=0)).astype(int).tolist()

    multihoming = pl.DataFrame({
        "entity": list(names),
        "cloud_providers": distinct(CLOUD_KINDS, "out"),
        "cloud_customers": distinct(CLOUD_KINDS, "in"),
        "chip_suppliers": distinct(CHIP_KINDS, "out"),
    })

    # own money returning: share of the payer's money that the receiving entity funded (backward tracing)
    inputs, _ = f.balanced()
    paid_edges = f.amount > 0
    src, dst, amt = f.src[paid_edges], f.dst[paid_edges], f.amount[paid_edges]
    # traced backwards (the reversed graph, outside money as its exits): the share of src's money that came from dst
    origin, _ = edge_return_shares(dst, src, amt, n, inputs)
    own_money = pl.DataFrame({
        "entity": [names[j] for j in dst],
        "counterparty": [names[i] for i in src],
        "revenue": amt,
        "own_share": origin,
        "own_money": amt * origin,
    }, schema={"entity": pl.String, "counterparty": pl.String, "revenue": pl.Float64, "own_share": pl.Float64,
               "own_money": pl.Float64})

    inflow = W.sum(axis=0)
    others_inflow = inflow.sum() - inflow
    pays_others = W.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        spof_share = np.where(others_inflow > 0, pays_others / others_inflow, 0.0)
    single_points = pl.DataFrame({"entity": list(names), "pays_others": pays_others,
                                  "share_of_others_inflow": spof_share}).sort("share_of_others_inflow", descending=True)
    notes = assumptions(f, extra="Unknown amounts: counted as relations (unknown_relations), left out of shares and exposures.")
    period = "the whole term of each deal" if ledger.year is None else f"its money in {ledger.year}"
    notes += (f"Reported revenue: a customer's ledger money ({period}) against the entity's reported annual revenue from the entity "
              "table (as of its date, with its source); equity and loans received are funding, never revenue.",
              buf.note(names), "Own money: proportional backward tracing of the payer's money to where it came from "
              "(the fungibility assumption).")
    return DependencyResult(concentration, reported, exposures, multihoming, own_money, single_points, currency=ledger.currency,
                            notes=notes)


_REPORTED_SCHEMA: dict[str, Any] = {
    "entity": pl.String, "counterparty": pl.String, "ledger_revenue": pl.Float64, "share_of_ledger_revenue": pl.Float64,
    "reported_revenue": pl.Float64, "share_of_reported_revenue": pl.Float64, "as_of": pl.String,
}
_CONC_SCHEMA: dict[str, Any] = {
    "entity": pl.String, "direction": pl.String, "kind": pl.String, "total": pl.Float64, "counterparties": pl.Int64,
    "hhi": pl.Float64, "effective_n": pl.Float64, "top_counterparty": pl.String, "top_share": pl.Float64,
    "level": pl.String, "major_customers": pl.List(pl.String), "unknown_relations": pl.Int64,
}


def _concentration_row(names, i, direction, kind, amounts, unknown) -> dict[str, Any]:
    total = float(amounts.sum())
    h = hhi(amounts) if total > 0 else None
    top = int(amounts.argmax())
    shares = amounts / total if total > 0 else amounts
    major = [names[j] for j in np.flatnonzero(shares >= MAJOR_CUSTOMER)] if direction == "revenue" and total > 0 else []
    return {
        "entity": names[i], "direction": direction, "kind": kind, "total": total,
        "counterparties": int((amounts > 0).sum()), "hhi": h, "effective_n": 10_000 / h if h else None,
        "top_counterparty": names[top] if total > 0 else None, "top_share": float(shares[top]) if total > 0 else None,
        "level": _level(h) if h is not None else "unknown", "major_customers": major, "unknown_relations": unknown,
    }
