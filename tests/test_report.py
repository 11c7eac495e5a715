"""The report's data and HTML, and the explorer's API, without a browser."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import re

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

import dealgraph as dg
from conftest import HOSTILE
from dealgraph.cli import cli
from dealgraph.web.render import render_report
from dealgraph.web.report import article_story, report_data, without_deals
from dealgraph.web.server import bound_hosts, create_app, request_once

HERE = "http://127.0.0.1:8765"  # where the test clients pretend the explorer is served
OCTET = {"Content-Type": "application/octet-stream"}  # how the page uploads a ledger


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
    # the dependency views name the entities drawn, not the 41 of the chain
    assert {c["entity"] for c in d["dependency"]["concentration"]} == {"c1", "c2"}
    assert {x["entity"] for x in d["dependency"]["exposures"]} <= {"c1", "c2"}


def test_switched_off_deals_leave_the_figures_but_stay_listed():
    lg = dg.seed_ledger()
    d = report_data(lg, disabled=["seed-01"])
    assert all("seed-01" not in h["deals"] for lp in d["loops"] for h in lp["hops"])
    # every entity stays where it was drawn without the what-if (the reader compares the two pictures)
    fresh = report_data(dg.seed_ledger())
    assert [(n["entity"], n["x"], n["y"]) for n in d["nodes"]] == [(n["entity"], n["x"], n["y"]) for n in fresh["nodes"]]
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
    return TestClient(create_app(lg, story=article_story(lg), max_upload=1000), base_url=HERE)


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
    bad = client.post("/api/ledger", params={"name": "mine.csv"}, content=b"source,target,amount\nA,B,1\nA,,2\n", headers=OCTET)
    assert bad.status_code == 422
    assert [(p["row"], p["column"]) for p in bad.json()["problems"]] == [(2, "target")]
    assert client.post("/api/ledger", params={"name": "big.csv"}, content=b"x" * 1001, headers=OCTET).status_code == 413
    ok = client.post("/api/ledger", params={"name": "mine.csv"}, content=b"source,target,amount\nA,B,1\nB,A,2\n", headers=OCTET)
    assert ok.json() == {"valid": True, "rows": 2, "entities": 2, "problems": []}
    assert client.get("/api/loops").json()["result"]["loops"][0]["path"] == "A -> B -> A"


def test_explorer_refuses_other_sites_and_foreign_hosts(client):
    upload = {"params": {"name": "mine.csv"}, "content": b"source,target,amount\nA,B,1\nB,A,2\n"}
    rows = len(client.get("/api/ledger").json()["result"]["rows"])
    # a page on another site (or another local port) cannot post, whatever it sends
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"}, {"Origin": "http://127.0.0.1:9999"},
                    {"Origin": "https://127.0.0.1.evil.example:8765"}, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}):
        assert client.post("/api/ledger", **upload, headers={**OCTET, **headers}).status_code == 403, headers
        assert client.post("/api/report", json={}, headers=headers).status_code == 403, headers
    # ... nor send what a cross-site <form> or no-cors fetch can send without a preflight: a form's content type, or none
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "TEXT/PLAIN; charset=utf-8"):
        refused = client.post("/api/ledger", **upload, headers={"Content-Type": content_type})
        assert refused.status_code == 415 and "application/octet-stream" in refused.json()["detail"]
    assert client.post("/api/report", content=b"{}").status_code == 415
    assert len(client.get("/api/ledger").json()["result"]["rows"]) == rows  # nothing got through
    # DNS rebinding: another name that resolves to this machine reads nothing and writes nothing
    for host in ("evil.example", "evil.example:8765", "127.0.0.1.nip.io:8765", "localhost.evil.example", "[::2]:8765", ""):
        assert client.get("/api/loops", headers={"Host": host}).status_code == 403, host
        refused = client.post("/api/ledger", **upload, headers={**OCTET, "Host": host, "Origin": f"http://{host}"})
        assert refused.status_code == 403 and "DNS rebinding" in refused.json()["detail"]
    # the explorer's own names, on any port, and its own page's requests
    for host in ("127.0.0.1:8765", "localhost:1234", "LOCALHOST", "[::1]:8765", "127.0.0.1"):
        assert client.get("/api/loops", headers={"Host": host}).status_code == 200, host
    assert client.post("/api/report", json={}, headers={"Origin": HERE, "Sec-Fetch-Site": "same-origin"}).status_code == 200
    ok = client.post("/api/ledger", **upload, headers={**OCTET, "Origin": HERE, "Sec-Fetch-Site": "same-origin"})
    assert ok.status_code == 200 and ok.json()["rows"] == 2


def test_allowed_hosts_follow_the_bound_address():
    lg = dg.seed_ledger()
    named = TestClient(create_app(lg, allowed_hosts=bound_hosts("dealgraph.lan")), base_url="http://dealgraph.lan:8765")
    assert named.get("/api/loops").status_code == 200
    assert named.get("/api/loops", headers={"Host": "127.0.0.1:8765"}).status_code == 403
    anywhere = TestClient(create_app(lg, allowed_hosts=bound_hosts("0.0.0.0")), base_url="http://192.168.1.5:8765")
    assert anywhere.get("/api/loops", headers={"Host": "whatever.example"}).status_code == 200
    assert anywhere.post("/api/report", json={}, headers={"Origin": "http://evil.example"}).status_code == 403  # writes stay same-origin
    assert bound_hosts("::1") == ("::1", "127.0.0.1", "localhost") and bound_hosts("[::]") == ("*",)
    status, body = request_once(create_app(lg, allowed_hosts=("::1",)), "/api/loops")  # serve --get uses an allowed name
    assert status == 200 and json.loads(body)["command"] == "loops"


@pytest.fixture(scope="module")
def seed_client():
    return TestClient(create_app(dg.seed_ledger()), base_url=HERE)


SEED = dg.seed_ledger()
NUMBER_TEXT = st.one_of(st.sampled_from(["inf", "-inf", "Infinity", "nan", "NaN", "-1", "-0", "0", "0.5", "1", "1e308", "1e400", "1e13",
                                         "1e14", "5e-324", "1_000", "0x10", "", " 1 ", "１", "1,5"]),
                        st.integers().map(str), st.floats().map(repr), st.text(max_size=6))
WHAT_IF_VALUES = {
    "lang": st.one_of(st.sampled_from(["en", "zh"]), st.text(max_size=4)),
    "basis": st.one_of(st.sampled_from(["headline", "firm"]), st.text(max_size=8)),
    "usd_per_gw": NUMBER_TEXT,
    "pay": NUMBER_TEXT,
    "disabled": st.lists(st.one_of(st.sampled_from([*SEED.table["id"].to_list(), "0", "1", "-1", str(10**30)]), st.text(max_size=12)), max_size=4),
    "fail": st.one_of(st.sampled_from([*SEED.entities, "microsoft", "微软", "Ｍｉｃｒｏｓｏｆｔ"]), st.text(max_size=12)),  # control characters too
}
API_GETS = ["/api/loops", "/api/circularity", "/api/round-trips", "/api/dependency", "/api/stress", "/api/summary", "/api/ledger"]


def _as_json_value(value: object) -> object:
    """A query value as the page's JSON would carry it: numbers (NaN and infinities too) as numbers, the rest as given."""
    try:
        return float(value) if isinstance(value, str) else value
    except ValueError:
        return value


