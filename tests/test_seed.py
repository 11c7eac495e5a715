"""The built-in ledger: every figure carries its source in the seed article."""

import re
from importlib import resources
from urllib.parse import urlparse

import polars as pl
import pytest

import dealgraph as dg

ARTICLE = resources.files("dealgraph") / "data" / "seed" / "000_9be8809e8f254aae.txt"  # shipped with the package

EVIDENCE = re.compile(r"^seed article (\S+) line (\d+): 「(.+?)」(?: ; (.+))?$")  # the article, then public reports of the same deal


def test_every_row_cites_article_line_and_words():
    lg = dg.seed_ledger()
    lines = ARTICLE.read_text(encoding="utf-8").split("\n")
    for rec in lg.to_frame().iter_rows(named=True):
        m = EVIDENCE.match(rec["evidence"] or "")
        assert m, f"{rec['id']}: evidence does not name the article line and words"
        assert m.group(1) == ARTICLE.name
        assert m.group(3) in lines[int(m.group(2)) - 1], f"{rec['id']}: quoted words not on line {m.group(2)}"


def test_figures_match_quoted_words():
    """Every stated amount (and capacity) appears in the words its row quotes."""
    for rec in dg.seed_ledger().to_frame().iter_rows(named=True):
        words = EVIDENCE.match(rec["evidence"]).group(3)
        if rec["amount"] is not None:
            figures = [dg.parse_amount(m).value for m in re.findall(r"[\d.]+万?亿美元", words)]
            assert rec["amount"] in figures, rec["id"]
        if rec["gw"] is not None:
            assert f"{rec['gw']:g}千兆瓦" in words, rec["id"]


def test_stated_relations_without_amount_are_unknown():
    f = dg.seed_ledger().to_frame()
    for src, dst in [("Microsoft", "NVIDIA"), ("Microsoft", "OpenAI"), ("Anthropic", "Amazon")]:
        rows = f.filter(pl.col("source") == src, pl.col("target") == dst)
        assert rows.height >= 1 and rows["amount"].null_count() == rows.height


def test_entities_have_chinese_names():
    lg = dg.seed_ledger()
    zh = {lg.aliases.display(e, "zh") for e in lg.entities}
    assert {"微软", "英伟达", "亚马逊", "谷歌"} <= zh


MONEY = re.compile(r"(?:US)?\$\s?\d[\d,.]*\s*(?:trillion|billion|million|bn|tn|[BMT]\b)?|\d[\d,.]*\s*(?:trillion|billion|million)"
                   r"|[\d.]+\s*万?亿美元|[\d.]+\s*億美元", re.I)
WHY_UNKNOWN = (r"not stated|unknown|no (separate |company |dollar )?(contract )?figure|not disclosed|undisclosed"
               r"|no (per-investor |separate )?amount|amounts? stated|neither the amount")
CAPACITY = re.compile(r"([\d.]+)\s*(GW|gigawatts?|千兆瓦|吉瓦|MW|megawatts?)", re.I)


