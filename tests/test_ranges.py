"""Ranges: headline figures that rest on assumptions, computed at both ends."""

import json

import pytest
from click.testing import CliRunner

import dealgraph as dg
from dealgraph.analyses.flows import Ranges
from dealgraph.cli.main import cli


def _capacity_loop():
    # A -> B is known only as 2 GW; B -> A is "up to" 100
    return dg.read_ledger([{"source": "A", "target": "B", "gw": "2", "status": "committed"},
                           {"source": "B", "target": "A", "amount": "up to 100", "status": "committed"}])


def test_both_ends_of_price_and_realised_share():
    lg = _capacity_loop()
    r = Ranges(usd_per_gw=(20.0, 60.0), realised=0.5)
    assert r.point == 40.0
    s = dg.summary(lg, usd_per_gw=r.point, ranges=r)
    # point: A->B 80, B->A 100 -> loop carries 80; low: 40 and 50 -> 40; high: 120 and 100 -> 100
    assert s.spans["loop:A|B"] == (40.0, 100.0)
    assert s.spans["circular"] == (80.0, 200.0)
    assert any("(range USD 40 to USD 100)" in f for f in s.findings)
    assert any(f.startswith("Ranges:") and "50.0% of their cap" in f for f in s.findings)
    assert s.to_dict()["ranges"]["circular"] == {"low": 80.0, "high": 200.0}


def test_no_ranges_no_spans():
    s = dg.summary(_capacity_loop(), usd_per_gw=40.0)
    assert s.spans == {} and not any("range" in f for f in s.findings)


@pytest.mark.parametrize("kw", [{"usd_per_gw": (60.0, 20.0)}, {"usd_per_gw": (-1.0, 2.0)}, {"realised": 1.5}])
def test_bad_ranges_are_limit_errors(kw):
    with pytest.raises(dg.LimitError):
        Ranges(**kw)


def test_realised_view_scales_only_up_to_amounts():
    lg = dg.read_dataset("seed")
    half = lg.realised_at(0.5)
    up_to = (lg.table["cap"] == "up_to").to_list()
    for a, b, u in zip(lg.table["amount"].to_list(), half.table["amount"].to_list(), up_to):
        assert b == (None if a is None else a * 0.5 if u else a)
    assert any("realised at 50%" in n for n in dg.circularity(half).notes)


def test_cli_ranges_in_summary_and_bad_range(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("source,target,amount,gw,status\nA,B,,2,committed\nB,A,up to 100,,committed\n")
    res = CliRunner().invoke(cli, ["summary", str(p), "--usd-per-gw", "20:60", "--realised", "0.5", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["result"]["ranges"]["loop:A|B"] == {"low": 40.0, "high": 100.0}
    bad = CliRunner().invoke(cli, ["circularity", str(p), "--usd-per-gw", "60:20"])
    assert bad.exit_code == 2 and "low end comes first" in bad.output
    point = json.loads(CliRunner().invoke(cli, ["circularity", str(p), "--usd-per-gw", "20:60", "--json"]).output)
    assert point["result"]["bases"][0]["total"] == 180.0  # the middle price, 40 per GW
