"""One self-contained HTML file: the report's data, the page's script and styles, and ECharts, inlined.

Ledger text never becomes HTML: the payload sits in a JSON script block with ``<``, ``>``,
``&`` and the line separators escaped, the page builds its DOM with ``textContent``, and a
Content-Security-Policy admits only the page's own scripts (by hash) and no connections
(the explorer: its own origin only).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from importlib import resources
from typing import Any

from .._errors import DealgraphError

__all__ = ["render_report", "version", "vendor_pin"]


def version() -> str:
    from importlib.metadata import version

    return version("dealgraph")


def vendor_pin() -> dict[str, Any]:
    return json.loads((resources.files("dealgraph") / "web" / "vendor.json").read_text())["echarts"]


def _asset(*parts: str) -> str:
    res = resources.files("dealgraph").joinpath(*parts)
    if not res.is_file():
        raise DealgraphError(f"dealgraph/{'/'.join(parts)} is missing: ECharts is fetched from the npm registry when the package "
                             "is built; reinstall with `python -m pip install -e .`")
    return res.read_text(encoding="utf-8")


def _json_for_script(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def render_report(data: dict[str, Any]) -> str:
    """One self-contained HTML page for ``report_data``'s output (no network needed).

    >>> from dealgraph import report_data, seed_ledger
    >>> html = render_report(report_data(seed_ledger()))
    >>> html.startswith("<!DOCTYPE html>") and "connect-src 'none'" in html
    True
    """
    echarts = _asset("_vendor", "echarts.min.js")
    app = _asset("web", "report.js")
    css = _asset("web", "report.css")
    scripts = [echarts, app]
    connect = "'self'" if data["meta"]["mode"] == "explorer" else "'none'"
    csp = (f"default-src 'none'; script-src {' '.join(_sha256(s) for s in scripts)}; style-src 'unsafe-inline'; "
           f"img-src data: blob:; connect-src {connect}; base-uri 'none'; form-action 'none'")
    licence = _asset("_vendor", "ECHARTS-LICENSE").replace("--", "- -")
    title = data["text"]["title"]
    lang = data["meta"]["lang"]
    fill = {"lang": lang, "csp": csp, "title": title, "css": css, "data": _json_for_script(data),
            "licence": f"ECharts {vendor_pin()['version']} (Apache-2.0), inlined below.\n{licence}",
            "scripts": "\n".join(f"<script>{s}</script>" for s in scripts)}
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fill[m.group(1)], _asset("web", "report.html"))  # one pass: no value is re-read
