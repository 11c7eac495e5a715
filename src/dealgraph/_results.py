"""What every result shares: money and shares as text (English and Chinese), JSON and its envelope.

``fmt_money`` and ``fmt_share`` are the one place figures become words; ``envelope`` is the
one JSON shape of ``--json`` output and of the explorer's API::

    {"schema_version": 1, "command": "loops", "result": {...}}

and, for a ledger that does not validate,
``{"schema_version": 1, "command": ..., "valid": false, "problems": [...], "more_problems": 0}``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    from ._errors import LedgerError

__all__ = ["SCHEMA_VERSION", "Lang", "envelope", "fmt_money", "fmt_share", "jsonable", "only_basis"]

SCHEMA_VERSION = 1

Lang = Literal["en", "zh"]
R = TypeVar("R")

_SCALES = {"en": ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")), "zh": ((1e12, "万亿"), (1e8, "亿"), (1e4, "万"))}


def fmt_money(value: float | None, currency: str = "USD", lang: Lang = "en") -> str:
    """Money in words of ``lang``: ``USD 30B`` or ``300亿美元``; ``None`` or NaN as unknown.

    >>> fmt_money(1.4e12), fmt_money(None), fmt_money(0.0)
    ('USD 1.4T', 'unknown', 'USD 0')
    >>> fmt_money(1e11, lang="zh"), fmt_money(1.38e10, lang="zh"), fmt_money(None, lang="zh")
    ('1000亿美元', '138亿美元', '未知')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "未知" if lang == "zh" else "unknown"
    if lang == "zh":
        head, tail = "", "美元" if currency == "USD" else f" {currency}"
    else:
        head, tail = f"{currency} ", ""
    if value == 0:
        return f"{head}0{tail}"
    for scale, suffix in _SCALES[lang]:
        if abs(value) >= scale:
            v = value / scale
            return f"{head}{v:.3g}{suffix}{tail}" if abs(v) < 100 else f"{head}{v:.0f}{suffix}{tail}"
    return f"{head}{value:,.0f}{tail}"


def fmt_share(value: float | None) -> str:
    """``0.125`` as ``12.5%``; ``None``, NaN or infinity as ``n/a``."""
    return "n/a" if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"


def only_basis(result: R, basis: str) -> R:
    """A copy of a result whose frames keep only the rows of one basis."""
    import polars as pl

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


def envelope(command: str, result: Any = None, *, problems: LedgerError | None = None) -> dict[str, Any]:
    """The JSON envelope of ``command``: a result (anything with ``to_dict()``, or plain data), or a ledger's problems.

    >>> envelope("loops", {"count": 0})
    {'schema_version': 1, 'command': 'loops', 'result': {'count': 0}}
    """
    if problems is not None:
        return {"schema_version": SCHEMA_VERSION, "command": command, "valid": False,
                "problems": [p.to_dict() for p in problems.problems], "more_problems": problems.truncated}
    data = result.to_dict() if hasattr(result, "to_dict") else result
    return {"schema_version": SCHEMA_VERSION, "command": command, "result": jsonable(data)}
