"""The explorer: a local web app over one ledger, with what-if and a JSON API.

Every view of the page has a JSON twin under ``/api`` (described at
``/openapi.json``); the envelope is the command line's ``--json`` one. The app
keeps the ledger in memory, reads uploads in memory (never writing a file),
refuses uploads larger than ``max_upload`` bytes and keeps the last good ledger
when an upload is refused.

No other web page can drive it: a request whose ``Host`` is not one of
``allowed_hosts`` is refused (DNS rebinding), and so is a POST from another
origin or one a cross-site ``<form>`` could send (a CORS-safelisted or missing
``Content-Type``), which a browser cannot make without a preflight the app never
grants.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from .._errors import DealgraphError, LedgerError, Problem
from .._results import envelope, jsonable
from ..analyses.circularity import circularity
from ..analyses.dependency import dependency
from ..analyses.loops import find_loops
from ..analyses.round_trips import round_trips
from ..analyses.stress import stress
from ..analyses.summary import summary
from ..news.article import read_article
from ..news.extract import extract_rows
from ..reading.entities import EntityTable
from ..reading.ledger import CAPS, KINDS, STATUSES, Ledger, read_ledger
from ..reading.scenario import Scenario
from .render import render_report
from .report import report_data, without_deals

__all__ = ["LOOPBACK_HOSTS", "ArticleText", "ReviewedRow", "ReviewedRows", "WhatIf", "bound_hosts", "create_app", "request_once", "with_rows"]

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
ANSWERS_KEPT = 256  # answers the explorer keeps, most recently asked first
_SIMPLE_TYPES = ("", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data")  # what a page may POST anywhere


class WhatIf(BaseModel):
    """A what-if: the basis, the dollars-per-gigawatt assumption, deals switched off, one failing entity."""

    lang: Literal["en", "zh"] = "en"
    basis: Literal["headline", "firm"] = "headline"
    usd_per_gw: float | None = Field(None, ge=0, allow_inf_nan=False, description="Dollars per GW for capacity-only deals (headline basis).")
    disabled: list[str] = Field(default_factory=list, description="Deal ids switched off.")
    fail: str | None = Field(None, description="An entity that pays only `pay` of its commitments.")
    pay: float = Field(0.0, ge=0, le=1, allow_inf_nan=False, description="Share of its commitments the failing entity pays.")

    def scenario(self) -> Scenario | None:
        """The failing entity as a stress scenario (None when no entity fails)."""
        return Scenario(fail=((self.fail, self.pay),), name=f"{self.fail} pays {self.pay:.0%}") if self.fail else None


class ArticleText(BaseModel):
    """An article pasted into the explorer, and the day it was published (for its relative dates)."""

    text: str = Field(max_length=2_000_000, description="The article's text (English, Simplified or Traditional Chinese).")
    date: dt.date | None = Field(None, description="The day it was published; else its date line.")


class ReviewedRow(BaseModel):
    """A row a person accepted (and may have edited) from the rows an article proposed."""

    source: str = Field(min_length=1, max_length=300)
    target: str = Field(min_length=1, max_length=300)
    amount: float | None = Field(None, ge=0, allow_inf_nan=False)
    currency: str = Field("USD", min_length=1, max_length=10)
    cap: Literal[CAPS] = "exact"  # type: ignore[valid-type]
    status: Literal[STATUSES] = "committed"  # type: ignore[valid-type]
    kind: Literal[KINDS] = "other"  # type: ignore[valid-type]
    gw: float | None = Field(None, ge=0, allow_inf_nan=False)
    date: str | None = Field(None, max_length=20)
    years: float | None = Field(None, gt=0, allow_inf_nan=False)
    evidence: str = Field("", max_length=20_000)


class ReviewedRows(BaseModel):
    """Rows to add to the explorer's ledger."""

    rows: list[ReviewedRow] = Field(min_length=1, max_length=1_000)