@pytest.mark.parametrize("path", [*API_GETS, "POST /api/report"])
@settings(max_examples=40, deadline=None)
@given(what_if=st.fixed_dictionaries({}, optional=WHAT_IF_VALUES))
def test_no_what_if_gives_a_server_error(seed_client, path, what_if):
    if path.startswith("POST"):
        body = json.dumps({k: _as_json_value(v) for k, v in what_if.items()})  # NaN and Infinity as the JSON tokens
        response = seed_client.post("/api/report", content=body, headers={"Content-Type": "application/json"})
    else:
        response = seed_client.get(path, params=what_if)
    assert response.status_code in (200, 400, 422), response.text
    assert isinstance(response.json(), dict)  # always JSON, with a detail when refused
    if response.status_code != 200:
        assert response.json()["detail"]


def test_non_finite_numbers_are_refused_with_a_clear_message(client):
    for value in ("inf", "nan", "-inf"):
        refused = client.get("/api/loops", params={"usd_per_gw": value})
        assert refused.status_code == 422 and "finite number" in refused.json()["detail"][0]["msg"]
    body = client.post("/api/report", content=b'{"usd_per_gw": NaN, "pay": Infinity}', headers={"Content-Type": "application/json"})
    assert body.status_code == 422 and {e["loc"][-1] for e in body.json()["detail"]} == {"usd_per_gw", "pay"}


