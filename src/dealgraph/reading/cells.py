"""The parsers of single cells, one per kind of cell, used by every reader.

- **amounts** as people write them, in English and Chinese: ``parse_amount("$30B")``,
  ``parse_amount("300亿美元")`` and ``parse_amount("1.4万亿美元")`` all give a
  :class:`ParsedAmount` with the value in units of the currency, the currency when the text
  names one, and the qualifier ("up to", "about") when the text carries one;
- **dates** (``parse_date``): ``2025-11-18``, ``2025-11``, ``2025``, ``2025年11月18日``, timestamps;
- **timestamps** (``parse_timestamps``, a polars expression): dates, date-times or integer seconds;
- **capacities** (``parse_capacity``): gigawatts from ``1``, ``1.5 GW``, ``500 MW``, ``1千兆瓦``;
- **windows** (``parse_window``): ``365d``, ``2w``, ``12h``.

A whole column is read by ``parse_amounts``, ``parse_dates`` and ``parse_capacities``: a
vectorised polars cast first, then the one-cell parser once per distinct cell the cast cannot
read. The deal ledger (``dealgraph.reading.ledger``) and transaction files
(``dealgraph.transactions.ingest``) both read their cells here, so a cell means the same in both.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, TypeAlias, cast

import polars as pl

from .._errors import CellError, LimitError

__all__ = [
    "BAD_AMOUNT", "ParsedAmount", "ParsedAmounts", "ParsedColumn", "as_text", "bad_amounts", "cast_amounts", "parse_amount",
    "parse_amounts", "parse_capacities", "parse_capacity", "parse_date", "parse_dates", "parse_timestamps", "parse_window",
    "Window",
    "window_seconds",
]

# ---------------------------------------------------------------- columns


@dataclass(frozen=True)
class ParsedColumn:
    """A column of cells read by one parser.

    Attributes
    ----------
    cells : polars.Series
        The cells as read: text stripped with empty meaning null; numbers and dates as given.
    values : polars.Series
        The parsed values; null where a cell is empty or cannot be read.
    problems : polars.Series
        Why a cell cannot be read (text for the user); null where it can.
    """

    cells: pl.Series
    values: pl.Series
    problems: pl.Series


def as_text(cells: pl.Series) -> pl.Series:
    """A column as stripped strings, empty meaning null.

    >>> as_text(pl.Series([" a ", "", None, "b"])).to_list()
    ['a', None, None, 'b']
    """
    s = cells.cast(pl.String).str.strip_chars()
    return s.set(s == "", None) if s.null_count() < len(s) else s


def _parse_unread(cells: pl.Series, fast: pl.Series, parse: Callable[[str], Mapping[str, Any]],
            schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """``fast`` where it read a cell, else ``parse`` run once per distinct remaining cell.

    One row per cell: the fields of ``schema`` (``value`` among them) that ``parse`` returns,
    and ``problem``, the message of the ``CellError`` it raised (null where it did not).
    """
    unread = pl.DataFrame({"cell": cells.cast(pl.String), "fast": fast}).select(pl.when(pl.col("fast").is_null()).then("cell")).to_series()
    rows: list[dict[str, Any]] = []
    for cell in unread.drop_nulls().unique().to_list():
        try:
            rows.append({"cell": cell, **parse(cell)})
        except ValueError as exc:
            rows.append({"cell": cell, "problem": str(exc)})
    table = pl.DataFrame(rows, schema={"cell": pl.String(), **schema, "problem": pl.String()})
    slow = unread.to_frame("cell").join(table, on="cell", how="left", maintain_order="left")
    return slow.with_columns(value=pl.coalesce(fast.alias("fast"), "value"))


# ---------------------------------------------------------------- amounts


# Multipliers, longest spellings first so that "万亿" wins over "万".
_EN_SCALES = {
    "trillion": 1e12, "tn": 1e12, "t": 1e12,
    "billion": 1e9, "bn": 1e9, "b": 1e9,
    "million": 1e6, "mn": 1e6, "mm": 1e6, "m": 1e6,
    "thousand": 1e3, "k": 1e3,
}
_ZH_SCALES = {
    "万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "十亿": 1e9, "亿": 1e8,
    "千万": 1e7, "百万": 1e6, "十万": 1e5, "万": 1e4, "千": 1e3,
}
_CURRENCY_WORDS = {
    "usd": "USD", "us$": "USD", "$": "USD", "dollars": "USD", "dollar": "USD",
    "美元": "USD", "美金": "USD",
    "cny": "CNY", "rmb": "CNY", "yuan": "CNY", "人民币": "CNY", "元": "CNY", "¥": "CNY", "￥": "CNY",
    "eur": "EUR", "€": "EUR", "euro": "EUR", "euros": "EUR", "欧元": "EUR",
    "gbp": "GBP", "£": "GBP", "英镑": "GBP",
    "jpy": "JPY", "日元": "JPY",
    "hkd": "HKD", "hk$": "HKD", "港元": "HKD", "港币": "HKD",
}
_UP_TO = ("up to", "upto", "as much as", "at most", "高达", "最多", "最高", "不超过", "至多")
_ABOUT = ("about", "around", "approximately", "approx.", "approx", "roughly", "~", "约", "大约", "近", "左右")

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?")


@dataclass(frozen=True)
class ParsedAmount:
    """An amount read from text: value, currency if named, qualifier if any."""

    value: float
    currency: str | None = None
    qualifier: str | None = None  # "up_to", "estimated" or None


def _zh_integer(text: str) -> int | None:
    """Chinese numerals below 10,000 ("三百", "二十五") to int; None if not one."""
    if not text or any(c not in _ZH_DIGITS and c not in _ZH_UNITS for c in text):
        return None
    total, digit = 0, None
    for c in text:
        if c in _ZH_DIGITS:
            digit = _ZH_DIGITS[c]
        else:
            total += (1 if digit is None else digit) * _ZH_UNITS[c]
            digit = None
    return total + (digit or 0)


def _strip_words(text: str, words: tuple[str, ...]) -> tuple[str, bool]:
    for w in words:
        if text.startswith(w):
            return text[len(w):].strip(), True
        if text.endswith(w):
            return text[: -len(w)].strip(), True
    return text, False


def parse_amount(text: object) -> ParsedAmount | None:
    """Read an amount such as ``30e9``, ``$30B``, ``30 billion`` or ``300亿美元``.

    Returns ``None`` for an empty value (an unknown amount). Raises
    ``CellError`` (a ``ValueError``) with a short reason when the text is not an amount.

    Examples
    --------
    >>> parse_amount("$30B")
    ParsedAmount(value=30000000000.0, currency='USD', qualifier=None)
    >>> parse_amount("1.4万亿美元").value
    1400000000000.0
    >>> parse_amount("up to 50亿")
    ParsedAmount(value=5000000000.0, currency=None, qualifier='up_to')
    >>> parse_amount("") is None
    True
    """
    if text is None:
        return None
    if isinstance(text, bool):
        raise CellError("a true/false value is not an amount")
    if isinstance(text, (int, float)):
        if isinstance(text, float) and math.isnan(text):
            return None
        return _checked(ParsedAmount(float(text)))
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    if not s:
        return None
    s = s.replace(",", "").replace("_", "")
    qualifier = None
    s, hit = _strip_words(s, _UP_TO)
    if hit:
        qualifier = "up_to"
    else:
        s, hit = _strip_words(s, _ABOUT)
        if hit:
            qualifier = "estimated"
    currency = None
    for word in sorted(_CURRENCY_WORDS, key=len, reverse=True):
        if s.startswith(word) or s.endswith(word):
            currency = _CURRENCY_WORDS[word]
            s = (s[len(word):] if s.startswith(word) else s[: -len(word)]).strip()
            break
    # A second currency mark such as "US$30B USD" is redundant but allowed.
    scale = 1.0
    for word in sorted(_ZH_SCALES, key=len, reverse=True):
        if s.endswith(word):
            scale, s = _ZH_SCALES[word], s[: -len(word)].strip()
            break
    else:
        m = re.search(r"([a-z]+)$", s)
        if m and m.group(1) in _EN_SCALES and not s.endswith(("e", "e+", "e-")):
            scale, s = _EN_SCALES[m.group(1)], s[: m.start()].strip()
    if not s:
        raise CellError("no number found")
    m = _NUMBER.match(s)
    if m and m.end() == len(s):
        number = float(s)
    else:
        zh = _zh_integer(s)
        if zh is None:
            raise CellError("not a number with an optional unit (such as 30e9, $30B, 30 billion, 300亿美元)")
        number = float(zh)
    return _checked(ParsedAmount(number * scale, currency, qualifier))


def _checked(amount: ParsedAmount) -> ParsedAmount:
    if not math.isfinite(amount.value):
        raise CellError("amount is not finite")
    if amount.value < 0:
        raise CellError("amount is negative; a row is money moving from source to target, so swap them instead")
    return amount


BAD_AMOUNT = "negative or non-finite amount; a row is money moving from source to target, so swap them instead"


def cast_amounts(cells: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """The fast path of reading amounts, as a polars expression: floats, null where a cell is not a plain number.

    Numbers are cast as they are; text is stripped and cast, so ``$5`` or ``5 million`` give
    null here and are left to ``parse_amount`` (see ``parse_amounts``).
    """
    text = cells if dtype.is_numeric() else cells.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
    return text.cast(pl.Float64)


def bad_amounts(values: pl.Expr) -> pl.Expr:
    """True where a cast amount is negative or not finite (the problem ``BAD_AMOUNT``), null where it is null."""
    return values.is_nan() | values.is_infinite() | (values < 0)


@dataclass(frozen=True)
class ParsedAmounts(ParsedColumn):
    """A column of amounts: also the ``currency`` the text names and its ``qualifier`` (``up_to``, ``estimated``), else null."""

    currency: pl.Series
    qualifier: pl.Series


def _amount_fields(cell: str) -> dict[str, Any]:
    parsed = parse_amount(cell)
    return {} if parsed is None else asdict(parsed)


def parse_amounts(cells: pl.Series) -> ParsedAmounts:
    """A column of amounts: a polars cast (``cast_amounts``), and ``parse_amount`` once per distinct cell it cannot read.

    Empty cells are unknown amounts (null, not a problem); a negative or non-finite amount
    is a problem, as is text ``parse_amount`` cannot read.

    Notes
    -----
    The cast is vectorised; Python runs once per distinct cell the cast cannot read.

    Examples
    --------
    >>> p = parse_amounts(pl.Series(["5", " $5 ", "5 million", "", "-5", "abc"]))
    >>> p.values.to_list()
    [5.0, 5.0, 5000000.0, None, None, None]
    >>> p.currency.to_list()
    [None, 'USD', None, None, None, None]
    >>> p.problems.to_list()[3:5]
    [None, 'negative or non-finite amount; a row is money moving from source to target, so swap them instead']
    """
    if not cells.dtype.is_numeric():
        cells = as_text(cells)
    fast = cells.to_frame("cell").select(cast_amounts(pl.col("cell"), cells.dtype)).to_series()
    parsed = _parse_unread(cells, fast, _amount_fields, {"value": pl.Float64(), "currency": pl.String(), "qualifier": pl.String()})
    parsed = parsed.with_columns(
        problem=pl.when(bad_amounts(pl.col("value"))).then(pl.lit(BAD_AMOUNT)).otherwise("cannot read amount: " + pl.col("problem")))
    values = parsed.select(pl.when(pl.col("problem").is_null()).then("value")).to_series()
    return ParsedAmounts(cells, values.alias("amount"), parsed["problem"], parsed["currency"], parsed["qualifier"])


# ---------------------------------------------------------------- dates and timestamps


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y-%m", "%Y/%m", "%Y")
_ZH_DATE = re.compile(r"^(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?$")
_TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%Y-%m-%d", "%Y/%m/%d")


def parse_date(text: str) -> dt.date:
    """A date from ISO text (``2025-11-18``, ``2025-11``, ``2025``, a timestamp) or ``2025年11月18日``.

    A month or a year alone means its first day.

    >>> parse_date("2025年11月"), parse_date("2025-11-18T09:30:00Z")
    (datetime.date(2025, 11, 1), datetime.date(2025, 11, 18))
    """
    s = text.strip()
    m = _ZH_DATE.match(s)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            pass
    try:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    except ValueError:
        raise CellError("not a date; expected YYYY-MM-DD, YYYY-MM, YYYY or 2025年11月18日") from None


def parse_dates(cells: pl.Series) -> ParsedColumn:
    """A column of dates: Date and Datetime columns as they are, text through a polars ISO cast and ``parse_date``.

    ``parse_date`` runs once per distinct cell the cast cannot read.

    >>> parse_dates(pl.Series(["2025-11-18", "2025年11月", "", "soon"])).values.to_list()
    [datetime.date(2025, 11, 18), datetime.date(2025, 11, 1), None, None]
    """
    if cells.dtype in (pl.Date, pl.Datetime):
        return ParsedColumn(cells, cells.cast(pl.Date), pl.Series("problem", [None] * len(cells), dtype=pl.String))
    cells = as_text(cells)
    parsed = _parse_unread(cells, cells.str.to_date("%Y-%m-%d", strict=False), lambda cell: {"value": parse_date(cell)}, {"value": pl.Date()})
    return ParsedColumn(cells, parsed["value"].alias("date"), parsed["problem"])


def parse_timestamps(cells: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Seconds since 1970 (Int64), as a polars expression; null where a cell is not a timestamp.

    Integer columns are seconds already; Date and Datetime columns are converted; text may
    be integer seconds, a date (``2025-01-31``) or a date-time (``2025-01-31 14:05``).

    >>> pl.select(parse_timestamps(pl.lit(pl.Series(["60", "1970-01-02", "x"])), pl.String)).to_series().to_list()
    [60, 86400, None]
    """
    if dtype.is_integer():
        return cells.cast(pl.Int64)
    if dtype == pl.Date:
        return cells.cast(pl.Datetime("ms")).dt.epoch("s")
    if isinstance(dtype, pl.Datetime):
        return cells.dt.epoch("s")
    text = cells.cast(pl.String).str.strip_chars()
    dated = pl.coalesce([text.str.to_datetime(f, strict=False, time_unit="ms") for f in _TIME_FORMATS]).dt.epoch("s")
    return pl.coalesce([text.cast(pl.Int64, strict=False), dated])


