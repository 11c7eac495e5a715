"""Hostile and unusual files through both readers: each gives the right value or a problem naming row, column and value."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

import dealgraph as dg
from dealgraph._errors import KEPT, Problem
from dealgraph.reading.aliases import AliasTable, sort_names
from dealgraph.reading.cells import parse_date
from dealgraph.reading.ledger import live_rows

READERS = {"ledger": dg.read_ledger, "edges": dg.read_edges}
TEXT_FORMATS = ["csv", "json", "ndjson", "parquet"]


def _write(folder: Path, header: list[str], rows: list[list[str | None]], fmt: str = "csv") -> Path:
    """``rows`` of text cells (None: empty) as a file of format ``fmt``."""
    path = folder / f"t.{fmt}"
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows([["" if c is None else c for c in row] for row in rows])
    elif fmt in ("json", "ndjson"):
        records = [dict(zip(header, row)) for row in rows]
        path.write_text(json.dumps(records) if fmt == "json" else "\n".join(json.dumps(r) for r in records), encoding="utf-8")
    else:
        pl.DataFrame({h: [row[i] for row in rows] for i, h in enumerate(header)}, schema=dict.fromkeys(header, pl.String)).write_parquet(path)
    return path


def _problems(read, path: Path, **options) -> list[tuple[int | None, str | None, str | None, str]]:
    with pytest.raises(dg.LedgerError) as info:
        read(path, **options)
    assert all(p.file == str(path) for p in info.value.problems)
    return [(p.row, p.column, p.value, p.message) for p in info.value.problems]


# ---------------------------------------------------------------- 1. Chinese numerals in files


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
@pytest.mark.parametrize("read", READERS.values(), ids=READERS)
def test_compound_and_traditional_numerals_in_files(tmp_path, read, fmt):
    cells = ["三千五百亿", "两百五十亿", "一千二百亿美元", "五千五百万", "50億美元", "1.4萬億美元", "兩百五十億"]
    path = _write(tmp_path, ["source", "target", "amount"], [["A", "B", c] for c in cells], fmt)
    amounts = read(path).table["amount"].to_list() if read is dg.read_ledger else read(path).amount.tolist()
    assert amounts == [3.5e11, 2.5e10, 1.2e11, 5.5e7, 5e9, 1.4e12, 2.5e10]


# ---------------------------------------------------------------- 2. decimal marks


@pytest.mark.parametrize("read", READERS.values(), ids=READERS)
def test_a_decimal_comma_is_a_problem_unless_said(tmp_path, read):
    path = _write(tmp_path, ["source", "target", "amount"], [["A", "B", "1.234,5"], ["B", "A", "1,5"], ["A", "C", "1,234"]])
    found = _problems(read, path)
    assert [(row, column, value) for row, column, value, _ in found] == [(1, "amount", "1.234,5"), (2, "amount", "1,5")]
    assert all("decimal=','" in message for *_, message in found)
    edges_or_ledger = read(path, decimal=",")
    amounts = edges_or_ledger.table["amount"].to_list() if read is dg.read_ledger else edges_or_ledger.amount.tolist()
    assert amounts == [1234.5, 1.5, 1.234]


def test_thousands_separators_read_as_before_and_a_wrong_decimal_option_is_refused(tmp_path):
    path = _write(tmp_path, ["source", "target", "amount", "gw"], [["A", "B", "1,234.5", "1.5"], ["B", "A", "1,234", "1,000"]])
    assert dg.read_ledger(path).table["amount"].to_list() == [1234.5, 1234.0]
    assert dg.read_ledger(path).table["gw"].to_list() == [1.5, 1000.0]
    for read in READERS.values():
        with pytest.raises(dg.LimitError, match="decimal"):
            read(path, decimal=";")


def test_capacities_follow_the_decimal_mark(tmp_path):
    path = _write(tmp_path, ["source", "target", "gw"], [["A", "B", "1,5 GW"]])
    assert dg.read_ledger(path, decimal=",").table["gw"].to_list() == [1.5]
    assert _problems(dg.read_ledger, path)[0][:3] == (1, "gw", "1,5 GW")


# ---------------------------------------------------------------- 3. headers


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
@pytest.mark.parametrize("read", READERS.values(), ids=READERS)
def test_a_misspelled_header_names_the_closest_column(tmp_path, read, fmt):
    path = _write(tmp_path, ["source", "target", "ammount"], [["A", "B", "5"]], fmt)
    assert _problems(read, path) == [(None, "ammount", None, "unknown column, close to 'amount'; rename it amount, or map it with "
                                                             "--column amount=ammount")]


@pytest.mark.parametrize("read", READERS.values(), ids=READERS)
def test_a_duplicated_header_is_a_problem(tmp_path, read):
    path = tmp_path / "t.csv"
    path.write_text("source,target,amount,amount\nA,B,5,6\n", encoding="utf-8")
    [(row, column, _, message)] = _problems(read, path)
    assert (row, column) == (None, "amount") and "names column amount 2 times" in message
    json_path = tmp_path / "t.json"
    json_path.write_text('[{"source": "A", "target": "B", "amount": "5", "amount": "6"}]', encoding="utf-8")
    assert [(c, "twice" in m) for _, c, _, m in _problems(read, json_path)] == [("amount", True)]


@pytest.mark.parametrize("read", READERS.values(), ids=READERS)
def test_headers_in_another_case_are_read_and_far_unknown_columns_ignored(tmp_path, read):
    path = _write(tmp_path, [" Source", "TARGET", "Amount", "memo", "amount_usd"], [["A", "B", "5", "x", "7"]])
    result = read(path)
    assert (result.table["amount"].to_list() if read is dg.read_ledger else result.amount.tolist()) == [5.0]


def test_close_unknown_columns_are_problems_and_a_mapping_resolves_them(tmp_path):
    path = _write(tmp_path, ["source", "target", "amount", "notes"], [["A", "B", "5", "hello"]])
    assert [(c, m.split(";")[0]) for _, c, _, m in _problems(dg.read_ledger, path)] == [("notes", "unknown column, close to 'note'")]
    assert dg.read_ledger(path, columns={"note": "notes"}).table["note"].to_list() == ["hello"]


def test_a_mapped_column_replaces_the_files_own(tmp_path):
    path = _write(tmp_path, ["source", "target", "amount", "Amount Paid"], [["A", "B", "5", "7"]])
    assert dg.read_ledger(path, columns={"amount": "Amount Paid"}).table["amount"].to_list() == [7.0]
    assert dg.read_edges(path, columns={"amount": "Amount Paid"}).amount.tolist() == [7.0]


def test_the_amlworld_layout_keeps_its_two_account_columns(tmp_path):
    path = tmp_path / "aml.csv"
    path.write_text("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,"
                    "Payment Format,Is Laundering\n2022/09/01 00:20,10,A1,20,B2,5,US Dollar,5,US Dollar,Cash,0\n", encoding="utf-8")
    e = dg.read_edges(path)
    assert e.names.to_list() == ["10:A1", "20:B2"] and e.label.tolist() == [0]


def test_superseded_rows_of_the_built_in_datasets_still_read():
    lg = dg.read_dataset("ai-deals")
    assert len(lg) >= 100 and lg.table.filter(live_rows(lg.table).not_()).height >= 3


# ---------------------------------------------------------------- 4. dates


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_year_zero_and_two_digit_years_are_problems_in_the_ledger(tmp_path, fmt):
    path = _write(tmp_path, ["source", "target", "date"], [["A", "B", "0000-01-01"], ["B", "A", "25-11-18"], ["A", "C", "2025-11-18"],
                                                           ["C", "A", "1025年1月"]], fmt)
    found = _problems(dg.read_ledger, path)
    assert [(r, c, v) for r, c, v, _ in found] == [(1, "date", "0000-01-01"), (2, "date", "25-11-18"), (4, "date", "1025年1月")]
    assert "four-digit year" in found[0][3] and "two-digit year" in found[1][3]


@pytest.mark.parametrize("read", READERS.values(), ids=READERS)
def test_typed_dates_out_of_range_are_problems(tmp_path, read):
    dates = pl.Series(["0000-01-01", "2025-01-01"]).str.to_date()
    for column in (dates, dates.cast(pl.Datetime("us"))):
        path = tmp_path / "t.parquet"
        pl.DataFrame({"source": ["A", "B"], "target": ["B", "A"], "date": column}).write_parquet(path)
        [(row, col, value, message)] = _problems(read, path)
        assert (row, col) == (1, "date") and value.startswith("0000-01-01") and "1900 to 2199" in message


def test_two_digit_years_in_transaction_files_are_problems(tmp_path):
    path = _write(tmp_path, ["source", "target", "timestamp"], [["A", "B", "25-11-18"], ["B", "A", "2025-11-18"]])
    assert [(r, c, v, "two-digit year" in m) for r, c, v, m in _problems(dg.read_edges, path)] == [(1, "timestamp", "25-11-18", True)]


def test_the_date_parser_names_the_range():
    for text in ("0000-01-01", "25-11-18", "18/11/25", "1899-12-31", "2200-01-01"):
        with pytest.raises(dg.CellError):
            parse_date(text)
    assert parse_date("1900-01-01") == dt.date(1900, 1, 1)


# ---------------------------------------------------------------- 5. column types from Parquet


TYPED = {
    "list": ("source", pl.Series([["A"], ["B"]]), "List"),
    "binary": ("amount", pl.Series([b"\xff\xfe", b"5"]), "binary"),
    "duration": ("date", pl.Series([dt.timedelta(days=1), dt.timedelta(days=2)]), "Duration"),
    "struct": ("amount", pl.Series([{"v": 1}, {"v": 2}]), "Struct"),
}


@pytest.mark.parametrize("case", sorted(TYPED))
@pytest.mark.parametrize("read", READERS.values(), ids=READERS)
def test_columns_of_types_that_are_not_cells_are_problems(tmp_path, read, case):
    column, values, kind = TYPED[case]
    frame = pl.DataFrame({"source": ["A", "B"], "target": ["B", "A"], "amount": [1.0, 2.0]}).with_columns(values.alias(column))
    path = tmp_path / "t.parquet"
    frame.write_parquet(path)
    [(row, col, value, message)] = _problems(read, path)
    assert (row, col, value) == (None, column, None) and kind in message and "expected text, numbers" in message
    with pytest.raises(dg.LedgerError, match=column):
        read(frame)


def test_binary_columns_of_utf8_text_are_read(tmp_path):
    frame = pl.DataFrame({"source": [b"A", b"B"], "target": ["B", "A"], "amount": [b"$5", b"7"]})
    assert dg.read_ledger(frame).table["amount"].to_list() == [5.0, 7.0]
    assert dg.read_edges(frame).amount.tolist() == [5.0, 7.0]


# ---------------------------------------------------------------- 6. entity names


SPELLINGS = [["OpenAI", "B"], ["ＯｐｅｎＡＩ", "B"], ["open\u200bai", "B"], ["B", "OPENAI"], ["\u2066Acme\u2069", "OpenAI"],
             ["acme\ufeff", "b"], ["\x1b[31mZed\x1b[0m", "Open\u200eAI"]]


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_names_differing_by_case_width_or_invisible_characters_are_one_entity(tmp_path, fmt):
    path = _write(tmp_path, ["source", "target"], SPELLINGS, fmt)
    lg, e = dg.read_ledger(path), dg.read_edges(path)
    assert lg.entities == tuple(e.names.to_list()) == ("Acme", "B", "OpenAI", "Zed")
    assert lg.to_frame()["source"].to_list() == ["OpenAI"] * 3 + ["B", "Acme", "Acme", "Zed"]
    assert lg.table["source"].to_list() == e.src.tolist() and lg.table["target"].to_list() == e.dst.tolist()
    [note] = [n for n in lg.notes if n.startswith("Entity names merged: ")]  # (the other note: no status column)
    assert note == e.notes[0]
    assert "'OPENAI', 'Open\\u200eAI', 'open\\u200bai', 'ＯｐｅｎＡＩ' read as 'OpenAI'" in note and "'b' read as 'B'" in note
    assert "\x1b" not in note and "\u200b" not in note


def test_the_first_spelling_of_an_unknown_name_is_kept(tmp_path):
    path = _write(tmp_path, ["source", "target"], [["zeta fund", "ZETA FUND"[::-1]], ["ZETA FUND", "x"], ["Zeta\u00a0Fund", "x"]])
    for names in (dg.read_ledger(path).entities, dg.read_edges(path).names.to_list()):
        assert "zeta fund" in names and "ZETA FUND" not in names and "Zeta Fund" not in names


@pytest.mark.parametrize("read", READERS.values(), ids=READERS)
def test_a_name_of_invisible_characters_is_empty(tmp_path, read):
    path = _write(tmp_path, ["source", "target"], [["A", "B"], ["\u200b\ufeff", "A"], ["B", "\x07 \u202e"]])
    found = _problems(read, path)
    assert [(r, c, v) for r, c, v, _ in found] == [(2, "source", "\u200b\ufeff"), (3, "target", "\x07 \u202e")]
    assert all("empty" in m for *_, m in found)


def test_control_characters_never_reach_a_name(tmp_path):
    path = _write(tmp_path, ["source", "target"], [["\x1b]0;owned\x07Evil\x1b[2J", "B\x00C"]])
    for names in (dg.read_ledger(path).entities, dg.read_edges(path).names.to_list()):
        assert sorted(names) == ["BC", "Evil"]


def test_no_note_when_every_name_is_written_one_way():
    assert dg.seed_ledger().notes == ()
    assert dg.read_ledger(pl.DataFrame({"source": ["微软"], "target": ["NVIDIA"], "status": ["closed"]})).notes == ()


def test_entity_order_stays_sort_names_with_merged_names(tmp_path):
    path = _write(tmp_path, ["source", "target"], [["b", "C"], ["ｃ", "B"], ["a\u200b", "b"]])
    lg, e = dg.read_ledger(path), dg.read_edges(path)
    assert list(lg.entities) == e.names.to_list() == sort_names(pl.Series(["a", "b", "C"])).to_list()


# ---------------------------------------------------------------- 7. Traditional Chinese names


@pytest.mark.parametrize(("alias", "name"), [("微軟", "Microsoft"), ("輝達", "NVIDIA"), ("英偉達", "NVIDIA"), ("亞馬遜", "Amazon"),
                                             ("亞馬遜雲科技", "Amazon"), ("穀歌", "Google"), ("谷歌雲", "Google"), ("甲骨文", "Oracle"),
                                             ("超微", "AMD"), ("超威半導體", "AMD"), ("英特爾", "Intel"), ("軟銀", "SoftBank"),
                                             ("台積電", "TSMC"), ("蘋果", "Apple"), ("臉書", "Meta"), ("開放人工智能", "OpenAI")])
def test_traditional_chinese_names_resolve(alias, name):
    assert AliasTable.builtin().resolve(alias) == name


def test_every_builtin_chinese_name_has_its_traditional_form():
    table = AliasTable.builtin()
    traditional = str.maketrans("软伟达亚马逊积电苹尔银脸书导体云开", "軟偉達亞馬遜積電蘋爾銀臉書導體雲開")
    for name, chinese in table.chinese.items():
        if chinese != name and name != "OpenAI compute suppliers (unnamed)":
            assert table.resolve(chinese.translate(traditional)) == name, chinese


def test_a_traditional_chinese_ledger_reads(tmp_path):
    path = _write(tmp_path, ["source", "target", "amount"], [["微軟", "輝達", "50億美元"], ["輝達", "微軟", "1.4萬億美元"]])
    lg = dg.read_ledger(path)
    assert lg.entities == ("Microsoft", "NVIDIA") and lg.table["amount"].to_list() == [5e9, 1.4e12] and lg.currency == "USD"


# ---------------------------------------------------------------- 8. amounts whose sum would overflow


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
@pytest.mark.parametrize("read", READERS.values(), ids=READERS)
def test_amounts_above_a_quadrillion_are_problems(tmp_path, read, fmt):
    path = _write(tmp_path, ["source", "target", "amount"], [["A", "B", "1e308"]] * 2 + [["B", "A", "1e308"]] * 2 + [["A", "C", "1e15"]], fmt)
    found = _problems(read, path)
    assert [(r, c, v) for r, c, v, _ in found] == [(i, "amount", "1e308") for i in (1, 2, 3, 4)]
    assert all("above 1e15" in m for *_, m in found)


def test_numeric_amounts_above_the_bound_and_converted_ones_are_problems():
    frame = pl.DataFrame({"source": ["A", "B"], "target": ["B", "A"], "amount": [1e308, 5.0]})
    assert [(r, c) for r, c, *_ in _problems_of(dg.read_ledger, frame)] == [(1, "amount")]
    assert [(r, c) for r, c, *_ in _problems_of(dg.read_edges, frame)] == [(1, "amount")]
    big = pl.DataFrame({"source": ["A"], "target": ["B"], "amount": ["900000亿元"]})
    assert "above 1e15" in _problems_of(lambda f: dg.read_ledger(f, fx={"CNY": 1e9}), big)[0][3]
    with pytest.raises(dg.LedgerError, match="exchange rate is a positive finite number"):
        dg.read_ledger(big, fx={"CNY": float("inf")})


def _problems_of(read, frame):
    with pytest.raises(dg.LedgerError) as info:
        read(frame)
    return [(p.row, p.column, p.value, p.message) for p in info.value.problems]


# ---------------------------------------------------------------- 9. transaction timestamps and labels


def test_epoch_milliseconds_microseconds_and_nanoseconds_are_told_by_size(tmp_path):
    second = 1_735_689_600
    for scale in (1, 10**3, 10**6, 10**9):
        path = tmp_path / "t.parquet"
        pl.DataFrame({"source": ["A", "B"], "target": ["B", "A"], "timestamp": [second * scale, (second + 60) * scale]}).write_parquet(path)
        assert dg.read_edges(path).ts.tolist() == [second, second + 60], scale
        text = _write(tmp_path, ["source", "target", "timestamp"], [["A", "B", str(second * scale)]])
        assert dg.read_edges(text).ts.tolist() == [second]


def test_the_time_unit_can_be_said(tmp_path):
    path = _write(tmp_path, ["source", "target", "timestamp"], [["A", "B", "1735689600000"], ["B", "A", "60000"]])
    assert "different units" in _problems(dg.read_edges, path)[0][3]
    assert dg.read_edges(path, time_unit="ms").ts.tolist() == [1_735_689_600, 60]
    [(row, column, value, message)] = _problems(dg.read_edges, path, time_unit="s")
    assert (row, column, value) == (1, "timestamp", "1735689600000") and "out of range" in message
    with pytest.raises(dg.LimitError, match="time_unit"):
        dg.read_edges(path, time_unit="minutes")


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_mixed_units_name_the_rows_that_differ(tmp_path, fmt):
    path = _write(tmp_path, ["source", "target", "timestamp"], [["A", "B", "1735689600"], ["B", "A", "1735689660000"],
                                                                ["A", "C", "1735689720"]], fmt)
    [(row, column, value, message)] = _problems(dg.read_edges, path)
    assert (row, column, value) == (2, "timestamp", "1735689660000") and "row 1 counts s since 1970" in message


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_an_empty_timestamp_is_a_problem(tmp_path, fmt):
    path = _write(tmp_path, ["source", "target", "timestamp"], [["A", "B", "2025-01-01"], ["B", "A", None], ["A", "C", " "]], fmt)
    assert [(r, c, m.split(";")[0]) for r, c, _, m in _problems(dg.read_edges, path)] == [(2, "timestamp", "empty timestamp"),
                                                                                            (3, "timestamp", "empty timestamp")]


def test_a_timestamp_column_empty_throughout_means_no_timestamps(tmp_path):
    path = _write(tmp_path, ["source", "target", "date"], [["A", "B", None], ["B", "A", None]])
    assert dg.read_edges(path).ts is None


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_iso_timestamps_with_a_zone_are_converted_to_utc(tmp_path, fmt):
    cells = ["2025-01-01T00:21:52Z", "2025-01-01T08:21:52+08:00", "2025-01-01 00:21:52", "2024-12-31T19:21:52.5-05:00",
             "2025-01-01T00:21:52.123Z"]
    path = _write(tmp_path, ["source", "target", "timestamp"], [["A", "B", c] for c in cells], fmt)
    assert dg.read_edges(path).ts.tolist() == [1_735_690_912] * 5


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_labels_are_zero_one_true_or_false(tmp_path, fmt):
    rows = [["A", "B", "1"], ["B", "A", "true"], ["A", "C", " FALSE "], ["C", "A", "0"]]
    assert dg.read_edges(_write(tmp_path, ["source", "target", "label"], rows, fmt)).label.tolist() == [1, 1, 0, 0]
    bad = _write(tmp_path, ["source", "target", "label"], [*rows, ["A", "B", "yes"], ["A", "B", "2"], ["A", "B", None]], fmt)
    assert [(r, c, v) for r, c, v, _ in _problems(dg.read_edges, bad)] == [(5, "label", "yes"), (6, "label", "2"), (7, "label", None)]


def test_typed_labels(tmp_path):
    for labels, expected in (([True, False], [1, 0]), ([1, 0], [1, 0]), ([1.0, 0.0], [1, 0])):
        assert dg.read_edges(pl.DataFrame({"source": ["A", "B"], "target": ["B", "A"], "label": labels})).label.tolist() == expected
    assert _problems_of(dg.read_edges, pl.DataFrame({"source": ["A"], "target": ["B"], "label": [3]}))[0][:3] == (1, "label", "3")


# ---------------------------------------------------------------- 10. long values in messages


@pytest.mark.parametrize("read", READERS.values(), ids=READERS)
def test_a_huge_header_and_huge_cells_make_short_messages(tmp_path, read):
    header = tmp_path / "header.csv"
    header.write_text("x" * 2_000_000 + "\nA\n", encoding="utf-8")
    with pytest.raises(dg.LedgerError) as info:
        read(header)
    assert len(str(info.value)) < 2_000 and "more characters" in str(info.value)
    assert all(len(p.column or "") <= KEPT + 40 and len(p.message) <= KEPT + 40 for p in info.value.problems)
    cells = _write(tmp_path, ["source", "target", "amount"], [["A", "B", "9" * 100_000]])
    with pytest.raises(dg.LedgerError) as info:
        read(cells)
    [problem] = info.value.problems
    assert len(str(problem)) < 500 and "(99,920 more characters)" in str(problem) and len(problem.value) <= KEPT + 40
    assert len(json.dumps(problem.to_dict())) < 2 * KEPT


def test_many_columns_are_listed_up_to_twenty(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"column{i}" for i in range(500)) + "\n" + ",".join("1" * 500) + "\n", encoding="utf-8")
    with pytest.raises(dg.LedgerError) as info:
        dg.read_ledger(path)
    assert "column19 and 480 more columns" in str(info.value) and "column20," not in str(info.value)


def test_a_problem_shows_invisible_characters_escaped():
    text = str(Problem("f.csv", 1, "source", "\x1b[31mred\u200b", "bad"))
    assert "\x1b" not in text and "\\x1b[31mred\\u200b" in text
