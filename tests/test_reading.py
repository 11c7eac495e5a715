"""One way to read a cell, one reader of files, one problem cap: the deal ledger and transaction files agree."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dealgraph as dg
from dealgraph.reading.aliases import AliasTable, sort_names
from dealgraph.reading.entities import read_entities
from dealgraph.reading.tables import MAX_PROBLEMS, read_table
from dealgraph.transactions.ingest import read_edges


def _write(path: Path, amounts: list[str]) -> Path:
    rows = [{"source": "A" if i % 2 else "B", "target": "B" if i % 2 else "A", "amount": a} for i, a in enumerate(amounts)]
    pl.DataFrame(rows, schema={"source": pl.String, "target": pl.String, "amount": pl.String}).write_csv(path)
    return path


def _both(path: Path) -> tuple[list[float | None], list[float | None]]:
    """The amounts of one file as the deal ledger and the transaction reader read them (NaN as None)."""
    ledger = dg.read_ledger(path).table["amount"].to_list()
    edges = [None if math.isnan(v) else float(v) for v in read_edges(path).amount.tolist()]
    return ledger, edges


@pytest.mark.parametrize(
    ("cell", "value"),
    [("5", 5.0), ("$5", 5.0), ("5 million", 5e6), ("30e9", 30e9), ("300亿美元", 30e9), ("up to $10bn", 10e9), ("1,200", 1200.0),
     ("三百亿美元", 30e9), ("0", 0.0), ("", None)],
)
def test_a_cell_means_the_same_in_both_readers(tmp_path, cell, value):
    ledger, edges = _both(_write(tmp_path / "t.csv", [cell, "7"]))
    assert ledger == edges == [value, 7.0]


@pytest.mark.parametrize("cell", ["-5", "abc", "inf", "nan", "-$3B", "30 zillion", "1e999"])
def test_a_bad_cell_is_the_same_problem_in_both_readers(tmp_path, cell):
    path = _write(tmp_path / "t.csv", ["7", cell])
    found = []
    for read in (dg.read_ledger, read_edges):
        with pytest.raises(dg.LedgerError) as info:
            read(path)
        found.append([(p.row, p.column, p.value, p.message) for p in info.value.problems])
    assert found[0] == found[1] and len(found[0]) == 1 and found[0][0][:3] == (2, "amount", cell)


_SPELLED = st.tuples(
    st.sampled_from(["", "$", "up to ", "about $"]),
    st.decimals(min_value=0, max_value=10**6, places=2).map(str),
    st.sampled_from(["", " million", "B", "亿", "k", " billion"]),
).map("".join)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(_SPELLED, st.just("")), min_size=1, max_size=12))
def test_any_column_of_amounts_reads_the_same_through_both_readers(cells):
    with tempfile.TemporaryDirectory() as tmp:
        ledger, edges = _both(_write(Path(tmp) / "t.csv", cells))
    assert ledger == edges
    expected = [None if dg.parse_amount(c) is None else dg.parse_amount(c).value for c in cells]
    assert ledger == expected


def test_transaction_files_of_every_format_read_alike(tmp_path):
    rows = [{"source": "b", "target": "C", "amount": "$5"}, {"source": "C", "target": "b", "amount": "2 million"}]
    frame = pl.DataFrame(rows)
    frame.write_csv(tmp_path / "t.csv")
    frame.write_csv(tmp_path / "t.tsv", separator="\t")
    frame.write_parquet(tmp_path / "t.parquet")
    (tmp_path / "t.json").write_text(json.dumps(rows), encoding="utf-8")
    (tmp_path / "t.ndjson").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    for suffix in ("csv", "tsv", "parquet", "json", "ndjson"):
        e = read_edges(tmp_path / f"t.{suffix}")
        assert e.names.to_list() == ["b", "C"] and e.src.tolist() == [0, 1] and e.amount.tolist() == [5.0, 2e6], suffix


def test_entity_order_is_the_same_on_both_paths(tmp_path):
    path = tmp_path / "loop.csv"
    path.write_text("source,target\nb,C\nC,b\n", encoding="utf-8")
    lg = dg.read_ledger(path)
    e = read_edges(path)
    assert lg.entities == tuple(e.names.to_list()) == ("b", "C")
    assert lg.table["source"].to_list() == e.src.tolist() and lg.table["target"].to_list() == e.dst.tolist()


def test_sort_names_orders_by_lower_case_then_name():
    names = pl.Series(["b", "C", "a", "B", "Ä", "c"])
    assert sort_names(names).to_list() == sorted(names.to_list(), key=lambda s: (s.lower(), s))


# ---------------------------------------------------------------- one problem cap


N_BAD = MAX_PROBLEMS + 30


def _ledger(tmp_path: Path) -> None:
    dg.read_ledger(_write(tmp_path / "t.csv", ["-1"] * N_BAD))


def _transactions_fast(tmp_path: Path) -> None:
    read_edges(_write(tmp_path / "t.csv", ["-1"] * N_BAD))


def _transactions_parsed(tmp_path: Path) -> None:
    read_edges(_write(tmp_path / "t.csv", [f"{i} zillion" for i in range(N_BAD)]))


def _transactions_mixed(tmp_path: Path) -> None:
    read_edges(_write(tmp_path / "t.csv", [f"{i} zillion" if i % 2 else "-1" for i in range(N_BAD)]))


def _timestamps(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("source,target,timestamp\n" + "A,B,never\n" * N_BAD, encoding="utf-8")
    read_edges(path)


def _entities(tmp_path: Path) -> None:
    path = tmp_path / "entities.csv"
    path.write_text("entity,cash,source\n" + "X,lots,somewhere\n" * N_BAD, encoding="utf-8")
    read_entities(path)


def _aliases(tmp_path: Path) -> None:
    path = tmp_path / "aliases.csv"
    path.write_text("alias,name\n" + ",Microsoft\n" * N_BAD, encoding="utf-8")
    AliasTable.builtin().extend_from_file(path)


def _records(tmp_path: Path) -> None:
    read_table([1] * N_BAD, "records")


@pytest.mark.parametrize("read", [_ledger, _transactions_fast, _transactions_parsed, _transactions_mixed, _timestamps, _entities, _aliases,
                                  _records])
def test_every_reader_lists_at_most_50_problems_and_counts_the_rest(tmp_path, read):
    with pytest.raises(dg.LedgerError) as info:
        read(tmp_path)
    problems = info.value.problems
    assert len(problems) == MAX_PROBLEMS and info.value.truncated >= N_BAD - MAX_PROBLEMS
    assert f"{info.value.truncated} more problems not shown" in str(info.value)
    rows = [p.row for p in problems]
    assert rows == sorted(rows) and rows[0] == 1


def test_the_cap_counts_every_problem_exactly(tmp_path):
    with pytest.raises(dg.LedgerError) as info:
        _transactions_mixed(tmp_path)
    assert info.value.truncated == N_BAD - MAX_PROBLEMS
    assert [p.row for p in info.value.problems] == list(range(1, MAX_PROBLEMS + 1))


def test_ingest_keeps_fast_amounts_as_floats(tmp_path):
    e = read_edges(_write(tmp_path / "t.csv", ["1.5", "", "2e3"]))
    assert np.isnan(e.amount[1]) and e.amount[[0, 2]].tolist() == [1.5, 2000.0]