# ---------------------------------------------------------------- capacities


_GW_UNITS = {"gw": 1.0, "千兆瓦": 1.0, "吉瓦": 1.0, "gigawatts": 1.0, "gigawatt": 1.0, "mw": 1e-3, "兆瓦": 1e-3, "megawatts": 1e-3}


def parse_capacity(text: str) -> float:
    """Compute capacity in gigawatts from ``1``, ``1.5 GW``, ``500 MW`` or ``1千兆瓦``.

    Raises ``CellError`` (a ``ValueError``) for anything but a non-negative finite capacity.

    >>> parse_capacity("500 MW"), parse_capacity("1千兆瓦")
    (0.5, 1.0)
    """
    s = text.strip().lower().replace(" ", "")
    scale = 1.0
    for unit, factor in sorted(_GW_UNITS.items(), key=lambda kv: -len(kv[0])):
        if s.endswith(unit):
            s, scale = s[: -len(unit)], factor
            break
    try:
        value = float(s) * scale
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise CellError("not a capacity; expected a non-negative number of gigawatts such as 1, 1.5 GW or 1千兆瓦")
    return value


def parse_capacities(cells: pl.Series) -> ParsedColumn:
    """A column of capacities in gigawatts: ``parse_capacity`` once per distinct cell.

    >>> parse_capacities(pl.Series(["1 GW", "500 MW", None])).values.to_list()
    [1.0, 0.5, None]
    """
    cells = as_text(cells)
    parsed = _parse_unread(cells, pl.Series([None] * len(cells), dtype=pl.Float64), lambda cell: {"value": parse_capacity(cell)},
                     {"value": pl.Float64()})
    return ParsedColumn(cells, parsed["value"].alias("gw"), parsed["problem"])


