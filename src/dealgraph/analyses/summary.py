"""The headline findings of a ledger, in plain words: one routine behind the summary, the report and the explorer.

``summary`` computes every analysis once (loops, circularity, round trips, the circular
core, dependency and each of the largest payers failing in turn) and words the findings
in English or Chinese from one table of phrases, with money formatted by
:func:`dealgraph._results.fmt_money`. The report and the explorer show these findings and
reuse the results behind them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import polars as pl

from .._results import Lang, fmt_money, fmt_share, listed, phrases
from .._work import out_of_time, step, tick
from ..matrix.tracing import FUNGIBILITY
from ..reading.entities import EntityTable
from ..reading.ledger import Ledger
from ..reading.scenario import Scenario
from .circularity import CircularityResult, circularity
from .core import CoreResult, circular_core
from .dependency import HIGHLY_CONCENTRATED, MAJOR_CUSTOMER, DependencyResult, dependency
from .flags import FLAG_TESTS, FlagsResult, circular_deal_flags
from .flows import Basis, Ranges, flows, row_amounts
from .loops import TOP_LOOPS, Loop, LoopsResult, find_loops
from .round_trips import RoundTripsResult, round_trips
from .stress import StressResult, stress

__all__ = ["STRESS_CANDIDATES", "Summary", "single_failures", "summary"]

logger = logging.getLogger(__name__)

STRESS_CANDIDATES = 12  # the largest payers tried, one at a time, in the worst-single-failure search
LISTED = 20  # names written out in one finding; the rest are counted ("and N more")
FLAGS_SHOWN = 5  # flags of each test written as findings (``dealgraph flags`` lists them all)

# One phrase per finding, (English, Chinese), from dealgraph/data/text.toml.
PHRASES = phrases("findings")
PHRASES["fungibility"] = (FUNGIBILITY, PHRASES["fungibility"][1])  # the English is the matrix layer's own statement
_QUOTED = ("Anthropic", "Microsoft", "NVIDIA")  # the loop the seed article spells out


@dataclass(frozen=True)
class Summary:
    """Findings in plain words (in ``lang``), with the results they come from."""

    findings: tuple[str, ...]
    lang: Lang
    ledger: Ledger
    loops: LoopsResult
    circularity: CircularityResult
    round_trips: RoundTripsResult
    core: CoreResult
    dependency: DependencyResult
    single_failures: tuple[StressResult, ...]
    flags: FlagsResult | None = None
    spans: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def worst_failure(self) -> StressResult | None:
        """The single failure with the largest total loss (Eisenberg-Noe), if any payer was tried."""
        return max(self.single_failures, key=lambda r: r.system["total_loss"][0], default=None)

    def to_frame(self) -> pl.DataFrame:
        return pl.DataFrame({"finding": list(self.findings)}, schema={"finding": pl.String})

    def to_dict(self) -> dict[str, Any]:
        worst = self.worst_failure
        return {
            "findings": list(self.findings),
            "lang": self.lang,
            "ledger": {"origin": self.ledger.origin, "rows": len(self.ledger), "entities": len(self.ledger.entities),
                       "currency": self.ledger.currency,
                       "unknown_amounts": int(self.ledger.table["amount"].null_count())},
            "loops": self.loops.to_dict(),
            "circularity": self.circularity.to_dict(),
            "round_trips": self.round_trips.to_dict(),
            "core": self.core.to_dict(),
            "dependency": self.dependency.to_dict(),
            "flags": None if self.flags is None else self.flags.to_dict(),
            "stress_candidates": [r.scenario.fail[0][0] for r in self.single_failures],
            "worst_failure": None if worst is None else worst.to_dict(),
            "ranges": {key: {"low": low, "high": high} for key, (low, high) in self.spans.items()},
        }

    def __rich__(self):
        from rich.console import Group
        from rich.text import Text

        return Group(Text("Summary" if self.lang == "en" else "摘要", style="bold"), *(Text(f"- {f}") for f in self.findings))


def single_failures(ledger: Ledger, *, candidates: int = STRESS_CANDIDATES, basis: Basis = "headline", usd_per_gw: float | None = None,
                    entities: EntityTable | None = None, assume_buffer: float | None = None) -> tuple[StressResult, ...]:
    """Each of the ``candidates`` largest payers paying nothing, in turn (Eisenberg-Noe), largest payer first; past the
    time limit, those tried so far.

    >>> from dealgraph import seed_ledger
    >>> [r.scenario.fail[0][0] for r in single_failures(seed_ledger(), candidates=2)]
    ['OpenAI', 'Anthropic']
    """
    paid = flows(ledger, basis, usd_per_gw=usd_per_gw).paid
    order = [int(i) for i in np.argsort(-paid, kind="stable")[:candidates] if paid[i] > 0]
    logger.info("stress: %d single failures (of the %d largest payers)", len(order), candidates)
    runs = []
    with step("stress: the worst single failure"):
        for done, i in enumerate(order):
            if out_of_time():
                break
            tick(done, len(order))
            runs.append(stress(ledger, Scenario(name=ledger.entities[i], fail=((ledger.entities[i], 0.0),)), model="eisenberg-noe",
                               basis=basis, usd_per_gw=usd_per_gw, entities=entities, assume_buffer=assume_buffer))
    return tuple(runs)


def summary(ledger: Ledger, *, max_length: int = 6, window: str | None = None, basis: Basis = "headline",
            usd_per_gw: float | None = None, entities: EntityTable | None = None, assume_buffer: float | None = None,
            lang: Lang = "en", top: int = 3, stress_candidates: int = STRESS_CANDIDATES, ranges: Ranges | None = None) -> Summary:
    """The headline findings: loops, circular share, round trips, outside money, dependency, stress.

    Loops are ranked and dependency and stress computed on ``basis``; circularity and
    round trips are computed on both bases. The worst failure is found by letting each of
    the ``stress_candidates`` largest payers pay nothing, in turn (Eisenberg-Noe); the
    finding names how many were tried.

    With ``ranges`` the headline figures that rest on assumptions (circular money and share,
    loop throughputs, the worst failure's loss) are also computed at both ends of the
    assumptions (``spans``: lowest and highest of the point and the two ends) and the findings
    show the range beside the point; ``usd_per_gw`` should then be ``ranges.point``.

    >>> from dealgraph import seed_ledger
    >>> s = summary(seed_ledger())
    >>> any("Anthropic -> Microsoft -> NVIDIA -> Anthropic" in f for f in s.findings)
    True
    >>> any("亿美元" in f for f in summary(seed_ledger(), lang="zh").findings)
    True
    """
    lg = ledger
    with step("summary: loops"):
        loops = find_loops(lg, max_length=max_length, window=window, usd_per_gw=usd_per_gw, basis=basis, limit=TOP_LOOPS)
    circ = circularity(lg, usd_per_gw=usd_per_gw)
    rt = round_trips(lg, usd_per_gw=usd_per_gw)
    core = circular_core(lg, usd_per_gw=usd_per_gw)
    dep = dependency(lg, basis=basis, usd_per_gw=usd_per_gw, entities=entities, assume_buffer=assume_buffer)
    runs = single_failures(lg, candidates=stress_candidates, basis=basis, usd_per_gw=usd_per_gw, entities=entities,
                           assume_buffer=assume_buffer)
    with step("summary: flags"):
        flags = circular_deal_flags(lg, usd_per_gw=usd_per_gw, entities=entities)
    parts = Summary((), lang, lg, loops, circ, rt, core, dep, runs, flags)
    if ranges is not None:
        parts = replace(parts, spans=_spans(parts, ranges, usd_per_gw, max_length=max_length, window=window, basis=basis,
                                            entities=entities, assume_buffer=assume_buffer))
    return replace(parts, findings=tuple(_findings(parts, basis, usd_per_gw, assume_buffer, top, ranges)))


def _key(lp: Loop) -> str:
    """A loop's key among the spans."""
    return "loop:" + "|".join(lp.entities)


def _spans(s: Summary, ranges: Ranges, usd_per_gw: float | None, *, max_length: int, window: str | None, basis: Basis,
           entities: EntityTable | None, assume_buffer: float | None) -> dict[str, tuple[float, float]]:
    """The summary's assumption-bound headline figures at both ends of ``ranges``: key -> (lowest, highest)."""
    def head(c: CircularityResult):
        return c.only("headline").bases[0]

    point: dict[str, float] = {"circular": head(s.circularity).circular, "circular_share": head(s.circularity).share}
    point.update({_key(lp): lp.throughput or 0.0 for lp in s.loops.loops})
    worst = s.worst_failure
    if worst is not None:
        point["worst_loss"] = float(worst.system["total_loss"][0])
    seen = {key: [value] for key, value in point.items()}
    for lg, gw in ranges.ends(s.ledger, usd_per_gw):
        b = head(circularity(lg, usd_per_gw=gw))
        seen["circular"].append(b.circular)
        seen["circular_share"].append(b.share)
        for lp in find_loops(lg, max_length=max_length, window=window, usd_per_gw=gw, basis=basis, limit=TOP_LOOPS).loops:
            seen.setdefault(_key(lp), []).append(lp.throughput or 0.0)
        if worst is not None:
            seen["worst_loss"].append(float(stress(lg, worst.scenario, model="eisenberg-noe", basis=basis, usd_per_gw=gw,
                                                   entities=entities, assume_buffer=assume_buffer).system["total_loss"][0]))
    return {key: (min(values), max(values)) for key, values in seen.items() if key in point}


def _s(n: int) -> str:
    return "" if n == 1 else "s"


DOMINANT = 0.5  # one deal above this share of the stated money is named beside the circular share


def _dominant(s: Summary, usd_per_gw: float | None, say, money, name) -> list[str]:
    """The deal that dominates the circular share's denominator, if one does, and the share without it."""
    head = s.circularity.only("headline").bases[0]
    on, amount = row_amounts(s.ledger, "headline", usd_per_gw)
    t = s.ledger.table.with_columns(value=amount).filter(on, pl.col("value").is_not_null())
    if not t.height or not head.total:
        return []
    top = t.sort("value", descending=True).row(0, named=True)
    if top["value"] / head.total <= DOMINANT:
        return []
    rest = circularity(replace(s.ledger, table=s.ledger.table.filter(pl.col("id") != top["id"])), usd_per_gw=usd_per_gw)
    b = rest.only("headline").bases[0]
    return [say("dominant", share=fmt_share(top["value"] / head.total), deal=top["id"],
                path=f"{name(s.ledger.entities[top['source']])} -> {name(s.ledger.entities[top['target']])}", amount=money(top["value"]),
                status=top["status"], circular=money(b.circular), total=money(b.total), without=fmt_share(b.share))]


def _findings(s: Summary, basis: Basis, usd_per_gw: float | None, assume_buffer: float | None, top: int,
              ranges: Ranges | None = None) -> list[str]:
    lg, lang = s.ledger, s.lang
    k = 0 if lang == "en" else 1
    sep = ", " if lang == "en" else "、"

    def say(key: str, **fill: Any) -> str:
        return PHRASES[key][k].format(**fill)

    def money(value: float | None) -> str:
        return fmt_money(value, lg.currency, lang)

    def name(entity: str) -> str:
        return lg.aliases.display(entity, lang)

    def path(entities: tuple[str, ...] | list[str]) -> str:
        return " -> ".join(name(e) for e in [*entities, entities[0]])

    def span(key: str, share: bool = False) -> str:
        """The range beside a point figure, when ranges were asked for and the ends differ."""
        if key not in s.spans or s.spans[key][0] == s.spans[key][1]:
            return ""
        low, high = s.spans[key]
        if share:  # a share stands inside parentheses already
            return say("span_inner", low=fmt_share(low), high=fmt_share(high))
        return say("span", low=money(low), high=money(high))

    def hops(names: tuple[str, ...]) -> str:
        return sep.join(" -> ".join(name(e) for e in h.split(" -> ")) for h in names) or say("none")

    unknown = int(lg.table["amount"].null_count())
    out = [say("ledger", origin=lg.origin, rows=len(lg), entities=len(lg.entities), unknown=unknown, s=_s(unknown),
               vs="" if unknown != 1 else "s", are="are" if unknown != 1 else "is")]
    if lg.year is None:
        out.append(say("period_whole"))
    else:
        n = len(lg.undated)
        out.append(say("period_year", year=lg.year, undated=n, s=_s(n), are="are" if n != 1 else "is"))
    out.extend(lg.notes)  # how the reader read it: names merged
    loops = s.loops.loops
    complete = sum(lp.complete for lp in loops)
    out.append(say("loops", count=len(loops), s=_s(len(loops)), max_length=s.loops.max_length,
                   truncated=say("truncated") if s.loops.truncated else "", complete=complete, have="have" if complete != 1 else "has",
                   unknown=len(loops) - complete))
    best = max((lp for lp in loops if lp.complete), key=lambda lp: lp.throughput or 0.0, default=None)
    if best is not None:
        out.append(say("biggest_stated", path=path(best.entities), throughput=money(best.throughput) + span(_key(best)),
                       firm=money(best.firm_throughput)))
    elif loops:
        out.append(say("no_stated"))
    for lp in [lp for lp in loops if lp is not best][:top]:
        low, high = lp.throughput_range
        bounds = "" if lp.complete else say("loop_range", low=money(low), high=money(high) if high is not None else say("any_amount"),
                                         hops=hops(lp.unknown_hops))
        out.append(say("loop", path=path(lp.entities), throughput=money(lp.throughput) + span(_key(lp)),
                       range=bounds, firm=money(lp.firm_throughput)))
    quoted = s.loops.find(*_QUOTED)
    if quoted is not None and quoted not in loops[:top]:
        out.append(say("quoted", path=path(quoted.entities), throughput=money(quoted.throughput), hops=hops(quoted.unknown_hops)))
    for b in s.circularity.bases:
        spread = b.basis == "headline"
        out.append(say("circular", basis=say(b.basis), circular=money(b.circular) + (span("circular") if spread else ""),
                       total=money(b.total), share=fmt_share(b.share) + (span("circular_share", share=True) if spread else ""),
                       upper=fmt_share(b.share_upper), bff=fmt_share(b.bff_share), fci=b.fci_text()))
    out.extend(_dominant(s, usd_per_gw, say, money, name))
    ent = s.round_trips.entities.filter(pl.col("basis") == basis, pl.col("paid") > 0, pl.col("return_share") > 0)
    for r in ent.sort("return_share", descending=True).head(top).iter_rows(named=True):
        out.append(say("back", entity=name(r["entity"]), cents=f"{100 * r['return_share']:.0f}", returned=money(r["returned"]),
                       paid=money(r["paid"]), basis=say(basis).lower() if lang == "en" else say(basis)))
    for r in s.core.cores.filter(pl.col("basis") == basis).iter_rows(named=True):
        n = r["unknown_deals_from_outside"]
        out.append(say("core", members=listed([name(m) for m in r["members"]], LISTED, sep), inside=money(r["inside"]),
                       outside_in=money(r["outside_in"]), share=fmt_share(r["outside_share"]),
                       unknown=say("core_unknown", n=n, s=_s(n)) if n else ""))
    dep = s.dependency
    conc = dep.concentration.filter(pl.col("kind") == "all", pl.col("direction") == "revenue",
                                    pl.col("hhi") > HIGHLY_CONCENTRATED)
    if conc.height:
        items = [say("concentration_item", entity=name(r["entity"]), share=fmt_share(r["top_share"]), top=name(r["top_counterparty"]))
                 for r in conc.sort("hhi", descending=True).head(top).iter_rows(named=True)]
        out.append(say("concentration", n=conc.height, entities=len(lg.entities), list=sep.join(items)))
    period = say("whole_term") if lg.year is None else say("in_year", year=lg.year)
    for r in dep.reported.filter(pl.col("share_of_reported_revenue") >= MAJOR_CUSTOMER).head(top).iter_rows(named=True):
        out.append(say("reported", entity=name(r["entity"]), customer=name(r["counterparty"]), money=money(r["ledger_revenue"]),
                       period=period, share=fmt_share(r["share_of_reported_revenue"]), revenue=money(r["reported_revenue"]),
                       as_of=r["as_of"] or "?"))
    exposed = dep.exposures.filter(pl.col("over_limit"), ~pl.col("buffer_assumed")).sort("exposure_to_buffer", descending=True)
    for r in exposed.head(top).iter_rows(named=True):
        out.append(say("exposure", entity=name(r["entity"]), exposure=money(r["exposure"]), counterparty=name(r["counterparty"]),
                       ratio=fmt_share(r["exposure_to_buffer"])))
    labels = {"equity": "label_equity", "reported annual revenue": "label_revenue", "revenue in the ledger": "label_ledger_revenue"}
    raised = s.flags.raised() if s.flags is not None else pl.DataFrame({"test": []}, schema={"test": pl.String})
    shown = raised.group_by("test", maintain_order=True).head(FLAGS_SHOWN)  # the strongest of each test; `flags` lists all
    for r in shown.iter_rows(named=True):
        test = FLAG_TESTS.index(r["test"])
        fill = {"entity": name(r["entity"]), "amount": money(r["amount"]), "base": money(r["base"]), "period": period}
        if test == 0:
            out.append(say("flag_outside", share=fmt_share(r["figure"]), **fill))
        elif test == 1:
            out.append(say("flag_leverage", ratio=f"{r['figure']:.2f}", label=say(labels[r["base_label"]]), **fill))
        else:
            out.append(say("flag_investees", share=fmt_share(r["figure"]), label=say(labels[r["base_label"]]), **fill))
    if raised.height > shown.height:
        out.append(say("flags_more", n=raised.height - shown.height, s=_s(raised.height - shown.height)))
    spof = dep.single_points.row(0, named=True) if dep.single_points.height else None
    if spof and spof["pays_others"] > 0:
        out.append(say("single", entity=name(spof["entity"]), share=fmt_share(spof["share_of_others_inflow"])))
    worst = s.worst_failure
    if worst is not None:
        row = worst.system.row(0, named=True)
        losers = worst.losers().head(top)
        by = sep.join(f"{name(r['entity'])} ({money(r['loss'])})" for r in losers.iter_rows(named=True))
        failed = worst.scenario.fail[0][0]
        further = (worst.entities.filter(pl.col("model") == "eisenberg-noe", pl.col("defaulted"), pl.col("entity") != failed)
                   .sort("wave", "entity")["entity"].to_list())  # in the order they fell
        out.append(say("worst", candidates=len(s.single_failures), entity=name(failed), loss=money(row["total_loss"]) + span("worst_loss"),
                       by=say("worst_by", list=by) if by else "", further=say("further", n=len(further), s=_s(len(further))),
                       who=f" ({listed([name(e) for e in further], LISTED, sep)})" if further else ""))
        assumed = worst.entities.filter(pl.col("model") == "eisenberg-noe", pl.col("buffer_assumed"))["entity"].to_list()
        missing = worst.not_assessed()
        if assumed:
            rule = say("buffers_zero") if assume_buffer == 0 else say("buffers_multiple", x=f"{assume_buffer:g}")
            out.append(say("buffers_assumed", names=listed([name(e) for e in assumed], LISTED, sep), rule=rule))
        elif missing:
            out.append(say("not_assessed", names=listed([name(e) for e in missing], LISTED, sep)))
        else:
            out.append(say("buffers_known"))
    out.append(say("fungibility"))
    if usd_per_gw is not None:
        priced = flows(lg, "headline", usd_per_gw=usd_per_gw).priced_rows
        out.append(say("per_gw", price=money(usd_per_gw), n=priced, s=_s(priced)))
    if ranges is not None:
        what = []
        if ranges.usd_per_gw is not None:
            what.append(say("ranges_gw", low=money(ranges.usd_per_gw[0]), high=money(ranges.usd_per_gw[1]), point=money(ranges.point)))
        if ranges.realised != 1:
            what.append(say("ranges_realised", share=fmt_share(ranges.realised)))
        if what:
            out.append(say("ranges", what=sep.join(what)))
    if out_of_time():
        out.append(say("stopped"))
    return out

