"""``extract_rows``: articles in, candidate ledger rows out, each with the sentence it came from, a confidence and why."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from .._results import fmt_money, terminal_rows
from ..reading.aliases import AliasTable
from .article import Article, month_named, published, read_article
from .lexicon import lexicon
from .mentions import Names
from .rules import Flow, Memory, read_sentence

__all__ = ["COLUMNS", "Extraction", "extract_rows"]

COLUMNS = ("source", "target", "amount", "currency", "cap", "status", "kind", "gw", "date", "years", "evidence", "confidence", "why",
           "article", "line")
_SCHEMA = {"source": pl.String, "target": pl.String, "amount": pl.Float64, "currency": pl.String, "cap": pl.String, "status": pl.String,
           "kind": pl.String, "gw": pl.Float64, "date": pl.String, "years": pl.Float64, "evidence": pl.String, "confidence": pl.Float64,
           "why": pl.String, "article": pl.String, "line": pl.Int64}
_SKIP_SCHEMA = {"article": pl.String, "line": pl.Int64, "text": pl.String, "why": pl.String, "sentence": pl.String}
SAME_AMOUNT = 0.01  # two amounts within 1% of each other are one deal's


@dataclass(frozen=True)
class Extraction:
    """Candidate ledger rows read from articles, for a person to review.

    Attributes
    ----------
    rows : polars.DataFrame
        One row per deal: the ledger's columns (``source``, ``target``, ``amount`` (null when the
        article states none), ``currency``, ``cap``, ``status``, ``kind``, ``gw``, ``date``,
        ``years``), ``evidence`` (each sentence it came from, with its article and line),
        ``confidence`` (0-1) and ``why`` (the cues that gave the direction, kind, cap, status).
    skipped : polars.DataFrame
        Amounts read but not taken as flows (a valuation, a total, a denial ...), with why.
    articles : tuple of str
        The articles read, in order.
    """

    rows: pl.DataFrame
    skipped: pl.DataFrame
    articles: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pl.DataFrame:
        return self.rows

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows.to_dicts(), "skipped": self.skipped.to_dicts(), "articles": list(self.articles), "notes": list(self.notes)}

    def __rich__(self):
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        t = Table(title=f"Candidate rows from {len(self.articles)} article{'s' if len(self.articles) != 1 else ''} (review before use)",
                  title_justify="left")
        for col in ("source", "target", "amount", "cap", "status", "kind", "gw", "date", "conf.", "evidence"):
            t.add_column(col, justify="right" if col in ("amount", "gw", "conf.") else "left")
        rows, more = terminal_rows(self.rows)
        for r in rows.iter_rows(named=True):
            t.add_row(Text(r["source"]), Text(r["target"]), fmt_money(r["amount"], r["currency"]), r["cap"], r["status"], r["kind"],
                      "" if r["gw"] is None else f"{r['gw']:g}", r["date"] or "", f"{r['confidence']:.2f}", Text(r["evidence"][:120]))
        parts: list[Any] = [t, *(Text(m) for m in more)]
        if self.skipped.height:
            parts.append(Text(f"{self.skipped.height} amount{'s' if self.skipped.height != 1 else ''} not read as flows "
                              f"(valuations, totals, denials ...): --json lists each with why."))
        parts.extend(Text(n) for n in self.notes)
        return Group(*parts)


def _evidence(article: Article, line: int, text: str) -> str:
    quoted = f"「{text}」" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else f"'{text}'"
    return f"{article.name} line {line}: {quoted}"


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=SAME_AMOUNT)


def extract_rows(articles: Iterable[Article | str | Path], *, aliases: AliasTable | Mapping[str, str] | None = None,
                 date: dt.date | None = None, llm: str | None = None, llm_model: str = "default") -> Extraction:
    """Candidate ledger rows from news articles in English, Simplified or Traditional Chinese.

    Parameters
    ----------
    articles : iterable of Article, path or ``-``
        The articles (text or HTML files; see ``read_article``).
    aliases : AliasTable or mapping, optional
        Entity names (the built-in table, extended by a mapping ``alias -> name``).
    date : datetime.date, optional
        The day the articles were published, for relative dates; else each article's date line.
    llm : str, optional
        An OpenAI-compatible endpoint (``http://127.0.0.1:8080/v1``) whose model also proposes rows
        (``llm_model`` names the model; a key is read from ``DEALGRAPH_LLM_KEY``). Its rows pass the
        same checks (see ``dealgraph.news.llm``) and merge with the rules' rows; off by default.

    Returns
    -------
    Extraction
        One row per deal, with the sentences it came from: a deal stated twice (same pair and kind,
        amounts within 1%) is one row with both sentences as evidence. Nothing here is checked
        against the record: every row is a proposal for a person to accept, edit or reject.

    Notes
    -----
    Rules, not a model: a verb cue gives the direction, the words next to an amount its cap, the
    sentence's words its status (see ``dealgraph.news.rules`` and ``dealgraph/data/news.toml``). A deal
    named without a figure ("Microsoft is OpenAI's main backer") is proposed with its amount unknown
    and a confidence of at most 0.5 when the sentence names both parties, a verb between them and
    what changes hands, and states no amount. Linear in the article's length.

    Examples
    --------
    >>> from dealgraph.news.article import Article
    >>> a = Article("a.txt", "NVIDIA will invest up to $10 billion in Anthropic, and Microsoft up to $5 billion.")
    >>> extract_rows([a]).rows.select("source", "target", "amount", "cap", "kind").rows()
    [('NVIDIA', 'Anthropic', 10000000000.0, 'up_to', 'equity'), ('Microsoft', 'Anthropic', 5000000000.0, 'up_to', 'equity')]
    """
    table = aliases if isinstance(aliases, AliasTable) else AliasTable.builtin().extend(aliases or {})
    names = Names(table, _record_names())
    lex = lexicon()
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    read: list[str] = []
    notes: list[str] = []
    for item in articles:
        article = item if isinstance(item, Article) else read_article(item, date=date)
        if date is not None and article.date != date:
            article = Article(article.name, article.text, date)
        elif article.date is None and article.month is None:  # an Article made in code: its date line, as read_article reads it
            day = published(article.text)
            article = Article(article.name, article.text, day, None if day else month_named(article.text))
        read.append(article.name)
        if article.date is None and article.month is None:
            notes.append(f"{article.name}: no date line and no --date; rows keep the dates their sentences state, relative ones stay unknown")
        memory = Memory()
        for sentence in article.sentences():
            flows, skips = read_sentence(sentence, names, lex, article, memory)
            for f in flows:
                _add(rows, f, _evidence(article, sentence.line, sentence.text), article.name, sentence.line)
            skipped += [{"article": article.name, "line": sentence.line, "text": s.text, "why": s.why, "sentence": sentence.text} for s in skips]
        if llm:
            from .llm import propose_rows

            lines = article.lines
            proposed = propose_rows(article, llm, names, model=llm_model)
            for f, line in proposed.rows:
                f.date = article.date.isoformat() if article.date else article.month
                _add(rows, f, _evidence(article, line, lines[line - 1].strip()), article.name, line)
            skipped += [{"article": article.name, "line": line, "text": s.text, "why": s.why, "sentence": lines[line - 1] if line else ""}
                        for s, line in proposed.refused]
    frame = pl.DataFrame(rows, schema=_SCHEMA) if rows else pl.DataFrame(schema=_SCHEMA)
    return Extraction(frame, pl.DataFrame(skipped, schema=_SKIP_SCHEMA) if skipped else pl.DataFrame(schema=_SKIP_SCHEMA),
                      tuple(read), tuple(notes))


def _add(rows: list[dict[str, Any]], f: Flow, evidence: str, article: str, line: int) -> None:
    """``f`` as a new row, or as more evidence for the row of the same deal already read."""
    for row in rows:
        same_deal = _same(row["amount"], f.amount) and (row["gw"] == f.gw or row["gw"] is None or f.gw is None)
        # one sentence gives the amount, another the capacity: "... worth $300 billion" and "Oracle will supply 4.5 GW to OpenAI"
        halves = (row["amount"] is None) != (f.amount is None) and (row["gw"] is None) != (f.gw is None) \
            and (row["amount"] is None) == (f.gw is None) and row["article"] == article
        # a deal named without a figure, and the same deal with one, in one article: one row
        unstated = row["article"] == article and ((f.amount is None and f.gw is None) or (row["amount"] is None and row["gw"] is None))
        halves = halves or unstated
        if (row["source"], row["target"]) == (f.source, f.target) and (row["kind"] == f.kind or unstated) and (same_deal or halves):
            if evidence not in row["evidence"]:
                row["evidence"] += " ; " + evidence
            row["gw"] = row["gw"] if row["gw"] is not None else f.gw
            row["amount"] = row["amount"] if row["amount"] is not None else f.amount
            row["confidence"] = max(row["confidence"], f.confidence)
            return
    rows.append({"source": f.source, "target": f.target, "amount": f.amount, "currency": f.currency, "cap": f.cap, "status": f.status,
                 "kind": f.kind, "gw": f.gw, "date": f.date, "years": f.years, "evidence": evidence, "confidence": f.confidence,
                 "why": "; ".join(f.why), "article": article, "line": line})


@functools.cache
def _record_names() -> tuple[str, ...]:
    """The entity names of the built-in record and the seed ledger (only named companies: no "... investors" groups)."""
    import csv
    from importlib import resources

    names: set[str] = set()
    for file in ("ai_deals.csv", "seed_ledger.csv"):
        with (resources.files("dealgraph") / "data" / file).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                names.update(n for n in (row["source"], row["target"]) if n and not any(w in n for w in ("investors", "lenders", "co-investors")))
    return tuple(sorted(names))
