"""Time: terms, calendar years, replaced deals."""

import datetime as dt
import json

import hypothesis.strategies as st
import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings

import dealgraph as dg
from dealgraph.cli.main import cli
from dealgraph.reading.terms import period_shares, year_shares, year_window


def _ledger(*rows):
    return dg.read_ledger([{"status": "committed", **r} for r in rows])


def test_the_year_of_a_five_year_commitment_on_the_command_line(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("source,target,amount,status,start,end,date\nA,B,300B,committed,2027,2031,\nB,A,10B,committed,,,2027-03-01\n")
    res = CliRunner().invoke(cli, ["circularity", str(p), "--year", "2027", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)["result"]
    head = out["bases"][0]
    assert (head["circular"], head["total"]) == (20e9, 70e9)
    assert any("Calendar year 2027" in n for n in out["notes"])
    whole = json.loads(CliRunner().invoke(cli, ["circularity", str(p), "--json"]).output)["result"]
    assert whole["bases"][0]["total"] == 310e9 and any("Whole term" in n for n in whole["notes"])


def test_terms_from_years_and_part_years():
    lg = _ledger({"source": "A", "target": "B", "amount": "100", "start": "2025-07-01", "years": "2"},
                 {"source": "A", "target": "C", "amount": "12", "start": "2026-01", "end": "2026-06"})
    assert lg.table["end"].to_list() == [dt.date(2027, 6, 30), dt.date(2026, 6, 30)]
    by_year = {y: lg.in_year(y).table["amount"].to_list() for y in (2025, 2026, 2027)}
    assert by_year[2025] == pytest.approx([100 * (184 / 365) / 2])
    assert by_year[2026] == pytest.approx([50, 12])
    assert by_year[2027] == pytest.approx([100 * (181 / 365) / 2])


def test_undated_rows_are_left_out_of_a_year_and_named():
    lg = _ledger({"source": "A", "target": "B", "amount": "5", "id": "no-date"},
                 {"source": "B", "target": "A", "amount": "5", "date": "2026-02-01"})
    year = lg.in_year(2026)
    assert year.undated == ("no-date",) and len(year) == 1
    notes = dg.circularity(year).notes
    assert any("no-date" in n and "timing unknown" in n for n in notes)
    with pytest.raises(dg.DealgraphError):
        year.in_year(2027)


@pytest.mark.parametrize("row, column, words", [
    ({"start": "2027", "end": "2026"}, "end", "ends before it starts"),
    ({"start": "2027", "end": "2030", "years": "3"}, "years", "not both"),
    ({"years": "5"}, "years", "needs a start"),
    ({"date": "2027", "years": "500"}, "years", "0 to 100"),
    ({"date": "2027", "years": "soon"}, "years", "not a term"),
    ({"superseded_by": "r9"}, "superseded_by", "no row has that id"),
    ({"superseded_by": "r1"}, "superseded_by", "another row"),
])
def test_bad_terms_and_links_are_problems_naming_the_cell(row, column, words):
    with pytest.raises(dg.LedgerError) as exc:
        _ledger({"source": "A", "target": "B", "amount": "5", **row})
    assert exc.value.problems[0].column == column and words in str(exc.value)


def test_a_replaced_deal_stays_in_the_record_and_counts_nowhere():
    lg = _ledger({"source": "N", "target": "O", "amount": "100B", "status": "loi", "id": "loi", "superseded_by": "stake"},
                 {"source": "N", "target": "O", "amount": "30B", "status": "closed", "id": "stake"},
                 {"source": "O", "target": "N", "amount": "20B", "id": "buy"})
    assert len(lg) == 3 and any("loi by stake" in n for n in lg.notes)
    assert dg.circularity(lg).only("headline").bases[0].total == 50e9
    assert dg.find_loops(lg).loops[0].throughput == 20e9


@settings(max_examples=60, deadline=None)
@given(st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)), st.integers(0, 4000))
def test_a_terms_years_add_up_to_its_amount(start, days):
    t = pl.DataFrame({"date": [None], "start": [start], "end": [start + dt.timedelta(days=days)]},
                     schema={"date": pl.Date, "start": pl.Date, "end": pl.Date})
    years = range(start.year, (start + dt.timedelta(days=days)).year + 1)
    shares = [period_shares(t, *year_window(y))[0] for y in years]
    assert sum(shares) == pytest.approx(1.0) and all(0 <= s <= 1 for s in shares)
    assert period_shares(t, *year_window(start.year - 1))[0] == 0
    assert np.isnan(period_shares(t.with_columns(start=None, end=None), *year_window(2000))[0])


