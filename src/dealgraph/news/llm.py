"""Rows a language model proposes, from a user-given OpenAI-compatible endpoint (``--llm URL``), checked like the rules' rows.

Off unless asked for; nothing is downloaded. The model sees the article's numbered lines and
answers with JSON rows; a row is kept only when its line exists and states it: both parties are
named on that line (through the alias table), its amount (if any) is an amount on that line and
its capacity a capacity on it, and its kind, status and cap are the ledger's words. Refused rows
are listed with why, like the amounts the rules did not take.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from typing import Any

from .._errors import DealgraphError
from .._results import for_terminal
from ..reading.cells import MAX_AMOUNT, MAX_CAPACITY
from ..reading.ledger import CAPS, KINDS, STATUSES
from .article import Article
from .mentions import Names, capacities, money
from .rules import Flow, Skip

__all__ = ["ModelRows", "propose_rows"]

TIMEOUT = 120.0  # seconds for one answer
_INSTRUCTIONS = (
    "You read a news article and list the deals it states as money flows, as JSON: "
    '{"rows": [{"source": ..., "target": ..., "amount": number or null, "currency": "USD", "cap": "exact|up_to|estimated", '
    '"status": "closed|committed|loi|rumored", "kind": "' + "|".join(KINDS) + '", "gw": number or null, "line": line number, '
    '"why": short reason}]}. Money goes from source to target: investor to investee, buyer to seller, lender to borrower, '
    "the issuer of shares or warrants to their holder. Amounts in units (30 billion = 30000000000). Leave out valuations, "
    "capital-spending plans, share prices, stake percentages, revenue, cumulative totals, round totals split among named "
    "investors, denied and hypothetical deals. Answer with the JSON object only."
)


@dataclass(frozen=True)
class ModelRows:
    """The rows the model proposed that passed the checks (with the line each came from), and the ones refused."""

    rows: tuple[tuple[Flow, int], ...]
    refused: tuple[tuple[Skip, int], ...]


def _endpoint(url: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith("/chat/completions") else url + "/chat/completions"


def _ask(url: str, model: str, article: Article, timeout: float) -> list[Any]:
    import httpx

    lines = "\n".join(f"{n}: {line}" for n, line in enumerate(article.lines, start=1) if line.strip())
    headers = {"Content-Type": "application/json"}
    key = os.environ.get("DEALGRAPH_LLM_KEY")
    if key:
        headers["Authorization"] = f"Bearer {key}"
    body = {"model": model, "temperature": 0, "response_format": {"type": "json_object"},
            "messages": [{"role": "system", "content": _INSTRUCTIONS}, {"role": "user", "content": lines}]}
    where = for_terminal(_endpoint(url))
    try:
        response = httpx.post(_endpoint(url), json=body, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise DealgraphError(f"--llm {where}: cannot get an answer ({type(exc).__name__}: {for_terminal(str(exc))[:200]})") from None
    if response.status_code != 200:
        raise DealgraphError(f"--llm {where}: the endpoint answered HTTP {response.status_code}: {for_terminal(response.text)[:200]}")
    try:
        content = response.json()["choices"][0]["message"]["content"]
        start, end = content.find("{"), content.rfind("}")  # some models wrap the object in prose or a code fence
        rows = json.loads(content[start:end + 1])["rows"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise DealgraphError(f"--llm {where}: the answer is not the JSON asked for (an object with a list \"rows\")") from None
    if not isinstance(rows, list):
        raise DealgraphError(f"--llm {where}: \"rows\" is not a list")
    return rows


def _number(value: Any, limit: float) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not 0 < value <= limit:
        raise ValueError(f"{value!r} is not a positive number up to {limit:g}")
    return float(value)


def _checked(row: Any, article: Article, names: Names) -> tuple[Flow, int]:
    """A model's row as a Flow, if its line states it; else ValueError saying why not."""
    if not isinstance(row, dict):
        raise ValueError("not an object")
    line = row.get("line")
    lines = article.lines
    if isinstance(line, bool) or not isinstance(line, int) or not 1 <= line <= len(lines):
        raise ValueError(f"line {line!r} is not a line of the article")
    from .article import to_simplified

    text = to_simplified(lines[line - 1])
    zh = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    named = {m.value for m in names.find(text, zh)}
    parties = []
    for side in ("source", "target"):
        value = row.get(side)
        if not isinstance(value, str) or not value.strip() or len(value) > 300:
            raise ValueError(f"{side} is not a name")
        name = names.aliases.resolve(value)
        if name not in named:
            raise ValueError(f"{side} {name!r} is not named on line {line}")
        parties.append(name)
    if parties[0] == parties[1]:
        raise ValueError("source and target are the same entity")
    amount = _number(row.get("amount"), MAX_AMOUNT)
    gw = _number(row.get("gw"), MAX_CAPACITY)
    if amount is not None and not any(math.isclose(amount, m.value, rel_tol=0.01) for m in money(text, zh)):
        raise ValueError(f"amount {amount:g} is not an amount on line {line}")
    if gw is not None and not any(math.isclose(gw, c.value, rel_tol=0.01) for c in capacities(text)):
        raise ValueError(f"capacity {gw:g} GW is not a capacity on line {line}")
    values = {}
    for column, allowed, default in (("kind", KINDS, "other"), ("status", STATUSES, "committed"), ("cap", CAPS, "exact")):
        value = row.get(column) or default
        if value not in allowed:
            raise ValueError(f"{column} {value!r} is not one of {', '.join(allowed)}")
        values[column] = value
    why = str(row.get("why") or "")[:300]
    flow = Flow(parties[0], parties[1], amount, "USD", values["cap"], values["status"], values["kind"], gw, None, None, 0.6,
                [f"proposed by the model: {why}" if why else "proposed by the model", "checked: both parties and the figures are on its line"])
    return flow, line


def propose_rows(article: Article, url: str, names: Names, *, model: str = "default", timeout: float = TIMEOUT) -> ModelRows:
    """Ask the model at ``url`` (an OpenAI-compatible ``/chat/completions``; key in ``DEALGRAPH_LLM_KEY``) for ``article``'s rows.

    Raises
    ------
    DealgraphError
        When the endpoint cannot be reached, answers an error, or does not answer the JSON asked for.
    """
    kept: list[tuple[Flow, int]] = []
    refused: list[tuple[Skip, int]] = []
    for row in _ask(url, model, article, timeout):
        try:
            kept.append(_checked(row, article, names))
        except ValueError as exc:
            given = row.get("line") if isinstance(row, dict) else None
            line = given if isinstance(given, int) and 1 <= given <= len(article.lines) else 0  # 0: no line of the article
            refused.append((Skip(for_terminal(json.dumps(row, ensure_ascii=False))[:300], f"the model's row was refused: {exc}"), line))
    return ModelRows(tuple(kept), tuple(refused))
