"""The built-in ledger: every figure carries its source in the seed article."""

import re
from importlib import resources

import polars as pl
import pytest

import dealgraph as dg

ARTICLE = resources.files("dealgraph") / "data" / "seed" / "000_9be8809e8f254aae.txt"  # shipped with the package

EVIDENCE = re.compile(r"^seed article (\S+) line (\d+): 「(.+)」$")


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


def test_ai_deals_dataset_rows_cite_urls_and_hold_the_known_loops():
    lg = dg.read_dataset("ai-deals")
    seed_ids = set(dg.seed_ledger().table["id"].to_list())
    wider = lg.to_frame().filter(~pl.col("id").is_in(list(seed_ids)))
    assert wider.height == 21 and set(lg.table["id"].to_list()) - set(wider["id"].to_list()) == seed_ids - {"seed-05"}
    for rec in wider.iter_rows(named=True):
        url, sep, words = rec["evidence"].partition(" : ")
        assert url.startswith("https://") and sep and words.startswith("'"), rec["id"]
        if rec["amount"] is None:  # an unknown amount says why
            assert rec["gw"] is not None or re.search(r"not stated|unknown|no figure", rec["note"]), rec["id"]
        elif rec["cap"] == "exact":  # an exact figure is in the quoted words
            figure = f"{rec['amount'] / 1e9:g}"
            assert f"${figure} billion" in words or f"{figure} billion" in words, rec["id"]
    assert {"Amazon", "Google", "CoreWeave", "AMD", "Broadcom"} <= set(lg.entities)
    loops = dg.find_loops(lg)
    assert loops.find("NVIDIA", "OpenAI", "Oracle") is not None
    assert loops.find("Microsoft", "OpenAI") is not None


def test_unknown_dataset_is_an_error():
    with pytest.raises(dg.DealgraphError, match="built-in datasets are seed, ai-deals"):
        dg.read_dataset("nope")
