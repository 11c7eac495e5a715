import json
import subprocess
import sys

import networkx as nx
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import dealgraph as dg

ROWS = [
    {"source": "微软", "target": "Anthropic", "amount": "50亿美元", "kind": "equity"},
    {"source": "Anthropic", "target": "Azure", "amount": "$30B", "kind": "cloud"},
    {"source": "Microsoft", "target": "英伟达", "amount": "", "kind": "chips"},
]


def _check(lg):
    assert lg.entities == ("Anthropic", "Microsoft", "NVIDIA")
    assert lg.table["amount"].to_list() == [5e9, 30e9, None]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet", "json", "ndjson"])
def test_reads_every_file_format(tmp_path, fmt):
    df = pl.DataFrame(ROWS)
    path = tmp_path / f"ledger.{fmt}"
    if fmt == "csv":
        df.write_csv(path)
    elif fmt == "tsv":
        df.write_csv(path, separator="\t")
    elif fmt == "parquet":
        df.write_parquet(path)
    elif fmt == "json":
        path.write_text(json.dumps(ROWS, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS), encoding="utf-8")
    _check(dg.read_ledger(path))


@pytest.mark.parametrize("make", [pl.DataFrame, pd.DataFrame, pa.Table.from_pylist, list])
def test_reads_tables(make):
    _check(dg.read_ledger(make(ROWS)))


def test_numeric_amount_column_and_date_type():
    import datetime as dt

    lg = dg.read_ledger(pl.DataFrame({"source": ["a"], "target": ["b"], "amount": [3.5], "date": [dt.date(2025, 1, 2)]}))
    assert lg.table["amount"].to_list() == [3.5]
    assert lg.table["date"].to_list() == [dt.date(2025, 1, 2)]


def test_column_mapping(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text("From,To,Amount Paid\nA,B,10\n", encoding="utf-8")
    lg = dg.read_ledger(p, columns={"source": "From", "target": "To", "amount": "Amount Paid"})
    assert lg.to_frame()["source"].to_list() == ["A"] and lg.table["amount"].to_list() == [10.0]


def test_unknown_amount_is_kept_not_zero():
    lg = dg.seed_ledger()
    unknown = lg.table.filter(pl.col("amount").is_null())
    assert unknown.height >= 3
    ids = set(unknown["id"].to_list())
    # the three relations the article states without an amount
    frame = lg.to_frame().filter(pl.col("id").is_in(list(ids)))
    pairs = set(zip(frame["source"], frame["target"]))
    assert {("Microsoft", "NVIDIA"), ("Microsoft", "OpenAI"), ("Anthropic", "Amazon")} <= pairs


def test_all_problems_reported_at_once(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text(
        "source,target,amount,kind,status,date,currency\n"
        "A,B,-5,equity,closed,2025-01-01,USD\n"
        ",C,abc,foo,done?,2025-13-45,USD\n"
        "D,D,5,cloud,closed,,USD\n"
        "E,F,3,cloud,maybe,yesterday,CNY\n",
        encoding="utf-8",
    )
    with pytest.raises(dg.LedgerError) as info:
        dg.read_ledger(p)
    got = {(q.row, q.column) for q in info.value.problems}
    assert got == {
        (1, "amount"), (2, "source"), (2, "amount"), (2, "kind"), (2, "status"), (2, "date"),
        (3, "target"), (4, "status"), (4, "date"), (4, "currency"),
    }
    assert all(q.file == str(p) for q in info.value.problems)
    text = str(info.value)
    assert "row 2, column 'kind': 'foo'" in text and "expected one of" in text


def test_missing_required_column(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("from,to\nA,B\n", encoding="utf-8")
    with pytest.raises(dg.LedgerError, match="missing required column"):
        dg.read_ledger(p)


def test_mixed_currencies_need_rates():
    df = pl.DataFrame({"source": ["A", "B"], "target": ["B", "A"], "amount": ["$10", "70元"]})
    with pytest.raises(dg.LedgerError, match="mixed currencies"):
        dg.read_ledger(df)
    lg = dg.read_ledger(df, fx={"CNY": 0.14})
    assert lg.currency == "USD"
    assert lg.table["amount"].to_list() == pytest.approx([10.0, 9.8])


def test_amount_currency_must_match_column():
    df = pl.DataFrame({"source": ["A"], "target": ["B"], "amount": ["300亿美元"], "currency": ["CNY"]})
    with pytest.raises(dg.LedgerError, match="written in USD"):
        dg.read_ledger(df)


def test_duplicate_ids_rejected():
    df = pl.DataFrame({"id": ["x", "x"], "source": ["A", "B"], "target": ["B", "A"]})
    with pytest.raises(dg.LedgerError, match="duplicate id"):
        dg.read_ledger(df)


def test_aliases_extend(tmp_path):
    p = tmp_path / "aliases.toml"
    p.write_text('[aliases]\n"Big Fund LP" = "BigFund"\n', encoding="utf-8")
    lg = dg.read_ledger(pl.DataFrame({"source": ["big fund lp"], "target": ["ＢｉｇＦｕｎｄ 2"]}), aliases=p)
    assert "BigFund" in lg.entities


def test_gw_parsed_and_up_to_from_wording():
    df = pl.DataFrame({"source": ["A", "B"], "target": ["B", "A"], "amount": ["", "up to $5B"], "gw": ["1千兆瓦", "500 MW"]})
    lg = dg.read_ledger(df)
    assert lg.table["gw"].to_list() == [1.0, 0.5]
    assert lg.table["cap"].to_list() == [None, "up_to"]


def test_to_networkx_keeps_every_row():
    lg = dg.seed_ledger()
    g = lg.to_networkx()
    assert isinstance(g, nx.MultiDiGraph)
    assert g.number_of_edges() == len(lg) and g.number_of_nodes() == len(lg.entities)


def test_row_order_does_not_change_entities():
    df = pl.DataFrame(ROWS)
    assert dg.read_ledger(df).entities == dg.read_ledger(df.reverse()).entities


def test_cli_bad_file_no_traceback(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("source,target,amount\nA,B,xyz\nC,,5\n", encoding="utf-8")
    out = tmp_path / "out.json"
    proc = subprocess.run([sys.executable, "-m", "dealgraph", "loops", str(p), "--json"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "row 1, column 'amount'" in proc.stderr and "row 2, column 'target'" in proc.stderr
    assert json.loads(proc.stdout)["valid"] is False and not out.exists()


def test_a_missing_status_is_read_as_closed_and_said_so():
    lg = dg.read_ledger([{"id": "a", "source": "A", "target": "B", "amount": "5"},
                         {"id": "b", "source": "B", "target": "A", "amount": "3", "status": "loi"}])
    assert lg.table["status"].to_list() == ["closed", "loi"]
    assert any(n.startswith("Status missing in 1 row (a)") for n in lg.notes)
    assert any(f.startswith("Status missing") for f in dg.summary(lg).findings)
    assert not dg.seed_ledger().notes  # the built-in data states every status
