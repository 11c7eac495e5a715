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

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from .._errors import MatrixError
from .._results import Result, fmt_money, fmt_share, terminal_rows
from .._work import step
from ..matrix.tracing import EdgeShares, edge_return_shares
from ..reading.entities import EntityTable
from ..reading.ledger import KINDS, Ledger
from .flows import Basis, assumptions, flows
from .round_trips import traced_note

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
        rows, cut = terminal_rows(self.concentration.filter(pl.col("kind") == "all", pl.col("counterparties") > 0)
                                  .sort("total", descending=True))
        more = [*cut]
        for r in rows.iter_rows(named=True):
            t.add_row(r["entity"], r["direction"], fmt_money(r["total"], c), str(r["counterparties"]), f"{r['hhi']:.0f}",
                      f"{r['effective_n']:.2f}", f"{r['top_counterparty']} ({fmt_share(r['top_share'])})", r["level"],
                      ", ".join(r["major_customers"]) or "-", str(r["unknown_relations"]))
        v = Table(title="Customers' ledger money against reported annual revenue", title_justify="left")
        for col in ("entity", "customer", "ledger money", "share of ledger revenue", "reported revenue", "as of", "share of reported"):
            v.add_column(col, justify="left" if col in ("entity", "customer", "as of") else "right")
        rows, cut = terminal_rows(self.reported)
        more += cut
        for r in rows.iter_rows(named=True):
            v.add_row(r["entity"], r["counterparty"], fmt_money(r["ledger_revenue"], c), fmt_share(r["share_of_ledger_revenue"]),
                      fmt_money(r["reported_revenue"], c), r["as_of"] or "-", fmt_share(r["share_of_reported_revenue"]))
        e = Table(title="Largest single exposure against the buffer", title_justify="left")
        for col in ("entity", "counterparty", "exposure", "buffer", "of buffer", "flags"):
            e.add_column(col, justify="right" if col in ("exposure", "buffer", "of buffer") else "left")
        rows, cut = terminal_rows(self.exposures.filter(pl.col("exposure") > 0).sort("exposure_to_buffer", descending=True,
                                                                                     nulls_last=True))
        more += cut
        for r in rows.iter_rows(named=True):
            flags = [f for f, on in (("vulnerable", r["vulnerable"]), ("over 25% limit", r["over_limit"]),
                                     ("large (10%)", r["large"])) if on]
            e.add_row(r["entity"], r["counterparty"], fmt_money(r["exposure"], c),
                      fmt_money(r["buffer"], c) + (" (assumed)" if r["buffer_assumed"] else ""),
                      fmt_share(r["exposure_to_buffer"]), ", ".join(flags[:1]) or "-")
        m = Table(title="Multi-homing", title_justify="left")
        for col in ("entity", "cloud providers it pays", "model makers it serves", "chip suppliers"):
            m.add_column(col, justify="left" if col == "entity" else "right")
        rows, cut = terminal_rows(self.multihoming.filter(
            (pl.col("cloud_providers") > 0) | (pl.col("cloud_customers") > 0) | (pl.col("chip_suppliers") > 0)))
        more += cut
        for r in rows.iter_rows(named=True):
            m.add_row(r["entity"], str(r["cloud_providers"]), str(r["cloud_customers"]), str(r["chip_suppliers"]))
        o = Table(title="Own money returning as revenue", title_justify="left")
        for col in ("entity", "revenue from", "revenue", "funded by the entity", "amount"):
            o.add_column(col, justify="right" if col in ("revenue", "funded by the entity", "amount") else "left")
        rows, cut = terminal_rows(self.own_money.filter(pl.col("own_share") > 0).sort("own_money", descending=True))
        more += cut
        for r in rows.iter_rows(named=True):
            o.add_row(r["entity"], r["counterparty"], fmt_money(r["revenue"], c), fmt_share(r["own_share"]),
                      fmt_money(r["own_money"], c))
        s = Table(title="Single points of failure", title_justify="left")
        for col in ("entity", "pays others", "share of others' inflow"):
            s.add_column(col, justify="left" if col == "entity" else "right")
        for r in self.single_points.head(5).iter_rows(named=True):
            s.add_row(r["entity"], fmt_money(r["pays_others"], c), fmt_share(r["share_of_others_inflow"]))
        return Group(t, v, e, m, o, s, *dict.fromkeys(more), *self.notes)


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
    edge_of_row = f.edge_of_row
    # one row per ledger row on the basis: payer, payee, kind, stated amount (null: unknown)
    rows_on = pl.DataFrame({
        "payer": f.src[edge_of_row], "payee": f.dst[edge_of_row],
        "kind": ledger.table["kind"].cast(pl.String).gather(f.row_pos),
        "amount": pl.Series(f.row_amount, dtype=pl.Float64).fill_nan(None),
    })

    @functools.cache  # the views share kinds: each set grouped once
    def pairs(kinds_: tuple[str, ...]) -> pl.DataFrame:
        """Stated amount and unknown-amount rows per (payer, payee), over rows of ``kinds_``."""
        return rows_on.filter(pl.col("kind").is_in(kinds_)).group_by("payer", "payee").agg(
            amount=pl.col("amount").sum(), unknown=pl.col("amount").is_null().sum().cast(pl.Int64))

    views = [("all", "revenue", REVENUE_KINDS), ("all", "funding", FUNDING_KINDS), ("all", "out", KINDS)]
    for kind in KINDS:
        views += [(kind, "funding" if kind in FUNDING_KINDS else "revenue", (kind,)), (kind, "out", (kind,))]
    concentration = _concentration(rows_on, views, names)

    paid_pairs = pairs(KINDS).filter(pl.col("amount") > 0)
    table = ledger.facts(entities)
    buf = table.buffers(names, f.paid, assume=assume_buffer)
    # the largest single payer of each entity (the smallest id on ties) and what it pays
    largest = paid_pairs.sort("payee", "amount", "payer", descending=[False, True, False]).unique("payee", keep="first")
    exposure, top = np.zeros(n), np.full(n, -1)
    exposure[largest["payee"].to_numpy()] = largest["amount"].to_numpy()
    top[largest["payee"].to_numpy()] = largest["payer"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(buf.values > 0, exposure / buf.values, np.where(exposure > 0, np.inf, 0.0))
    ratio = np.where(buf.assessed, ratio, np.nan)  # not assessed: no ratio, no flag
    sold = pairs(REVENUE_KINDS).filter(pl.col("amount") > 0)
    sold_to = sold.group_by("payee").agg(total=pl.col("amount").sum())
    facts = {r["entity"]: r for r in table.frame.iter_rows(named=True)}
    reported = sold.join(sold_to, on="payee").filter(pl.col("payee").is_in(np.flatnonzero(~np.isnan(buf.revenue)).tolist()))
    reported = pl.DataFrame({
        "entity": [names[j] for j in reported["payee"]],
        "counterparty": [names[i] for i in reported["payer"]],
        "ledger_revenue": reported["amount"],
        "share_of_ledger_revenue": reported["amount"] / reported["total"],
        "reported_revenue": buf.revenue[reported["payee"].to_numpy()],
        "as_of": [facts[names[j]]["as_of"] for j in reported["payee"]],
    }).with_columns(share_of_reported_revenue=pl.col("ledger_revenue") / pl.col("reported_revenue"))
    reported = reported.select(list(_REPORTED_SCHEMA)).cast(_REPORTED_SCHEMA).sort(
        "share_of_reported_revenue", "entity", "counterparty", descending=[True, False, False])
    exposures = pl.DataFrame({
        "entity": list(names),
        "counterparty": [names[j] if j >= 0 else None for j in top],
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
        side = "payer" if direction == "out" else "payee"
        counts = np.zeros(n, dtype=np.int64)
        per = pairs(kinds_).group_by(side).len()
        counts[per[side].to_numpy()] = per["len"].to_numpy()
        return counts.tolist()

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
    def compute() -> EdgeShares:
        with step(f"dependency: tracing money backwards ({basis})"):
            return edge_return_shares(dst, src, amt, n, inputs)

    backward = ledger.derived(("traced backwards", basis, usd_per_gw), compute)
    origin = backward.edge
    own_money = pl.DataFrame({
        "entity": [names[j] for j in dst],
        "counterparty": [names[i] for i in src],
        "revenue": amt,
        "own_share": origin,
        "own_money": amt * origin,
    }, schema={"entity": pl.String, "counterparty": pl.String, "revenue": pl.Float64, "own_share": pl.Float64,
               "own_money": pl.Float64}).with_columns(pl.col("own_share", "own_money").fill_nan(None))  # not traced: empty

    inflow = f.received
    others_inflow = inflow.sum() - inflow
    pays_others = f.paid
    with np.errstate(divide="ignore", invalid="ignore"):
        spof_share = np.where(others_inflow > 0, pays_others / others_inflow, 0.0)
    single_points = pl.DataFrame({"entity": list(names), "pays_others": pays_others,
                                  "share_of_others_inflow": spof_share}).sort("share_of_others_inflow", descending=True)
    notes = assumptions(f, extra="Unknown amounts: counted as relations (unknown_relations), left out of shares and exposures.")
    period = "the whole term of each deal" if ledger.year is None else f"its money in {ledger.year}"
    notes += (f"Reported revenue: a customer's ledger money ({period}) against the entity's reported annual revenue from the entity "
              "table (as of its date, with its source); equity and loans received are funding, never revenue.",
              buf.note(names), "Own money: proportional backward tracing of the payer's money to where it came from "
              "(the fungibility assumption).", *([traced_note(backward, basis)] if backward.untraced else []))
    return DependencyResult(concentration, reported, exposures, multihoming, own_money, single_points, currency=ledger.currency,
                            notes=notes)


_REPORTED_SCHEMA = pl.Schema({
    "entity": pl.String, "counterparty": pl.String, "ledger_revenue": pl.Float64, "share_of_ledger_revenue": pl.Float64,
    "reported_revenue": pl.Float64, "share_of_reported_revenue": pl.Float64, "as_of": pl.String,
})
_CONC_SCHEMA = pl.Schema([
    ("entity", pl.String), ("direction", pl.String), ("kind", pl.String), ("total", pl.Float64), ("counterparties", pl.Int64),
    ("hhi", pl.Float64), ("effective_n", pl.Float64), ("top_counterparty", pl.String), ("top_share", pl.Float64),
    ("level", pl.String), ("major_customers", pl.List(pl.String)), ("unknown_relations", pl.Int64),
])


def _concentration(rows_on: pl.DataFrame, views: list[tuple[str, str, tuple[str, ...]]], names: tuple[str, ...]) -> pl.DataFrame:
    """One concentration row per view and entity with money or unknown relations there, in the order of ``views``
    (kind, direction, the kinds it counts), all views in one pass."""
    member = pl.DataFrame([(order, k, kind, direction) for order, (kind, direction, kinds_) in enumerate(views) for k in kinds_],
                          schema={"order": pl.Int64, "kind": pl.String, "view_kind": pl.String, "direction": pl.String}, orient="row")
    out = pl.col("direction") == "out"
    p = (rows_on.join(member, on="kind")
         .group_by("order", "view_kind", "direction", "payer", "payee")
         .agg(amount=pl.col("amount").sum(), unknown=pl.col("amount").is_null().sum().cast(pl.Int64))
         .with_columns(at=pl.when(out).then("payer").otherwise("payee"), other=pl.when(out).then("payee").otherwise("payer")))
    g = p.sort("order", "at", "amount", "other", descending=[False, False, True, False]).group_by(
        "order", "at", maintain_order=True).agg(
        kind=pl.col("view_kind").first(),
        direction=pl.col("direction").first(),
        total=pl.col("amount").sum(),
        counterparties=(pl.col("amount") > 0).sum().cast(pl.Int64),
        square=(pl.col("amount") ** 2).sum(),
        top=pl.col("other").first(),
        top_amount=pl.col("amount").first(),
        major=pl.col("other").filter(pl.col("amount") >= MAJOR_CUSTOMER * pl.col("amount").sum()).sort(),
        unknown_relations=pl.col("unknown").sum().cast(pl.Int64),
    ).filter((pl.col("total") > 0) | (pl.col("unknown_relations") > 0))
    money = pl.col("total") > 0
    name = pl.Series("name", names, dtype=pl.String).to_frame().with_row_index("i").with_columns(pl.col("i").cast(pl.Int64))
    majors = g.select("order", "at", "major").explode("major").join(name, left_on="major", right_on="i", how="left").group_by(
        "order", "at").agg(major_customers=pl.col("name").drop_nulls())
    g = g.join(majors, on=["order", "at"], how="left").join(name.rename({"name": "entity"}), left_on="at", right_on="i").join(
        name.rename({"name": "top_name"}), left_on="top", right_on="i", how="left")
    hhi_ = pl.when(money).then(10_000 * pl.col("square") / pl.col("total") ** 2)
    g = g.with_columns(hhi=hhi_).with_columns(
        effective_n=pl.when(pl.col("hhi") > 0).then(10_000 / pl.col("hhi")),
        top_counterparty=pl.when(money).then(pl.col("top_name")),
        top_share=pl.when(money).then(pl.col("top_amount") / pl.col("total")),
        level=pl.when(pl.col("hhi") > HIGHLY_CONCENTRATED).then(pl.lit("highly concentrated"))
        .when(pl.col("hhi") >= MODERATELY_CONCENTRATED).then(pl.lit("moderately concentrated"))
        .when(money).then(pl.lit("unconcentrated")).otherwise(pl.lit("unknown")),
        major_customers=pl.when(money & (pl.col("direction") == "revenue")).then(pl.col("major_customers"))
        .otherwise(pl.lit([], dtype=pl.List(pl.String))).fill_null(pl.lit([], dtype=pl.List(pl.String))),  # none: an empty list
    )
    return g.sort("order", "at").select(*_CONC_SCHEMA).cast(_CONC_SCHEMA)
