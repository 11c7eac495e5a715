"""Reading the news (dealgraph extract): the seed article's flows, each rule in English and Chinese, the distractors,
the command line, merging into a ledger, and hostile input."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from dealgraph import DealgraphError, read_ledger
from dealgraph.cli import cli
from dealgraph.news.article import Article, read_article
from dealgraph.news.extract import extract_rows
from dealgraph.reading.ledger import CAPS, KINDS, STATUSES

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "000_9be8809e8f254aae.txt"
ARTICLES = ROOT / "tests" / "data" / "articles"


def rows(text: str, date: dt.date | None = None, name: str = "a.txt") -> list[dict]:
    return extract_rows([Article(name, text, date)]).rows.to_dicts()


def flow(found: list[dict], source: str, target: str) -> dict:
    hits = [r for r in found if (r["source"], r["target"]) == (source, target)]
    assert len(hits) == 1, (source, target, [(r["source"], r["target"], r["amount"]) for r in found])
    return hits[0]


def test_the_seed_article_gives_its_digest_flows():
    found = extract_rows([SEED]).rows.to_dicts()
    for source, target, amount, kind in (("Anthropic", "Microsoft", 30e9, "cloud"), ("NVIDIA", "Anthropic", 10e9, "equity"),
                                         ("Microsoft", "Anthropic", 5e9, "equity"), ("OpenAI", "Amazon", 38e9, "cloud")):
        r = next(r for r in found if (r["source"], r["target"], r["amount"]) == (source, target, amount))
        assert r["kind"] == kind and r["currency"] == "USD" and r["status"] == "committed"
        assert r["cap"] == ("exact" if target == "Amazon" else "up_to"), r
        assert r["evidence"].startswith(str(SEED)) and "line " in r["evidence"]
    gw = flow(found, "Anthropic", "NVIDIA")
    assert gw["amount"] is None and gw["gw"] == 1 and gw["cap"] == "up_to" and gw["kind"] == "compute"
    plan = next(r for r in found if r["amount"] == 1.4e12)
    assert plan["source"] == "OpenAI" and plan["gw"] == 30 and plan["status"] == "loi" and plan["confidence"] <= 0.3
    assert "no counterparty is named" in plan["why"]
    assert all(r["date"] == "2025-11" for r in found)  # the month the article's first line names
    backer = flow(found, "Microsoft", "OpenAI")  # 微软一直是OpenAI的主要投资者: a deal with no figure
    assert backer["amount"] is None and backer["gw"] is None and backer["kind"] == "equity" and backer["confidence"] <= 0.5
    assert len(found) == 7  # nothing else: 数百亿美元 and 百亿美元级 are vague, not flows


@pytest.mark.parametrize("text, source, target", [
    ("CoreWeave will provide capacity to OpenAI in a deal worth $11.9 billion.", "OpenAI", "CoreWeave"),
    ("甲骨文将为OpenAI提供算力，合同价值约3000亿美元。", "OpenAI", "Oracle"),
    ("亞馬遜將向Meta提供雲端服務，合約價值100億美元。", "Meta", "Amazon"),
    ("OpenAI raised $40 billion from SoftBank.", "SoftBank", "OpenAI"),
    ("CoreWeave获得英伟达20亿美元投资。", "NVIDIA", "CoreWeave"),
    ("微软将投资Anthropic 50亿美元。", "Microsoft", "Anthropic"),
    ("英伟达将承诺向Anthropic投资高达100亿美元。", "NVIDIA", "Anthropic"),
    ("OpenAI will buy $38 billion of cloud services from Amazon.", "OpenAI", "Amazon"),
])
def test_direction_from_the_verb_and_its_roles(text, source, target):
    r = flow(rows(text), source, target)
    assert r["why"].startswith("direction: ")


def test_warrants_and_shares_go_from_issuer_to_holder():
    r = flow(rows("AMD granted OpenAI a warrant for up to 160 million AMD shares."), "AMD", "OpenAI")
    assert r["kind"] == "equity" and r["amount"] is None
    r = flow(rows("CoreWeave will issue $350 million of its stock to OpenAI."), "CoreWeave", "OpenAI")
    assert r["amount"] == 350e6 and r["kind"] == "equity"
    assert flow(rows("AMD将向OpenAI授予认股权证。"), "AMD", "OpenAI")["kind"] == "equity"


@pytest.mark.parametrize("text", [
    "Amazon, NVIDIA and SoftBank will invest $50 billion, $30 billion and $30 billion respectively in OpenAI.",
    "亚马逊、英伟达和软银分别向OpenAI投资500亿、300亿和300亿美元。",
    "亞馬遜、輝達和軟銀分別向OpenAI投資500億、300億和300億美元。",
])
def test_respectively_pairs_parties_and_amounts_in_order(text):
    found = rows(text)
    assert [(r["source"], r["target"], r["amount"]) for r in found] == [
        ("Amazon", "OpenAI", 50e9), ("NVIDIA", "OpenAI", 30e9), ("SoftBank", "OpenAI", 30e9)]


@pytest.mark.parametrize("text, cap", [
    ("NVIDIA will invest as much as $100 billion in OpenAI.", "up_to"),
    ("NVIDIA will invest up to $100 billion in OpenAI.", "up_to"),
    ("NVIDIA will invest about $100 billion in OpenAI.", "estimated"),
    ("NVIDIA will invest at least $100 billion in OpenAI.", "exact"),
    ("英伟达将向OpenAI投资最多1000亿美元。", "up_to"),
    ("英伟达将向OpenAI投资约1000亿美元。", "estimated"),
    ("英伟达将向OpenAI投资至少1000亿美元。", "exact"),
    ("NVIDIA will invest $100 billion in OpenAI.", "exact"),
])
def test_caps(text, cap):
    r = flow(rows(text), "NVIDIA", "OpenAI")
    assert r["cap"] == cap and r["amount"] == 100e9
    if "least" in text or "至少" in text:
        assert "floor" in r["why"]


@pytest.mark.parametrize("text, status", [
    ("NVIDIA intends to invest $10 billion in OpenAI.", "loi"),
    ("NVIDIA signed a letter of intent to invest $10 billion in OpenAI.", "loi"),
    ("NVIDIA will invest $10 billion in OpenAI, people familiar with the matter said.", "rumored"),
    ("NVIDIA reportedly will invest $10 billion in OpenAI.", "rumored"),
    ("据报道，英伟达将向OpenAI投资100亿美元。", "rumored"),
    ("據報導，輝達將向OpenAI投資100億美元。", "rumored"),
    ("NVIDIA will invest $10 billion in OpenAI.", "committed"),
    ("NVIDIA completed a $10 billion investment in OpenAI.", "closed"),
])
def test_status_cues(text, status):
    assert flow(rows(text), "NVIDIA", "OpenAI")["status"] == status


@pytest.mark.parametrize("text, amount", [
    ("OpenAI will pay Oracle three hundred billion dollars.", 300e9),
    ("OpenAI will pay Oracle $1.4 trillion.", 1.4e12),
    ("OpenAI will pay Oracle US$5bn.", 5e9),
    ("OpenAI将向甲骨文支付1.4万亿美元。", 1.4e12),
    ("OpenAI將向甲骨文支付50億美元。", 5e9),
    ("OpenAI将向甲骨文支付三千亿美元。", 300e9),
])
def test_amount_forms(text, amount):
    assert flow(rows(text), "OpenAI", "Oracle")["amount"] == amount


@pytest.mark.parametrize("text, gw", [
    ("OpenAI will deploy 6 GW of AMD chips.", 6), ("OpenAI will deploy 500 MW of AMD chips.", 0.5),
    ("OpenAI将部署1吉瓦的AMD芯片。", 1), ("OpenAI将部署1千兆瓦的AMD芯片。", 1), ("OpenAI will deploy ten gigawatts of AMD chips.", 10),
])
def test_capacities(text, gw):
    r = flow(rows(text), "OpenAI", "AMD")
    assert r["gw"] == gw and r["amount"] is None


@pytest.mark.parametrize("text", [
    "OpenAI was valued at $500 billion in the round.",
    "Meta plans capital expenditures of $70 billion this year.",
    "NVIDIA shares rose 4% to $180 after the deal with OpenAI.",
    "Microsoft, which has invested about $13 billion in OpenAI since 2019, declined to comment.",
    "此前英伟达对CoreWeave的总投资额达到80亿美元。",
    "微软否认将向OpenAI追加投资100亿美元的报道。",
    "OpenAI's annual revenue reached $13 billion.",
    "OpenAI的估值达到5000亿美元。",
    "OpenAI raised $110 billion from Amazon, NVIDIA and SoftBank.",
    "NVIDIA took a 4% stake in Intel.",
    "If OpenAI were to buy $10 billion of chips from AMD, AMD would grow.",
    "甲骨文市值蒸发1000亿美元。",
])
def test_distractors_are_not_flows(text):
    result = extract_rows([Article("a.txt", text)])
    assert result.rows.height == 0, result.rows.to_dicts()


@pytest.mark.parametrize("text, source, target, kind", [
    ("Meta will buy NVIDIA chips for its data centers.", "Meta", "NVIDIA", "chips"),
    ("微软是OpenAI最大的投资者。", "Microsoft", "OpenAI", "equity"),
    ("Anthropic will rent cloud capacity from CoreWeave.", "Anthropic", "CoreWeave", "cloud"),
])
def test_a_deal_named_without_a_figure_is_proposed_with_its_amount_unknown(text, source, target, kind):
    r = flow(rows(text), source, target)
    assert r["amount"] is None and r["kind"] == kind and "no figure is stated" in r["why"]


@pytest.mark.parametrize("text", [
    "Microsoft's CEO said OpenAI remains a key partner.",  # no verb of paying between them, nothing bought
    "Microsoft has invested about $13 billion in OpenAI since 2019.",  # the sentence is about a cumulative total
    "Should the warrant vest in full, Meta would become one of AMD's largest shareholders.",
])
def test_relations_that_are_not_a_new_deal_are_not_proposed(text):
    assert rows(text) == []


def test_skipped_amounts_say_why():
    result = extract_rows([Article("a.txt", "OpenAI was valued at $500 billion.\nNVIDIA denied it would invest $10 billion in OpenAI.")])
    why = dict(zip(result.skipped["text"], result.skipped["why"]))
    assert "valuation" in why["$500 billion"] and "denies" in why["$10 billion"]


def test_dates_absolute_and_relative_to_the_date_line():
    text = "November 19, 2025 (Reuters) -\nNVIDIA said on Tuesday it will invest $10 billion in OpenAI.\nAMD will invest $1 billion in OpenAI.\n" \
           "英伟达上月宣布向英特尔投资50亿美元。\nGoogle will invest $2 billion in Anthropic, it said on March 3, 2025."
    found = extract_rows([Article("a.txt", text, read_article(text.encode(), name="a.txt").date)]).rows.to_dicts()
    assert flow(found, "NVIDIA", "OpenAI")["date"] == "2025-11-18"  # the Tuesday before Wednesday the 19th
    assert flow(found, "AMD", "OpenAI")["date"] == "2025-11-19"
    assert flow(found, "NVIDIA", "Intel")["date"] == "2025-10"
    assert flow(found, "Google", "Anthropic")["date"] == "2025-03-03"
    friday = rows("NVIDIA said on Tuesday it will invest $10 billion in OpenAI.", dt.date(2025, 11, 21))
    assert flow(friday, "NVIDIA", "OpenAI")["date"] == "2025-11-18"


def test_unknown_companies_are_proposed_with_low_confidence():
    r = flow(rows("Zephyr Compute raised $200 million from NVIDIA."), "NVIDIA", "Zephyr Compute")
    assert r["confidence"] < 0.7 and "not in the alias table: Zephyr Compute" in r["why"]


def test_a_deal_stated_twice_is_one_row_with_both_sentences():
    found = rows("OpenAI will buy $38 billion of cloud services from Amazon.\nAmazon will provide OpenAI with $38 billion of cloud capacity.")
    assert len(found) == 1 and found[0]["evidence"].count("a.txt line") == 2


def test_html_articles_are_read_as_their_text(tmp_path):
    page = tmp_path / "a.html"
    page.write_text("<html><head><title>Deal</title><script>var x = '$99 billion';</script></head><body>"
                    "<p>November 18, 2025</p><p>NVIDIA will invest up to $10 billion in Anthropic.</p></body></html>", encoding="utf-8")
    (r,) = extract_rows([page]).rows.to_dicts()
    assert (r["source"], r["target"], r["amount"], r["date"]) == ("NVIDIA", "Anthropic", 10e9, "2025-11-18")
    assert "line 2" in r["evidence"]  # the text as a browser shows it: the head (title, scripts) left out


@pytest.mark.parametrize("content, words", [(b"\xff\xfe\x00b", "UTF-8"), (b"a\x00b", "binary")])
def test_unreadable_articles_are_clear_errors(tmp_path, content, words):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    with pytest.raises(DealgraphError, match=words):
        extract_rows([bad])
    out = CliRunner().invoke(cli, ["extract", str(bad)])
    assert out.exit_code == 1 and "bad.txt" in out.output and "Traceback" not in out.output
    missing = CliRunner().invoke(cli, ["extract", str(tmp_path / "none.txt")])
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_command_line_json_csv_and_output(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("2025-11-18\nNVIDIA will invest up to $10 billion in Anthropic.\n", encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(cli, ["extract", str(article), "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["schema_version"] == 1 and doc["command"] == "extract"
    (r,) = doc["result"]["rows"]
    assert (r["source"], r["target"], r["amount"], r["cap"], r["date"]) == ("NVIDIA", "Anthropic", 1e10, "up_to", "2025-11-18")
    csv_out = runner.invoke(cli, ["extract", str(article), "--format", "csv"])
    assert csv_out.output.splitlines()[0].startswith("source,target,amount,currency,cap,status,kind,gw,date")
    target = tmp_path / "rows.csv"
    assert runner.invoke(cli, ["extract", str(article), "-o", str(target)]).exit_code == 0
    assert pl.read_csv(target)["source"].to_list() == ["NVIDIA"]
    again = runner.invoke(cli, ["extract", str(article), "-o", str(target)])
    assert again.exit_code == 2 and "--force" in again.output
    stdin = runner.invoke(cli, ["extract", "-", "--json", "--date", "2025-11-20"],
                          input="NVIDIA will invest $1 billion in Anthropic on Tuesday.")
    assert json.loads(stdin.output)["result"]["rows"][0]["date"] == "2025-11-18"
    for flag in ("--help", "--version"):
        assert runner.invoke(cli, ["extract", flag]).exit_code == 0


def test_untrusted_text_never_reaches_a_terminal_or_spreadsheet_as_code(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("=HYPERLINK(1) Corp raised $200 million from NVIDIA.\x1b]0;pwned\x07 \x1b[31mred\n", encoding="utf-8")
    out = CliRunner().invoke(cli, ["extract", str(article)])
    assert "\x1b" not in out.output and "\x07" not in out.output
    csv_out = CliRunner().invoke(cli, ["extract", str(article), "--format", "csv"]).output
    assert all(not cell.startswith("=") for line in csv_out.splitlines() for cell in line.split(","))


def test_append_adds_new_deals_and_needs_force_to_change_a_row(tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("id,source,target,amount,currency,date,kind,status,cap,note,evidence\n"
                      "d1,NVIDIA,Anthropic,10000000000,USD,2025-11-18,equity,committed,up_to,mine,my source\n", encoding="utf-8")
    before = ledger.read_bytes()
    article = tmp_path / "a.txt"
    article.write_text("2025-11-18\nNVIDIA will invest up to $10.05 billion in Anthropic.\nMicrosoft will invest $5 billion in Anthropic.\n",
                       encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(cli, ["extract", str(article), "--append", str(ledger)])
    assert refused.exit_code == 1 and "d1" in refused.output and "--force" in refused.output
    assert ledger.read_bytes() == before  # nothing written
    done = runner.invoke(cli, ["extract", str(article), "--append", str(ledger), "--force"])
    assert done.exit_code == 0, done.output
    merged = pl.read_csv(ledger, infer_schema=False)
    assert merged["id"].to_list() == ["d1", "ex-1"]
    first = merged.row(0, named=True)
    assert first["note"] == "mine" and first["amount"] == "10000000000" and first["evidence"].startswith("my source ; ")
    assert merged.row(1, named=True)["source"] == "Microsoft"
    assert len(read_ledger(ledger)) == 2
    again = runner.invoke(cli, ["extract", str(article), "--append", str(ledger)])  # the same evidence again: nothing changes
    assert again.exit_code == 0 and pl.read_csv(ledger, infer_schema=False).height == 2


def test_append_creates_a_ledger_that_validates(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("2025-11-18\nAnthropic will buy $30 billion of Azure cloud capacity from Microsoft.\n", encoding="utf-8")
    ledger = tmp_path / "new.csv"
    assert CliRunner().invoke(cli, ["extract", str(article), "--append", str(ledger)]).exit_code == 0
    lg = read_ledger(ledger)
    assert lg.entities == ("Anthropic", "Microsoft") and lg.table["amount"].to_list() == [30e9]


_WORDS = st.sampled_from(["NVIDIA", "OpenAI", "微软", "輝達", " will invest ", " 向", "投资", " from ", " to ", "$10 billion", "300亿美元",
                          "50億美元", " up to ", "约", "分别", " respectively", "、", ", ", "。", ". ", "valued at ", "1 GW", "500兆瓦",
                          " granted ", " warrant", " provide ", "为", "提供", "据报道", " denied ", "\n", "Zephyr Corp", "三千亿美元"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_WORDS, st.text(max_size=8)), max_size=30))
def test_any_text_gives_valid_rows_or_none(parts):
    result = extract_rows([Article("fuzz.txt", "".join(parts))])
    for r in result.rows.iter_rows(named=True):
        assert r["source"] != r["target"] and r["source"] and r["target"]
        assert r["amount"] is None or (math.isfinite(r["amount"]) and r["amount"] > 0)
        assert r["amount"] is not None or r["gw"] is not None or r["kind"] == "equity"
        assert r["kind"] in KINDS and r["status"] in STATUSES and r["cap"] in CAPS and 0 < r["confidence"] <= 1
        assert "fuzz.txt line" in r["evidence"]


# Precision and recall measured on each set (benchmarks/extract.py) when this was written; a change that reads worse fails.
FLOORS = {"articles": (0.95, 0.9), "articles-2": (0.95, 0.9), "articles-3": (0.85, 0.6), "articles-4": (0.95, 0.85),
          "articles-5": (0.8, 0.6)}


@pytest.mark.parametrize("folder", sorted(FLOORS))
def test_benchmark_articles_meet_their_floor(folder):
    """The test articles (each set written before the rules were tuned on it): precision and recall against the rows an
    analyst would enter stay at least at what was measured."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import extract as bench
    finally:
        sys.path.pop(0)
    path = ROOT / "tests" / "data" / folder
    expected = bench.expected_rows(path)
    proposed = matched = wanted = 0
    for article in sorted(path.glob("*.txt")):
        pairs, wrong, missed = bench.match(extract_rows([article]).rows.to_dicts(), expected[article.stem])
        proposed += len(pairs) + len(wrong)
        matched += len(pairs)
        wanted += len(pairs) + len(missed)
    assert wanted == sum(len(v) for v in expected.values())
    precision, recall = FLOORS[folder]
    assert matched / proposed >= precision and matched / wanted >= recall, (matched, proposed, wanted)