def _sources(evidence: str) -> list[tuple[str, str]]:
    """(url, quoted words) of every public source a row cites (``URL : 'words'``, several joined by `` ; ``)."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"(https?://\S+) : '(.*?)'(?=\s*(?:;|\.\.\.|…|$))", evidence)]


def _figures(words: str) -> list[float]:
    out = []
    for m in MONEY.findall(words):
        try:
            parsed = dg.parse_amount(m.strip().rstrip(".,"))
        except ValueError:
            continue
        if parsed is not None:
            out.append(parsed.value)
    return out


def test_the_public_record_is_sourced_dated_and_its_figures_are_in_the_quoted_words():
    lg = dg.read_dataset("ai-deals")
    rows = lg.to_frame()
    assert rows.height >= 100
    undated = rows.filter(pl.col("date").is_null() & pl.col("start").is_null())
    assert undated.height <= 0.05 * rows.height, undated["id"].to_list()
    ids = set(rows["id"].to_list())
    for rec in rows.iter_rows(named=True):
        sources = _sources(rec["evidence"] or "")
        assert sources, f"{rec['id']}: no public source (URL : 'words')"
        for url, _ in sources:
            parts = urlparse(url)
            assert parts.scheme in ("http", "https") and "." in parts.netloc and " " not in url, (rec["id"], url)
        assert rec["checked"] is not None, rec["id"]
        derived = (rec["note"] or "").startswith("Derived:")
        quoted = " ".join(re.findall(r"'(.*?)'(?=\s*(?:;|\.\.\.|…|$))", rec["evidence"]) + re.findall(r"「(.+?)」", rec["evidence"]))
        if rec["amount"] is not None and not derived:
            assert any(abs(f - rec["amount"]) <= 0.005 * rec["amount"] for f in _figures(quoted)), rec["id"]
        if rec["gw"] is not None and not derived:
            stated = [float(n) * (1e-3 if u.lower().startswith(("mw", "megawatt")) else 1) for n, u in CAPACITY.findall(quoted)]
            assert any(abs(g - rec["gw"]) < 1e-9 for g in stated), rec["id"]
        if rec["amount"] is None:  # an unknown amount says why, or carries a capacity
            assert rec["gw"] is not None or re.search(WHY_UNKNOWN, rec["note"] or "", re.I), rec["id"]
        if rec["superseded_by"] is not None or rec["status"] in ("superseded",):
            assert rec["superseded_by"] in ids and rec["superseded_by"] != rec["id"], rec["id"]


def test_the_loops_public_sources_call_circular_are_found_on_the_bundled_data():
    loops = dg.find_loops(dg.read_dataset("ai-deals"), max_length=4, limit=100_000)
    for names in [("NVIDIA", "OpenAI", "Oracle"), ("Microsoft", "OpenAI"), ("CoreWeave", "NVIDIA"), ("CoreWeave", "NVIDIA", "OpenAI"),
                  ("AMD", "OpenAI"), ("Anthropic", "Microsoft", "NVIDIA"), ("Amazon", "Anthropic"), ("Anthropic", "Google")]:
        assert loops.find(*names) is not None, names


def test_unknown_dataset_is_an_error():
    with pytest.raises(dg.DealgraphError, match="built-in datasets are seed, ai-deals"):
        dg.read_dataset("nope")


def test_every_company_with_ten_billion_of_stated_flows_has_sourced_facts():
    lg = dg.read_dataset("ai-deals")
    W = dg.flows(lg).matrix()
    big = {e for e, total in zip(lg.entities, W.sum(axis=0) + W.sum(axis=1)) if total >= 10e9}
    table = dg.read_entities().frame
    facts = set(table["entity"].to_list())
    groups = {e for e in big if re.search(r"unnamed|investors|co-investors|lenders", e)}  # groups of parties, not companies
    # no public figure found (noted in docs/record/CHANGELOG.md): Apollo's filings pages carried no numbers; Stargate is a private venture
    assert big - facts - groups == {"Apollo", "Stargate"}
    for row in table.iter_rows(named=True):
        given = [f for f in ("revenue", "equity", "liquid_assets", "cash", "market_value") if row[f] is not None]
        assert given and all(f"{f}" in row["source"] and "http" in row["source"] for f in given), row["entity"]


def test_validate_says_how_many_deals_are_dated_and_sourced():
    from click.testing import CliRunner

    from dealgraph.cli import cli

    out = CliRunner().invoke(cli, ["validate", "--dataset", "ai-deals"]).output
    n = len(dg.read_dataset("ai-deals"))
    assert f"valid. {n} rows" in out and n >= 100 and f"{n} citing a web source" in out
    assert re.search(r"; (\d) undated \((\d\.\d)%\)", out) and float(re.search(r"\((\d\.\d)%\)", out).group(1)) <= 5.0