def with_rows(ledger: Ledger, rows: Sequence[ReviewedRow]) -> Ledger:
    """``ledger`` with ``rows`` added (ids ``ex-1``, ``ex-2`` ... not yet taken), read and validated as a ledger again.

    >>> from dealgraph import seed_ledger
    >>> lg = with_rows(seed_ledger(), [ReviewedRow(source="OpenAI", target="Oracle", amount=3e11, kind="cloud")])
    >>> len(lg) - len(seed_ledger()), lg.table["id"][-1]
    (1, 'ex-1')
    """
    import polars as pl

    old = ledger.to_frame().drop("row").with_columns(currency=pl.lit(ledger.currency))  # amounts are already in it
    taken = set(old["id"].drop_nulls().to_list())
    fresh = (f"ex-{n}" for n in range(1, len(taken) + len(rows) + 2) if f"ex-{n}" not in taken)
    new = pl.DataFrame([{**r.model_dump(), "id": next(fresh), "note": "Added in the explorer from an article (reviewed)."} for r in rows])
    frame = pl.concat([old.with_columns(pl.all().cast(pl.String)), new.with_columns(pl.all().cast(pl.String))], how="diagonal")
    return read_ledger(frame, name=ledger.origin, aliases=ledger.aliases, currency=ledger.currency)


def bound_hosts(host: str) -> tuple[str, ...]:
    """The ``Host`` names a browser may use for an explorer bound to ``host`` (``create_app``'s ``allowed_hosts``).

    A loopback address is also reached as ``localhost``; a wildcard address (``0.0.0.0``, ``::``)
    by names the app cannot know, so any ``Host`` is allowed (``*``) and DNS rebinding is no
    longer refused (cross-origin POSTs still are).

    >>> bound_hosts("127.0.0.1"), bound_hosts("0.0.0.0"), bound_hosts("192.168.1.5")
    (('127.0.0.1', 'localhost', '::1'), ('*',), ('192.168.1.5',))
    """
    name = _hostname(host)
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return LOOPBACK_HOSTS if name == "localhost" else (name,)
    if address.is_unspecified:
        return ("*",)
    return tuple(dict.fromkeys((name, *LOOPBACK_HOSTS))) if address.is_loopback else (name,)


def _hostname(authority: str) -> str:
    """The host named by a ``Host`` header (or a bound address): lower case, without the port or an IPv6 address's brackets."""
    name, colon, port = authority.rpartition(":")
    if not colon or not port.isdigit() or (":" in name and not name.endswith("]")):
        name = authority  # no port (an IPv6 address without one keeps its colons)
    return name.removeprefix("[").removesuffix("]").lower()


def _refusal(method: str, headers: Headers, hosts: frozenset[str]) -> tuple[int, str] | None:
    """Why a request must be refused (its status and a message), or None: the Host, Origin and Content-Type checks."""
    host = headers.get("host", "")
    if "*" not in hosts and _hostname(host) not in hosts:
        return 403, f"Host {host!r} is not one this explorer answers to ({', '.join(sorted(hosts))}); refused against DNS rebinding"
    if method in ("GET", "HEAD"):
        return None
    origin = headers.get("origin")
    if origin is not None and origin.lower() not in (f"http://{host}".lower(), f"https://{host}".lower()):
        return 403, f"cross-origin request from {origin!r} refused: only this explorer's own page may send it"
    if origin is None and headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return 403, "cross-site request refused: only this explorer's own page may send it"
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media in _SIMPLE_TYPES:
        return 415, (f"Content-Type {media or '(none)'} refused (a cross-site form could send it): send JSON as application/json "
                     "and a ledger's bytes as application/octet-stream")
    return None


