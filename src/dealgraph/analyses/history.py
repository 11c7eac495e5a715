"""History: the record as it stood on a date, and what changed between two dates.

A deal is **known by** a date when its date (else its start) is on or before it. A deal
replaced by another (``superseded_by``) was live until its replacement became known, so on
an earlier date it counts; a deal that lapsed with no replacement is never counted (when it
lapsed is not recorded). Undated deals belong to no date: they are left out of every view
and counted.

``diff`` compares two dates: the deals that became known, the deals replaced in between, the
loops that closed and the loops that broke, and the stated and circular money on each date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from .._errors import LimitError
from .._results import Result, fmt_money, fmt_share, listed
from .._work import step, tick, two_at_a_time
from ..reading.ledger import Ledger
from .circularity import circular_money
from .flows import assumptions, flows
from .loops import TOP_LOOPS, Loop, find_loops

__all__ = ["DiffResult", "diff", "known_by", "year_by_year"]


def known_by(ledger: Ledger, date: dt.date) -> Ledger:
    """The ledger as it stood on ``date``: deals dated on or before it, replaced deals live until their replacement.

    >>> import dealgraph as dg
    >>> lg = dg.read_ledger([{"id": "loi", "source": "N", "target": "O", "amount": "100", "date": "2025-09", "status": "loi",
    ...                       "superseded_by": "stake"},
    ...                      {"id": "stake", "source": "N", "target": "O", "amount": "30", "date": "2026-02", "status": "closed"}])
    >>> [known_by(lg, dt.date(y, 12, 31)).table["superseded_by"].to_list() for y in (2025, 2026)]
    [[None], ['stake', None]]
    """
    if ledger.year is not None:
        raise LimitError("a history view is taken from the whole ledger, not from one year's view")
    t = ledger.table
    when = t["date"].fill_null(t["start"])
    known = t.filter(when <= date)
    arrived = set(known["id"].to_list())
    table = known.with_columns(superseded_by=pl.when(pl.col("superseded_by").is_in(list(arrived))).then("superseded_by"))
    return replace(ledger, table=table, undated=tuple(t.filter(when.is_null())["id"].to_list()))


@dataclass(frozen=True)
class DiffResult(Result):
    """What changed between two dates: ``changes`` (one row per deal or loop) and ``totals`` (money on each date)."""

    first: dt.date
    last: dt.date
    changes: pl.DataFrame
    totals: pl.DataFrame
    undated: tuple[str, ...]

    def to_frame(self) -> pl.DataFrame:
        return self.changes

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "currency": self.currency, "notes": list(self.notes),
                "totals": self.totals.to_dicts(), "changes": self.changes.to_dicts(), "undated": list(self.undated)}

    def __rich__(self):
        from rich.console import Group
        from rich.table import Table

        c = self.currency
        s = Table(title=f"From {self.first} to {self.last} (headline basis)", title_justify="left")
        for col in ("date", "deals", "stated money", "circular", "share", "loops"):
            s.add_column(col, justify="left" if col == "date" else "right")
        for r in self.totals.iter_rows(named=True):
            s.add_row(r["date"].isoformat(), str(r["deals"]), fmt_money(r["stated"], c), fmt_money(r["circular"], c),
                      fmt_share(r["share"]), f"more than {TOP_LOOPS:,}" if r["loops"] is None else str(r["loops"]))
        t = Table(title="What changed", title_justify="left")
        for col in ("change", "what", "date", "amount", "detail"):
            t.add_column(col, justify="right" if col == "amount" else "left")
        for r in self.changes.iter_rows(named=True):
            t.add_row(r["change"], r["what"], r["date"].isoformat() if r["date"] else "-",
                      "unknown" if r["amount"] is None else fmt_money(r["amount"], c), r["detail"])
        return Group(s, t, *self.notes)


@dataclass(frozen=True)
class _Snapshot:
    """The record on one date: its view, its loops and its headline circulation (computed once, compared with any other)."""

    date: dt.date
    view: Ledger
    loops: dict[str, Loop]
    total: dict[str, Any]
    pairs: frozenset[tuple[str, str]]  # who pays whom on this date
    truncated: bool  # only the loops carrying the most money were found

    def has(self, lp: Loop) -> bool:
        """Whether every hop of ``lp`` is a relation on this date (so the loop exists, found or not)."""
        return all((h.source, h.target) in self.pairs for h in lp.hops)


def _snapshot(ledger: Ledger, date: dt.date, usd_per_gw: float | None, max_length: int) -> _Snapshot:
    view = known_by(ledger, date)

    def compute() -> tuple[dict[str, Loop], dict[str, Any], frozenset[tuple[str, str]], bool]:
        found = find_loops(view, max_length=max_length, usd_per_gw=usd_per_gw, limit=TOP_LOOPS)
        stated, circular = circular_money(view, usd_per_gw=usd_per_gw)
        f = flows(view, "headline", usd_per_gw=usd_per_gw)
        pairs = frozenset(zip((view.entities[i] for i in f.src), (view.entities[j] for j in f.dst)))
        loops = {lp.path(): lp for lp in found.loops}
        return loops, {"deals": len(view), "stated": stated, "circular": circular, "share": circular / stated if stated else 0.0,
                       "loops": len(loops) if not found.truncated else None}, pairs, found.truncated

    # kept by the view's rows: the explorer's what-if recomputes only the dates after the deal it switches off
    loops, total, pairs, truncated = view.derived(("snapshot", max_length, usd_per_gw), compute)
    return _Snapshot(date, view, loops, {"date": date, **total}, pairs, truncated)


def diff(ledger: Ledger, first: dt.date, last: dt.date, *, usd_per_gw: float | None = None, max_length: int = 6) -> DiffResult:
    """What changed between ``first`` and ``last``: deals, replacements, loops, and the money on each date.

    >>> import dealgraph as dg
    >>> lg = dg.read_ledger([{"source": "A", "target": "B", "amount": "5", "date": "2024-03", "status": "closed"},
    ...                      {"source": "B", "target": "A", "amount": "2", "date": "2025-06", "status": "committed"}])
    >>> d = diff(lg, dt.date(2024, 12, 31), dt.date(2025, 12, 31))
    >>> d.changes.select("change", "what").rows(), d.totals["circular"].to_list()
    ([('deal known', 'B -> A (r2)'), ('loop closed', 'A -> B -> A')], [0.0, 4.0])
    """
    if not first < last:
        raise LimitError(f"--from ({first}) must come before --to ({last})")
    before, after = (_snapshot(ledger, d, usd_per_gw, max_length) for d in (first, last))
    return _compare(ledger, before, after, usd_per_gw)


def year_by_year(ledger: Ledger, *, usd_per_gw: float | None = None, max_length: int = 6, max_years: int = 40
                 ) -> tuple[DiffResult, ...]:
    """``diff`` from the end of each year to the end of the next, from the year before the first dated deal (at most the
    last ``max_years`` years); each year's end is computed once."""
    when = ledger.table["date"].fill_null(ledger.table["start"]).drop_nulls()
    if when.is_empty():
        return ()
    last = int(when.dt.year().max())  # type: ignore[arg-type]  # the max of an integer column
    first = max(int(when.dt.year().min()), last - max_years + 1)  # type: ignore[arg-type]
    years = range(first - 1, last + 1)
    ends: list[_Snapshot] = []
    with step(f"history: the ledger at the end of {len(years)} years"):
        # the loop search and a large circulation leave the interpreter free: two years at once
        for end in two_at_a_time(lambda y: _snapshot(ledger, dt.date(y, 12, 31), usd_per_gw, max_length), years):
            tick(len(ends), len(years))
            ends.append(end)
    return tuple(_compare(ledger, a, b, usd_per_gw) for a, b in zip(ends, ends[1:]))


