"""What every result shares: money formatting and the statement of assumptions."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import fields, replace
from typing import Any, TypeVar

import polars as pl

from .analyses.flows import Flows

__all__ = ["assumptions", "fmt_money", "fmt_share", "jsonable", "only_basis"]

R = TypeVar("R")

_SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def fmt_money(value: float | None, currency: str = "USD") -> str:
    """``30000000000.0`` as ``USD 30B``; ``None`` as ``unknown``.

    >>> fmt_money(1.4e12), fmt_money(None), fmt_money(0.0)
    ('USD 1.4T', 'unknown', 'USD 0')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    if value == 0:
        return f"{currency} 0"
    for scale, suffix in _SCALES:
        if abs(value) >= scale:
            v = value / scale
            return f"{currency} {v:.3g}{suffix}" if v < 100 else f"{currency} {v:.0f}{suffix}"
    return f"{currency} {value:,.0f}"


def fmt_share(value: float | None) -> str:
    """``0.125`` as ``12.5%``."""
    return "n/a" if value is None or math.isnan(value) else f"{100 * value:.1f}%"


def assumptions(f: Flows, extra: str | None = None) -> tuple[str, ...]:
    """The assumptions behind figures computed from ``f``, in plain words."""
    notes = []
    if f.basis == "firm":
        notes.append("Firm basis: only closed or committed deals with exact amounts.")
    else:
        notes.append("Headline basis: every deal that has not lapsed, at face value ('up to' at its cap).")
    if f.usd_per_gw is not None:
        notes.append(
            f"Assumption: capacity-only deals valued at {fmt_money(f.usd_per_gw)} per gigawatt "
            f"({f.priced_rows} deal{'s' if f.priced_rows != 1 else ''} priced this way)."
        )
    if extra:
        notes.append(extra)
    return tuple(notes)


def only_basis(result: R, basis: str) -> R:
    """A copy of a result whose frames keep only the rows of one basis."""
    changes = {
        f.name: value.filter(pl.col("basis") == basis)
        for f in fields(result)  # type: ignore[arg-type]
        if isinstance(value := getattr(result, f.name), pl.DataFrame) and "basis" in value.columns
    }
    return replace(result, **changes)  # type: ignore[type-var]


def jsonable(value: Any) -> Any:
    """``value`` with NaN/inf as None, dates as ISO text and numpy scalars as Python numbers.

    >>> jsonable({"a": float("nan"), "b": (dt.date(2025, 11, 1),)})
    {'a': None, 'b': ['2025-11-01']}
    """
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return jsonable(value.item())
    return value
