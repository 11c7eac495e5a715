"""Loops: every circular flow of a ledger, ranked by the money that can go round.

A loop is a simple directed cycle of the entity graph (one edge per ordered
pair of entities with at least one row on the headline basis). Its
**throughput** is the smallest stated amount on any of its hops: the money
that can travel all the way round. Hops whose rows have no stated amount are
listed in ``unknown_hops`` and left out of the minimum, so an incomplete
loop's throughput is only what the stated hops allow; its **evidence** says
so: ``firm`` (every hop stated, and firm money goes all the way round),
``stated`` (every hop stated) or ``partly unknown``. The default ranking puts
the better evidenced loops first, then the larger ones.

The **firm throughput** is the smallest firm amount on any hop, where a hop's
firm amount is the stated money of its closed or committed, exact deals (0
when it has none), so it is never above the headline throughput.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from .._errors import DealgraphError, LimitError
from .._results import Result, fmt_money, terminal_rows
from .._work import out_of_time, step, stopped
from ..reading.cells import parse_window
from ..reading.ledger import Ledger
from ..transactions.cycles import strongest_cycles
from .flows import Basis, Flows, assumptions, flows

__all__ = ["EVIDENCE", "RANKS", "TOP_LOOPS", "Hop", "Loop", "LoopsResult", "find_loops", "parse_window"]

logger = logging.getLogger(__name__)

EVIDENCE = ("firm", "stated", "partly unknown")  # best first
TOP_LOOPS = 1_000  # loops the summary, the report and the history rank: the ones carrying the most money
RANKS = ("evidence", "money")
Rank = Literal["evidence", "money"]

@dataclass(frozen=True)
class Hop:
    """One hop of a loop: the deals from one entity to the next."""

    source: str
    target: str
    deals: tuple[str, ...]
    amount: float | None  # stated headline amount (None: no row states one)
    firm_amount: float  # stated money of the firm rows (0: no firm row states an amount)
    unknown_deals: tuple[str, ...]
    dates: tuple[dt.date, ...]


@dataclass(frozen=True)
class Loop:
    entities: tuple[str, ...]
    hops: tuple[Hop, ...]
    throughput: float | None
    firm_throughput: float
    temporal: bool | None  # hops in date order within the window; None if a hop has no date
    temporal_dates: tuple[dt.date, ...] | None

    @property
    def length(self) -> int:
        return len(self.entities)

    @property
    def unknown_hops(self) -> tuple[str, ...]:
        return tuple(f"{h.source} -> {h.target}" for h in self.hops if h.unknown_deals)

    @property
    def complete(self) -> bool:
        return not any(h.unknown_deals for h in self.hops)

    @property
    def evidence(self) -> str:
        """``firm`` (every hop stated, firm money all the way round), ``stated`` (every hop stated) or ``partly unknown``."""
        if not self.complete:
            return "partly unknown"
        return "firm" if self.firm_throughput > 0 else "stated"

    @property
    def throughput_range(self) -> tuple[float, float | None]:
        """Bounds on the true throughput: a hop with an unknown deal carries at
        least its stated amount and at most anything (``None`` = unbounded)."""
        low = min(h.amount or 0.0 for h in self.hops)
        highs = [h.amount for h in self.hops if not h.unknown_deals and h.amount is not None]
        return low, (min(highs) if highs else None)

    def path(self) -> str:
        return " -> ".join(self.entities + self.entities[:1])

    def to_dict(self) -> dict[str, Any]:
        return {
            "entities": list(self.entities),
            "path": self.path(),
            "length": self.length,
            "throughput": self.throughput,
            "firm_throughput": self.firm_throughput,
            "throughput_low": self.throughput_range[0],
            "throughput_high": self.throughput_range[1],
            "complete": self.complete,
            "evidence": self.evidence,
            "unknown_hops": list(self.unknown_hops),
            "temporal": self.temporal,
            "temporal_dates": None if self.temporal_dates is None else [d.isoformat() for d in self.temporal_dates],
            "hops": [
                {
                    "source": h.source, "target": h.target, "deals": list(h.deals), "amount": h.amount,
                    "firm_amount": h.firm_amount, "unknown_deals": list(h.unknown_deals),
                    "dates": [d.isoformat() for d in h.dates],
                }
                for h in self.hops
            ],
        }


@dataclass(frozen=True)
class LoopsResult(Result):
    """The loops of a ledger, ranked by throughput on ``basis``."""

    loops: tuple[Loop, ...]
    truncated: bool
    max_length: int
    limit: int
    window: dt.timedelta | None
    basis: Basis
    rank: Rank

    def __len__(self) -> int:
        return len(self.loops)

    def find(self, *names: str) -> Loop | None:
        """The loop through exactly these entities in this order (any rotation)."""
        k = len(names)
        for loop in self.loops:
            if loop.length == k and any(loop.entities[i:] + loop.entities[:i] == names for i in range(k)):
                return loop
        return None

    def to_frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "rank": list(range(1, len(self.loops) + 1)),
                "loop": [lp.path() for lp in self.loops],
                "length": [lp.length for lp in self.loops],
                "throughput": [lp.throughput for lp in self.loops],
                "firm_throughput": [lp.firm_throughput for lp in self.loops],
                "throughput_low": [lp.throughput_range[0] for lp in self.loops],
                "throughput_high": [lp.throughput_range[1] for lp in self.loops],
                "complete": [lp.complete for lp in self.loops],
                "evidence": [lp.evidence for lp in self.loops],
                "unknown_hops": ["; ".join(lp.unknown_hops) for lp in self.loops],
                "temporal": [lp.temporal for lp in self.loops],
                "deals": ["; ".join(",".join(h.deals) for h in lp.hops) for lp in self.loops],
            },
            schema_overrides={"throughput": pl.Float64, "firm_throughput": pl.Float64, "throughput_low": pl.Float64,
                              "throughput_high": pl.Float64, "temporal": pl.Boolean},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "rank": self.rank,
            "currency": self.currency,
            "max_length": self.max_length,
            "limit": self.limit,
            "window_days": None if self.window is None else self.window.total_seconds() / 86400,
            "truncated": self.truncated,
            "count": len(self.loops),
            "notes": list(self.notes),
            "loops": [lp.to_dict() for lp in self.loops],
        }

    def __rich__(self):
        from rich.console import Group
        from rich.table import Table

        ranked = "best evidenced first" if self.rank == "evidence" else "largest first"
        table = Table(title=f"Loops ({self.basis} basis, up to {self.max_length} entities, {ranked})", title_justify="left")
        for col in ("#", "loop", "evidence", "throughput", "could be", "firm", "date order", "hops with unknown amounts"):
            table.add_column(col, justify="right" if col in ("#", "throughput", "could be", "firm") else "left")
        shown, more = terminal_rows(self.loops)
        for i, lp in enumerate(shown, start=1):
            low, high = lp.throughput_range
            span = "exact" if lp.complete else f"{fmt_money(low, self.currency)} to {fmt_money(high, self.currency) if high is not None else 'any'}"
            table.add_row(
                str(i), lp.path(), lp.evidence, fmt_money(lp.throughput, self.currency), span,
                fmt_money(lp.firm_throughput, self.currency),
                {True: "yes", False: "no", None: "n/a"}[lp.temporal], ", ".join(lp.unknown_hops) or "-",
            )
        unknown = sum(not lp.complete for lp in self.loops)
        extra = [f"{len(self.loops)} loops" + (f" (the {self.limit} carrying the most; more exist, none carrying more)" if self.truncated else "")
                 + f"; {unknown} rest on hops of unknown amount"]
        return Group(table, *more, *extra, *self.notes)


def find_loops(
    ledger: Ledger,
    *,
    max_length: int = 6,
    limit: int = 10_000,
    window: str | dt.timedelta | None = None,
    basis: Basis = "headline",
    usd_per_gw: float | None = None,
    rank: Rank = "evidence",
) -> LoopsResult:
    """Every simple loop of up to ``max_length`` entities, the best evidenced and largest first.

    Parameters
    ----------
    ledger : Ledger
    max_length : int
        Longest loop searched, in entities (at least 2).
    limit : int
        At most this many loops: the ones that carry the most money on ``basis`` (the
        largest throughput; a hop of unknown amount bounds nothing). ``truncated`` tells
        that more exist, none carrying more than the smallest listed.
    window : str or timedelta, optional
        A loop is *temporal* when some choice of one deal per hop, starting
        anywhere on the loop, has dates that never go backwards and span at
        most ``window`` (unbounded when not given).
    basis : "headline" or "firm"
        Which throughput ranks the loops (both are always reported). With
        "firm", loops with no firm money on some hop are left out.
    usd_per_gw : float, optional
        Dollars per gigawatt for capacity-only deals (headline basis only).
    rank : "evidence" or "money"
        ``evidence`` (default): firm loops first, then fully stated ones, then
        those resting on hops of unknown amount, each by throughput; ``money``:
        by throughput alone (a loop whose unknown hops are skipped can then
        outrank better evidenced ones).

    Notes
    -----
    Deals are taken largest first and each closes the loops it is the smallest hop of
    (``dealgraph.transactions.cycles.strongest_cycles``), so the search stops after
    ``limit`` loops without enumerating the rest, whose number grows exponentially with
    ``max_length`` on dense graphs. Ties in throughput keep the order of the entities.

    Examples
    --------
    >>> from dealgraph import seed_ledger
    >>> res = find_loops(seed_ledger(), max_length=3)
    >>> loop = res.find("Anthropic", "Microsoft", "NVIDIA")
    >>> loop.unknown_hops, loop.throughput
    (('Microsoft -> NVIDIA',), 10000000000.0)
    """
    if limit < 1:
        raise LimitError(f"limit must be at least 1, got {limit}")
    win = parse_window(window)
    if basis not in ("headline", "firm"):
        raise DealgraphError(f"unknown basis {basis!r}; expected headline or firm")
    head = flows(ledger, "headline", usd_per_gw=usd_per_gw)
    firm = flows(ledger, "firm")
    if rank not in RANKS:
        raise DealgraphError(f"unknown ranking {rank!r}; expected one of {', '.join(RANKS)}")
    found, truncated, cut = _search(head, firm, basis, rank, max_length, limit)
    logger.info("loops: %d found among %d entities (max_length %d%s)", len(found), len(ledger.entities), max_length,
                ", stopped at the limit" if truncated else "")
    hop = _hops(head, firm, ledger)
    loops = [_loop(cyc, hop, head.entities, win) for cyc in found]
    key = (lambda lp: lp.firm_throughput) if basis == "firm" else (lambda lp: lp.throughput)
    grade = (lambda lp: EVIDENCE.index(lp.evidence)) if rank == "evidence" else (lambda lp: 0)
    loops.sort(key=lambda lp: (grade(lp), key(lp) is None, -(key(lp) or 0.0), len(lp.unknown_hops)))
    notes = assumptions(head, extra=_UNKNOWN_NOTE)
    if cut:
        notes += (stopped("loops of weaker evidence than those listed were not searched, so the list may be incomplete"),)
    return LoopsResult(tuple(loops), truncated, max_length, limit, win, basis, rank, currency=ledger.currency,
                       notes=notes)


def _search(head: Flows, firm: Flows, basis: Basis, rank: Rank, max_length: int, limit: int
            ) -> tuple[list[tuple[int, ...]], bool, bool]:
    """The ``limit`` loops that rank first, found without enumerating the others.

    Each grade of evidence is searched on the edges that can carry it, strongest first
    (:func:`strongest_cycles`): with ``rank="evidence"`` firm loops (every hop fully stated,
    firm money on each), then fully stated ones, then loops with hops of unknown amount
    (ranked by their stated hops), then loops with no stated hop at all; each grade fills
    what the better ones left of ``limit``. Returns the loops, whether more exist and whether the
    time limit stopped the search before the last grade (more may then exist too).
    """
    complete = head.n_unknown == 0
    stated = np.diff(head.row_ptr) > head.n_unknown  # some row of the edge states an amount
    key = firm.src * firm.n + firm.dst  # firm edges are among the headline edges
    at = np.searchsorted(key, head.src * head.n + head.dst).clip(0, max(firm.m - 1, 0))
    firm_money = np.zeros(head.m) if not firm.m else np.where(key[at] == head.src * head.n + head.dst, firm.amount[at], 0.0)
    if basis == "firm":  # only firm money bounds a firm loop; edges with none carry no firm loop
        grades = [(complete & (firm_money > 0), firm_money)] if rank == "evidence" else []
        grades += [(firm_money > 0, firm_money)]
    else:
        grades = [(complete & (firm_money > 0), head.amount), (complete, head.amount)] if rank == "evidence" else []
        grades += [(np.ones(head.m, bool), np.where(stated, head.amount, np.inf)),  # an unknown hop bounds nothing
                   (~stated, np.ones(head.m))]  # loops with no stated hop: all alike
    found: dict[tuple[int, ...], None] = {}
    for g, (on, weight) in enumerate(grades):
        if g and out_of_time():
            return list(found), False, True
        with step(f"loops: searching grade {g + 1} of {len(grades)} of evidence, strongest first"):
            # one more than the limit: if this grade holds more loops than that, at least one is new, so more exist
            cycles, more = strongest_cycles(head.src[on], head.dst[on], weight[on], head.n, max_length, limit + 1)
        found.update(dict.fromkeys(cycles))
        if more or len(found) > limit:
            return list(found)[:limit], True, False
    return list(found), False, False


_UNKNOWN_NOTE = (
    "Unknown amounts: throughput is the smallest stated amount on the loop; a hop with a deal of unknown "
    "amount is listed and could carry anything from its stated part upwards, so 'could be' gives the "
    "range the true throughput lies in."
)


def _hops(head: Flows, firm: Flows, ledger: Ledger) -> Callable[[int, int], Hop]:
    """The hop ``a -> b`` of a loop, built once per pair however many loops share it."""
    ids = ledger.table["id"].to_list()
    dates = ledger.table["date"].to_list()
    head_at = dict(zip(zip(head.src.tolist(), head.dst.tolist()), range(head.m)))
    firm_at = dict(zip(zip(firm.src.tolist(), firm.dst.tolist()), range(firm.m)))

    @functools.cache
    def hop(a: int, b: int) -> Hop:
        e = head_at[a, b]
        rows = head.rows(e)
        unknown = tuple(ids[r] for r in head.unknown_rows(e))
        f = firm_at.get((a, b), -1)
        return Hop(
            source=head.entities[a], target=head.entities[b], deals=tuple(ids[r] for r in rows),
            amount=float(head.amount[e]) if len(unknown) < len(rows) else None,
            firm_amount=0.0 if f < 0 else float(firm.amount[f]),  # stated firm money; unknown firm amounts add nothing certain
            unknown_deals=unknown, dates=tuple(sorted({dates[r] for r in rows if dates[r] is not None})),
        )

    return hop


def _loop(cyc: tuple[int, ...], hop: Callable[[int, int], Hop], names: tuple[str, ...], win: dt.timedelta | None) -> Loop:
    hops = [hop(a, b) for a, b in zip(cyc, cyc[1:] + cyc[:1])]
    stated = [h.amount for h in hops if h.amount is not None]
    temporal, seq = _in_date_order([h.dates for h in hops], win)
    return Loop(
        entities=tuple(names[i] for i in cyc), hops=tuple(hops),
        throughput=min(stated) if stated else None,
        firm_throughput=min(h.firm_amount for h in hops),
        temporal=temporal, temporal_dates=seq,
    )


def _in_date_order(hop_dates: list[tuple[dt.date, ...]], win: dt.timedelta | None) -> tuple[bool | None, tuple | None]:
    """Some rotation and choice of one date per hop, never going backwards, within the window."""
    if any(not ds for ds in hop_dates):
        return None, None
    k = len(hop_dates)
    for r in range(k):
        order = hop_dates[r:] + hop_dates[:r]
        for start in order[0]:
            seq, cur = [start], start
            for ds in order[1:]:
                at = bisect.bisect_left(ds, cur)  # the earliest date not before cur (dates are sorted)
                if at == len(ds):
                    break
                cur = ds[at]
                seq.append(cur)
            else:
                if win is None or dt.timedelta(days=(cur - start).days) <= win:
                    return True, tuple(seq[k - r:] + seq[:k - r]) if r else tuple(seq)
    return False, None
