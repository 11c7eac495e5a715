"""Money amounts written as people write them, in English and Chinese.

``parse_amount("$30B")``, ``parse_amount("300亿美元")`` and
``parse_amount("1.4万亿美元")`` all give a :class:`ParsedAmount` with the value
in units of the currency, the currency when the text names one, and the
qualifier ("up to", "about") when the text carries one.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass

from .._errors import LimitError

__all__ = ["ParsedAmount", "parse_amount", "parse_window"]

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
    ``ValueError`` with a short reason when the text is not an amount.

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
        raise ValueError("a true/false value is not an amount")
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
        raise ValueError("no number found")
    m = _NUMBER.match(s)
    if m and m.end() == len(s):
        number = float(s)
    else:
        zh = _zh_integer(s)
        if zh is None:
            raise ValueError("not a number with an optional unit (such as 30e9, $30B, 30 billion, 300亿美元)")
        number = float(zh)
    return _checked(ParsedAmount(number * scale, currency, qualifier))


def _checked(amount: ParsedAmount) -> ParsedAmount:
    if not math.isfinite(amount.value):
        raise ValueError("amount is not finite")
    if amount.value < 0:
        raise ValueError("amount is negative; a row is money moving from source to target, so swap them instead")
    return amount


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
