"""The report's data and HTML, and the explorer's API, without a browser."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

import dealgraph as dg
from conftest import HOSTILE
from dealgraph.cli import cli
from dealgraph.web.render import render_report
from dealgraph.web.report import article_story, report_data, without_deals
from dealgraph.web.server import create_app


def _payload(html: str) -> dict:
    block = re.search(r'<script id="dealgraph-data" type="application/json">(.*?)</script>', html, re.S)
    assert block is not None
    return json.loads(block.group(1))


def test_one_node_per_entity_and_loops_name_their_deals():
    lg = dg.read_dataset("ai-deals")
    d = report_data(lg, story=article_story(lg))
    assert [n["entity"] for n in d["nodes"]] == list(lg.entities)
    ids = {e["id"] for e in d["edges"]}
    assert ids == set(lg.table["id"].to_list())
    paths = [lp["path"] for lp in d["loops"]]
    assert "NVIDIA -> OpenAI -> Oracle -> NVIDIA" in paths and "Microsoft -> OpenAI -> Microsoft" in paths
    for lp in d["loops"]:
        for h in lp["hops"]:
            assert h["deals"] and all(e in ids for e in h["deals"])
    # the article's network is marked inside the wider web
    story = {e["id"] for e in d["edges"] if e["in_story"]}
    assert story == set(dg.seed_ledger().table["id"].to_list()) - {"seed-05"}  # ai-05 quantifies seed-05
    assert any(not e["in_story"] for e in d["edges"])
    assert d["findings"][0].startswith("The article's network")


def test_layout_is_fixed_by_the_seed():
    lg = dg.seed_ledger()
    a, b, c = report_data(lg), report_data(lg), report_data(lg, seed=8)
    xy = lambda d: [(n["x"], n["y"]) for n in d["nodes"]]  # noqa: E731
    assert xy(a) == xy(b) and xy(a) != xy(c)


def test_large_ledgers_show_their_circular_core():
    rows = [{"source": f"e{i}", "target": f"e{i + 1}", "amount": "1"} for i in range(40)]  # a long chain
    rows += [{"source": "c1", "target": "c2", "amount": "5"}, {"source": "c2", "target": "c1", "amount": "3"}]
    d = report_data(dg.read_ledger(rows), max_nodes=10)
    assert sorted(n["entity"] for n in d["nodes"]) == ["c1", "c2"]
    assert {e["id"] for e in d["edges"]} == {"r41", "r42"} and "2 of 43 entities" in d["meta"]["core_note"]


def test_switched_off_deals_leave_the_figures_but_stay_listed():
    lg = dg.seed_ledger()
    d = report_data(lg, disabled=["seed-01"])
    assert all("seed-01" not in h["deals"] for lp in d["loops"] for h in lp["hops"])
    assert next(e for e in d["edges"] if e["id"] == "seed-01")["on"] is False
    assert len(without_deals(lg, ["seed-01", "seed-02"])) == len(lg) - 2


def test_chinese_report_uses_chinese_names_and_amounts():
    d = report_data(dg.seed_ledger(), lang="zh")
    names = {n["name"] for n in d["nodes"]}
    assert "微软" in names and "英伟达" in names
    assert any("亿美元" in f for f in d["findings"]) and d["text"]["loops"] == "循环"


def test_html_is_self_contained_small_and_its_csp_admits_only_its_own_scripts():
    html = render_report(report_data(dg.read_dataset("ai-deals")))
    assert len(html.encode()) < 2_000_000
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html.split("<script>", 1)[0])  # nothing loaded from elsewhere
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "connect-src 'none'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts}
    assert len(scripts) == 2 and hashes == set(re.findall(r"'sha256-[^']+'", csp))
    assert "Apache License" in html  # the inlined library's licence ships with it


def test_untrusted_text_cannot_close_the_data_block(hostile_ledger):
    lg = dg.read_ledger(hostile_ledger)
    html = render_report(report_data(lg))
    for bad in (*HOSTILE, "</script><script>alert(5)</script>", "<b>bold</b>"):
        assert bad not in html
    data = _payload(html)  # ... and the names survive intact as data
    assert set(HOSTILE) <= {n["entity"] for n in data["nodes"]}
    assert {e["url"] for e in data["edges"]} == {None, "https://example.com/a"}  # javascript: is never a link


def test_report_command_writes_once_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "r.html"
    runner = CliRunner()
    first = runner.invoke(cli, ["report", "-o", str(out), "--json"])
    assert first.exit_code == 0, first.output
    result = json.loads(first.output)["result"]
    assert {"NVIDIA -> OpenAI -> Oracle -> NVIDIA", "Microsoft -> OpenAI -> Microsoft"} <= set(result["loop_paths"])
    assert result["nodes"] == len(dg.read_dataset("ai-deals").entities)
    out.write_text("mine")
    again = runner.invoke(cli, ["report", "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output and out.read_text() == "mine"
    bad = runner.invoke(cli, ["report", "-o", str(tmp_path / "x.html"), "--story", "nope"])
    assert bad.exit_code == 2 and "nope" in bad.output


@pytest.fixture
def client():
    lg = dg.read_dataset("ai-deals")
    return TestClient(create_app(lg, story=article_story(lg), max_upload=1000))


def test_api_twins_match_the_command_line(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/loops", "/api/circularity", "/api/round-trips", "/api/dependency", "/api/stress", "/api/summary",
            "/api/report", "/api/ledger"} <= set(spec["paths"])
    api = client.get("/api/loops", params={"basis": "firm"}).json()
    cli_out = json.loads(CliRunner().invoke(cli, ["loops", "--dataset", "ai-deals", "--basis", "firm", "--json"]).output)
    assert api == cli_out
    page = client.get("/")
    assert page.status_code == 200 and "connect-src 'self'" in page.text


def test_api_what_if_changes_stress_and_rejects_unknown_entities(client):
    base = client.post("/api/report", json={}).json()
    failed = client.post("/api/report", json={"fail": "Microsoft", "pay": 0.5}).json()
    assert failed["stress"][0]["failed"] == "Microsoft" and failed["stress"][0]["pay"] == 0.5
    assert failed["stress"][0]["system"] != base["stress"][0]["system"]
    spelled = client.post("/api/report", json={"fail": "microsoft", "pay": 0.5}).json()  # any known spelling, one run per entity
    assert [r["failed"] for r in spelled["stress"]].count("Microsoft") == 1 and spelled["stress"][0]["pay"] == 0.5
    stress = client.get("/api/stress", params={"fail": "Microsoft"}).json()["result"]
    assert {s["model"] for s in stress["system"]} == {"eisenberg-noe", "rogers-veraart", "furfine", "debtrank", "debtrank-linear"}
    bad = client.post("/api/report", json={"fail": "Microsfot"})
    assert bad.status_code == 400 and "Microsoft" in bad.json()["detail"]  # names the closest entity
    assert client.post("/api/report", json={"pay": 2}).status_code == 422


def test_upload_validates_per_row_limits_size_and_replaces_the_ledger(client):
    bad = client.post("/api/ledger", params={"name": "mine.csv"}, content=b"source,target,amount\nA,B,1\nA,,2\n")
    assert bad.status_code == 422
    assert [(p["row"], p["column"]) for p in bad.json()["problems"]] == [(2, "target")]
    assert client.post("/api/ledger", params={"name": "big.csv"}, content=b"x" * 1001).status_code == 413
    ok = client.post("/api/ledger", params={"name": "mine.csv"}, content=b"source,target,amount\nA,B,1\nB,A,2\n")
    assert ok.json() == {"valid": True, "rows": 2, "entities": 2, "problems": []}
    assert client.get("/api/loops").json()["result"]["loops"][0]["path"] == "A -> B -> A"
