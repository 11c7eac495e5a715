"""The parsers of single cells, one per kind of cell, used by every reader.

- **amounts** as people write them, in English and Chinese (Simplified and Traditional):
  ``parse_amount("$30B")``, ``parse_amount("300亿美元")``, ``parse_amount("1.4萬億美元")`` and
  ``parse_amount("三千五百亿")`` all give a :class:`ParsedAmount` with the value in units of the
  currency, the currency when the text names one, and the qualifier ("up to", "about") when the
  text carries one; at most ``MAX_AMOUNT`` (1e15); the decimal mark is ``.`` unless ``decimal=","``
  says it is a comma, and a separator that fits neither reading (``1,5`` with ``.``) is an error;
- **dates** (``parse_date``): ``2025-11-18``, ``2025-11``, ``2025``, ``2025年11月18日``, timestamps,
  with a four-digit year from ``FIRST_YEAR`` to ``LAST_YEAR`` (1900 to 2199);
- **timestamps** (``parse_timestamps``, polars expressions, and ``timestamp_seconds``): dates,
  date-times (with ``Z`` or an offset: converted to UTC) or integers in seconds, milliseconds,
  microseconds or nanoseconds since 1970 (the unit given, or told by their size);
- **capacities** (``parse_capacity``): gigawatts from ``1``, ``1.5 GW``, ``500 MW``, ``1千兆瓦``, at most ``MAX_CAPACITY``;
- **windows** (``parse_window``): ``365d``, ``2w``, ``12h``;
- **names** (``clean_text``, ``clean_texts``): NFKC, no control or format characters, one space.

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

from .._errors import CellError, LimitError, shorten
from .._results import ESCAPES

__all__ = [
    "BAD_AMOUNT", "DATE_RANGE", "DECIMALS", "FIRST_YEAR", "LAST_YEAR", "MAX_AMOUNT", "MAX_CAPACITY", "TIME_UNITS", "TOO_LARGE",
    "ParsedAmount", "ParsedAmounts", "ParsedColumn", "Window", "amount_checks", "as_text", "cast_amounts", "check_decimal",
    "check_time_unit", "clean_text", "clean_texts", "parse_amount", "parse_amounts", "parse_capacities", "parse_capacity", "parse_date",
    "parse_dates", "parse_timestamps", "parse_window", "parse_years", "parse_years_column", "timestamp_seconds", "window_seconds",
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


# ---------------------------------------------------------------- names and other text


_ESCAPE = re.compile(ESCAPES)


def clean_text(text: str) -> str:
    """``text`` as dealgraph compares and shows names: NFKC (full-width letters as ASCII), terminal escape
    sequences, control characters (Unicode Cc) and format characters (Cf: zero-width spaces, byte-order
    marks, direction marks) removed, runs of white space as one space, stripped.

    ``clean_texts`` does the same to a polars column.

    >>> clean_text("  Ｏｐｅｎ\\u200bAI\\t\\x1b[31mLabs\\x1b[0m ")
    'OpenAI Labs'
    """
    s = _ESCAPE.sub("", unicodedata.normalize("NFKC", text))
    s = "".join(c for c in s if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf"))
    return " ".join(s.split())


def clean_texts(cells: pl.Expr) -> pl.Expr:
    """``clean_text`` as a polars expression on a String column (vectorised).

    >>> pl.select(clean_texts(pl.lit(pl.Series(["  Ｏｐｅｎ\\u200bAI\\t\\x1b[31mLabs\\x1b[0m "])))).item()
    'OpenAI Labs'
    """
    return (cells.str.normalize("NFKC").str.replace_all(ESCAPES, "").str.replace_all(r"[\p{Cc}\p{Cf}&&[^\s]]", "")
            .str.replace_all(r"\s+", " ").str.strip_chars())


# ---------------------------------------------------------------- amounts


_EN_SCALES = {
    "trillion": 1e12, "tn": 1e12, "t": 1e12,
    "billion": 1e9, "bn": 1e9, "b": 1e9,
    "million": 1e6, "mn": 1e6, "mm": 1e6, "m": 1e6,
    "thousand": 1e3, "k": 1e3,
}
_CURRENCY_WORDS = {
    "usd": "USD", "us$": "USD", "$": "USD", "dollars": "USD", "dollar": "USD",
    "美元": "USD", "美金": "USD",
    "cny": "CNY", "rmb": "CNY", "yuan": "CNY", "人民币": "CNY", "人民幣": "CNY", "元": "CNY", "¥": "CNY", "￥": "CNY",
    "eur": "EUR", "€": "EUR", "euro": "EUR", "euros": "EUR", "欧元": "EUR", "歐元": "EUR",
    "gbp": "GBP", "£": "GBP", "英镑": "GBP", "英鎊": "GBP",
    "jpy": "JPY", "日元": "JPY", "日圓": "JPY", "日圆": "JPY",
    "hkd": "HKD", "hk$": "HKD", "港元": "HKD", "港币": "HKD", "港幣": "HKD",
    "twd": "TWD", "nt$": "TWD", "新台币": "TWD", "新台幣": "TWD", "台币": "TWD", "台幣": "TWD",
}
_CURRENCIES = sorted(_CURRENCY_WORDS, key=len, reverse=True)  # longest first: "nt$" before "$", "美元" before "元"
_UP_TO = ("up to", "upto", "as much as", "at most", "高达", "高達", "最多", "最高", "不超过", "不超過", "至多")
_ABOUT = ("about", "around", "approximately", "approx.", "approx", "roughly", "~", "大约", "大約", "约", "約", "近", "左右")

# Chinese numerals, Simplified, Traditional and the financial forms (大写)
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "兩": 2, "贰": 2, "貳": 2, "三": 3, "叁": 3, "參": 3, "四": 4,
              "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_ZH_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_ZH_GROUPS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_ZH_TOKEN = re.compile(r"\d[\d.,]*|[.,]\d[\d.,]*|.", re.DOTALL)

MAX_AMOUNT = 1e15
"""The largest amount read (a quadrillion, in the currency's units): more than any real deal, and small enough
that sums of millions of amounts stay finite. Larger amounts are problems (usually a wrong unit or a typo)."""

DECIMALS = (".", ",")
_PLAIN = re.compile(r"^[\d.,]*\d[\d.,]*(e[+-]?\d+)?$")
_GROUPED = {  # digits with the decimal mark and optional thousands separators of the other kind
    ".": re.compile(r"^(\d{1,3}(,\d{3})+|\d*)(\.\d*)?(e[+-]?\d+)?$"),
    ",": re.compile(r"^(\d{1,3}(\.\d{3})+|\d*)(,\d*)?(e[+-]?\d+)?$"),
}
_AMBIGUOUS = {
    ".": "ambiguous number: with decimal='.' a point marks decimals and commas separate thousands (1,234,567.5); if commas mark "
         "decimals here (1,5 = 1.5), read with decimal=',' (--decimal , on the command line)",
    ",": "not a number with decimal=',': a comma marks decimals and points separate thousands (1.234.567,5)",
}


@dataclass(frozen=True)
class ParsedAmount:
    """An amount read from text: value, currency if named, qualifier if any."""

    value: float
    currency: str | None = None
    qualifier: str | None = None  # "up_to", "estimated" or None


def check_decimal(decimal: str) -> str:
    """``decimal`` if it is a decimal mark dealgraph reads (``.`` or ``,``); else ``LimitError``."""
    if decimal not in DECIMALS:
        raise LimitError(f"decimal must be '.' (1,234.5) or ',' (1.234,5), got {decimal!r}")
    return decimal


def _plain_number(text: str, decimal: str) -> float | None:
    """Digits with a decimal mark and thousands separators (``1,234.5``; ``1.234,5`` with ``decimal=","``) as a float.

    ``None`` when ``text`` is not made of digits, points and commas; ``CellError`` when it is but
    its separators do not fit ``decimal``.

    >>> _plain_number("1,234.5", "."), _plain_number("1.234,5", ","), _plain_number("1,5", ","), _plain_number("5亿", ".")
    (1234.5, 1234.5, 1.5, None)
    """
    if not _PLAIN.match(text):
        return None
    if not _GROUPED[decimal].match(text):
        raise CellError(_AMBIGUOUS[decimal])
    return float(text.replace("," if decimal == "." else ".", "").replace(decimal, "."))


def _zh_number(text: str, decimal: str) -> float:
    """A number written with Chinese numerals and units, digits allowed: ``三千五百亿``, ``3千5百亿``, ``1.4万亿``, ``一亿零五百万``.

    The grammar: groups of at most four places (digits with 十 百 千 in descending order, or a
    number in digits) joined by 万 (10^4) and 亿 (10^8), largest first; 万亿 is 10^12. As
    written Chinese has it, a digit closing a number right after a unit counts one place below
    it (``三千五`` = 3,500, ``一万五`` = 15,000); after 零 it counts as itself (``一千零五`` = 1,005).

    >>> _zh_number("三千五百亿", "."), _zh_number("两百五十", "."), _zh_number("一万三千亿", "."), _zh_number("一亿零五百万", ".")
    (350000000000.0, 250.0, 1300000000000.0, 105000000.0)
    """
    total = 0.0  # completed 亿 groups
    wan = 0.0  # completed 万 groups below them
    section = 0.0  # the places below 万 so far
    digit: float | None = None  # a number waiting for its unit
    last_unit = 10**5  # units within a group must descend
    after_unit: int | None = None  # the unit just before a trailing one-digit number (三千五)
    seen_yi = seen_wan = started = False
    for token in _ZH_TOKEN.findall(text):
        if token in _ZH_DIGITS or token[0] in "0123456789.,":
            if digit is not None:
                raise CellError("not a Chinese numeral: two numbers in a row")
            digit = float(_ZH_DIGITS[token]) if token in _ZH_DIGITS else _plain_number(token, decimal)
            if digit is None:
                raise CellError(f"not a number: {token!r}")
            if digit == 0 and token in _ZH_DIGITS:  # 零 holds an empty place
                digit, after_unit = None, None
            elif not (token in _ZH_DIGITS or len(token) == 1):
                after_unit = None
            started = True
        elif token in _ZH_UNITS:
            unit = _ZH_UNITS[token]
            if unit >= last_unit:
                raise CellError("not a Chinese numeral: 十 百 千 must descend within a group (三千五百, not 五百三千)")
            section += (1 if digit is None else digit) * unit
            digit, last_unit, after_unit, started = None, unit, unit, True
        elif token in _ZH_GROUPS:
            group = _ZH_GROUPS[token]
            if not started and not (group == 10**8 and seen_wan):
                raise CellError(f"{token} needs a number before it (300{token}, 三百{token})")
            if (group == 10**4 and seen_wan) or (group == 10**8 and seen_yi):
                raise CellError(f"not a Chinese numeral: {token} twice")
            value = section + (digit or 0)
            if group == 10**4:
                wan, seen_wan = value * group, True
            else:
                total, wan, seen_yi, seen_wan = (wan + value) * group, 0.0, True, False
            section, digit, last_unit, after_unit, started = 0.0, None, 10**5, group, False
        elif not token.isspace():
            raise CellError("not a number with an optional unit (such as 30e9, $30B, 30 billion, 300亿美元)")
    if digit is not None and after_unit is not None:
        digit *= after_unit / 10
    return total + wan + section + (digit or 0)


def _strip_words(text: str, words: tuple[str, ...]) -> tuple[str, bool]:
    for w in words:
        if text.startswith(w):
            return text[len(w):].strip(), True
        if text.endswith(w):
            return text[: -len(w)].strip(), True
    return text, False


def parse_amount(text: object, *, decimal: str = ".") -> ParsedAmount | None:
    """Read an amount such as ``30e9``, ``$30B``, ``30 billion``, ``300亿美元`` or ``三千五百亿``.

    Parameters
    ----------
    text : str, number or None
        The cell. Chinese numerals are read in Simplified and Traditional forms (``50億美元``,
        ``1.4萬億``, ``兩百五十億``); see ``_zh_number`` for the grammar.
    decimal : {".", ","}
        The decimal mark: ``"."`` reads ``1,234.5`` (commas separate thousands), ``","`` reads
        ``1.234,5`` (points separate thousands). A separator that does not fit, such as ``1,5``
        with ``"."``, is a ``CellError`` rather than a guess.

    Returns
    -------
    ParsedAmount or None
        ``None`` for an empty value (an unknown amount).

    Raises
    ------
    CellError
        (a ``ValueError``) with a short reason when the text is not an amount, is negative, not
        finite or above ``MAX_AMOUNT``.

    Examples
    --------
    >>> parse_amount("$30B")
    ParsedAmount(value=30000000000.0, currency='USD', qualifier=None)
    >>> parse_amount("1.4万亿美元").value, parse_amount("三千五百亿").value, parse_amount("50億美元").value
    (1400000000000.0, 350000000000.0, 5000000000.0)
    >>> parse_amount("up to 50亿")
    ParsedAmount(value=5000000000.0, currency=None, qualifier='up_to')
    >>> parse_amount("1.234,5", decimal=",").value
    1234.5
    >>> parse_amount("") is None
    True
    """
    check_decimal(decimal)
    if text is None:
        return None
    if isinstance(text, bool):
        raise CellError("a true/false value is not an amount")
    if isinstance(text, (int, float)):
        if isinstance(text, float) and math.isnan(text):
            return None
        return _checked(ParsedAmount(float(text)))
    s = unicodedata.normalize("NFKC", str(text)).strip().lower().replace("_", "")
    if not s:
        return None
    qualifier = None
    s, hit = _strip_words(s, _UP_TO)
    if hit:
        qualifier = "up_to"
    else:
        s, hit = _strip_words(s, _ABOUT)
        if hit:
            qualifier = "estimated"
    currency = None
    for word in _CURRENCIES:
        if s.startswith(word) or s.endswith(word):
            currency = _CURRENCY_WORDS[word]
            s = (s[len(word):] if s.startswith(word) else s[: -len(word)]).strip()
            break
    # A second currency mark such as "US$30B USD" is redundant but allowed.
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.removeprefix("-").removeprefix("+").strip()
    scale = 1.0
    m = re.search(r"([a-z]+)$", s)
    if m and m.group(1) in _EN_SCALES:
        scale, s = _EN_SCALES[m.group(1)], s[: m.start()].strip()
    if not s:
        raise CellError("no number found")
    number = _plain_number(s, decimal)
    if number is None:
        number = _zh_number(s, decimal)
    return _checked(ParsedAmount(sign * number * scale, currency, qualifier))


def _checked(amount: ParsedAmount) -> ParsedAmount:
    if not math.isfinite(amount.value):
        raise CellError("amount is not finite")
    if amount.value < 0:
        raise CellError("amount is negative; a row is money moving from source to target, so swap them instead")
    if amount.value > MAX_AMOUNT:
        raise CellError(TOO_LARGE)
    return amount


BAD_AMOUNT = "negative or non-finite amount; a row is money moving from source to target, so swap them instead"
TOO_LARGE = "amount above 1e15 (a quadrillion), more than any real deal; check the unit"


def cast_amounts(cells: pl.Expr, dtype: pl.DataType, decimal: str = ".") -> pl.Expr:
    """The fast path of reading amounts, as a polars expression: floats, null where a cell is not a plain number.

    Numbers are cast as they are; text is stripped and cast, so ``$5`` or ``5 million`` give
    null here and are left to ``parse_amount`` (see ``parse_amounts``). With ``decimal=","``
    a comma is the decimal mark and text with a point (``1.234``) is left to ``parse_amount``.
    """
    if dtype.is_numeric():
        return cells.cast(pl.Float64)
    text = cells.cast(pl.String).str.strip_chars()
    if check_decimal(decimal) == ",":
        text = pl.when(text.str.contains(".", literal=True)).then(None).otherwise(text.str.replace(",", ".", literal=True))
    return text.cast(pl.Float64, strict=False)


def amount_checks(values: pl.Expr) -> list[tuple[pl.Expr, str]]:
    """The checks of a cast amount, as (true where it fails, the problem): negative or not finite; finite but above ``MAX_AMOUNT``."""
    return [(values.is_nan() | values.is_infinite() | (values < 0), BAD_AMOUNT), (values.is_finite() & (values > MAX_AMOUNT), TOO_LARGE)]


@dataclass(frozen=True)
class ParsedAmounts(ParsedColumn):
    """A column of amounts: also the ``currency`` the text names and its ``qualifier`` (``up_to``, ``estimated``), else null."""

    currency: pl.Series
    qualifier: pl.Series


def parse_amounts(cells: pl.Series, *, decimal: str = ".") -> ParsedAmounts:
    """A column of amounts: a polars cast (``cast_amounts``), and ``parse_amount`` once per distinct cell it cannot read.

    Empty cells are unknown amounts (null, not a problem); a negative, non-finite or too large
    (above ``MAX_AMOUNT``) amount is a problem, as is text ``parse_amount`` cannot read.
    ``decimal`` is the decimal mark, as in ``parse_amount``.

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
    >>> parse_amounts(pl.Series(["1,5", "1.234"]), decimal=",").values.to_list()
    [1.5, 1234.0]
    """
    if not cells.dtype.is_numeric():
        cells = as_text(cells)
    fast = cells.to_frame("cell").select(cast_amounts(pl.col("cell"), cells.dtype, decimal)).to_series()
    parsed = _parse_unread(cells, fast, lambda cell: _amount_fields(cell, decimal),
                           {"value": pl.Float64(), "currency": pl.String(), "qualifier": pl.String()})
    (failed, message), *more = amount_checks(pl.col("value"))
    problem: Any = pl.when(failed).then(pl.lit(message))
    for failed, message in more:
        problem = problem.when(failed).then(pl.lit(message))
    parsed = parsed.with_columns(problem=problem.otherwise("cannot read amount: " + pl.col("problem")))
    values = parsed.select(pl.when(pl.col("problem").is_null()).then("value")).to_series()
    return ParsedAmounts(cells, values.alias("amount"), parsed["problem"], parsed["currency"], parsed["qualifier"])


def _amount_fields(cell: str, decimal: str) -> dict[str, Any]:
    parsed = parse_amount(cell, decimal=decimal)
    return {} if parsed is None else asdict(parsed)


# ---------------------------------------------------------------- dates and timestamps


FIRST_YEAR, LAST_YEAR = 1900, 2199
"""The years a date may have: a date outside them is a typo or a two-digit year (``25-11-18`` read as year 25)."""
DATE_RANGE = (f"date out of range or with a two-digit year; expected a four-digit year from {FIRST_YEAR} to {LAST_YEAR}, "
              "as in 2025-11-18")
_FIRST_SECOND = int(dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC).timestamp())
_END_SECOND = int(dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC).timestamp())
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y-%m", "%Y/%m", "%Y")
_ZH_DATE = re.compile(r"^(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?$")
_SHORT_YEAR = re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{1,4}$")
# date-times once "T" is a space and "/" a dash; with Z or an offset they are converted to UTC
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S%.f%#z")


def _read_date(s: str) -> dt.date:
    m = _ZH_DATE.match(s)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            pass
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).date()


def parse_date(text: str) -> dt.date:
    """A date from ISO text (``2025-11-18``, ``2025-11``, ``2025``, a timestamp) or ``2025年11月18日``.

    A month or a year alone means its first day. The year has four digits, from ``FIRST_YEAR``
    to ``LAST_YEAR``: ``25-11-18`` (2025 or 2018?) and ``1025-11-18`` are errors (``CellError``).

    >>> parse_date("2025年11月"), parse_date("2025-11-18T09:30:00Z")
    (datetime.date(2025, 11, 1), datetime.date(2025, 11, 18))
    """
    s = text.strip()
    if _SHORT_YEAR.match(s):
        raise CellError("ambiguous date with a two-digit year (or the day first); write the year first in four digits, as in 2025-11-18")
    try:
        date = _read_date(s)
    except ValueError:
        raise CellError("not a date; expected YYYY-MM-DD, YYYY-MM, YYYY or 2025年11月18日") from None
    if not FIRST_YEAR <= date.year <= LAST_YEAR:
        raise CellError(DATE_RANGE)
    return date


def parse_dates(cells: pl.Series) -> ParsedColumn:
    """A column of dates: Date and Datetime columns as they are, text through a polars ISO cast and ``parse_date``.

    ``parse_date`` runs once per distinct cell the cast cannot read. A date outside the years
    ``FIRST_YEAR`` to ``LAST_YEAR`` is a problem (``DATE_RANGE``), whatever its type.

    >>> parse_dates(pl.Series(["2025-11-18", "2025年11月", "", "soon", "0000-01-01"])).values.to_list()
    [datetime.date(2025, 11, 18), datetime.date(2025, 11, 1), None, None, None]
    """
    if cells.dtype == pl.Date or isinstance(cells.dtype, pl.Datetime):
        dates = cells.cast(pl.Date)
        parsed = pl.DataFrame({"value": dates, "problem": pl.Series([None] * len(cells), dtype=pl.String)})
        cells = cells.cast(pl.String)
    else:
        cells = as_text(cells)
        iso = pl.when(cells.str.contains(r"^\d{4}-")).then(cells.str.to_date("%Y-%m-%d", strict=False))
        fast = cells.to_frame("cell").select(iso.alias("value")).to_series() if len(cells) else pl.Series([], dtype=pl.Date)
        parsed = _parse_unread(cells, fast, lambda cell: {"value": parse_date(cell)}, {"value": pl.Date()})
    out = pl.col("value").dt.year().is_between(FIRST_YEAR, LAST_YEAR).not_()
    parsed = parsed.select(value=pl.when(out).then(None).otherwise("value"), problem=pl.when(out).then(pl.lit(DATE_RANGE)).otherwise("problem"))
    return ParsedColumn(cells, parsed["value"].alias("date"), parsed["problem"])


TIME_UNITS = ("auto", "s", "ms", "us", "ns")
_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
_UNIT_FLOORS = (1e11, 1e14, 1e17)  # integer timestamps from these magnitudes up are in ms, us, ns (1e11 s is the year 5138)
_UNITS_BY_SIZE = ("s", "ms", "us", "ns")


def check_time_unit(time_unit: str) -> str:
    """``time_unit`` if it is one dealgraph reads (``TIME_UNITS``); else ``LimitError``."""
    if time_unit not in TIME_UNITS:
        raise LimitError(f"time_unit must be one of {', '.join(TIME_UNITS)}, got {time_unit!r}")
    return time_unit


def parse_timestamps(cells: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr | None]:
    """Timestamps as polars expressions: (values, integers).

    ``values`` (Int64) is seconds since 1970 for dates and date-times, and the number as written
    for integer cells, whose unit ``timestamp_seconds`` decides; null where a cell is not a
    timestamp. ``integers`` is true where a cell is an integer (``None`` when every non-empty cell
    of the type is one, or none can be). Text may be integers, dates (``2025-01-31``) or
    date-times (``2025-01-31 14:05``, ``2025-01-31T14:05:09.5Z``, ``2025-01-31T22:05:09+08:00``:
    converted to UTC).

    >>> values, integers = parse_timestamps(pl.lit(pl.Series(["60", "1970-01-02", "1970-01-01T08:00:00+08:00", "x"])), pl.String)
    >>> pl.select(values).to_series().to_list(), pl.select(integers).to_series().to_list()
    ([60, 86400, 0, None], [True, False, False, False])
    """
    if dtype.is_integer():
        return cells.cast(pl.Int64), None
    if dtype == pl.Date:
        return cells.cast(pl.Datetime("ms")).dt.epoch("s"), None
    if isinstance(dtype, pl.Datetime):
        return cells.dt.epoch("s"), None
    text = cells.cast(pl.String).str.strip_chars()
    number = text.cast(pl.Int64, strict=False)
    # only the cells that are not integers are parsed as dates (a null is parsed at no cost)
    other = pl.when(number.is_null()).then(text.str.replace("T", " ", literal=True).str.replace_all("/", "-", literal=True))
    dated = pl.coalesce([other.str.to_datetime(f, strict=False, time_unit="ms").dt.epoch("s") for f in _TIME_FORMATS])
    return pl.coalesce([number, dated]), number.is_not_null()


def timestamp_seconds(values: pl.Series, integers: pl.Series | None, integer_type: bool, time_unit: str = "auto"
                      ) -> tuple[pl.Series, list[tuple[pl.Series, str]]]:
    """Seconds since 1970 from ``parse_timestamps``'s values, and the problems found: (seconds, [(where, message)]).

    Integer timestamps (all values when ``integer_type``, else where ``integers``) are in
    ``time_unit``: ``"s"``, ``"ms"``, ``"us"`` or ``"ns"``, or ``"auto"``: by magnitude (from
    1e11 milliseconds, from 1e14 microseconds, from 1e17 nanoseconds), and then every integer
    timestamp must have the unit of the first. A timestamp outside the years ``FIRST_YEAR`` to
    ``LAST_YEAR`` is a problem too.

    >>> seconds, problems = timestamp_seconds(pl.Series([1_735_689_600_000, 1_735_689_660_000]), None, True)
    >>> seconds.to_list(), problems
    ([1735689600, 1735689660], [])
    """
    integer = pl.lit(integer_type) if integers is None else pl.col("integer")
    frame = pl.DataFrame({"value": values} if integers is None else {"value": values, "integer": integers})
    problems: list[tuple[pl.Series, str]] = []
    unit, other = check_time_unit(time_unit), None
    if unit == "auto":
        magnitude = pl.col("value").cast(pl.Float64).abs()
        size = frame.select(pl.when(integer).then(pl.sum_horizontal(*(magnitude >= f for f in _UNIT_FLOORS)))).to_series()
        known = size.drop_nulls()
        unit = _UNITS_BY_SIZE[int(known[0]) if len(known) else 0]
        if len(known) and known.n_unique() > 1:
            other = size.ne(known[0]).fill_null(False)
            problems.append((other, f"integer timestamps in different units: by its size, row {int(size.is_not_null().arg_max() or 0) + 1} "
                                    f"counts {unit} since 1970 and this one does not; give every row in one unit, or say which with time_unit"))
    seconds = frame.select(pl.when(integer).then(pl.col("value").floordiv(_PER_SECOND[unit])).otherwise("value")).to_series()
    outside = ((seconds < _FIRST_SECOND) | (seconds >= _END_SECOND)).fill_null(False)
    if other is not None:
        outside &= ~other  # said already
    if outside.any():
        problems.append((outside, f"timestamp out of range or with a two-digit year; expected a time from {FIRST_YEAR} to {LAST_YEAR} "
                                  f"(integers count {unit} since 1970; say the unit with time_unit if they count another)"))
    return seconds.alias("ts"), problems


# ---------------------------------------------------------------- capacities


_GW_UNITS = {"gw": 1.0, "千兆瓦": 1.0, "吉瓦": 1.0, "gigawatts": 1.0, "gigawatt": 1.0, "mw": 1e-3, "兆瓦": 1e-3, "megawatts": 1e-3}
MAX_CAPACITY = 1e6
"""The largest capacity read, in gigawatts (a hundred times the world's generating capacity), so sums stay finite."""


def parse_capacity(text: str, *, decimal: str = ".") -> float:
    """Compute capacity in gigawatts from ``1``, ``1.5 GW``, ``500 MW`` or ``1千兆瓦``.

    ``decimal`` is the decimal mark, as in ``parse_amount``. Raises ``CellError`` (a
    ``ValueError``) for anything but a non-negative capacity up to ``MAX_CAPACITY``.

    >>> parse_capacity("500 MW"), parse_capacity("1千兆瓦"), parse_capacity("1,5 GW", decimal=",")
    (0.5, 1.0, 1.5)
    """
    s = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    scale = 1.0
    for unit, factor in sorted(_GW_UNITS.items(), key=lambda kv: -len(kv[0])):
        if s.endswith(unit):
            s, scale = s[: -len(unit)], factor
            break
    number = _plain_number(s, check_decimal(decimal))
    if number is None or not number * scale <= MAX_CAPACITY:
        raise CellError(f"not a capacity; expected a non-negative number of gigawatts up to {MAX_CAPACITY:.0e}, such as 1, 1.5 GW or 1千兆瓦")
    return number * scale


def parse_capacities(cells: pl.Series, *, decimal: str = ".") -> ParsedColumn:
    """A column of capacities in gigawatts: ``parse_capacity`` once per distinct cell.

    >>> parse_capacities(pl.Series(["1 GW", "500 MW", None])).values.to_list()
    [1.0, 0.5, None]
    """
    cells = as_text(cells)
    parsed = _parse_unread(cells, pl.Series([None] * len(cells), dtype=pl.Float64), lambda cell: {"value": parse_capacity(cell, decimal=decimal)},
                           {"value": pl.Float64()})
    return ParsedColumn(cells, parsed["value"].alias("gw"), parsed["problem"])


_YEARS_UNITS = ("years", "year", "yrs", "yr", "y", "年")


def parse_years(text: str, *, decimal: str = ".") -> float:
    """A term in years from ``5``, ``2.5 years``, ``5y`` or ``5年``.

    Raises ``CellError`` (a ``ValueError``) for anything but a non-negative number of years.

    >>> parse_years("5 years"), parse_years("2,5", decimal=","), parse_years("3年")
    (5.0, 2.5, 3.0)
    """
    s = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    unit = next((u for u in _YEARS_UNITS if s.endswith(u)), "")
    number = _plain_number(s[: len(s) - len(unit)], check_decimal(decimal))
    if number is None:
        raise CellError("not a term; expected a number of years, such as 5, 2.5 years or 5年")
    return number


def parse_years_column(cells: pl.Series, *, decimal: str = ".") -> ParsedColumn:
    """A column of terms in years: ``parse_years`` once per distinct cell."""
    cells = as_text(cells)
    parsed = _parse_unread(cells, pl.Series([None] * len(cells), dtype=pl.Float64), lambda cell: {"value": parse_years(cell, decimal=decimal)},
                           {"value": pl.Float64()})
    return ParsedColumn(cells, parsed["value"].alias("years"), parsed["problem"])


# ---------------------------------------------------------------- windows


_WINDOW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|min|h|d|w|y)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


def parse_window(text: str | dt.timedelta | None) -> dt.timedelta | None:
    """A time window such as ``"365d"``, ``"2y"``, ``"12h"`` (a bare number means days).

    >>> parse_window("2w")
    datetime.timedelta(days=14)

    Raises ``LimitError`` for text that is not a duration or one too long for a ``timedelta``.
    """
    if text is None or isinstance(text, dt.timedelta):
        return text
    m = _WINDOW.match(str(text))
    if not m:
        raise LimitError(f"window {shorten(str(text), 40)!r} is not a duration; use a number and a unit such as 30d, 2w, 1y, 12h")
    try:
        return dt.timedelta(seconds=float(m.group(1)) * _UNITS[(m.group(2) or "d").lower()])
    except OverflowError:
        raise LimitError(f"window {shorten(str(text), 40)!r} is too long; use at most {dt.timedelta.max.days:,} days") from None


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
