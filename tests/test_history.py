"""History: the record on a date and what changed between two dates."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

import dealgraph as dg
from dealgraph.cli.main import cli

ROWS = [
    {"id": "loi", "source": "N", "target": "O", "amount": "100", "date": "2025-09-22", "status": "loi", "kind": "equity",
     "superseded_by": "stake"},
    {"id": "stake", "source": "N", "target": "O", "amount": "30", "date": "2026-02-10", "status": "closed", "kind": "equity"},
    {"id": "buy", "source": "O", "target": "N", "amount": "20", "date": "2025-10-01", "status": "committed", "kind": "chips"},
    {"id": "old", "source": "O", "target": "X", "amount": "7", "date": "2025-01-01", "status": "lapsed"},
    {"id": "nodate", "source": "X", "target": "O", "amount": "1", "status": "closed"},
]


def test_a_replaced_deal_counts_until_its_replacement_is_known():
    lg = dg.read_ledger(ROWS)
    end_2025 = dg.known_by(lg, dt.date(2025, 12, 31))
    assert sorted(end_2025.table["id"].to_list()) == ["buy", "loi", "old"]
    assert dg.find_loops(end_2025).loops[0].throughput == 20  # the letter of intent still stood
    end_2026 = dg.known_by(lg, dt.date(2026, 12, 31))
    assert dg.circularity(end_2026).only("headline").bases[0].total == 50  # the stake replaced it; the lapsed deal never counts
    assert end_2026.undated == ("nodate",)


def test_diff_lists_deals_replacements_loops_and_money():
    d = dg.diff(dg.read_ledger(ROWS), dt.date(2025, 12, 31), dt.date(2026, 12, 31))
    changes = {(r["change"], r["what"]) for r in d.changes.iter_rows(named=True)}
    assert ("deal known", "N -> O (stake)") in changes and ("deal replaced", "N -> O (loi)") in changes
    assert not any(c == "loop closed" for c, _ in changes)  # N -> O -> N stood on both dates
    assert d.totals["stated"].to_list() == [120.0, 50.0] and d.totals["circular"].to_list() == [40.0, 40.0]
    assert any("Undated" in n and "nodate" in n for n in d.notes)
    with pytest.raises(dg.LimitError):
        dg.diff(dg.read_ledger(ROWS), dt.date(2026, 1, 1), dt.date(2025, 1, 1))


def test_diff_on_the_command_line(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("id,source,target,amount,date,status,kind,superseded_by\n" + "".join(
        f"{r['id']},{r['source']},{r['target']},{r['amount']},{r.get('date', '')},{r['status']},{r.get('kind', '')},"
        f"{r.get('superseded_by', '')}\n" for r in ROWS))
    res = CliRunner().invoke(cli, ["diff", str(p), "--from", "2025-12-31", "--to", "2026-12-31", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["command"] == "diff" and doc["result"]["from"] == "2025-12-31" and len(doc["result"]["changes"]) == 2
    bad = CliRunner().invoke(cli, ["diff", str(p), "--from", "soon", "--to", "2026-12-31"])
    assert bad.exit_code == 2 and "--from" in bad.output
    assert CliRunner().invoke(cli, ["diff", "--from", "2024-12-31", "--to", "2025-12-31", "--format", "csv"]).exit_code == 0


def test_year_by_year_is_the_diff_of_each_year_end():
    lg = dg.read_ledger(ROWS)
    years = dg.analyses.history.year_by_year(lg)
    assert [(d.first, d.last) for d in years] == [(dt.date(y - 1, 12, 31), dt.date(y, 12, 31)) for y in (2025, 2026)]
    for d in years:
        again = dg.diff(lg, d.first, d.last)
        assert d.changes.equals(again.changes) and d.totals.equals(again.totals)
