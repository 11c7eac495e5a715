"""What every result shares: money and shares as text (English and Chinese), JSON and its envelope.

``fmt_money`` and ``fmt_share`` are the one place figures become words; ``envelope`` is the
one JSON shape of ``--json`` output and of the explorer's API::

    {"schema_version": 1, "command": "loops", "result": {...}}

and, for a ledger that does not validate,
``{"schema_version": 1, "command": ..., "valid": false, "problems": [...], "more_problems": 0}``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    import polars as pl

    from ._errors import LedgerError

__all__ = [
    "ESCAPES", "Lang", "OnBases", "Record", "Result", "SCHEMA_VERSION",
    "envelope", "flat_frame", "fmt_money", "fmt_share", "for_terminal", "jsonable", "listed", "phrases", "terminal_rows",
]

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


def phrases(section: str) -> dict[str, tuple[str, str]]:
    """The (English, Chinese) texts of one section of ``dealgraph/data/text.toml`` (``findings`` or ``page``).

    >>> phrases("page")["loops"]
    ('Loops', '循环')
    """
    import tomllib
    from importlib import resources

    doc = tomllib.loads((resources.files("dealgraph") / "data" / "text.toml").read_text(encoding="utf-8"))
    return {key: (en, zh) for key, (en, zh) in doc[section].items()}


def listed(items, limit: int = 10, sep: str = ", ") -> str:
    """At most ``limit`` items for a sentence, and how many more there are.

    >>> listed(["a", "b"]), listed([f"r{i}" for i in range(12)], 3)
    ('a, b', 'r0, r1, r2 and 9 more')
    """
    items = [str(i) for i in items]
    return sep.join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def fmt_share(value: float | None) -> str:
    """``0.125`` as ``12.5%``; ``None``, NaN or infinity as ``n/a``."""
    return "n/a" if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"


@dataclass(frozen=True, kw_only=True)
class Result:
    """What every analysis result carries besides its figures: their currency and the notes (assumptions) behind them."""

    currency: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class OnBases(Result):
    """A result with an ``entities`` frame (its ``to_frame()``) whose frames carry a ``basis`` column: ``only(basis)`` keeps one."""

    def to_frame(self) -> pl.DataFrame:
        return self.entities  # type: ignore[attr-defined]

    def only(self: R, basis: str) -> R:
        """The same result with only the rows of one basis in each of its frames."""
        import polars as pl

        changes = {
            f.name: value.filter(pl.col("basis") == basis)
            for f in fields(self)  # type: ignore[arg-type]
            if isinstance(value := getattr(self, f.name), pl.DataFrame) and "basis" in value.columns
        }
        return replace(self, **changes)  # type: ignore[type-var]


TERMINAL_ROWS = 200  # rows of one table shown in a terminal; --json and --format csv give every row


def terminal_rows(frame: Any) -> tuple[Any, list[str]]:
    """The first ``TERMINAL_ROWS`` rows of ``frame`` (a polars frame or a sequence) and, if some are left out, a line saying so.

    >>> terminal_rows(list(range(3)))
    ([0, 1, 2], [])
    """
    n = frame.height if hasattr(frame, "height") else len(frame)
    if n <= TERMINAL_ROWS:
        return frame, []
    return frame[:TERMINAL_ROWS], [f"... and {n - TERMINAL_ROWS:,} more rows (--format csv or --json gives every row)"]


def jsonable(value: Any) -> Any:
    """``value`` with NaN/inf as None, dates as ISO text and numpy scalars as Python numbers.

    >>> jsonable({"a": float("nan"), "b": (dt.date(2025, 11, 1),)})
    {'a': None, 'b': ['2025-11-01']}
    """
    kind = type(value)  # the common kinds first, by type (a payload has a hundred thousand values)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is dict:
        return {str(k): jsonable(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [jsonable(v) for v in value]
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


# Terminal escape sequences (colours, cursor moves, window titles), then the characters that drive a terminal rather than
# show: C0 controls but the newline, DEL, C1 controls, and the bidirectional overrides and isolates ("Trojan Source").
ESCAPES = r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
_CONTROL = re.compile(ESCAPES + "|[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A spreadsheet reads a cell that starts with one of these as a formula (OWASP, "CSV injection").
_FORMULA = "=+-@\t\r"


def for_terminal(text: str) -> str:
    """``text`` without what would drive a terminal (escape sequences, other control characters, bidi overrides);
    newlines and spacing stay.

    >>> for_terminal("Open\x1b[31mAI\x07 \u202eok\x1b]0;title\x07")
    'OpenAI ok'
    """
    return _CONTROL.sub("", text)


def flat_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` ready for a CSV file: list columns joined by ``"; "``, struct columns as JSON text, and text cells that
    a spreadsheet would run as a formula (starting with ``= + - @``, tab or carriage return) prefixed with ``'``.

    >>> import polars as pl
    >>> flat_frame(pl.DataFrame({"a": [["x", "y"], []], "b": ["=HYPERLINK(1)", "-1"], "n": [-1, 2]})).rows()
    [('x; y', "'=HYPERLINK(1)", -1), ('', "'-1", 2)]
    """
    import polars as pl

    changes = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, (pl.List, pl.Array)):
            changes.append(pl.col(name).cast(pl.List(pl.String)).list.join("; "))
        elif isinstance(dtype, pl.Struct):
            changes.append(pl.col(name).struct.json_encode())
        elif dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
            changes.append(pl.col(name).cast(pl.String))
    frame = frame.with_columns(changes) if changes else frame
    guard = [pl.when(pl.col(name).str.head(1).is_in(list(_FORMULA))).then("'" + pl.col(name)).otherwise(pl.col(name)).alias(name)
             for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(guard) if guard else frame


@dataclass(frozen=True)
class Record:
    """A result that is one record (what a command wrote, say): a line for people, a row for CSV, a dict for JSON."""

    data: dict[str, Any]
    line: str

    def to_dict(self) -> dict[str, Any]:
        return self.data

    def to_frame(self) -> pl.DataFrame:
        import polars as pl

        return pl.DataFrame([{k: json.dumps(jsonable(v), ensure_ascii=False) if isinstance(v, (list, tuple, dict)) else v
                              for k, v in self.data.items()}])

    def __rich__(self):
        from rich.text import Text

        return Text(self.line)  # plain text: names in the line are never read as markup
