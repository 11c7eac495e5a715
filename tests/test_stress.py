"""Dependency and stress on ledgers, scenario files and their errors."""

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

import dealgraph as dg
from dealgraph.cli import cli
from dealgraph.reading.terms import period_shares


def ledger(rows):
    return dg.read_ledger(pl.DataFrame(rows, schema=["source", "target", "amount", "kind", "status"], orient="row"))


def test_hhi_scale_and_normalisation():
    assert dg.hhi([1, 1, 1, 1]) == pytest.approx(2500)
    assert dg.hhi([30, 30, 40]) == pytest.approx(dg.hhi([0.3, 0.3, 0.4]))
    assert dg.hhi([]) == 0.0
    with pytest.raises(ValueError):
        dg.hhi([-1, 2])


def test_dependency_concentration_and_thresholds():
    lg = ledger([("A", "X", "60", "cloud", None), ("B", "X", "30", "cloud", None), ("C", "X", "10", "cloud", None),
                 ("D", "X", None, "cloud", None)])
    dep = dg.dependency(lg)
    x = dep.concentration.filter(entity="X", direction="revenue", kind="all").row(0, named=True)
    assert x["hhi"] == pytest.approx(4600) and x["level"] == "highly concentrated"
    assert x["major_customers"] == ["A", "B", "C"] and x["unknown_relations"] == 1
    assert x["effective_n"] == pytest.approx(10_000 / 4600)
    assert dep.multihoming.filter(entity="X")["cloud_customers"].item() == 4


def test_funding_is_never_revenue_and_reported_revenue_shares(tmp_path):
    lg = ledger([("A", "X", "60", "cloud", None), ("B", "X", "40", "services", None), ("A", "X", "500", "equity", None),
                 ("C", "X", "50", "loan", None)])
    ent = tmp_path / "e.csv"
    ent.write_text("entity,revenue,as_of,source\nX,400,2025-12-31,test figure\n", encoding="utf-8")
    dep = dg.dependency(lg, entities=dg.read_entities(ent))
    revenue = dep.concentration.filter(entity="X", direction="revenue", kind="all").row(0, named=True)
    funding = dep.concentration.filter(entity="X", direction="funding", kind="all").row(0, named=True)
    assert revenue["total"] == 100 and revenue["major_customers"] == ["A", "B"]
    assert funding["total"] == 550 and funding["major_customers"] == []
    assert dep.concentration.filter(entity="X", kind="equity")["direction"].to_list() == ["funding"]
    shares = {r["counterparty"]: r for r in dep.reported.iter_rows(named=True)}
    assert set(shares) == {"A", "B"}  # the stake and the loan are not revenue
    assert shares["A"]["share_of_reported_revenue"] == pytest.approx(60 / 400)
    assert shares["A"]["share_of_ledger_revenue"] == pytest.approx(0.6) and shares["A"]["as_of"] == "2025-12-31"
    assert any("never revenue" in n and "whole term" in n for n in dep.notes)


def test_exposure_flags_against_buffers(tmp_path):
    lg = ledger([("A", "X", "30", "cloud", None), ("B", "X", "5", "cloud", None)])
    ent = tmp_path / "e.csv"
    ent.write_text("entity,equity,source\nX,100,test figure\n", encoding="utf-8")
    dep = dg.dependency(lg, entities=dg.read_entities(ent))
    x = dep.exposures.filter(entity="X").row(0, named=True)
    assert x["counterparty"] == "A" and x["exposure_to_buffer"] == pytest.approx(0.30)
    assert x["large"] and x["over_limit"] and not x["vulnerable"] and not x["buffer_assumed"]


def test_own_money_returning_on_the_seed():
    dep = dg.dependency(dg.seed_ledger())
    row = dep.own_money.filter(entity="Anthropic", counterparty="Microsoft").row(0, named=True)
    # Microsoft's only stated inflow is Anthropic's Azure spending: all the 5B it invests is Anthropic's own money back.
    assert row["own_share"] == pytest.approx(1.0)