def _compare(ledger: Ledger, before: _Snapshot, after: _Snapshot, usd_per_gw: float | None) -> DiffResult:
    """What changed from ``before`` to ``after``, kept by the rows of both views."""
    key = ("changes since", before.view.digest(), before.date, after.date, after.view.undated, ledger.currency, usd_per_gw)
    return after.view.derived(key, lambda: _changes(ledger, before, after, usd_per_gw))


def _changes(ledger: Ledger, before: _Snapshot, after: _Snapshot, usd_per_gw: float | None) -> DiffResult:
    names = pl.Series(ledger.entities, dtype=pl.String)

    def deals(t: pl.DataFrame, change: str, date: pl.Expr, detail: pl.Expr) -> pl.DataFrame:
        pair = names.gather(t["source"]) + " -> " + names.gather(t["target"]) + " (" + t["id"] + ")"
        return t.select(change=pl.lit(change), what=pair, date=date, amount="amount", detail=detail)

    known = deals(after.view.table.filter(~pl.col("id").is_in(before.view.table["id"].implode())).sort("date", "id"), "deal known",
                  pl.coalesce("date", "start"), pl.col("kind").cast(pl.String) + ", " + pl.col("status").cast(pl.String))
    live_before = before.view.table.filter(pl.col("superseded_by").is_null())["id"].implode()
    replaced = deals(after.view.table.filter(pl.col("id").is_in(live_before), pl.col("superseded_by").is_not_null()), "deal replaced",
                     pl.lit(None, pl.Date), "replaced by " + pl.col("superseded_by"))
    rows: list[dict[str, Any]] = []
    for change, src, other in (("loop closed", after, before), ("loop broke", before, after)):
        for path, lp in src.loops.items():
            if not other.has(lp):
                rows.append({"change": change, "what": path, "date": None, "amount": lp.throughput,
                             "detail": lp.evidence + (f"; unknown: {', '.join(lp.unknown_hops)}" if lp.unknown_hops else "")})
    schema = {"change": pl.String, "what": pl.String, "date": pl.Date, "amount": pl.Float64, "detail": pl.String}
    undated = after.view.undated
    notes = (*assumptions(flows(after.view, "headline", usd_per_gw=usd_per_gw), period=False),
             "A deal is known from its date (else its start); a replaced deal counts until its replacement is known; a deal that "
             "lapsed without a replacement never counts (when it lapsed is not recorded).")
    if before.truncated or after.truncated:
        notes += (f"Loops: the {TOP_LOOPS:,} carrying the most money on each date are compared (a loop counts as closed or broken "
                  "when one of its hops is new or gone); the loop count is left empty where more exist.",)
    if undated:
        notes += (f"Undated, so on no date: {len(undated)} deal{'s' if len(undated) != 1 else ''}, {listed(undated)}.",)
    changes = pl.concat([known, replaced, pl.DataFrame(rows, schema=schema)], how="vertical_relaxed")
    return DiffResult(before.date, after.date, changes, pl.DataFrame([before.total, after.total]),
                      undated, currency=ledger.currency, notes=notes)