# ---------------------------------------------------------------- windows


_WINDOW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|min|h|d|w|y)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


def parse_window(text: str | dt.timedelta | None) -> dt.timedelta | None:
    """A time window such as ``"365d"``, ``"2y"``, ``"12h"`` (a bare number means days).

    >>> parse_window("2w")
    datetime.timedelta(days=14)
    """
    if text is None or isinstance(text, dt.timedelta):
        return text
    m = _WINDOW.match(str(text))
    if not m:
        raise LimitError(f"window {text!r} is not a duration; use a number and a unit such as 30d, 2w, 1y, 12h")
    return dt.timedelta(seconds=float(m.group(1)) * _UNITS[(m.group(2) or "d").lower()])


Window: TypeAlias = "str | int | dt.timedelta"


def window_seconds(window: Window) -> int:
    """A time window in whole seconds (the unit of transaction timestamps): an integer is seconds, text a duration
    (``"1d"``, ``"12h"``; a bare number means days).

    >>> window_seconds("1d"), window_seconds(3600), window_seconds(dt.timedelta(minutes=1))
    (86400, 3600, 60)
    """
    if isinstance(window, bool) or not isinstance(window, (str, int, dt.timedelta)):
        raise LimitError(f"a window is a duration such as '1d', a timedelta or integer seconds, got {window!r}")
    seconds = window if isinstance(window, int) else int(cast(dt.timedelta, parse_window(window)).total_seconds())
    if seconds < 0:
        raise LimitError(f"the window must not be negative, got {window!r}")
    return seconds