def test_entity_table_needs_sources(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("entity,cash\nAcme,5B\n", encoding="utf-8")
    with pytest.raises(dg.LedgerError, match="needs its source"):
        dg.read_entities(p)


def test_stress_fail_openai_on_the_seed():
    res = dg.stress(dg.seed_ledger(), {"fail": [{"entity": "OpenAI", "pay": 0}]}, model="all")
    losers = res.losers("eisenberg-noe")
    assert losers["entity"].to_list() == ["OpenAI compute suppliers (unnamed)", "Amazon"]
    # the USD 38B Amazon contract runs seven years from 2025-11-03: the year from 2025-11-18 holds a seventh of its days' weight
    year = period_shares(dg.seed_ledger().table.filter(id="seed-07"), dt.date(2025, 11, 18), dt.date(2026, 11, 17))[0]
    assert losers["loss"].to_list() == pytest.approx([1.4e12, 38e9 * year]) and 0.14 < year < 0.15
    assert set(res.system["model"]) == set(dg.MODELS)
    # no figures for Anthropic, OpenAI or the unnamed suppliers: not assessed, named, never defaulted by an assumed zero
    assert res.not_assessed() == ["Anthropic", "OpenAI", "OpenAI compute suppliers (unnamed)"]
    suppliers = res.entities.filter(model="eisenberg-noe", entity="OpenAI compute suppliers (unnamed)").row(0, named=True)
    assert suppliers["defaulted"] is None and suppliers["buffer"] is None
    assert any(n.startswith("Not assessed") and "Anthropic" in n for n in res.notes)
    assert any("seed-05 (Microsoft stake in OpenAI)" in n for n in res.notes)
    assumed = dg.stress(dg.seed_ledger(), {"fail": [{"entity": "OpenAI", "pay": 0}]}, assume_buffer=0)
    assert assumed.not_assessed() == [] and any(n.startswith("Buffers assumed for") for n in assumed.notes)
    assert assumed.entities.filter(entity="OpenAI compute suppliers (unnamed)")["defaulted"].item() is True


def test_stress_cascade_waves_and_amplification():
    # A owes B 10; B owes C 8; C owes D 6. Nobody has a buffer, so A's failure cascades down the chain.
    lg = ledger([("A", "B", "10", "loan", "committed"), ("B", "C", "8", "loan", "committed"),
                 ("C", "D", "6", "loan", "committed")])
    res = dg.stress(lg, {"fail": [{"entity": "A", "pay": 0}]}, model="eisenberg-noe", assume_buffer=0)
    per = {r["entity"]: r for r in res.entities.iter_rows(named=True)}
    assert [per[e]["wave"] for e in "ABCD"] == [0, 1, 2, 3]
    assert res.system["total_loss"][0] == pytest.approx(10 + 8 + 6)
    assert res.system["amplification"][0] == pytest.approx(2.4)
    # Paying half: B gets 5 of 10. With no buffer, B's receivables beyond its own debts (2) are owed
    # outside, so B pays 5 pro rata (4 to C), C pays 4 (3 to D): 5 + 4 + 3 unpaid inside the network.
    half = dg.stress(lg, {"fail": [{"entity": "A", "pay": 0.5}]}, model="eisenberg-noe", assume_buffer=0)
    assert half.system["total_loss"][0] == pytest.approx(5 + 4 + 3)


def test_equity_stake_follows_the_investee():
    # X holds a closed 20 stake in Y; Y is owed 10 by Z and has a buffer of 10 (entity table).
    lg = ledger([("X", "Y", "20", "equity", "closed"), ("Z", "Y", "10", "cloud", "committed")])
    import pathlib
    import tempfile

    d = pathlib.Path(tempfile.mkdtemp())
    (d / "e.csv").write_text("entity,equity,source\nY,20,test\nX,100,test\n", encoding="utf-8")
    res = dg.stress(lg, {"fail": [{"entity": "Z", "pay": 0}]}, model="eisenberg-noe", entities=dg.read_entities(d / "e.csv"))
    x = res.entities.filter(entity="X").row(0, named=True)
    assert x["stake_loss"] == pytest.approx(20 * 10 / 20)  # Y lost half its buffer
    assert res.entities.filter(entity="Y")["unpaid_claims"].item() == pytest.approx(10)


def test_lapse_and_demand_shock():
    lg = ledger([("A", "B", "10", "cloud", "loi"), ("A", "B", "5", "cloud", "committed")])
    res = dg.stress(lg, {"lapse": {"status": ["loi"]}}, model="eisenberg-noe")
    assert any("1 deal lapsed" in n for n in res.notes)
    demand = dg.stress(dg.seed_ledger(), {"demand": [{"entities": ["Microsoft"], "fall": 0.1}]}, model="eisenberg-noe")
    assert demand.system["initial_shock"][0] == pytest.approx(0.1 * 281.7e9)


def test_larger_pay_cut_never_smaller_loss():
    lg = dg.seed_ledger()
    losses = [dg.stress(lg, {"fail": [{"entity": "Anthropic", "pay": p}]}, model=m).system["total_loss"][0]
              for m in ("eisenberg-noe",) for p in (1.0, 0.7, 0.3, 0.0)]
    assert losses == sorted(losses)


@pytest.mark.parametrize("text,key", [
    ('nmae = "x"', "'nmae'; did you mean 'name'"),
    ('[[fail]]\nentity = "OpenAI"\npay = 2', "fail[0].pay"),
    ('[[fail]]\nentity = "OpenAl"', "closest known names: OpenAI"),
    ('[lapse]\nstatus = ["lol"]', "lapse.status"),
    ('[[demand]]\nentities = ["Microsoft"]\nfal = 0.2', "unknown key 'fal'"),
    ("this is not toml", "not valid TOML"),
])
def test_malformed_scenario_files(tmp_path, text, key):
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(cli, ["stress", "--scenario", str(p)])
    assert res.exit_code == 1 and key in res.output and "Traceback" not in res.output


def test_cli_stress_fail_openai_names_losers_and_assumed_buffers():
    res = CliRunner().invoke(cli, ["stress", "--fail", "OpenAI", "--pay", "0"])
    assert res.exit_code == 0
    assert "Amazon" in res.output and "USD 5.43B" in res.output and "USD 1.4T" in res.output
    assert "Not assessed" in res.output and "not assessed" in res.output
    doc = json.loads(CliRunner().invoke(cli, ["stress", "--fail", "OpenAI", "--json"]).output)
    assert {r["model"] for r in doc["result"]["system"]} == set(dg.MODELS)


def test_cli_unknown_entity_names_closest():
    res = CliRunner().invoke(cli, ["stress", "--fail", "Anthropik"])
    assert res.exit_code == 1 and "closest known names: Anthropic" in res.output


def test_cli_dependency_json():
    doc = json.loads(CliRunner().invoke(cli, ["dependency", "--json"]).output)
    assert doc["command"] == "dependency"
    amazon = next(r for r in doc["result"]["exposures"] if r["entity"] == "Amazon")
    assert amazon["buffer_basis"] == "equity" and amazon["large"] and not amazon["over_limit"]  # USD 38B against USD 286B
    assert np.isfinite([r["hhi"] for r in doc["result"]["concentration"] if r["hhi"] is not None]).all()