class _FakeModel:
    """A local OpenAI-compatible endpoint that answers every request with ``answer`` (the rows' JSON text)."""

    def __init__(self, answer: str, status: int = 200):
        import http.server
        import threading

        outer = self
        self.requests: list[dict] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append({"path": self.path, "body": json.loads(body), "auth": self.headers.get("Authorization")})
                reply = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_a_model_at_a_local_endpoint_proposes_rows_that_pass_the_same_checks(tmp_path, monkeypatch):
    article = tmp_path / "a.txt"
    article.write_text("2025-11-18\nNVIDIA will invest up to $10 billion in Anthropic.\nMeta is said to be weighing Google's cloud for its models.\n",
                       encoding="utf-8")
    answer = json.dumps({"rows": [
        {"source": "Meta", "target": "Google", "amount": None, "kind": "cloud", "status": "rumored", "cap": "exact", "line": 3, "why": "weighing"},
        {"source": "NVIDIA", "target": "Anthropic", "amount": 1e10, "kind": "equity", "cap": "up_to", "line": 2},  # the rules' row too
        {"source": "Meta", "target": "Google", "amount": 5e9, "kind": "cloud", "line": 3},  # no such amount on line 3
        {"source": "Amazon", "target": "Anthropic", "amount": None, "kind": "equity", "line": 2},  # Amazon is not on line 2
        {"source": "NVIDIA", "target": "Anthropic", "kind": "gift", "line": 2},  # not a kind
        {"source": "NVIDIA", "target": "Anthropic", "line": 99},  # not a line
        "not a row",
    ]})
    monkeypatch.setenv("DEALGRAPH_LLM_KEY", "sekret")
    with _FakeModel(f"Here you are:\n```json\n{answer}\n```") as model:
        out = CliRunner().invoke(cli, ["extract", str(article), "--llm", model.url, "--llm-model", "tiny", "--json"])
    assert out.exit_code == 0, out.output
    (request,) = model.requests
    assert request["path"] == "/v1/chat/completions" and request["body"]["model"] == "tiny" and request["auth"] == "Bearer sekret"
    assert "2: NVIDIA will invest" in request["body"]["messages"][1]["content"]
    result = json.loads(out.output)["result"]
    found = {(r["source"], r["target"]): r for r in result["rows"]}
    assert set(found) == {("NVIDIA", "Anthropic"), ("Meta", "Google")}
    assert found["Meta", "Google"]["status"] == "rumored" and "proposed by the model: weighing" in found["Meta", "Google"]["why"]
    assert found["Meta", "Google"]["evidence"].endswith("line 3: 'Meta is said to be weighing Google's cloud for its models.'")
    assert found["NVIDIA", "Anthropic"]["confidence"] == 0.9  # the rules' row, the model's agreeing with it
    refused = [s["why"] for s in result["skipped"] if "model's row was refused" in s["why"]]
    assert len(refused) == 5 and any("not an amount on line 3" in w for w in refused) and any("'Amazon' is not named" in w for w in refused)


@pytest.mark.parametrize("answer, status, words", [("not json", 200, "not the JSON"), ("{}", 500, "HTTP 500")])
def test_a_model_that_answers_badly_is_a_clear_error(tmp_path, answer, status, words):
    article = tmp_path / "a.txt"
    article.write_text("NVIDIA will invest $1 billion in Anthropic.\n", encoding="utf-8")
    with _FakeModel(answer, status) as model:
        out = CliRunner().invoke(cli, ["extract", str(article), "--llm", model.url])
    assert out.exit_code == 1 and words in out.output and "Traceback" not in out.output


def test_a_model_that_cannot_be_reached_is_a_clear_error(tmp_path):
    import socket

    article = tmp_path / "a.txt"
    article.write_text("NVIDIA will invest $1 billion in Anthropic.\n", encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    out = CliRunner().invoke(cli, ["extract", str(article), "--llm", f"http://127.0.0.1:{port}"])
    assert out.exit_code == 1 and "cannot get an answer" in out.output
    bad = CliRunner().invoke(cli, ["extract", str(article), "--llm", "file:///etc/passwd"])
    assert bad.exit_code == 2 and "http://" in bad.output
