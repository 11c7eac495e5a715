"""The report's data: every view of a ledger as one plain-data payload, with text for every figure.

``report_data`` runs :func:`dealgraph.summary` once (loops, circularity, round trips,
dependency, each of the largest payers failing in turn, and the findings in plain words)
and adds what only the page needs: a fixed-seed layout, the deals with their sources, and
every figure already formatted in the page's language (the page formats nothing itself).
:func:`dealgraph.web.render.render_report` turns the payload into one HTML file.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Literal

import networkx as nx
import numpy as np
import polars as pl

from .._errors import DealgraphError
from .._results import Lang, fmt_money, fmt_share, jsonable
from .._work import carried, step, tick, two_at_a_time
from ..analyses.circularity import circular_money
from ..analyses.flows import Basis, Ranges, row_amounts
from ..analyses.history import year_by_year
from ..analyses.stress import stress
from ..analyses.summary import STRESS_CANDIDATES, summary
from ..reading.entities import EntityTable
from ..reading.ledger import CAPS, FIRM_STATUSES, KINDS, STATUSES, Ledger, read_dataset
from ..reading.scenario import Scenario
from .render import vendor_pin, version
from .text import LANGS, labels, say

__all__ = ["article_story", "report_data", "without_deals"]

logger = logging.getLogger(__name__)

KIND_COLORS = {"equity": "#1b9e77", "cloud": "#7570b3", "chips": "#d95f02", "compute": "#e7298a", "services": "#66a61e",
               "loan": "#e6ab02", "payment": "#a6761d", "revenue_share": "#1f78b4", "other": "#666666"}


def without_deals(ledger: Ledger, ids: Iterable[str]) -> Ledger:
    """The ledger with the deals of these ids (or 1-based row numbers as text) switched off.

    >>> from dealgraph import seed_ledger
    >>> len(without_deals(seed_ledger(), ["seed-01"])) == len(seed_ledger()) - 1
    True
    """
    ids = {str(i) for i in ids}
    if not ids:
        return ledger
    t = ledger.table
    keep = ~(t["id"].is_in(list(ids)) | t["row"].cast(pl.String).is_in(list(ids)))
    return replace(ledger, table=t.filter(keep))


def article_story(ledger: Ledger) -> tuple[str, ...]:
    """Ids of the rows of ``ledger`` that come from the seed article (the report's default story)."""
    seed_ids = set(read_dataset("seed").table["id"].to_list())
    return tuple(i for i in ledger.table["id"].to_list() if i in seed_ids)


def _layout(n: int, src: np.ndarray, dst: np.ndarray, amount: np.ndarray, seed: int) -> np.ndarray:
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for i, j, a in zip(src.tolist(), dst.tolist(), amount.tolist()):
        w = 1.0 + math.log10(1.0 + (0.0 if math.isnan(a) else a) / 1e9)
        if g.has_edge(i, j):
            g[i][j]["weight"] += w
        else:
            g.add_edge(i, j, weight=w)
    pos = nx.spring_layout(g, seed=seed, weight="weight", iterations=200, k=2.0 / math.sqrt(max(n, 1)))
    xy = np.array([pos[i] for i in range(n)]) if n else np.zeros((0, 2))
    return np.round(_apart(xy, 1.6 / math.sqrt(max(n, 1))) * 500, 1)


def _apart(xy: np.ndarray, gap: float, rounds: int = 60) -> np.ndarray:
    """Nodes pushed apart until no two are closer than ``gap`` (a crowded core spread, so labels have room); deterministic."""
    xy = xy.copy()
    for _ in range(rounds):
        d = xy[:, None, :] - xy[None, :, :]
        dist = np.sqrt((d ** 2).sum(axis=2))
        np.fill_diagonal(dist, 2 * gap)  # a node is never too close to itself
        close = dist < gap
        if not close.any():
            break
        push = np.where(close, (gap - dist) / 2 / np.maximum(dist, 1e-9), 0.0)
        xy += (d * push[:, :, None]).sum(axis=1)
    return xy


def _url(evidence: str | None) -> str | None:
    """The first web address a row's evidence cites (the seed article's rows cite the article first)."""
    found = re.search(r"https?://\S+", evidence or "")
    return found.group(0) if found else None


def report_data(
    ledger: Ledger,
    *,
    lang: Lang = "en",
    basis: Basis = "headline",
    usd_per_gw: float | None = None,
    story: Iterable[str] = (),
    max_length: int = 6,
    window: str | None = None,
    max_nodes: int = 150,
    entities: EntityTable | None = None,
    assume_buffer: float | None = None,
    ranges: Ranges | None = None,
    scenario: Scenario | None = None,
    disabled: Iterable[str] = (),
    stress_candidates: int = STRESS_CANDIDATES,
    seed: int = 7,
    mode: Literal["report", "explorer"] = "report",
) -> dict[str, Any]:
    """Everything the report shows, as JSON-ready data.

    ``story`` names rows to mark (the article's deals inside a wider web);
    ``scenario`` adds a what-if stress run next to the single-failure runs of
    the ``stress_candidates`` largest payers; ``disabled`` deals are left out of
    every figure but still listed (switched off). Ledgers with more than
    ``max_nodes`` entities are shown as the entities on loops (their circular
    core), largest first.

    >>> from dealgraph import seed_ledger
    >>> d = report_data(seed_ledger())
    >>> len(d["nodes"]) == len(seed_ledger().entities), d["loops"][0]["path"]
    (True, 'Amazon -> Anthropic -> NVIDIA -> OpenAI -> Amazon')
    """
    if lang not in LANGS:
        raise DealgraphError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    off = set(disabled)
    lg, cur = without_deals(ledger, off), ledger.currency

    def name(entity: str) -> str:
        return lg.aliases.display(entity, lang)

    def money(value: float | None) -> str:
        return fmt_money(value, cur, lang)

    # the history (each year, each year's end) beside the summary: its circulations are solved in child processes and its
    # loop search leaves the interpreter free, so the two share both cores
    with ThreadPoolExecutor(1) as pool:
        history = pool.submit(carried(lambda: (_per_year(lg, usd_per_gw, money), _chapters(lg, usd_per_gw, money, name, max_length))))
        found = summary(lg, max_length=max_length, window=window, basis=basis, usd_per_gw=usd_per_gw, entities=entities,
                        assume_buffer=assume_buffer, lang=lang, stress_candidates=stress_candidates, ranges=ranges)
        per_year, chapters = history.result()
    loops = found.loops.to_dict()
    circ = found.circularity.only(basis).to_dict()
    rt = found.round_trips.only(basis).to_dict()
    dep = found.dependency

    on, amount = row_amounts(ledger, basis, usd_per_gw)
    t = ledger.table.with_columns(on=on & ~ledger.table["id"].is_in(list(off)), value=amount)
    n = len(lg.entities)
    volume = np.zeros(n)
    val = t["value"].fill_null(0.0).to_numpy() * t["on"].to_numpy()
    np.add.at(volume, t["source"].to_numpy(), val)
    np.add.at(volume, t["target"].to_numpy(), val)

    # Which entities to draw: all, or the circular core of a large ledger.
    shown = np.arange(n)
    core_note = None
    if n > max_nodes:
        at = {e: i for i, e in enumerate(lg.entities)}
        on_loops = sorted({at[e] for lp in loops["loops"] for e in lp["entities"]}, key=lambda i: -volume[i])
        shown = np.array(sorted(on_loops[:max_nodes]), dtype=np.int64)
        core_note = say("core_note", lang, shown=len(shown), n=n)
    index = {int(e): k for k, e in enumerate(shown)}
    keep = t.filter(pl.col("source").is_in(list(index)) & pl.col("target").is_in(list(index)))
    with step(f"report: drawing {len(shown):,} entities"):
        # from every deal, switched off or not, so a what-if keeps each entity where it was
        xy = ledger.derived(("layout", basis, usd_per_gw, seed, shown.tobytes()), lambda: _layout(
            len(shown), np.array([index[i] for i in keep["source"].to_list()], dtype=np.int64),
            np.array([index[i] for i in keep["target"].to_list()], dtype=np.int64),
            keep["value"].fill_null(float("nan")).to_numpy().astype(float), seed))

    story_ids = set(story)
    story_rows = keep.filter(pl.col("id").is_in(list(story_ids)))
    story_entities = set(story_rows["source"].to_list()) | set(story_rows["target"].to_list())
    edges = []
    for r in keep.iter_rows(named=True):
        firm = r["status"] in FIRM_STATUSES and r["cap"] in (None, "exact")
        edges.append({
            "id": r["id"], "row": r["row"], "source": index[r["source"]], "target": index[r["target"]],
            "kind": r["kind"], "status": r["status"], "cap": r["cap"], "firm": firm, "on": bool(r["on"]),
            "amount": None if r["value"] is None or math.isnan(r["value"]) else r["value"],
            "amount_text": money(r["value"]), "gw": r["gw"],
            "date": None if r["date"] is None else r["date"].isoformat(), "note": r["note"], "evidence": r["evidence"],
            "url": _url(r["evidence"]), "in_story": r["id"] in story_ids,
        })
    nodes = [{"index": k, "entity": lg.entities[e], "name": name(lg.entities[e]), "volume": float(volume[e]),
              "volume_text": money(float(volume[e])), "x": float(xy[k, 0]), "y": float(xy[k, 1]),
              "in_story": int(e) in story_entities} for k, e in enumerate(shown)]
    node_of = {lg.entities[e]: k for k, e in enumerate(shown)}
    drawn = pl.col("entity").is_in(list(node_of))  # the dependency views name the entities drawn (a large ledger's core)

    report_loops = []
    for lp in loops["loops"]:
        if not all(e in node_of for e in lp["entities"]):
            continue
        report_loops.append({
            "path": lp["path"], "label": " → ".join(name(e) for e in lp["entities"] + lp["entities"][:1]),
            "nodes": [node_of[e] for e in lp["entities"]], "throughput": lp["throughput"],
            "throughput_text": money(lp["throughput"]), "firm_text": money(lp["firm_throughput"]),
            "range_text": f"{money(lp['throughput_low'])} – " + (money(lp["throughput_high"]) if lp["throughput_high"] is not None else "∞"),
            "temporal": lp["temporal"],
            "hops": [{"source": node_of[h["source"]], "target": node_of[h["target"]], "deals": h["deals"],
                      "amount_text": money(h["amount"]), "unknown": bool(h["unknown_deals"])} for h in lp["hops"]],
        })

    # Stress: the what-if scenario first, then each of the largest payers failing in turn (computed once, by the summary).
    runs = []
    if scenario is not None and scenario.fail:
        what_if = scenario.resolved(lg)
        runs.append(stress(lg, what_if, model="eisenberg-noe", basis=basis, usd_per_gw=usd_per_gw, entities=entities,
                           assume_buffer=assume_buffer))
    failing = {e for r in runs for e, _ in r.scenario.fail}
    runs += [r for r in found.single_failures if r.scenario.fail[0][0] not in failing]
    stress_runs = [_stress_run(r.to_dict(), *r.scenario.fail[0], name, lambda v: _buffer_text(v, lang, money), money) for r in runs]

    pair_deals: dict[str, list[str]] = {}
    for r in keep.iter_rows(named=True):
        pair_deals.setdefault(f"{lg.entities[r['source']]}|{lg.entities[r['target']]}", []).append(r["id"])
    story_line = [say("story_line", lang, rows=len(lg), deals=story_rows.height, entities=len(story_entities))] if story_ids else []
    logger.info("report: %d entities (%d shown), %d deals, %d loops, %d stress runs", n, len(shown), len(edges), len(report_loops),
                len(stress_runs))
    return jsonable({
        "meta": {"mode": mode, "lang": lang, "origin": lg.origin, "currency": cur, "basis": basis, "usd_per_gw": usd_per_gw,
                 "rows": len(lg), "entities": n, "shown": len(shown), "core_note": core_note,
                 "story": bool(story_ids), "seed": seed, "version": version(), "echarts": vendor_pin()["version"]},
        "text": labels(lang),
        "kinds": [{"kind": k, "color": KIND_COLORS[k]} for k in KINDS],
        "statuses": list(STATUSES), "caps": list(CAPS),
        "findings": story_line + list(found.findings),
        "nodes": nodes, "edges": edges, "loops": report_loops, "loops_truncated": loops["truncated"],
        "dependency": {  # what the page draws: revenue concentration, exposures, single points of failure
            "concentration": [dict(c, top_share_text=fmt_share(c["top_share"])) for c in dep.concentration.filter(
                pl.col("direction") == "revenue", pl.col("kind") == "all", drawn).to_dicts()],
            "exposures": [dict(x, exposure_text=money(x["exposure"]), buffer_text=_buffer_text(x["buffer"], lang, money),
                               ratio_text="–" if x["buffer"] is None else fmt_share(x["exposure_to_buffer"]) if x["buffer"] > 0 else "∞")
                          for x in dep.exposures.filter(pl.col("counterparty").fill_null("") != "", drawn).to_dicts()],
            "single_points_of_failure": [dict(x, share_text=fmt_share(x["share_of_others_inflow"])) for x in dep.single_points.to_dicts()],
        },
        "circularity": _per_entity(circ, rt, name, money),
        "per_year": per_year,
        "chapters": chapters,
        "pair_deals": pair_deals,
        "stress": stress_runs, "names": {e: name(e) for e in lg.entities},
        "notes": list(dict.fromkeys([*lg.notes, *loops["notes"], *circ["notes"], *dep.notes, *([core_note] if core_note else [])])),
    })


def _buffer_text(value: float | None, lang: Lang, money: Callable[[float | None], str]) -> str:
    return say("not_assessed", lang) if value is None else money(value)


def _stress_run(res: dict[str, Any], entity: str, pay: float, name: Callable[[str], str], buffer: Callable[[float | None], str],
                money: Callable[[float | None], str]) -> dict[str, Any]:
    """One stress run as the page shows it: the entities with a loss (the 50 largest), every figure as text."""
    hit = sorted((e for e in res["entities"] if e["loss"] > 0), key=lambda e: -e["loss"])
    system = [dict(s, total_loss_text=money(s["total_loss"]),
                   amplification_text="n/a" if s["amplification"] is None else f"{s['amplification']:.2f}x") for s in res["system"]]
    return dict(res, failed=entity, pay=pay, pay_text=f"{100 * pay:.0f}%", hit=len(hit), system=system,
                entities=[dict(e, name=name(e["entity"]), loss_text=money(e["loss"]), buffer_text=buffer(e["buffer"])) for e in hit[:50]])


MAX_YEARS = 40  # the per-year chart's longest span, the latest years kept


def _per_year(lg: Ledger, usd_per_gw: float | None, money: Callable[[float | None], str]) -> list[dict[str, Any]]:
    """Stated and circular money (headline basis) in each calendar year that a dated deal or a term touches."""
    t = lg.table
    years = pl.concat([t["start"].fill_null(t["date"]), t["end"]]).drop_nulls().dt.year()
    if years.is_empty():
        return []
    first, last = int(years.min()), int(years.max())  # type: ignore[arg-type]  # the min and max of an integer column
    out = []
    span = range(max(first, last - MAX_YEARS + 1), last + 1)
    with step("report: circular money in each year"):
        # a large circulation is solved in a child process: two years at once
        yearly = two_at_a_time(lambda view: circular_money(view, usd_per_gw=usd_per_gw), lg.by_year(span))
        for done, (year, (stated, circular)) in enumerate(zip(span, yearly)):
            tick(done, len(span))
            out.append({"year": year, "stated": stated, "circular": circular, "stated_text": money(stated),
                        "circular_text": money(circular), "share_text": fmt_share(circular / stated if stated else 0.0)})
    return out


def _chapters(lg: Ledger, usd_per_gw: float | None, money: Callable[[float | None], str], name: Callable[[str], str],
              max_length: int) -> list[dict[str, Any]]:
    """The story by year: for each year a dated deal falls in, what became known, the loops that closed, the money at its end."""
    if lg.year is not None:
        return []
    out = []
    for d in year_by_year(lg, usd_per_gw=usd_per_gw, max_length=max_length, max_years=MAX_YEARS):
        end = d.totals.row(1, named=True)
        known = d.changes.filter(pl.col("change") == "deal known")
        out.append({
            "year": d.last.year, "end": d.last.isoformat(), "deals": end["deals"], "new_deals": known.height,
            "new_money_text": money(float(known["amount"].sum() or 0.0)),
            "replaced": d.changes.filter(pl.col("change") == "deal replaced")["what"].to_list(),
            "loops_closed": [" -> ".join(name(e) for e in w.split(" -> ")) for w in
                             d.changes.filter(pl.col("change") == "loop closed")["what"].to_list()],
            "stated_text": money(end["stated"]), "circular_text": money(end["circular"]), "share_text": fmt_share(end["share"]),
        })
    return out


def _per_entity(circ: dict, rt: dict, name: Callable[[str], str], money: Callable[[float | None], str], top: int = 50
                ) -> list[dict[str, Any]]:
    """Per paying entity: what it pays, how much of it can go round, and how much comes back (largest circular first)."""
    back = {e["entity"]: e["return_share"] for e in rt["entities"]}
    rows = [e for e in circ["bases"][0]["entities"] if e["outflow"] > 0]
    rows.sort(key=lambda e: (-e["circular"], -e["outflow"]))
    return [{"entity": e["entity"], "name": name(e["entity"]), "outflow_text": money(e["outflow"]),
             "circular_text": money(e["circular"]), "share": e["circular_share_of_outflow"],
             "share_text": fmt_share(e["circular_share_of_outflow"]), "upper_text": money(e["circular_upper"]),
             "back": back.get(e["entity"]), "back_text": "" if back.get(e["entity"]) is None else f"{round(100 * back[e['entity']])}¢"}
            for e in rows[:top]]
