"""The explorer: a local web app over one ledger, with what-if and a JSON API.

Every view of the page has a JSON twin under ``/api`` (described at
``/openapi.json``); the envelope is the command line's ``--json`` one. The app
keeps the ledger in memory, reads uploads in memory (never writing a file) and
refuses uploads larger than ``max_upload`` bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from .._errors import DealgraphError, LedgerError
from .._results import envelope
from ..analyses.circularity import circularity
from ..analyses.dependency import dependency
from ..analyses.loops import find_loops
from ..analyses.round_trips import round_trips
from ..analyses.stress import stress
from ..analyses.summary import summary
from ..reading.entities import EntityTable
from ..reading.ledger import Ledger, read_ledger
from ..reading.scenario import Scenario
from .render import render_report
from .report import report_data, without_deals

__all__ = ["WhatIf", "create_app", "request_once"]

class WhatIf(BaseModel):
    """A what-if: the basis, the dollars-per-gigawatt assumption, deals switched off, one failing entity."""

    lang: Literal["en", "zh"] = "en"
    basis: Literal["headline", "firm"] = "headline"
    usd_per_gw: float | None = Field(None, ge=0, description="Dollars per GW for capacity-only deals (headline basis).")
    disabled: list[str] = Field(default_factory=list, description="Deal ids switched off.")
    fail: str | None = Field(None, description="An entity that pays only `pay` of its commitments.")
    pay: float = Field(0.0, ge=0, le=1, description="Share of its commitments the failing entity pays.")

    def scenario(self) -> Scenario | None:
        return Scenario(fail=((self.fail, self.pay),), name=f"{self.fail} pays {self.pay:.0%}") if self.fail else None


def create_app(ledger: Ledger, *, story: tuple[str, ...] = (), entities: EntityTable | None = None, assume_buffer: float = 0.0,
               max_upload: int = 20 * 2**20, lang: Literal["en", "zh"] = "en") -> FastAPI:
    """The explorer app over ``ledger`` (serve it with uvicorn on 127.0.0.1).

    >>> from dealgraph import seed_ledger
    >>> app = create_app(seed_ledger())
    >>> "/api/loops" in app.openapi()["paths"]
    True
    """
    from importlib.metadata import version

    app = FastAPI(title="dealgraph explorer", version=version("dealgraph"), docs_url=None, redoc_url=None,
                  description="Loops, circularity, dependency and stress of one ledger, with what-if. "
                              "Responses carry the same JSON as the command line's --json.")
    current: dict[str, Any] = {"ledger": ledger, "story": tuple(story)}

    def view(w: WhatIf) -> Ledger:
        return without_deals(current["ledger"], w.disabled)

    @app.exception_handler(DealgraphError)
    async def _bad_input(request: Request, exc: DealgraphError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    def page(w: WhatIf) -> dict[str, Any]:
        return report_data(current["ledger"], disabled=w.disabled, lang=w.lang, basis=w.basis, usd_per_gw=w.usd_per_gw, story=current["story"],
                           scenario=w.scenario(), mode="explorer", entities=entities, assume_buffer=assume_buffer)

    @app.get("/", response_class=HTMLResponse, summary="The explorer page")
    def index() -> str:
        return render_report(page(WhatIf.model_validate({"lang": lang})))

    @app.post("/api/report", summary="Everything the page shows, for a what-if")
    def report(w: WhatIf) -> dict[str, Any]:
        return page(w)

    def twin(path: str, command: str, run: Callable[[Ledger, WhatIf], Any], doc: str) -> None:
        def endpoint(w: Annotated[WhatIf, Query()]) -> dict[str, Any]:
            return envelope(command, run(view(w), w))

        app.get(path, summary=doc)(endpoint)

    twin("/api/loops", "loops", lambda lg, w: find_loops(lg, basis=w.basis, usd_per_gw=w.usd_per_gw), "Loops ranked by throughput")
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

    @app.post("/api/ledger", summary="Open a ledger (the file's bytes as the body; `name` gives its type)",
              responses={413: {"description": "Upload too large"}, 422: {"description": "Validation problems, per row"}})
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
            lg = read_ledger(bytes(body), name=name)
        except LedgerError as exc:
            return JSONResponse({**envelope("ledger", problems=exc), "detail": str(exc).splitlines()[0]}, status_code=422)
        current.update(ledger=lg, story=())
        return JSONResponse({"valid": True, "rows": len(lg), "entities": len(lg.entities), "problems": []})

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

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dealgraph") as client:
            return await client.get(path)

    response = asyncio.run(get())
    return response.status_code, response.text
