"""The headline findings of a ledger, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from .._results import fmt_money, fmt_share
from ..matrix.tracing import FUNGIBILITY
from ..reading.ledger import Ledger
from .circularity import CircularityResult, circularity
from .core import CoreResult, circular_core
from .dependency import DependencyResult, dependency
from .loops import LoopsResult, find_loops
from .round_trips import RoundTripsResult, round_trips
from .stress import StressResult, stress

__all__ = ["Summary", "summary"]


@dataclass(frozen=True)
class Summary:
    """Findings in plain words, with the results they come from."""

    findings: tuple[str, ...]
    ledger: Ledger
    loops: LoopsResult
    circularity: CircularityResult
    round_trips: RoundTripsResult
    core: CoreResult
    dependency: DependencyResult
    worst_failure: StressResult | None

    def to_frame(self) -> pl.DataFrame:
        return pl.DataFrame({"finding": list(self.findings)})

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": list(self.findings),
            "ledger": {"origin": self.ledger.origin, "rows": len(self.ledger), "entities": len(self.ledger.entities),
                       "currency": self.ledger.currency,
                       "unknown_amounts": int(self.ledger.table["amount"].null_count())},
            "loops": self.loops.to_dict(),
            "circularity": self.circularity.to_dict(),
            "round_trips": self.round_trips.to_dict(),
            "core": self.core.to_dict(),
            "dependency": self.dependency.to_dict(),
            "worst_failure": None if self.worst_failure is None else self.worst_failure.to_dict(),
        }

    def __rich__(self):
        from rich.console import Group
        from rich.text import Text

        return Group(Text("Summary", style="bold"), *(f"- {f}" for f in self.findings))


def summary(ledger: Ledger, *, max_length: int = 6, window: str | None = None,
            usd_per_gw: float | None = None, top: int = 3, stress_candidates: int = 20) -> Summary:
    """The headline findings: loops, circular share, round trips, outside money, dependency, stress.

    The worst failure is found by letting each of the ``stress_candidates``
    largest payers pay nothing, in turn (Eisenberg-Noe clearing).

    >>> from dealgraph import seed_ledger
    >>> s = summary(seed_ledger())
    >>> any("Anthropic -> Microsoft -> NVIDIA -> Anthropic" in f for f in s.findings)
    True
    """
    lg = ledger
    c = lg.currency
    loops = find_loops(lg, max_length=max_length, window=window, usd_per_gw=usd_per_gw)
    circ = circularity(lg, usd_per_gw=usd_per_gw)
    rt = round_trips(lg, usd_per_gw=usd_per_gw)
    core = circular_core(lg, usd_per_gw=usd_per_gw)
    unknown = int(lg.table["amount"].null_count())
    out = [
        f"The ledger ({lg.origin}) has {len(lg)} deals among {len(lg.entities)} entities; "
        f"{unknown} deal{'s' if unknown != 1 else ''} state no amount and are kept as unknown, never as zero."
    ]
    complete = sum(lp.complete for lp in loops.loops)
    out.append(
        f"{len(loops)} loop{'s' if len(loops) != 1 else ''} of up to {max_length} entities"
        + (" (search stopped at its limit)" if loops.truncated else "")
        + f"; {complete} of them ha{'ve' if complete != 1 else 's'} a stated amount on every hop."
    )
    for lp in loops.loops[:top]:
        low, high = lp.throughput_range
        text = f"Loop {lp.path()}: throughput {fmt_money(lp.throughput, c)}"
        if not lp.complete:
            text += (f" on stated hops (the true figure lies between {fmt_money(low, c)} and "
                     f"{fmt_money(high, c) if high is not None else 'any amount'}; no amount is stated for "
                     f"{', '.join(lp.unknown_hops)})")
        text += f"; firm throughput {fmt_money(lp.firm_throughput, c)}."
        out.append(text)
    quoted = loops.find("Anthropic", "Microsoft", "NVIDIA")
    if quoted is not None and quoted not in loops.loops[:top]:
        out.append(f"The loop the article quotes, {quoted.path()}, has throughput {fmt_money(quoted.throughput, c)} "
                   f"on stated hops; no amount is stated for {', '.join(quoted.unknown_hops) or 'none'}.")
    for b in circ.bases:
        out.append(
            f"{b.basis.capitalize()} basis: {fmt_money(b.circular, c)} of {fmt_money(b.total, c)} of stated money "
            f"({fmt_share(b.share)}) is circular and could be netted away; up to {fmt_share(b.share_upper)} if the "
            f"unknown amounts were large enough. BFF circularity {fmt_share(b.bff_share)}, "
            f"Finn cycling index {b.cycling_index:.3f}."
        )
    ent = rt.entities.filter(pl.col("basis") == "headline", pl.col("paid") > 0, pl.col("return_share") > 0)
    for r in ent.sort("return_share", descending=True).head(top).iter_rows(named=True):
        out.append(f"Of each dollar {r['entity']} pays out, {100 * r['return_share']:.0f} cents come back to it "
                   f"({fmt_money(r['returned'], c)} of {fmt_money(r['paid'], c)}), headline basis.")
    for r in core.cores.filter(pl.col("basis") == "headline").iter_rows(named=True):
        unknown_in = r["unknown_deals_from_outside"]
        out.append(f"Circular core {', '.join(r['members'])}: {fmt_money(r['inside'], c)} of stated money flows inside it and "
                   f"{fmt_money(r['outside_in'], c)} comes in from outside ({fmt_share(r['outside_share'])} of its inflow)"
                   + (f", plus {unknown_in} deal{'s' if unknown_in != 1 else ''} of unknown amount from outside." if unknown_in else "."))
    dep = dependency(lg, usd_per_gw=usd_per_gw)
    conc = dep.concentration.filter(pl.col("kind") == "all", pl.col("direction") == "in",
                                    pl.col("level") == "highly concentrated")
    if conc.height:
        out.append(f"{conc.height} of {len(lg.entities)} entities get their stated inflow from highly concentrated sources "
                   f"(HHI above 1,800): " + ", ".join(f"{r['entity']} ({fmt_share(r['top_share'])} from {r['top_counterparty']})"
                                                     for r in conc.sort("hhi", descending=True).head(top).iter_rows(named=True)) + ".")
    exposed = dep.exposures.filter(pl.col("over_limit"), ~pl.col("buffer_assumed")).sort("exposure_to_buffer", descending=True)
    for r in exposed.head(top).iter_rows(named=True):
        out.append(f"{r['entity']}'s largest exposure, {fmt_money(r['exposure'], c)} to {r['counterparty']}, is "
                   f"{fmt_share(r['exposure_to_buffer'])} of its stated buffer (over the 25% large-exposure limit).")
    spof = dep.single_points.row(0, named=True) if dep.single_points.height else None
    if spof and spof["pays_others"] > 0:
        out.append(f"Single point of failure: {spof['entity']} pays {fmt_share(spof['share_of_others_inflow'])} of everyone "
                   f"else's stated inflow.")
    worst = _worst_failure(lg, usd_per_gw, stress_candidates)
    if worst is not None:
        row = worst.system.row(0, named=True)
        losers = worst.losers()
        out.append(f"Worst single failure (Eisenberg-Noe): if {worst.scenario.fail[0][0]} paid nothing, "
                   f"{fmt_money(row['total_loss'], c)} would be lost"
                   + (" by " + ", ".join(f"{r['entity']} ({fmt_money(r['loss'], c)})" for r in losers.head(top).iter_rows(named=True))
                      if losers.height else "")
                   + f"; {row['defaults'] - 1} further default{'s' if row['defaults'] != 2 else ''}"
                   + (f" ({', '.join(x.split(': ', 1)[1] for x in row['cascade'][1:])})" if row["defaults"] > 1 else "") + ".")
        out.append(next(n for n in worst.notes if n.startswith("Buffers")))
    out.append(FUNGIBILITY)
    out.extend(n for n in circ.notes if n.startswith("Assumption"))
    return Summary(tuple(out), lg, loops, circ, rt, core, dep, worst)


def _worst_failure(lg: Ledger, usd_per_gw: float | None, candidates: int) -> StressResult | None:
    from .flows import flows

    paid = flows(lg, usd_per_gw=usd_per_gw).matrix().sum(axis=1)
    best: StressResult | None = None
    for i in [int(k) for k in paid.argsort()[::-1][:candidates] if paid[k] > 0]:
        res = stress(lg, {"fail": [{"entity": lg.entities[i], "pay": 0.0}]}, model="eisenberg-noe", usd_per_gw=usd_per_gw)
        if best is None or res.system["total_loss"][0] > best.system["total_loss"][0]:
            best = res
    return best