def _parquet(frame: pl.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.write_parquet(out)
    return out.getvalue()


def _hostile_uploads() -> dict[str, bytes]:
    """Files that read badly or not at all, in every format the explorer takes (name: bytes)."""
    pair = {"target": ["B", "A"], "amount": [1.0, 2.0]}
    return {
        "header-only.csv": b"source,target,amount\n",
        "header-only.tsv": b"source\ttarget\tamount\n",
        "zero-rows.parquet": _parquet(pl.DataFrame(schema={"source": pl.String, "target": pl.String, "amount": pl.Float64})),
        "zero-rows.json": b"[]",
        "empty.ndjson": b"",
        "empty.csv": b"",
        "junk.csv": bytes(range(256)) * 4,
        "junk.parquet": b"PAR1" + bytes(range(256)) + b"PAR1",
        "junk.json": b"\x00{[\xff",
        "latin-1.csv": "source,target,amount\nMünchen AG,B,1\nB,München AG,2\n".encode("latin-1"),  # invalid UTF-8
        "utf-16.csv": "source,target,amount\nA,B,1\nB,A,2\n".encode("utf-16"),
        "list-column.parquet": _parquet(pl.DataFrame({"source": [["A"], ["B"]], **pair})),
        "binary-column.parquet": _parquet(pl.DataFrame({"source": [b"\xff\xfe", b"B"], **pair})),
        "duration-column.parquet": _parquet(pl.DataFrame({"source": ["A", "B"], **pair, "date": pl.Series([1, 2]).cast(pl.Duration("us"))})),
        "sum-overflows.csv": b"source,target,amount\nA,B,1e308\nB,A,1e308\nA,C,1e308\nC,A,1e308\n",
        "year-zero.csv": b"source,target,amount,date\nA,B,1,0000-01-01\nB,A,2,2025\n",
        "nested.json": b"[" * 50_000 + b"]" * 50_000,
        "not-rows.ndjson": b'{"source": "A", "target": "B"}\n[1, 2]\n',
    }


HOSTILE_UPLOADS = _hostile_uploads()


@pytest.mark.parametrize("name", sorted(HOSTILE_UPLOADS))
def test_hostile_uploads_get_problems_and_keep_the_last_good_ledger(name):
    client = TestClient(create_app(dg.seed_ledger()), base_url=HERE)
    before = client.get("/api/ledger").json()
    refused = client.post("/api/ledger", params={"name": name}, content=HOSTILE_UPLOADS[name], headers=OCTET)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["valid"] is False and body["problems"] and {p["file"] for p in body["problems"]} == {name}
    assert client.get("/api/ledger").json() == before  # the last good ledger stays, and every page still works
    assert client.post("/api/report", json={}).status_code == 200 and client.get("/").status_code == 200


def test_an_upload_without_rows_is_refused_as_such(client):
    refused = client.post("/api/ledger", params={"name": "header.csv"}, content=b"source,target,amount\n", headers=OCTET)
    assert refused.status_code == 422 and "no rows" in refused.json()["problems"][0]["message"]


def test_the_report_shows_money_per_year():
    lg = dg.read_dataset("ai-deals")
    years = {y["year"]: y for y in dg.report_data(lg)["per_year"]}
    assert list(years) == list(range(min(years), max(years) + 1)) and min(years) == 2019  # Microsoft's first OpenAI tranche
    for year, y in years.items():  # the chart's figures are the year's view of the ledger
        assert y["stated"] == pytest.approx(dg.circularity(lg.in_year(year)).only("headline").bases[0].total)
    assert years[2029]["stated"] >= 60e9  # a fifth of Oracle's five-year USD 300B from 2027, and more
    assert years[2025]["circular"] > 0 and years[2025]["share_text"].endswith("%")
    assert dg.report_data(dg.read_ledger([{"source": "A", "target": "B", "amount": "1"}]))["per_year"] == []


def test_the_report_tells_the_story_by_year_and_its_rough_edges_are_gone():
    lg = dg.read_dataset("ai-deals")
    d = dg.report_data(lg)
    chapters = {c["year"]: c for c in d["chapters"]}
    assert min(chapters) == 2019 and chapters[2019]["new_deals"] == 1  # Microsoft's first OpenAI tranche
    assert chapters[max(chapters)]["deals"] == len(lg) - len(dg.known_by(lg, dt.date(1900, 1, 1)).undated)
    assert any("ai-01" in r for c in chapters.values() for r in c["replaced"])  # the letter of intent, replaced by the stake
    assert sum(len(c["loops_closed"]) for c in chapters.values()) >= 10
    edges = {e["id"]: e for e in d["edges"]}
    assert edges["seed-01"]["url"].startswith("https://")  # the article's rows link their public report
    assert d["text"]["parties"] != d["text"]["source"] and "—" not in d["text"]["loops_all"]
    xy = np.array([[n["x"], n["y"]] for n in d["nodes"]])
    gaps = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2)) + np.eye(len(xy)) * 1e9
    assert gaps.min() >= 0.9 * 500 * 1.6 / np.sqrt(len(xy))  # no two entities on top of each other


