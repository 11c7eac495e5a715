"""The report and the explorer in a real headless Chromium (Debian's ``chromium`` package).

Deselect with ``-m "not browser"`` on a machine without Chromium; CI installs it.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import dealgraph as dg
from conftest import HOSTILE
from dealgraph.cli import cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("Chromium not found: install Debian's package (apt-get install chromium) or deselect with -m 'not browser'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:  # launch() gives the browser a fresh temporary profile (user data dir)
        b = p.chromium.launch(executable_path=binary, args=CHROMIUM_FLAGS)
        yield b
        b.close()


class Watched:
    """A page with every request, console message, page error and dialog recorded."""

    def __init__(self, browser, *, offline: bool):
        self.context = browser.new_context(offline=offline)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        if offline:  # block everything that is not the file itself
            self.context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def open(self, url: str):
        self.page.goto(url)
        wait_for(self.page, "window.dealgraphView !== undefined")
        return self.page

    def close(self):
        self.context.close()


def wait_for(page, expression: str, timeout: float = 15.0) -> None:
    """Poll ``expression`` through the debugger protocol (the page's CSP forbids the in-page eval wait_for_function uses)."""
    deadline = time.time() + timeout
    while not page.evaluate(expression):
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)


def _report(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", *args, "-o", str(out), "--force"])
    assert result.exit_code == 0, result.output
    return out


def test_report_opens_offline_without_requests_or_errors_and_highlights_loops(browser, tmp_path):
    out = _report(tmp_path)
    w = Watched(browser, offline=True)
    page = w.open(out.as_uri())
    data = page.evaluate("dealgraphView.data()")
    assert page.evaluate("dealgraphView.nodeCount()") == len(dg.read_dataset("ai-deals").entities) == len(data["nodes"])
    for i, loop in enumerate(data["loops"][:6]):
        page.click(f"#loop-list button[data-loop='{i}']")
        drawn = page.evaluate("dealgraphView.highlighted()")
        assert {(e["source"], e["target"]) for e in drawn} == {(h["source"], h["target"]) for h in loop["hops"]}
        assert {e["deal"] for e in drawn} == {d for h in loop["hops"] for d in h["deals"]}
    page.click("#loop-list button.selected")  # clicking again clears the highlight
    assert page.evaluate("dealgraphView.highlighted()") == []
    page.fill("#search", "Oracle")
    page.dispatch_event("#search", "change")
    assert page.evaluate("dealgraphView.state.focus") == next(n["index"] for n in data["nodes"] if n["entity"] == "Oracle")
    page.eval_on_selector("#date-slider", "s => { s.value = '0'; s.dispatchEvent(new Event('input')); }")
    first = min(e["date"] for e in data["edges"] if e["date"])
    assert page.text_content("#date-label") == first
    by_id = {e["id"]: e for e in data["edges"]}
    existed = [lp["label"] for lp in data["loops"]
               if all(any(by_id[d]["date"] is None or by_id[d]["date"] <= first for d in h["deals"]) for h in lp["hops"])]
    shown = page.eval_on_selector_all("#loops-at li", "ls => ls.map(l => l.textContent.split(' — ')[0])")
    assert shown == (existed or [data["text"]["no_loops"]])
    assert len(existed) < len(data["loops"])
    page.click("#chapters button[data-year='2024']")  # a chapter shows the network as it stood at that year's end
    assert page.text_content("#date-label") <= "2024-12-31" < max(e["date"] for e in data["edges"] if e["date"])
    assert page.eval_on_selector_all("#chapters li", "ls => ls.length") == len(data["chapters"])
    page.eval_on_selector("#date-slider", "s => { s.value = s.max; s.dispatchEvent(new Event('input')); }")
    page.check("#article-only")  # the article's network inside the wider web
    article = {e["id"] for e in data["edges"] if e["in_story"]}
    shown = page.evaluate("dealgraphView.shownDeals()")
    assert shown and set(shown) == article
    page.uncheck("#article-only")
    for view in ("network", "loopflow", "timeline", "per-year", "dependency-chart", "stress-chart"):  # every chart exports a PNG
        png = page.evaluate(f"echarts.getInstanceByDom(document.getElementById('{view}')).getDataURL({{type: 'png'}})")
        assert png.startswith("data:image/png;base64,") and len(png) > 2000, view
    page.click("#exposures tr.clickable:has(td:first-child:text-is('CoreWeave'))")  # an exposure traces to its deals and sources
    top = next(x["counterparty"] for x in data["dependency"]["exposures"] if x["entity"] == "CoreWeave")
    ids = set(data["pair_deals"].get(f"CoreWeave|{top}", []) + data["pair_deals"].get(f"{top}|CoreWeave", []))
    urls = {e["url"] for e in data["edges"] if e["id"] in ids}
    assert ids and urls <= set(page.eval_on_selector_all("#trace a", "as => as.map(a => a.href)"))
    page.click("#stress-table tr.clickable")
    assert page.eval_on_selector_all("#stress-trace td", "ts => ts.length") > 0
    assert [r for r in w.requests if not r.startswith("file:")] == []
    assert w.errors == [] and w.dialogs == []
    w.close()


def test_untrusted_names_stay_text_in_the_report(browser, tmp_path, hostile_ledger):
    out = _report(tmp_path, str(hostile_ledger))
    w = Watched(browser, offline=True)
    page = w.open(out.as_uri())
    assert w.dialogs == []
    assert page.evaluate("document.querySelectorAll('img, b').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 3  # the data block, ECharts, the page's own
    deals = page.text_content("#deals")
    assert HOSTILE[0] in deals and HOSTILE[1] in deals
    assert page.evaluate("Array.from(document.querySelectorAll('a')).filter(a => a.href.startsWith('javascript')).length") == 0
    page.click("#loop-list button[data-loop='0']")
    assert w.dialogs == [] and w.errors == []
    w.close()


@pytest.fixture
def explorer():
    import uvicorn

    from dealgraph.web.report import article_story
    from dealgraph.web.server import create_app

    lg = dg.read_dataset("ai-deals")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(lg, story=article_story(lg), max_upload=100_000), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(10)


def test_explorer_failing_an_entity_changes_the_stress_figures(browser, explorer):
    w = Watched(browser, offline=False)
    page = w.open(explorer)
    before = page.text_content("#stress-summary")
    page.select_option("#fail-entity", "Microsoft")
    page.fill("#pay-ratio", "0.5")
    with page.expect_response("**/api/report"):
        page.click("#recompute")
    wait_for(page, "dealgraphView.data().stress[0].failed === 'Microsoft'")
    after = page.text_content("#stress-summary")
    assert after != before and "Microsoft" in after
    # switching a deal off recomputes the loops without it, and keeps it listed to switch back on
    deal = page.evaluate("dealgraphView.data().loops[0].hops[0].deals[0]")  # a deal on the first loop
    uses_deal = f"dealgraphView.data().loops.some(lp => lp.hops.some(h => h.deals.includes('{deal}')))"
    assert page.evaluate(uses_deal)
    with page.expect_response("**/api/report"):
        page.click(f"#deals input[data-deal='{deal}']")
    wait_for(page, f"!({uses_deal})")
    assert page.is_checked(f"#deals input[data-deal='{deal}']") is False
    assert w.errors == [] and w.dialogs == []
    assert all(r.startswith(explorer) for r in w.requests)
    w.close()


def test_explorer_upload_shows_problems_per_row_and_keeps_names_as_text(browser, explorer, tmp_path, hostile_ledger):
    w = Watched(browser, offline=False)
    page = w.open(explorer)
    bad = tmp_path / "bad.csv"
    bad.write_text("source,target,amount\nA,B,12\nC,D,-5\nE,E,1\n", encoding="utf-8")
    with page.expect_response("**/api/ledger**"):
        page.set_input_files("#ledger-file", str(bad))
    page.wait_for_selector("#problems table")
    rows = page.eval_on_selector_all("#problems tr", "rs => rs.map(r => r.textContent)")
    assert any(r.startswith("2amount-5") for r in rows) and any(r.startswith("3target") for r in rows)
    with page.expect_response("**/api/report"):
        page.set_input_files("#ledger-file", str(hostile_ledger))
    wait_for(page, "dealgraphView.data().meta.rows === 2")
    assert HOSTILE[0] in page.text_content("#deals")
    assert page.evaluate("document.querySelectorAll('img, b').length") == 0
    assert w.dialogs == []
    assert w.errors == ["Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"]  # the bad file
    w.close()


CROSS_SITE_UPLOADS = """(url) => Promise.all([  // what a page on another site can send: a form's content type, or a preflighted request
  fetch(url, {method: 'POST', mode: 'no-cors', headers: {'Content-Type': 'text/plain'}, body: 'source,target\\nA,B\\n'})
    .then(r => r.type),
  fetch(url, {method: 'POST', headers: {'Content-Type': 'application/octet-stream'}, body: 'source,target\\nA,B\\n'})
    .then(r => r.status, e => 'blocked')
])"""


def test_explorer_refuses_uploads_from_another_origin(browser, explorer):
    import json
    import urllib.request

    def rows() -> int:
        with urllib.request.urlopen(explorer + "api/ledger", timeout=10) as r:
            return len(json.load(r)["result"]["rows"])

    before = rows()
    w = Watched(browser, offline=False)
    w.page.goto(explorer.replace("127.0.0.1", "localhost") + "openapi.json")  # another origin (a page with no CSP of its own)
    assert w.page.evaluate(CROSS_SITE_UPLOADS, explorer + "api/ledger?name=x.csv") == ["opaque", "blocked"]
    assert rows() == before and w.dialogs == []
    w.close()


def test_chinese_report_renders_without_errors(browser, tmp_path):
    out = _report(tmp_path, "--lang", "zh")
    w = Watched(browser, offline=True)
    page = w.open(out.as_uri())
    assert page.text_content("#title") == "dealgraph 报告" and "微软" in page.text_content("#loop-list")
    assert w.errors == [] and [r for r in w.requests if not r.startswith("file:")] == []
    w.close()


MISSING_GLYPH = "\ue000"  # a private-use character no font draws: the missing-glyph box ("tofu")
DRAW_GLYPHS = """(chars) => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 40;
  const ctx = canvas.getContext('2d');
  ctx.font = '32px ' + getComputedStyle(document.getElementById('title')).fontFamily;  // the page's own fonts
  ctx.textBaseline = 'top';
  return chars.map(ch => { ctx.clearRect(0, 0, 40, 40); ctx.fillText(ch, 2, 2); return [canvas.toDataURL(), ctx.measureText(ch).width]; });
}"""


def test_chinese_report_draws_its_glyphs_not_boxes(browser, tmp_path):
    out = _report(tmp_path, "--lang", "zh")
    w = Watched(browser, offline=True)
    page = w.open(out.as_uri())
    shown = page.text_content("#title") + page.text_content("#loop-list")  # 报告, 微软, 英伟达, ...
    chinese = sorted({ch for ch in shown if "\u4e00" <= ch <= "\u9fff"})[:12]
    assert len(chinese) >= 4
    drawn = page.evaluate(DRAW_GLYPHS, [*chinese, MISSING_GLYPH])
    box, box_width = drawn.pop()
    boxes = [ch for ch, (image, width) in zip(chinese, drawn) if image == box or width == box_width]
    assert boxes == [], f"{''.join(boxes)} drawn as missing-glyph boxes: install a CJK font (apt-get install fonts-noto-cjk)"
    assert len({image for image, _ in drawn}) == len(chinese)  # every character its own glyph
    w.close()


def test_explorer_reads_an_article_and_recomputes_with_the_accepted_rows(browser, explorer):
    w = Watched(browser, offline=False)
    page = w.open(explorer)
    rows_before = page.evaluate("dealgraphView.data().meta.rows")
    page.fill("#article-text", "Zephyr Compute <img src=x onerror=alert(1)> raised $200 million from NVIDIA.\n"
                               "据报道，甲骨文将为OpenAI提供算力，合同价值约3000亿美元。\nOpenAI was valued at $500 billion.")
    page.fill("#article-date", "2025-11-18")
    with page.expect_response("**/api/extract"):
        page.click("#read-article")
    wait_for(page, "dealgraphView.proposals().length === 2")
    proposed = page.evaluate("dealgraphView.proposals().map(p => [p.source, p.target, p.amount, p.status, p.accept])")
    assert ["OpenAI", "Oracle", 3e11, "rumored", True] in proposed
    assert "valued at" in page.text_content("#skipped")  # the valuation is shown as not a deal, with why
    oracle = next(i for i, p in enumerate(proposed) if p[1] == "Oracle")
    other = 1 - oracle
    if page.is_checked(f"#proposals input[data-proposal='{other}']"):
        page.click(f"#proposals input[data-proposal='{other}']")  # rejected
    page.fill(f"#proposals tr[data-proposal='{oracle}'] input[type=number]", "250000000000")  # edited: the first number is the amount
    page.dispatch_event(f"#proposals tr[data-proposal='{oracle}'] input[type=number]", "change")
    with page.expect_response("**/api/report"):
        page.click("#add-rows")
    wait_for(page, f"dealgraphView.data().meta.rows === {rows_before + 1}")
    added = page.evaluate("dealgraphView.data().edges.filter(e => e.id.startsWith('ex-')).map(e => [e.amount, e.status])")
    assert added == [[250e9, "rumored"]]
    assert "ex-1" in page.text_content("#article-status") and page.evaluate("document.querySelectorAll('img').length") == 0
    assert w.dialogs == [] and w.errors == []
    w.close()
