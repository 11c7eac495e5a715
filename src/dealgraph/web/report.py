"""The report: every view of a ledger as one plain-data payload, and the HTML that shows it.

``report_data`` computes (loops, circularity, round trips, dependency, stress,
a fixed-seed layout) and returns JSON-ready data; ``render_report`` inlines that
data, the page's own script and the vendored ECharts into one HTML file that
needs no network. Ledger text never becomes HTML: the payload sits in a JSON
script block with ``<``, ``>`` and ``&`` escaped, the page builds its DOM with
``textContent``, and a Content-Security-Policy admits only the page's own
scripts (by hash) and no connections.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from importlib import resources
from typing import Any, Literal

import networkx as nx
import numpy as np
import polars as pl

from .._errors import DealgraphError
from .._results import fmt_money, fmt_share, jsonable
from ..analyses.circularity import circularity
from ..analyses.dependency import dependency
from ..analyses.flows import Basis, row_amounts
from ..analyses.loops import find_loops
from ..analyses.round_trips import round_trips
from ..analyses.stress import stress
from ..reading.entities import EntityTable
from ..reading.ledger import FIRM_STATUSES, KINDS, Ledger, read_dataset
from ..reading.scenario import Scenario

__all__ = ["article_story", "render_report", "report_data", "without_deals"]

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")
KIND_COLORS = {"equity": "#1b9e77", "cloud": "#7570b3", "chips": "#d95f02", "compute": "#e7298a", "services": "#66a61e",
               "loan": "#e6ab02", "payment": "#a6761d", "revenue_share": "#1f78b4", "other": "#666666"}

# Labels of the page: key -> (English, Chinese).
_TEXT: dict[str, tuple[str, str]] = {
    "title": ("dealgraph report", "dealgraph 报告"),
    "findings": ("Findings", "主要发现"),
    "network": ("Network", "网络"),
    "loops": ("Loops", "循环"),
    "timeline": ("Timeline", "时间线"),
    "dependency": ("Dependency", "依赖"),
    "stress": ("Stress", "压力测试"),
    "deals": ("Deals", "交易"),
    "search": ("Search an entity", "搜索实体"),
    "clear": ("Clear", "清除"),
    "throughput": ("throughput", "流通额"),
    "could_be": ("could be", "可能范围"),
    "firm": ("firm", "确定"),
    "date": ("date", "日期"),
    "undated": ("include undated deals", "包括无日期的交易"),
    "loops_at": ("Loops that existed by", "截至该日已存在的循环"),
    "entity": ("entity", "实体"),
    "counterparty": ("top counterparty", "最大交易方"),
    "share": ("share", "占比"),
    "exposure": ("largest exposure", "最大敞口"),
    "buffer": ("buffer", "缓冲"),
    "ratio": ("exposure / buffer", "敞口 / 缓冲"),
    "assumed": ("assumed", "假设"),
    "fail": ("Fail", "违约"),
    "pay": ("pays", "支付比例"),
    "loss": ("loss", "损失"),
    "defaulted": ("defaulted", "违约"),
    "wave": ("wave", "轮次"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "source": ("source", "来源"),
    "kind": ("kind", "类型"),
    "status": ("status", "状态"),
    "amount": ("amount", "金额"),
    "note": ("note", "说明"),
    "id": ("id", "编号"),
    "on": ("on", "启用"),
    "basis": ("Basis", "口径"),
    "headline": ("headline", "名义"),
    "firm_basis": ("firm", "确定"),
    "usd_per_gw": ("USD per GW", "每吉瓦美元"),
    "recompute": ("Recompute", "重新计算"),
    "open_ledger": ("Open a ledger", "打开账本"),
    "problems": ("Problems in the ledger", "账本中的问题"),
    "row": ("row", "行"),
    "column": ("column", "列"),
    "value": ("value", "值"),
    "message": ("what is wrong", "问题"),
    "notes": ("Notes", "说明"),
    "legend_solid": ("solid: firm (closed or committed, exact); dashed: not firm; ? : amount unknown",
                     "实线：确定（已完成或已承诺、金额确切）；虚线：不确定；? ：金额未知"),
    "story": ("the article's deals", "文章中的交易"),
    "png": ("Save as PNG", "保存为 PNG"),
    "system_loss": ("total loss", "总损失"),
    "defaults": ("defaults", "违约数"),
    "amplification": ("amplification", "放大倍数"),
    "no_loops": ("No loops.", "没有循环。"),
    "in_article": ("in the article", "文章所述"),
    "trace": ("Deals behind", "相关交易"),
    "exposures": ("Exposures", "敞口"),
    "concentration": ("Revenue concentration", "收入集中度"),
    "single_points": ("Single points of failure", "单点故障"),
    "pays_share": ("share of others' inflow", "占他人流入比例"),
    "explorer": ("explorer", "探索器"),
    "what_if": ("What if", "假设情景"),
    "circular_per_entity": ("Circular money per entity", "各实体的循环资金"),
    "pays_out": ("pays out", "支出"),
    "circular": ("can go round", "可循环"),
    "comes_back": ("comes back", "回流"),
    "article_only": ("only the article's deals", "只看文章中的交易"),
    "entities": ("entities", "个实体"),
    "off": ("deal switched off", "交易已关闭"),
    "none": ("nobody", "无"),
}


def _money(value: float | None, currency: str, lang: Lang) -> str:
    """Money in words of the report's language: ``USD 30B`` or ``300亿美元``.

    >>> _money(1e11, "USD", "zh"), _money(1.38e10, "USD", "zh"), _money(1.4e12, "USD", "en")
    ('1000亿美元', '138亿美元', 'USD 1.4T')
    """
    if lang == "en":
        return fmt_money(value, currency)
    if value is None or math.isnan(value):
        return "未知"
    unit = "美元" if currency == "USD" else f" {currency}"
    for scale, suffix in ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")):
        if abs(value) >= scale:
            v = value / scale
            return f"{v:.3g}{suffix}{unit}" if abs(v) < 100 else f"{v:.0f}{suffix}{unit}"
    return f"{value:,.0f}{unit}"


_PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "story": "The article's network ({deals} deals among {entities} entities) is marked in red inside the wider web of {rows} deals.",
        "share": "{share} of all stated money ({circular} of {total}) can go round in loops; "
                 "up to {upper} if the deals without stated amounts were large.",
        "loops": "{count} loops; the biggest is {path}, throughput {throughput}.",
        "back": "{entity}: about {cents} cents of each dollar it pays comes back to it as revenue (fungibility assumption).",
        "concentration": "{entity} gets {share} of its stated revenue from {top}.",
        "single": "{entity} pays {share} of everyone else's stated inflow.",
        "worst": "Worst single failure: if {entity} paid nothing, {defaults} entities default and {loss} is lost (Eisenberg-Noe).",
        "unknown": "{unknown} of {rows} deals have no stated amount: they are marked '?' and left out of sums.",
    },
    "zh": {
        "story": "文章中的网络（{deals} 笔交易、{entities} 个实体）以红色标出，置于 {rows} 笔交易的更大网络之中。",
        "share": "所有已知金额 {total} 中，有 {circular}（{share}）能在循环中流转；若未知金额很大，最多可达 {upper}。",
        "loops": "共 {count} 个循环；最大的是 {path}，流通额 {throughput}。",
        "back": "{entity} 每支付一美元，约有 {cents} 美分作为收入回到它手中（可替代性假设）。",
        "concentration": "{entity} 已知收入的 {share} 来自 {top}。",
        "single": "{entity} 支付了其他所有实体已知流入的 {share}。",
        "worst": "最坏的单一违约：{entity} 完全不付款，{defaults} 个实体违约，总损失 {loss}（Eisenberg–Noe 模型）。",
        "unknown": "{rows} 笔交易中有 {unknown} 笔没有公布金额：图中以“?”标出，不计入总额。",
    },
}


def _findings(lang: Lang, cur: str, lg: Ledger, loops: dict, circ: dict, rt: dict, dep: dict, worst: dict | None,
              name: Callable[[str], str], story: dict | None) -> list[str]:
    phrase = _PHRASES[lang]

    def m(v: float | None) -> str:
        return _money(v, cur, lang)

    out = []
    if story:
        out.append(phrase["story"].format(rows=len(lg), **story))
    head = circ["bases"][0]
    out.append(phrase["share"].format(share=fmt_share(head["share"]), circular=m(head["circular"]), total=m(head["total"]),
                                      upper=fmt_share(head["share_upper"])))
    if loops["loops"]:
        top = loops["loops"][0]
        path = " → ".join(name(e) for e in top["entities"] + top["entities"][:1])
        out.append(phrase["loops"].format(count=loops["count"], path=path, throughput=m(top["throughput"])))
    back = sorted((e for e in rt["entities"] if e["paid"] > 0 and e["return_share"] > 0.005), key=lambda e: -e["return_share"])
    out += [phrase["back"].format(entity=name(e["entity"]), cents=round(100 * e["return_share"])) for e in back[:2]]
    conc = [c for c in dep["concentration"] if c["direction"] == "in" and c["kind"] == "all" and c["top_share"] is not None]
    if conc:  # the most concentrated revenue, preferring entities with more than one payer
        c = max(conc, key=lambda c: (c["counterparties"] > 1, c["top_share"], c["total"]))
        out.append(phrase["concentration"].format(entity=name(c["entity"]), share=fmt_share(c["top_share"]), top=name(c["top_counterparty"])))
    if dep["single_points_of_failure"]:
        s = dep["single_points_of_failure"][0]
        out.append(phrase["single"].format(entity=name(s["entity"]), share=fmt_share(s["share_of_others_inflow"])))
    if worst:
        sysrow = worst["system"][0]
        out.append(phrase["worst"].format(entity=name(worst["failed"]), defaults=sysrow["defaults"], loss=m(sysrow["total_loss"])))
    unknown = int(lg.table["amount"].null_count())
    if unknown:
        out.append(phrase["unknown"].format(unknown=unknown, rows=len(lg)))
    return out


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
    return np.round(xy * 500, 1)


def _url(evidence: str | None) -> str | None:
    if not evidence:
        return None
    head = evidence.split(" ", 1)[0]
    return head if head.startswith(("https://", "http://")) else None


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
    assume_buffer: float = 0.0,
    scenario: Scenario | None = None,
    disabled: Iterable[str] = (),
    stress_candidates: int = 12,
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

    loops = find_loops(lg, max_length=max_length, window=window, usd_per_gw=usd_per_gw, basis=basis).to_dict()
    circ = circularity(lg, usd_per_gw=usd_per_gw).only(basis).to_dict()
    rt = round_trips(lg, usd_per_gw=usd_per_gw).only(basis).to_dict()
    dep = dependency(lg, basis=basis, usd_per_gw=usd_per_gw, entities=entities, assume_buffer=assume_buffer).to_dict()

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
        on_loops = sorted({lg.entities.index(e) for lp in loops["loops"] for e in lp["entities"]}, key=lambda i: -volume[i])
        shown = np.array(sorted(on_loops[:max_nodes]), dtype=np.int64)
        core_note = f"{len(shown)} of {n} entities shown: those on loops (the circular core), largest first."
    index = {int(e): k for k, e in enumerate(shown)}
    keep = t.filter(pl.col("source").is_in(list(index)) & pl.col("target").is_in(list(index)))
    xy = _layout(len(shown), np.array([index[i] for i in keep["source"].to_list()], dtype=np.int64),
                 np.array([index[i] for i in keep["target"].to_list()], dtype=np.int64),
                 keep["value"].fill_null(float("nan")).to_numpy().astype(float), seed)

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
            "amount_text": _money(r["value"], cur, lang), "gw": r["gw"],
            "date": None if r["date"] is None else r["date"].isoformat(), "note": r["note"], "evidence": r["evidence"],
            "url": _url(r["evidence"]), "in_story": r["id"] in story_ids,
        })
    nodes = [{"index": k, "entity": lg.entities[e], "name": name(lg.entities[e]), "volume": float(volume[e]),
              "volume_text": _money(float(volume[e]), cur, lang), "x": float(xy[k, 0]), "y": float(xy[k, 1]),
              "in_story": int(e) in story_entities} for k, e in enumerate(shown)]
    node_of = {lg.entities[e]: k for k, e in enumerate(shown)}

    report_loops = []
    for lp in loops["loops"]:
        if not all(e in node_of for e in lp["entities"]):
            continue
        report_loops.append({
            "path": lp["path"], "label": " → ".join(name(e) for e in lp["entities"] + lp["entities"][:1]),
            "nodes": [node_of[e] for e in lp["entities"]], "throughput": lp["throughput"],
            "throughput_text": _money(lp["throughput"], cur, lang), "firm_text": _money(lp["firm_throughput"], cur, lang),
            "range_text": f"{_money(lp['throughput_low'], cur, lang)} – "
                          + (_money(lp["throughput_high"], cur, lang) if lp["throughput_high"] is not None else "∞"),
            "temporal": lp["temporal"],
            "hops": [{"source": node_of[h["source"]], "target": node_of[h["target"]], "deals": h["deals"],
                      "amount_text": _money(h["amount"], cur, lang), "unknown": bool(h["unknown_deals"])} for h in lp["hops"]],
        })

    # Stress: each of the largest payers failing in turn, plus the what-if scenario.
    paid = np.bincount(t["source"].to_numpy(), weights=val, minlength=n)
    runs = []
    runs_to_do = []  # (scenario, failing entity, its pay ratio): the what-if first, then each top payer paying nothing
    if scenario is not None and scenario.fail:
        what_if = scenario.resolved(lg)
        runs_to_do.append((what_if, *what_if.fail[0]))
    failing = {e for run, _, _ in runs_to_do for e, _ in run.fail}
    runs_to_do += [(Scenario(fail=((lg.entities[i], 0.0),), name=lg.entities[i]), lg.entities[i], 0.0)
                   for i in np.argsort(-paid, kind="stable")[:stress_candidates] if paid[i] > 0 and lg.entities[i] not in failing]
    for run, entity, pay in runs_to_do:
        res = stress(lg, run, model="eisenberg-noe", basis=basis, usd_per_gw=usd_per_gw, entities=entities,
                     assume_buffer=assume_buffer).to_dict()
        res["failed"], res["pay"] = entity, pay
        hit = sorted((e for e in res["entities"] if e["loss"] > 0), key=lambda e: -e["loss"])
        res["hit"] = len(hit)  # entities with a loss; the page lists the 50 largest
        res["entities"] = [dict(e, name=name(e["entity"]), loss_text=_money(e["loss"], cur, lang)) for e in hit[:50]]
        runs.append(res)
    worst = max((r for r in runs if r["pay"] == 0.0), key=lambda r: r["system"][0]["total_loss"], default=None)

    pair_deals: dict[str, list[str]] = {}
    for r in keep.iter_rows(named=True):
        pair_deals.setdefault(f"{lg.entities[r['source']]}|{lg.entities[r['target']]}", []).append(r["id"])
    text = {key: pair[LANGS.index(lang)] for key, pair in _TEXT.items()}
    return jsonable({
        "meta": {"mode": mode, "lang": lang, "origin": lg.origin, "currency": cur, "basis": basis, "usd_per_gw": usd_per_gw,
                 "rows": len(lg), "entities": n, "shown": len(shown), "core_note": core_note,
                 "story": bool(story_ids), "seed": seed, "version": _version(), "echarts": _vendor_pin()["version"]},
        "text": text,
        "kinds": [{"kind": k, "color": KIND_COLORS[k]} for k in KINDS],
        "findings": _findings(lang, cur, lg, loops, circ, rt, dep, worst, name,
                              {"deals": story_rows.height, "entities": len(story_entities)} if story_ids else None),
        "nodes": nodes, "edges": edges, "loops": report_loops, "loops_truncated": loops["truncated"],
        "dependency": {  # what the page draws: revenue concentration, exposures, single points of failure
            "concentration": [c for c in dep["concentration"] if c["direction"] == "in" and c["kind"] == "all"],
            "exposures": [x for x in dep["exposures"] if x["counterparty"]],
            "single_points_of_failure": dep["single_points_of_failure"],
        },
        "circularity": _per_entity(circ, rt, name, cur, lang),
        "pair_deals": pair_deals,
        "stress": runs, "names": {e: name(e) for e in lg.entities},
        "notes": list(dict.fromkeys(loops["notes"] + circ["notes"] + dep["notes"] + ([core_note] if core_note else []))),
    })


def _per_entity(circ: dict, rt: dict, name: Callable[[str], str], cur: str, lang: Lang, top: int = 50) -> list[dict[str, Any]]:
    """Per paying entity: what it pays, how much of it can go round, and how much comes back (largest circular first)."""
    back = {e["entity"]: e["return_share"] for e in rt["entities"]}
    rows = [e for e in circ["bases"][0]["entities"] if e["outflow"] > 0]
    rows.sort(key=lambda e: (-e["circular"], -e["outflow"]))
    return [{"entity": e["entity"], "name": name(e["entity"]), "outflow_text": _money(e["outflow"], cur, lang),
             "circular_text": _money(e["circular"], cur, lang), "share": e["circular_share_of_outflow"],
             "upper_text": _money(e["circular_upper"], cur, lang), "back": back.get(e["entity"])} for e in rows[:top]]


def _version() -> str:
    from importlib.metadata import version

    return version("dealgraph")


def _vendor_pin() -> dict[str, Any]:
    return json.loads((resources.files("dealgraph") / "web" / "vendor.json").read_text())["echarts"]


def _asset(*parts: str) -> str:
    res = resources.files("dealgraph").joinpath(*parts)
    if not res.is_file():
        raise DealgraphError(f"dealgraph/{'/'.join(parts)} is missing: ECharts is fetched from the npm registry when the package "
                             "is built; reinstall with `python -m pip install -e .`")
    return res.read_text(encoding="utf-8")


def _json_for_script(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def render_report(data: dict[str, Any]) -> str:
    """One self-contained HTML page for ``report_data``'s output (no network needed).

    >>> from dealgraph import seed_ledger
    >>> html = render_report(report_data(seed_ledger()))
    >>> html.startswith("<!DOCTYPE html>") and "connect-src 'none'" in html
    True
    """
    echarts = _asset("_vendor", "echarts.min.js")
    app = _asset("web", "report.js")
    css = _asset("web", "report.css")
    scripts = [echarts, app]
    connect = "'self'" if data["meta"]["mode"] == "explorer" else "'none'"
    csp = (f"default-src 'none'; script-src {' '.join(_sha256(s) for s in scripts)}; style-src 'unsafe-inline'; "
           f"img-src data: blob:; connect-src {connect}; base-uri 'none'; form-action 'none'")
    licence = _asset("_vendor", "ECHARTS-LICENSE").replace("--", "- -")
    title = data["text"]["title"]
    lang = data["meta"]["lang"]
    fill = {"lang": lang, "csp": csp, "title": title, "css": css, "data": _json_for_script(data),
            "licence": f"ECharts {_vendor_pin()['version']} (Apache-2.0), inlined below.\n{licence}",
            "scripts": "\n".join(f"<script>{s}</script>" for s in scripts)}
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fill[m.group(1)], _asset("web", "report.html"))  # one pass: no value is re-read