_DAY = st.one_of(st.none(), st.dates(dt.date(2015, 1, 1), dt.date(2035, 12, 31)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_DAY, _DAY, _DAY), min_size=1, max_size=8), st.integers(2010, 2040), st.integers(0, 6))
def test_all_years_at_once_are_each_year_alone(rows, first, count):
    t = pl.DataFrame(rows, schema={"date": pl.Date, "start": pl.Date, "end": pl.Date}, orient="row")
    years = range(first, first + count)
    together = year_shares(t, years)
    alone = np.array([period_shares(t, *year_window(y)) for y in years]).T.reshape(t.height, count)
    assert np.array_equal(np.isnan(together), np.isnan(alone)) and np.allclose(np.nan_to_num(together), np.nan_to_num(alone))


def test_the_summary_says_which_years_count_and_names_a_dominant_deal():
    whole = dg.summary(dg.seed_ledger()).findings
    assert any(f.startswith("Whole term:") for f in whole)
    dominant = next(f for f in whole if f.startswith("One deal is"))
    assert "94.4%" in dominant and "seed-08" in dominant and "(12.0%) would be circular" in dominant
    view = dg.read_dataset("ai-deals").in_year(2026)
    year = dg.summary(view).findings
    assert any(f.startswith("Calendar year 2026:") and f"{len(view.undated)} deals with no date" in f for f in year)


def test_value_maps_read_other_peoples_categories(tmp_path):
    p = tmp_path / "theirs.csv"
    p.write_text("from,to,usd,type,stage,checked\nA,B,5,Cloud_Commitment,done,2026-11-26\nB,A,3,chip_purchase,LOI,2026-11-26\n")
    args = ["validate", str(p), "--column", "source=from", "--column", "target=to", "--column", "amount=usd", "--column", "kind=type",
            "--column", "status=stage", "--map", "kind=cloud_commitment:cloud,chip_purchase:chips", "--map", "status=done:closed", "--json"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    lg = dg.read_ledger(p, columns={"source": "from", "target": "to", "amount": "usd", "kind": "type", "status": "stage"},
                        values={"kind": {"cloud_commitment": "cloud", "chip_purchase": "chips"}, "status": {"done": "closed"}})
    assert lg.table["kind"].to_list() == ["cloud", "chips"] and lg.table["status"].to_list() == ["closed", "loi"]
    assert lg.table["checked"].to_list() == [dt.date(2026, 11, 26)] * 2
    with pytest.raises(dg.LedgerError, match="maps onto an unknown kind"):
        dg.read_ledger(p, columns={"source": "from", "target": "to"}, values={"kind": {"x": "nope"}})
    bad = CliRunner().invoke(cli, ["validate", str(p), "--map", "kind=x"])
    assert bad.exit_code == 2 and "COLUMN=THEIRS:OURS" in bad.output


def test_traditional_chinese_company_names():
    lg = dg.read_ledger([{"source": "軟銀集團", "target": "開放人工智能", "amount": "1", "status": "closed"},
                         {"source": "台灣積體電路製造", "target": "輝達公司", "amount": "2", "status": "closed"}])
    assert lg.entities == ("NVIDIA", "OpenAI", "SoftBank", "TSMC")
