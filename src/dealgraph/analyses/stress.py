"""Stress: the cascade of losses and defaults when a player fails or demand falls.

How deals enter the obligation network (decided here, stated in every result):

- A **commitment to pay** (every deal that is not a closed equity investment:
  cloud, chips, compute, services, loans, payments, revenue shares, and
  equity investments still to be paid) is a **liability of the payer**
  (``source``) to the payee (``target``).
- A **closed equity investment** is an **asset of the investor** whose value
  follows the investee: when the investee loses a share ``f`` of its buffer,
  the stake loses ``f`` of its value. It is not a debt of the investee.
- Deals of unknown amount are left out of the network and listed.

- **On a horizon**: only what falls due within ``horizon`` years (default one) from
  ``as_of`` (default the latest dated deal) is owed: a multi-year deal by the share of its
  term inside the window (``dealgraph.reading.terms``), a commitment without a term in full
  (when its money moves is unknown: the worst case, named), a closed one-off payment only if
  it falls in the window (else it is settled). In a ledger's view of one year (``--year``)
  that year's money is what is due.

Each entity starts solvent with net worth equal to its buffer (see
:mod:`dealgraph.reading.entities`): outside assets ``e = buffer + owed - owed_to_it``
(outside liabilities take up any negative part). A scenario then pins failed
entities' payments at ``pay`` times what they owe, removes lapsed deals and
cuts outside assets by the fall in reported revenue. An entity with no buffer figures is
**not assessed**: it is taken to pay in full and never counted as defaulting, its losses are
shown, and losses are not passed on through stakes in it; every result names these entities.

Losses are value lost within the horizon: payments due that do not come (revenue and backlog,
not solvency), lost stake value and lost revenue. An entity defaults only when its losses
exceed its buffer. Amplification = total loss / initial shock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
import scipy.sparse as sp

from .._errors import DealgraphError, LimitError
from .._results import Result, fmt_money, listed, terminal_rows
from ..matrix.contagion import clearing_vector, debtrank, furfine
from ..reading.entities import EntityTable
from ..reading.ledger import MAX_TERM_YEARS, Ledger, live_rows
from ..reading.scenario import Scenario, read_scenario
from ..reading.terms import add_years, period_shares
from .flows import Basis, assumptions, flows, row_amounts

__all__ = ["MODELS", "StressResult", "due_shares", "stress"]

MODELS = ("eisenberg-noe", "rogers-veraart", "furfine", "debtrank", "debtrank-linear")
Model = Literal["eisenberg-noe", "rogers-veraart", "furfine", "debtrank", "debtrank-linear", "all"]

CHANNELS = ("Obligations: every deal except closed equity investments is a liability of the payer to the payee; "
            "closed equity investments are stakes whose value follows the investee's buffer.")


@dataclass(frozen=True)
class StressResult(Result):
    """Per entity and per model: losses, payments, defaults; and the system totals."""

    scenario: Scenario
    entities: pl.DataFrame
    system: pl.DataFrame

    def to_frame(self) -> pl.DataFrame:
        return self.entities

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario.describe(), "scenario_name": self.scenario.name, "currency": self.currency,
                "notes": list(self.notes), "system": self.system.to_dicts(), "entities": self.entities.to_dicts()}

    def not_assessed(self) -> list[str]:
        """Entities without buffer figures: their losses are shown, their default is not judged."""
        return self.entities.filter(pl.col("model") == self.system["model"][0], ~pl.col("assessed"))["entity"].to_list()

    def losers(self, model: str = "eisenberg-noe") -> pl.DataFrame:
        """Entities that lose money under ``model``, largest loss first."""
        return self.entities.filter(pl.col("model") == model, pl.col("loss") > 0).sort("loss", descending=True)

    def __rich__(self):
        from rich.console import Group
        from rich.table import Table

        c = self.currency
        s = Table(title=f"Stress: {self.scenario.describe()}", title_justify="left")
        for col in ("model", "initial shock", "total loss", "amplification", "defaults", "cascade"):
            s.add_column(col, justify="left" if col in ("model", "cascade") else "right")
        for r in self.system.iter_rows(named=True):
            s.add_row(r["model"], fmt_money(r["initial_shock"], c), fmt_money(r["total_loss"], c),
                      "n/a" if r["amplification"] is None else f"{r['amplification']:.2f}x", str(r["defaults"]),
                      " | ".join(r["cascade"]) or "-")
        first = self.system["model"][0]
        e = Table(title=f"Who loses ({first})", title_justify="left")
        for col in ("entity", "loss", "payments lost", "stake loss", "revenue lost", "buffer", "defaults"):
            e.add_column(col, justify="left" if col in ("entity", "defaults") else "right")
        rows, more = terminal_rows(self.losers(first))
        for r in rows.iter_rows(named=True):
            buffer = "not assessed" if r["buffer"] is None else fmt_money(r["buffer"], c) + (" (assumed)" if r["buffer_assumed"] else "")
            verdict = "not assessed" if r["defaulted"] is None else f"wave {r['wave']}" if r["defaulted"] else "no"
            e.add_row(r["entity"], fmt_money(r["loss"], c), fmt_money(r["unpaid_claims"], c), fmt_money(r["stake_loss"], c),
                      fmt_money(r["demand_loss"], c), buffer, verdict)
        return Group(s, e, *more, *self.notes)


def stress(ledger: Ledger, scenario: Scenario | str | Path | dict[str, Any], *, model: Model = "eisenberg-noe", basis: Basis = "headline",
           usd_per_gw: float | None = None, entities: EntityTable | None = None, assume_buffer: float | None = None,
           horizon: float = 1.0, as_of: dt.date | None = None,
           alpha: float = 0.5, beta: float = 0.7, lgd: float = 1.0) -> StressResult:
    """Run a stress scenario under one propagation model, or all of them side by side.

    Parameters
    ----------
    scenario : Scenario, a TOML file or a dict of the same shape (see :func:`read_scenario`).
    model : "eisenberg-noe", "rogers-veraart", "furfine", "debtrank", "debtrank-linear" or "all"
    assume_buffer : a buffer of this many times its obligations for entities without figures
        (default: none, they are not assessed).
    horizon, as_of : obligations due within ``horizon`` years from ``as_of`` (default the
        latest date in the ledger) count; see the module docstring.
    alpha, beta : recovery fractions of Rogers-Veraart (outside assets, receivables).
    lgd : loss given default of Furfine.

    Examples
    --------
    >>> from dealgraph import seed_ledger
    >>> res = stress(seed_ledger(), {"fail": [{"entity": "OpenAI", "pay": 0}]})
    >>> res.losers()["entity"].to_list()
    ['OpenAI compute suppliers (unnamed)', 'Amazon']
    """
    models = MODELS if model == "all" else (model,)
    for m in models:
        if m not in MODELS:
            raise DealgraphError(f"unknown model {m!r}; expected one of {', '.join(MODELS)} or all")
    sc = (scenario if isinstance(scenario, Scenario) else read_scenario(scenario)).resolved(ledger)
    # what does not depend on who fails is computed once per ledger (the worst-failure search runs many scenarios)
    due, horizon_notes = ledger.derived(("due", horizon, as_of), lambda: due_shares(ledger, horizon, as_of))
    lapses = (tuple(sc.lapse_status), tuple(sc.lapse_kind), tuple(sc.lapse_ids))
    net = ledger.derived(("network", basis, usd_per_gw, lapses, horizon, as_of), lambda: _network(ledger, sc, basis, usd_per_gw, due))
    table = ledger.facts(entities)
    _, buf = ledger.derived(("buffers", id(table), basis, usd_per_gw, lapses, horizon, as_of, assume_buffer),
                            lambda: (table, table.buffers(ledger.entities, net.owed, assume=assume_buffer)))
    n = len(ledger.entities)
    demand = np.zeros(n)
    missing_revenue = []
    for group, fall in sc.demand:
        for name in group:
            i = ledger.entities.index(name)
            if np.isnan(buf.revenue[i]):
                missing_revenue.append(name)
            else:
                demand[i] += fall * buf.revenue[i]
    fails = {ledger.entities.index(e): p for e, p in sc.fail}
    owed, owed_to = net.owed, net.owed_to
    initial = sum((1 - p) * owed[i] for i, p in fails.items()) + demand.sum()
    # an entity not assessed pays in full and never defaults: a buffer larger than anything it could lose
    ample = float(net.L.sum() + net.S.sum() + demand.sum()) + 1.0
    buffers = np.where(buf.assessed, buf.values, ample)
    judged = buf.assessed | np.isin(np.arange(n), list(fails))
    frames, system = [], []
    entity, buffer = pl.Series("entity", ledger.entities, dtype=pl.String), pl.Series("buffer", buf.values, nan_to_null=True)
    for m in models:
        per, sysrow = _run(m, net, buffers, demand, fails, alpha, beta, lgd, ledger.entities, judged)
        frames.append(pl.DataFrame([
            pl.Series("model", [m], dtype=pl.String).new_from_index(0, n), entity, pl.Series("loss", per["loss"]),
            pl.Series("unpaid_claims", per["unpaid_claims"]), pl.Series("stake_loss", per["stake_loss"]),
            pl.Series("demand_loss", demand), pl.Series("owes", owed), pl.Series("pays", per["pays"], nan_to_null=True),
            pl.Series("owed_to_it", owed_to), buffer, pl.Series("buffer_assumed", buf.assumed), pl.Series("assessed", buf.assessed),
            pl.Series("defaulted", per["defaulted"]).scatter(np.flatnonzero(~judged), None), pl.Series("wave", per["wave"]),
            pl.Series("distress", per["distress"], nan_to_null=True)]))
        total = float(per["loss"].sum())
        system.append({"model": m, "initial_shock": initial, "total_loss": total,
                       "amplification": total / initial if initial > 0 else None, **sysrow})
    notes = [CHANNELS, *horizon_notes, buf.note(ledger.entities)]
    if missing_revenue:
        notes.append(f"No reported revenue known for {', '.join(sorted(set(missing_revenue)))}: the demand shock leaves them unchanged.")
    hit = [f"{ledger.entities[j]} ({deal})" for i, j, deal in net.owed_unknown if i in fails]
    if hit:
        notes.append("Also owed money by a failed entity, amount unknown, so the loss is not counted: " + ", ".join(hit) + ".")
    if net.unknown:
        notes.append("Left out (amount unknown): " + "; ".join(net.unknown) + ".")
    if sc.lapse_status or sc.lapse_kind or sc.lapse_ids:
        notes.append(f"{net.lapsed} deal{'s' if net.lapsed != 1 else ''} lapsed in the scenario.")
    if "rogers-veraart" in models:
        notes.append(f"Rogers-Veraart recovery: alpha={alpha:g} of outside assets, beta={beta:g} of receivables.")
    if "furfine" in models:
        notes.append(f"Furfine loss given default: {lgd:g}.")
    notes.extend(assumptions(flows(ledger, basis, usd_per_gw=usd_per_gw), period=False))  # the horizon says which years count
    return StressResult(sc, pl.concat(frames), pl.DataFrame(system), currency=ledger.currency, notes=tuple(notes))


@dataclass(frozen=True)
class _Network:
    L: sp.csr_matrix  # L[i, j] what i owes j
    S: sp.csr_matrix  # S[i, j] i's stake in j

    @cached_property  # a frozen dataclass's cached_property writes past its __setattr__
    def owed(self) -> np.ndarray:
        return np.asarray(self.L.sum(axis=1)).ravel()

    @cached_property
    def owed_to(self) -> np.ndarray:
        return np.asarray(self.L.sum(axis=0)).ravel()
    unknown: tuple[str, ...]
    lapsed: int
    owed_unknown: tuple[tuple[int, int, str], ...] = ()  # (payer, payee, deal id) of obligations of unknown amount


def due_shares(ledger: Ledger, horizon: float = 1.0, as_of: dt.date | None = None) -> tuple[np.ndarray, list[str]]:
    """Per row, the share of its money due within the horizon (see the module docstring), and the notes that say how."""
    t = ledger.table
    if not (isinstance(horizon, (int, float)) and 0 < horizon <= MAX_TERM_YEARS):
        raise LimitError(f"the horizon is a number of years above 0 and up to {MAX_TERM_YEARS}, got {horizon!r}")
    if ledger.year is not None:
        return np.ones(t.height), [f"Horizon: calendar year {ledger.year}: each deal's money in that year is due."]
    if as_of is None:
        dated = t["date"].drop_nulls()
        as_of = dated.max() if len(dated) else None  # type: ignore[assignment]  # the max of a Date column is a date
    if as_of is None:
        return np.ones(t.height), ["Horizon: no deal is dated, so every obligation counts in full (the worst case)."]
    last = add_years(as_of, horizon)
    share = period_shares(t, as_of, last)
    start = t["start"].fill_null(t["date"]).to_list()
    termed = t["end"].is_not_null().to_numpy()
    closed = (t["status"] == "closed").to_numpy()
    before = np.array([d is None or d < as_of for d in start], dtype=bool)
    unknown = ~termed & ~closed & before  # a commitment whose money has no date to move on
    due = np.where(unknown, 1.0, np.nan_to_num(share))
    notes = [f"Horizon: obligations due from {as_of.isoformat()} to {last.isoformat()} ({horizon:g} year{'s' if horizon != 1 else ''} "
             "from the latest dated deal unless an as-of date is given): a multi-year deal by the share of its term inside, later "
             "money left out, closed one-off payments outside it settled."]
    ids = t.filter(pl.Series(unknown) & live_rows(t) & t["amount"].is_not_null())["id"].to_list()
    if ids:
        notes.append(f"Counted in full, when the money moves being unknown (no term; the worst case): {len(ids)} commitment"
                     f"{'s' if len(ids) != 1 else ''}, {listed(ids, 12)}.")
    return due, notes


def _network(ledger: Ledger, sc: Scenario, basis: Basis, usd_per_gw: float | None, due: np.ndarray) -> _Network:
    on, amount = row_amounts(ledger, basis, usd_per_gw)
    t = ledger.table
    lapse = (t["status"].cast(pl.String).is_in(list(sc.lapse_status)) | t["kind"].cast(pl.String).is_in(list(sc.lapse_kind))
             | t["id"].is_in(list(sc.lapse_ids)))
    lapsed = int((on & lapse).sum())
    keep = (on & ~lapse).to_numpy()
    n = len(ledger.entities)
    stake = ((t["kind"] == "equity") & (t["status"] == "closed")).to_numpy()
    src, dst, amt = t["source"].to_numpy(), t["target"].to_numpy(), amount.to_numpy(allow_copy=True).astype(float)
    known = keep & ~np.isnan(amt)
    owing = known & ~stake & (due > 0)
    held = known & stake
    L = sp.csr_matrix(((amt * due)[owing], (src[owing], dst[owing])), shape=(n, n))  # duplicates add up
    S = sp.csr_matrix((amt[held], (src[held], dst[held])), shape=(n, n))
    names, ids = ledger.entities, t["id"].to_list()
    rows = np.flatnonzero(keep & np.isnan(amt))
    unknown = tuple(f"{ids[k]} ({names[src[k]]} {'stake in' if stake[k] else 'owes'} {names[dst[k]]})" for k in rows)
    owed_unknown = tuple((int(src[k]), int(dst[k]), ids[k]) for k in rows if not stake[k])
    return _Network(L, S, unknown, lapsed, owed_unknown)


def _run(model: str, net: _Network, buffer: np.ndarray, demand: np.ndarray, fails: dict[int, float],
         alpha: float, beta: float, lgd: float, names: tuple[str, ...], judged: np.ndarray
         ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """One model's run, per entity and for the system; ``judged`` marks the entities whose default can be told (assessed, or
    failed by the scenario)."""
    L, S = net.L, net.S
    n = len(buffer)
    owed, owed_to = net.owed, net.owed_to
    e = buffer + owed - owed_to
    el = np.where(e < 0, -e, 0.0)
    e = np.maximum(e, 0.0) - demand
    el = el + np.where(e < 0, -e, 0.0)
    e = np.maximum(e, 0.0)
    distress = np.full(n, np.nan)
    pays = np.full(n, np.nan)
    if model in ("eisenberg-noe", "rogers-veraart"):
        a, b = (1.0, 1.0) if model == "eisenberg-noe" else (alpha, beta)
        r = clearing_vector(L, e, el, a, b, fixed_payments={i: p * owed[i] for i, p in fails.items()})
        with np.errstate(divide="ignore", invalid="ignore"):  # each creditor's pro-rata share of each debtor's shortfall
            short = np.where(r.obligations > 0, (r.obligations - r.payments) / np.where(r.obligations > 0, r.obligations, 1.0), 0.0)
        unpaid = L.T @ short
        own = unpaid + demand
        rel = np.where(buffer > 0, np.minimum(1.0, own / np.where(buffer > 0, buffer, 1.0)), (own > 0).astype(float))
        rel[list(fails)] = 1.0
        stake_loss = S @ rel
        waves, pays = r.waves, r.payments
    else:
        A = (L.T + S).tocsr()  # i's claims on j plus i's stake in j
        # every model here loses a share w[j] of all that is held on counterparty j, claims and stakes alike
        failed = np.zeros(n)
        for i, p in fails.items():
            failed[i] = 1 - p
        if model == "furfine":
            kept = sp.diags(np.isin(np.arange(n), list(fails), invert=True).astype(float))
            fr = furfine((A @ kept).tocsr(), buffer, failed=list(fails), lgd=lgd, initial_losses=A @ failed + demand)
            w = failed + lgd * (fr.waves > 0)  # failed entities' shortfall, then the later defaults at lgd
            waves = fr.waves
        else:
            equity = np.maximum(buffer, 1e-9 * max(1.0, float(A.max()) if A.nnz else 0.0))
            shock = np.minimum(1.0, demand / equity)
            for i, p in fails.items():
                shock[i] = max(shock[i], 1 - p)
            dr = debtrank(A, equity, shock, rule="linear" if model == "debtrank-linear" else "single_hit")
            distress = w = dr.stress
            waves = np.where(dr.defaults, 1, -1)
            waves[list(fails)] = np.where(shock[list(fails)] >= 1, 0, waves[list(fails)])
        unpaid, stake_loss = L.T @ w, S @ w
    loss = unpaid + stake_loss + demand
    waves = np.where(judged, waves, -1)
    defaulted = waves >= 0
    order = sorted({int(w) for w in waves if w >= 0})
    cascade = [f"{w}: {', '.join(names[i] for i in np.flatnonzero(waves == w))}" for w in order]
    per = {"loss": loss, "unpaid_claims": unpaid, "stake_loss": stake_loss, "pays": pays, "defaulted": defaulted,
           "wave": np.where(defaulted, waves, -1).astype(np.int64), "distress": distress}
    return per, {"defaults": int(defaulted.sum()), "cascade": cascade}
