"""Screenshots of the report for README, made with the project's own report and Debian's Chromium.

    python tools/screenshots.py            # writes docs/report-*.png

Needs Debian's ``chromium`` and, for the Chinese view, ``fonts-noto-cjk``.

Builds the report of the built-in ai-deals dataset (English and Chinese), opens
it offline in headless Chromium, selects the NVIDIA -> OpenAI -> Oracle -> NVIDIA
loop and captures the findings, network, loop, timeline and stress views.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

import dealgraph as dg

DOCS = Path(__file__).resolve().parents[1] / "docs"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
LOOP = "NVIDIA -> OpenAI -> Oracle -> NVIDIA"


def main() -> int:
    binary = shutil.which("chromium")
    if binary is None:
        print("error: Chromium not found; install Debian's package: apt-get install chromium", file=sys.stderr)
        return 1
    lg = dg.read_dataset("ai-deals")
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=binary, args=FLAGS)
        for lang, views in (("en", ("findings", "network", "loops", "timeline", "stress")), ("zh", ("network",))):
            html = Path(tmp) / f"report-{lang}.html"
            data = dg.report_data(lg, lang=lang, story=dg.article_story(lg))
            html.write_text(dg.render_report(data), encoding="utf-8")
            page = browser.new_context(offline=True, viewport={"width": 1280, "height": 900}, device_scale_factor=1).new_page()
            page.goto(html.as_uri())
            while not page.evaluate("window.dealgraphView !== undefined"):
                time.sleep(0.05)
            index = [lp["path"] for lp in data["loops"]].index(LOOP)
            page.click(f"#loop-list button[data-loop='{index}']")
            time.sleep(0.3)
            for view in views:
                out = DOCS / f"report-{view}{'' if lang == 'en' else '-zh'}.png"
                page.locator(f"#{view}-view").screenshot(path=str(out))
                print(f"wrote {out.relative_to(DOCS.parent)}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
