"""The page's words in English and Chinese: one table of labels, read by the report's data and the page.

Figures never appear here: money and shares are formatted by :func:`dealgraph._results.fmt_money`
and :func:`dealgraph._results.fmt_share`, and the findings come from
:mod:`dealgraph.analyses.summary`.
"""

from __future__ import annotations

from typing import Any

from .._results import Lang

__all__ = ["LABELS", "LANGS", "labels", "say"]

LANGS: tuple[Lang, ...] = ("en", "zh")

# Labels of the page: key -> (English, Chinese).
LABELS: dict[str, tuple[str, str]] = {
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
    "story_line": ("The article's network ({deals} deals among {entities} entities) is marked in red inside the wider web of {rows} deals.",
                   "文章中的网络（{deals} 笔交易、{entities} 个实体）以红色标出，置于 {rows} 笔交易的更大网络之中。"),
    "core_note": ("{shown} of {n} entities shown: those on loops (the circular core), largest first.",
                  "共 {n} 个实体，只显示循环上的 {shown} 个（循环核心），按规模排序。"),
}


def labels(lang: Lang) -> dict[str, str]:
    """Every label in ``lang`` (the page looks its words up here)."""
    k = LANGS.index(lang)
    return {key: pair[k] for key, pair in LABELS.items()}


def say(key: str, lang: Lang, **fill: Any) -> str:
    """The label ``key`` in ``lang`` with its placeholders filled.

    >>> say("core_note", "en", shown=2, n=43)
    '2 of 43 entities shown: those on loops (the circular core), largest first.'
    """
    return LABELS[key][LANGS.index(lang)].format(**fill)