def test_explorer_reads_an_article_and_adds_reviewed_rows(client):
    text = "November 18, 2025\nNVIDIA will invest up to $10 billion in Zephyr Compute.\nOpenAI was valued at $500 billion."
    read = client.post("/api/extract", json={"text": text})
    assert read.status_code == 200
    doc = read.json()
    assert doc["command"] == "extract" and doc["schema_version"] == 1
    (row,) = doc["result"]["rows"]
    assert (row["source"], row["target"], row["amount"], row["cap"], row["date"]) == ("NVIDIA", "Zephyr Compute", 1e10, "up_to", "2025-11-18")
    assert doc["result"]["skipped"][0]["why"].startswith("valuation")
    rows = len(client.get("/api/ledger").json()["result"]["rows"])
    row = {k: row[k] for k in ("source", "target", "amount", "cap", "status", "kind", "gw", "date", "evidence")}
    added = client.post("/api/ledger/rows", json={"rows": [row]})
    assert added.status_code == 200 and added.json()["added"] == ["ex-1"]
    deals = client.get("/api/ledger").json()["result"]["rows"]
    assert len(deals) == rows + 1 and deals[-1]["target"] == "Zephyr Compute" and deals[-1]["evidence"].startswith("pasted article line 2")
    assert f"has {rows + 1} deals" in json.dumps(client.get("/api/summary").json())  # the views recompute with the new row
    # rows that do not validate change nothing: a bad date, a negative amount, a kind the ledger does not know
    for bad in ({**row, "date": "2025-13-45"}, {**row, "amount": -1}, {**row, "kind": "gift"}, {**row, "source": ""}):
        refused = client.post("/api/ledger/rows", json={"rows": [bad]})
        assert refused.status_code == 422, bad
    assert len(client.get("/api/ledger").json()["result"]["rows"]) == rows + 1
    assert client.post("/api/extract", json={"text": "x"}, headers={"Origin": "http://evil.example"}).status_code == 403
    assert client.post("/api/ledger/rows", content=json.dumps({"rows": [row]}), headers={"Content-Type": "text/plain"}).status_code == 415
