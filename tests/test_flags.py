"""The three tests of a harmful circular deal: figures against thresholds, computed where the data allow."""

import pytest

import dealgraph as dg


def _flags(rows, facts=None, tmp_path=None):
    lg = dg.read_ledger(rows)
    table = None
    if facts is not None:
        p = tmp_path / "e.csv"
        p.write_text("entity,revenue,equity,as_of,source\n" + "".join(f"{e},{r},{q},2025-12-31,test figure\n" for e, r, q in facts))
        table = dg.read_entities(p)
    return {(r["entity"], r["test"]): r for r in dg.circular_deal_flags(lg, entities=table).flags.iter_rows(named=True)}


def test_outside_equity_funding_the_loop(tmp_path):
    # V (outside the loop) invests 60 in L; L and C pay each other: L pays 100 into the loop
    f = _flags([{"source": "V", "target": "L", "amount": "60", "kind": "equity", "status": "closed"},
                {"source": "L", "target": "C", "amount": "100", "kind": "cloud", "status": "closed"},
                {"source": "C", "target": "L", "amount": "20", "kind": "services", "status": "closed"}], [], tmp_path)
    row = f[("L", "outside equity funds the loop")]
    assert row["figure"] == pytest.approx(0.6) and row["flagged"] and row["amount"] == 60 and row["base"] == 100
    assert not f[("C", "outside equity funds the loop")]["flagged"]
    assert ("V", "outside equity funds the loop") not in f  # V is on no loop


def test_hidden_leverage_against_equity_else_revenue_else_not_assessed(tmp_path):
    rows = [{"source": "A", "target": "B", "amount": "300", "kind": "cloud", "status": "committed"},
            {"source": "B", "target": "A", "amount": "50", "kind": "chips", "status": "loi"},
            {"source": "C", "target": "A", "amount": "10", "kind": "cloud", "status": "rumored"}]
    f = _flags(rows, [("A", "", "200"), ("B", "100", "")], tmp_path)
    a, b, c = (f[(e, "hidden leverage")] for e in "ABC")
    assert a["figure"] == pytest.approx(1.5) and a["flagged"] and a["base_label"] == "equity"
    assert b["figure"] == pytest.approx(0.5) and not b["flagged"] and b["base_label"] == "reported annual revenue"
    assert c["flagged"] is None and c["figure"] is None and "neither" in c["measure"]


def test_revenue_from_own_investees_is_not_funding(tmp_path):
    rows = [{"source": "M", "target": "O", "amount": "10", "kind": "equity", "status": "closed"},
            {"source": "O", "target": "M", "amount": "30", "kind": "cloud", "status": "committed"},
            {"source": "O", "target": "M", "amount": "99", "kind": "loan", "status": "closed"},
            {"source": "X", "target": "M", "amount": "70", "kind": "cloud", "status": "closed"}]
    known = _flags(rows, [("M", "200", "")], tmp_path)[("M", "revenue from own investees")]
    assert known["figure"] == pytest.approx(30 / 200) and known["flagged"] and known["base_label"] == "reported annual revenue"
    ledger_only = _flags(rows)[("M", "revenue from own investees")]  # M not in the built-in table: its ledger revenue, 100
    assert ledger_only["figure"] == pytest.approx(0.3) and ledger_only["base_label"] == "revenue in the ledger"


def test_flags_on_the_built_in_data_and_in_the_summary():
    f = dg.circular_deal_flags(dg.read_dataset("ai-deals"))
    raised = {(r["entity"], r["test"]) for r in f.raised().iter_rows(named=True)}
    assert {("OpenAI", "hidden leverage"), ("Microsoft", "revenue from own investees")} <= raised
    assert any("not verdicts" in n for n in f.notes)
    assert any(s.startswith("Flag (a figure, not a verdict): OpenAI's stated commitments")
               for s in dg.summary(dg.read_dataset("ai-deals")).findings)