class _SameOrigin:
    """ASGI middleware that refuses what ``_refusal`` refuses, before the app sees the request."""

    def __init__(self, app: ASGIApp, hosts: Sequence[str]) -> None:
        self.app = app
        self.hosts = frozenset(hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = _refusal(scope["method"], Headers(scope=scope), self.hosts) if scope["type"] == "http" else None
        if refused is None:
            await self.app(scope, receive, send)
        else:
            await JSONResponse({"detail": refused[1]}, status_code=refused[0])(scope, receive, send)


def create_app(ledger: Ledger, *, story: tuple[str, ...] = (), entities: EntityTable | None = None, assume_buffer: float | None = None,
               max_upload: int = 20 * 2**20, lang: Literal["en", "zh"] = "en", allowed_hosts: Sequence[str] = LOOPBACK_HOSTS,
               warm: bool = False) -> FastAPI:
    """The explorer app over ``ledger`` (serve it with uvicorn on 127.0.0.1).

    Answers are kept: the same request on the same ledger is computed once, however many
    clients ask at once. With ``warm`` a background thread computes every view of the
    ledger as it stands (no what-if) right away, so the first visitors do not wait.

    ``allowed_hosts`` are the names or addresses a request's ``Host`` may carry (any port;
    ``*`` allows any): :func:`bound_hosts` of the address the app is served on. Others get 403.

    >>> from dealgraph import seed_ledger
    >>> app = create_app(seed_ledger())
    >>> "/api/loops" in app.openapi()["paths"]
    True
    """
    from importlib.metadata import version

    app = FastAPI(title="dealgraph explorer", version=version("dealgraph"), docs_url=None, redoc_url=None,
                  description="Loops, circularity, dependency and stress of one ledger, with what-if. "
                              "Responses carry the same JSON as the command line's --json. Requests must name an allowed Host; "
                              "POSTs must come from the explorer's own origin with a non-form Content-Type.")
    hosts = tuple(_hostname(h) for h in allowed_hosts)
    app.add_middleware(_SameOrigin, hosts=hosts)
    app.state.allowed_hosts = hosts
    current: dict[str, Any] = {"ledger": ledger, "story": tuple(story)}
    answers: OrderedDict[tuple[str, str], Response] = OrderedDict()  # the same question on the same ledger: the same bytes
    asking: dict[tuple[str, str], threading.Lock] = {}  # one computation per question, however many clients ask at once
    guard = threading.Lock()

    def answer(path: str, w: WhatIf, compute: Callable[[], Any]) -> Response:
        """``compute()`` as JSON, kept for the next identical request (the last ``ANSWERS_KEPT``; a new ledger clears them)."""
        key = (path, w.model_dump_json())
        with guard:
            lock = asking.setdefault(key, threading.Lock())
        with lock:
            hit = answers.get(key)
            if hit is None:
                # every answer is already plain data (an envelope, or the page's payload)
                body = json.dumps(compute(), ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
                hit = Response(content=body, media_type="application/json")
                with guard:
                    answers[key] = hit
                    while len(answers) > ANSWERS_KEPT:
                        asking.pop(answers.popitem(last=False)[0], None)
        with guard:
            if key in answers:
                answers.move_to_end(key)
        return hit

    def view(w: WhatIf) -> Ledger:
        return without_deals(current["ledger"], w.disabled)

    @app.exception_handler(DealgraphError)
    async def _bad_input(request: Request, exc: DealgraphError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:  # NaN or inf given: shown as null, not a 500
        return JSONResponse({"detail": jsonable(jsonable_encoder(exc.errors()))}, status_code=422)

    def page(w: WhatIf, lg: Ledger | None = None, story: tuple[str, ...] | None = None) -> dict[str, Any]:
        return report_data(current["ledger"] if lg is None else lg, disabled=w.disabled, lang=w.lang, basis=w.basis, usd_per_gw=w.usd_per_gw,
                           story=current["story"] if story is None else story, scenario=w.scenario(), mode="explorer", entities=entities,
                           assume_buffer=assume_buffer)

    @app.get("/", response_class=HTMLResponse, summary="The explorer page")
    def index() -> str:
        return render_report(page(WhatIf.model_validate({"lang": lang})))

    @app.post("/api/report", summary="Everything the page shows, for a what-if", response_model=dict[str, Any])
    def report(w: WhatIf) -> Response:
        return answer("/api/report", w, lambda: page(w))

    as_it_stands: list[Callable[[], Response]] = [lambda: report(WhatIf.model_validate({"lang": lang}))]

    def twin(path: str, command: str, run: Callable[[Ledger, WhatIf], Any], doc: str) -> None:
        def endpoint(w: Annotated[WhatIf, Query()]) -> Response:
            return answer(path, w, lambda: envelope(command, run(view(w), w)))

        as_it_stands.append(lambda: endpoint(WhatIf()))

        app.get(path, summary=doc, response_model=dict[str, Any])(endpoint)

    twin("/api/loops", "loops", lambda lg, w: find_loops(lg, basis=w.basis, usd_per_gw=w.usd_per_gw), "Loops, the best evidenced and largest first")
    twin("/api/circularity", "circularity", lambda lg, w: circularity(lg, usd_per_gw=w.usd_per_gw).only(w.basis),
         "How much of the money is circular")
    twin("/api/round-trips", "round-trips", lambda lg, w: round_trips(lg, usd_per_gw=w.usd_per_gw).only(w.basis),
         "How much of each payer's dollar comes back")
    buffers = {"entities": entities, "assume_buffer": assume_buffer}
    twin("/api/dependency", "dependency", lambda lg, w: dependency(lg, basis=w.basis, usd_per_gw=w.usd_per_gw, **buffers),  # type: ignore[arg-type]
         "Concentration, exposures, single points of failure")
    twin("/api/stress", "stress", lambda lg, w: stress(lg, w.scenario() or Scenario(), model="all", basis=w.basis,
                                                        usd_per_gw=w.usd_per_gw, **buffers),  # type: ignore[arg-type]
         "The cascade when `fail` pays `pay`")
    twin("/api/summary", "summary", lambda lg, w: summary(lg, basis=w.basis, usd_per_gw=w.usd_per_gw, lang=w.lang, **buffers),  # type: ignore[arg-type]
         "The headline findings")
    twin("/api/ledger", "ledger", lambda lg, w: lg, "The deals of the current ledger")

    def accept(body: bytes, name: str) -> Ledger:
        """The uploaded ledger, if it has rows and the page can be drawn from it; else a LedgerError (the last good ledger stays)."""
        lg = read_ledger(body, name=name)
        try:
            if not len(lg):
                raise DealgraphError("no rows: the file holds no deals; add at least one row")
            page(WhatIf.model_validate({"lang": lang}), lg, ())
        except DealgraphError as exc:
            raise LedgerError([Problem(name, None, None, None, str(exc))]) from None
        return lg

    @app.post("/api/ledger", summary="Open a ledger (the file's bytes as the body, Content-Type application/octet-stream; `name` gives its type)",
              responses={413: {"description": "Upload too large"}, 415: {"description": "A form's Content-Type"},
                         422: {"description": "Validation problems, per row"}})
    async def open_ledger(request: Request, name: Annotated[str, Query(max_length=255)] = "upload.csv") -> JSONResponse:
        declared = request.headers.get("content-length")
        too_big = JSONResponse({"valid": False, "detail": f"upload larger than {max_upload} bytes"}, status_code=413)
        if declared is not None and declared.isdigit() and int(declared) > max_upload:
            return too_big
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_upload:
                return too_big
        try:
            lg = await run_in_threadpool(accept, bytes(body), name)
        except LedgerError as exc:
            return JSONResponse({**envelope("ledger", problems=exc), "detail": str(exc).splitlines()[0]}, status_code=422)
        current.update(ledger=lg, story=())
        with guard:
            answers.clear()
        return JSONResponse({"valid": True, "rows": len(lg), "entities": len(lg.entities), "problems": []})

    @app.post("/api/extract", summary="Read an article: candidate rows (each with its sentence, confidence and why) to review",
              response_model=dict[str, Any])
    def read_news(article: ArticleText) -> dict[str, Any]:
        pasted = read_article(article.text.encode(), name="pasted article", date=article.date)  # HTML pasted is read as its text
        result = extract_rows([pasted], aliases=current["ledger"].aliases)
        return envelope("extract", result)

    @app.post("/api/ledger/rows", summary="Add reviewed rows to the ledger (the views recompute with them)",
              responses={422: {"description": "The rows do not validate"}})
    def add_rows(body: ReviewedRows) -> JSONResponse:
        try:
            lg = with_rows(current["ledger"], body.rows)
            page(WhatIf.model_validate({"lang": lang}), lg)
        except LedgerError as exc:
            return JSONResponse({**envelope("ledger", problems=exc), "detail": str(exc).splitlines()[0]}, status_code=422)
        except DealgraphError as exc:
            return JSONResponse({"valid": False, "detail": str(exc), "problems": []}, status_code=422)
        added = lg.table["id"].tail(len(body.rows)).to_list()
        current.update(ledger=lg)
        with guard:
            answers.clear()
        return JSONResponse({"valid": True, "rows": len(lg), "entities": len(lg.entities), "added": added, "problems": []})

    if warm:
        def compute_every_view() -> None:
            for ask in as_it_stands:
                try:
                    ask()
                except DealgraphError:  # the request itself will say what is wrong
                    pass

        threading.Thread(target=compute_every_view, name="dealgraph-warm", daemon=True).start()
    return app


def request_once(app: FastAPI, path: str) -> tuple[int, str]:
    """Send one GET request through ``app`` without a socket (as ``serve --get`` does); its status and body.

    >>> from dealgraph import seed_ledger
    >>> status, body = request_once(create_app(seed_ledger()), "/api/loops?basis=firm")
    >>> status, body.startswith('{"schema_version":1')
    (200, True)
    """
    import asyncio

    import httpx

    host = next((h for h in app.state.allowed_hosts if h != "*"), "localhost")
    base_url = f"http://[{host}]" if ":" in host else f"http://{host}"

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client:
            return await client.get(path)

    response = asyncio.run(get())
    return response.status_code, response.text
