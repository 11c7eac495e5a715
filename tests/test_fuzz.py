"""Hostile and unusual inputs, in every format the readers take: never a traceback, never an error outside the tree.

Each hand-made case is written as CSV, TSV, JSON, NDJSON and Parquet (where the format can hold it) and run through
the command line (exit 0, or exit 1 with ``error:`` naming the file) and the Python API (a value, or a
``DealgraphError``). Hypothesis adds random files made of the pieces that break parsers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dealgraph as dg
from dealgraph.cli import cli

COLUMNS = ["id", "source", "target", "amount", "date", "kind", "status", "cap", "gw", "note"]

# Each case: name -> rows (lists of cells, the first row the header). None in a cell: left empty.
CASES: dict[str, list[list[str | None]]] = {
    "header only": [["source", "target", "amount"]],
    "no columns at all": [[]],
    "one row": [["source", "target", "amount"], ["A", "B", "5"]],
    "self loop only": [["source", "target", "amount"], ["A", "A", "5"]],
    "missing target column": [["source", "amount"], ["A", "5"]],
    "misspelled amount": [["source", "target", "ammount"], ["A", "B", "5"], ["B", "A", "3"]],
    "duplicated header": [["source", "target", "amount", "amount"], ["A", "B", "5", "6"]],
    "empty names": [["source", "target", "amount"], ["", "B", "5"], ["A", None, "5"]],
    "whitespace names": [["source", "target", "amount"], ["  ", "B", "5"], ["A", "\t", "5"]],
    "huge amounts": [["source", "target", "amount"], *[["A", "B", "1e308"]] * 2, *[["B", "A", "1e308"]] * 2],
    "negative and nan": [["source", "target", "amount"], ["A", "B", "-5"], ["B", "A", "nan"], ["A", "C", "inf"]],
    "words as amounts": [["source", "target", "amount"], ["A", "B", "lots"], ["B", "A", "$$5"], ["A", "C", "5 gazillion"]],
    "european decimals": [["source", "target", "amount"], ["A", "B", "1.234,5"], ["B", "A", "1,5"]],
    "chinese numerals": [["source", "target", "amount"], ["A", "B", "三千五百亿"], ["B", "A", "两百五十亿"], ["A", "C", "50億美元"]],
    "odd dates": [["source", "target", "amount", "date"], ["A", "B", "5", "0000-01-01"], ["B", "A", "3", "25-11-18"],
                  ["A", "C", "1", "2025-13-45"], ["C", "A", "1", "yesterday"]],
    "bad categories": [["source", "target", "amount", "kind", "status", "cap"], ["A", "B", "5", "bribe", "maybe", "sorta"]],
    "bad capacity": [["source", "target", "gw"], ["A", "B", "-1 GW"], ["B", "A", "lots GW"]],
    "duplicate ids": [["id", "source", "target", "amount"], ["x", "A", "B", "5"], ["x", "B", "A", "3"]],
    "control characters": [["id", "source", "target", "amount", "note"], ["a\x1b[31m", "Open\x1b[2JAI", "B\x07", "5", "\x00\x08"],
                           ["b", "B", "OpenAI", "3", "\u202eevil"]],
    "markup and formulas": [["source", "target", "amount", "note"], ["<script>alert(1)</script>", "=HYPERLINK(\"x\")", "5", "@cmd"],
                            ["=HYPERLINK(\"x\")", "<script>alert(1)</script>", "3", "+1"]],
    "names that differ by form": [["source", "target", "amount"], ["OpenAI", "B", "5"], ["ＯｐｅｎＡＩ", "B", "1"],
                                  ["open\u200bai", "B", "1"], ["B", "OPENAI", "2"]],
    "traditional chinese": [["source", "target", "amount"], ["微軟", "輝達", "50億美元"], ["輝達", "微軟", "1.4萬億美元"]],
    "long values": [["source", "target", "amount"], ["A" * 100_000, "B", "5" * 5000]],
    "many problems": [["source", "target", "amount"], *[["A", "B", f"bad{i}"] for i in range(200)]],
    "mixed currencies": [["source", "target", "amount", "currency"], ["A", "B", "5", "USD"], ["B", "A", "3", "EUR"]],
    "quotes and newlines": [["source", "target", "amount", "note"], ["A, Inc.", "B \"the\" one", "5", "line\nbreak"]],
}


def _write(case: list[list[str | None]], fmt: str, folder: Path) -> Path:
    header, rows = case[0], case[1:]
    path = folder / f"ledger.{fmt}"
    if fmt in ("csv", "tsv"):
        import csv

        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, delimiter="\t" if fmt == "tsv" else ",")
            for row in case:
                w.writerow(["" if c is None else c for c in row])
    elif fmt in ("json", "ndjson"):
        records = [dict(zip(header, row)) for row in rows]
        text = json.dumps(records) if fmt == "json" else "\n".join(json.dumps(r) for r in records)
        path.write_text(text, encoding="utf-8")
    else:
        if len(set(header)) < len(header) or not header:
            return _write(case, "csv", folder)  # Parquet cannot hold duplicate or no columns: the CSV case covers them
        pl.DataFrame({h: [row[i] for row in rows] for i, h in enumerate(header)}, schema=dict.fromkeys(header, pl.String)).write_parquet(path)
    return path


FORMATS = ["csv", "tsv", "json", "ndjson", "parquet"]


def _check_cli(args: list[str], path: Path) -> None:
    res = CliRunner().invoke(cli, args)
    assert res.exit_code in (0, 1), (args, res.exit_code, res.output[-2000:])
    assert res.exception is None or isinstance(res.exception, SystemExit), (args, repr(res.exception))
    assert "Traceback" not in res.output
    if res.exit_code == 1:
        assert res.stderr.startswith("error:") and path.name in res.stderr, res.stderr[:500]
        assert len(res.stderr) < 50_000, "error text is cut, not echoed whole"
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout, "control characters reached the terminal"


def _read_or_refuse(read, path: Path):
    """What ``read`` makes of ``path``, or None when it refuses it with an error of the tree that names the file."""
    try:
        return read(path)
    except dg.DealgraphError as exc:
        assert path.name in str(exc)
        return None


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_ledger_gives_a_value_or_a_clear_error(case, fmt, tmp_path):
    path = _write(CASES[case], fmt, tmp_path)
    lg = _read_or_refuse(dg.read_ledger, path)
    if lg is not None:
        summary = dg.summary(lg)
        assert summary.findings and all(isinstance(f, str) for f in summary.findings)
    for command in (["validate"], ["summary"], ["loops", "--format", "csv"]):
        _check_cli([*command, str(path)], path)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_transaction_file_gives_counts_or_a_clear_error(case, fmt, tmp_path):
    path = _write(CASES[case], fmt, tmp_path)
    edges = _read_or_refuse(dg.read_edges, path)
    assert edges is None or len(edges.src) == len(edges.dst)
    _check_cli(["loops", str(path), "--count-only", "--json"], path)


# Parquet carries types a text file cannot: each of these in a ledger column.
TYPED = {
    "list names": pl.DataFrame({"source": [["A"], ["B"]], "target": ["B", "A"], "amount": [1.0, 2.0]}),
    "binary amounts": pl.DataFrame({"source": ["A", "B"], "target": ["B", "A"], "amount": [b"\xff\xfe", b"5"]}),
    "duration dates": pl.DataFrame({"source": ["A", "B"], "target": ["B", "A"], "amount": [1.0, 2.0]}).with_columns(
        date=pl.duration(days=pl.Series([1, 2]))),
    "struct amounts": pl.DataFrame({"source": ["A", "B"], "target": ["B", "A"], "amount": [{"v": 1}, {"v": 2}]}),
    "integer names": pl.DataFrame({"source": [1, 2], "target": [2, 1], "amount": [1.0, 2.0]}),
    "boolean amounts": pl.DataFrame({"source": ["A", "B"], "target": ["B", "A"], "amount": [True, False]}),
    "null column": pl.DataFrame({"source": ["A", "B"], "target": ["B", "A"], "amount": [None, None]}),
    "datetime with zone": pl.DataFrame({"source": ["A", "B"], "target": ["B", "A"], "amount": [1.0, 2.0]}).with_columns(
        date=pl.Series(["2025-01-01T00:00:00+08:00", "2025-01-02T00:00:00Z"]).str.to_datetime(time_zone="UTC")),
    "year zero": pl.DataFrame({"source": ["A", "B"], "target": ["B", "A"], "amount": [1.0, 2.0],
                               "timestamp": pl.Series(["0000-01-01", "2025-01-01"]).str.to_date()}),
}


@pytest.mark.parametrize("case", sorted(TYPED))
def test_typed_parquet_columns_give_a_value_or_a_clear_error(case, tmp_path):
    path = tmp_path / "typed.parquet"
    TYPED[case].write_parquet(path)
    for read in (dg.read_ledger, dg.read_edges):
        _read_or_refuse(read, path)
    for command in (["summary", str(path)], ["loops", str(path), "--count-only"], ["loops", str(path), "--temporal", "--count-only"]):
        _check_cli(command, path)


OPTIONS = [
    ["stress", "--alpha", "nan"], ["stress", "--beta", "inf"], ["stress", "--pay", "-0.5"], ["stress", "--assume-buffer", "inf"],
    ["stress", "--fail", "Nobody"], ["stress", "--demand", "OpenAI=5"], ["stress", "--demand", "=0.5"], ["stress", "--lapse", "nope"],
    ["loops", "--window", "99999999999y"], ["loops", "--window", "1e400d"], ["loops", "--window", "-1d"], ["loops", "--limit", "0"],
    ["loops", "--fx", "CNY=-1"], ["loops", "--fx", "CNY=nan"], ["loops", "--fx", "CNY"], ["loops", "--usd-per-gw", "1e308"],
    ["loops", "--usd-per-gw", "-5"], ["loops", "--usd-per-gw", "nan"], ["loops", "--column", "amount"], ["loops", "--column", "nope=x"],
    ["summary", "--max-length", "1000"], ["dependency", "--entities", "/nonexistent.csv"], ["serve", "--max-upload", "inf"],
    ["serve", "--max-upload", "-1MB"], ["serve", "--port", "70000"], ["report", "-o", "/nonexistent/dir/r.html"],
    ["generate", "/nonexistent/dir/g.csv", "--rows", "10"], ["generate", "g.csv", "--rows", "0"], ["generate", "g.csv", "--cycles", "1:5"],
    ["generate", "g.csv", "--days", "nan"],
]


@pytest.mark.parametrize("args", OPTIONS, ids=" ".join)
def test_hostile_options_are_refused_clearly(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, args)
    assert res.exit_code in (1, 2), (args, res.exit_code, res.output[-1000:])
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output and ("error" in res.output.lower())


_PIECES = st.sampled_from(["A", "B", "C", "微软", "OpenAI", ",", "\"", "\n", "\r\n", ";", " ", "5", "-1", "1e308", "nan", "1,5",
                           "$", "亿", "万", "億", "三", "百", "2025-01-01", "2025-13-45", "up to", "约", "GW", "\x00", "\x1b",
                           "\u200b", "\ufeff", "=", "@", "<", "é", "\t"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(st.sampled_from(COLUMNS + ["ammount", "x"]), min_size=0, max_size=6),
       body=st.lists(st.lists(_PIECES, max_size=8).map("".join), max_size=12))
def test_random_csv_is_read_or_refused_within_the_error_tree(header, body):
    data = (",".join(header) + "\n" + "\n".join(body)).encode("utf-8")
    try:
        lg = dg.read_ledger(data, name="random.csv")
    except dg.DealgraphError as exc:
        assert "random.csv" in str(exc)
        return
    dg.find_loops(lg)
    dg.circularity(lg)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=30))
def test_every_cell_parser_answers_a_value_or_a_cell_error(text):
    for parse in (dg.parse_amount,):
        try:
            parse(text)
        except dg.CellError as exc:
            assert str(exc)


def test_no_case_writes_a_traceback_to_stderr_in_a_real_process(tmp_path):
    import subprocess
    import sys

    path = _write(CASES["huge amounts"], "csv", tmp_path)
    proc = subprocess.run([sys.executable, "-m", "dealgraph", "summary", str(path)], capture_output=True, text=True)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
    assert re.search(r"error: |Summary", proc.stderr + proc.stdout)
