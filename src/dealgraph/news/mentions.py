"""What a sentence mentions: entities (known by the alias table, or company-like names it does not know), amounts of money,
capacities in gigawatts, dates and terms in years."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .._errors import CellError
from ..reading.aliases import AliasTable
from ..reading.cells import MAX_AMOUNT, parse_amount
from .article import to_simplified

__all__ = ["Mention", "Names", "capacities", "money", "sentence_date", "term_years"]

_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
                 "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100}
_WORDS = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
_SCALES = {"trillion": 1e12, "tn": 1e12, "billion": 1e9, "bn": 1e9, "b": 1e9, "million": 1e6, "mn": 1e6, "m": 1e6, "thousand": 1e3, "k": 1e3}
_EN_MONEY = re.compile(
    r"(?P<cur>US\$|U\.S\.\s?\$|USD\s?|NT\$|HK\$|\$|€|£|¥)\s?(?P<num>\d[\d,]*(?:\.\d+)?)"
    r"(?:\s*(?P<scale>trillion|billion|million|thousand|tn|bn|mn|m|b|k)\b)?"
    r"|(?<![\w$.])(?P<num2>\d[\d,]*(?:\.\d+)?)\s*(?P<scale2>trillion|billion|million)\s+(?:(?:US|U\.S\.)\s+)?(?P<cur2>dollars|usd|euros?|yuan|pounds)\b"
    r"|\b(?P<words>(?:(?:" + _WORDS + r")[\s-]+(?:and\s+)?)+)(?P<scale3>trillion|billion|million)\s+(?:(?:US|U\.S\.)\s+)?(?P<cur3>dollars)\b",
    re.IGNORECASE)
_EN_CURRENCY = {"$": "USD", "us$": "USD", "u.s.$": "USD", "usd": "USD", "dollars": "USD", "nt$": "TWD", "hk$": "HKD", "€": "EUR", "euro": "EUR",
                "euros": "EUR", "£": "GBP", "pounds": "GBP", "¥": "CNY", "yuan": "CNY"}
_ZH_NUMERALS = "零〇一二两三四五六七八九十百千"
_ZH_MONEY = re.compile(r"(?<![\d.数几上百千万亿])(?>(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[" + _ZH_NUMERALS + r"]+)"
                       r"\s*(?P<scale>万亿|千亿|百亿|十亿|亿|千万|百万|万|兆(?!瓦))?"
                       r"\s*(?P<cur>美元|美金|人民币|欧元|港元|港币|日元|英镑|新台币|元)?)(?!级)")
_ZH_CURRENCY = {"美元": "USD", "美金": "USD", "人民币": "CNY", "元": "CNY", "欧元": "EUR", "港元": "HKD", "港币": "HKD", "日元": "JPY", "英镑": "GBP",
                "新台币": "TWD"}
_CAPACITY = re.compile(r"(?P<num>\d+(?:\.\d+)?|\b(?:" + _WORDS + r")\b|[一二两三四五六七八九十]+)\s*-?\s*"
                       r"(?P<unit>gigawatts?\b|GW\b|megawatts?\b|MW\b|千兆瓦|吉瓦|兆瓦|百万瓦)", re.IGNORECASE)
_YEARS = re.compile(r"\b(?:over|for|across|spanning|during)\s+(?:the\s+next\s+|a\s+period\s+of\s+)?(?P<n>\d+|" + _WORDS + r")\s+years?\b"
                    r"|\b(?P<n2>\d+|" + _WORDS + r")-year\b|(?:为期|期限|未来)(?P<n3>\d{1,2}|[一二两三四五六七八九十]+)年"
                    r"|(?<!\d)(?P<n4>\d{1,2}|[一二两三四五六七八九十]+)年(?:内|期)", re.IGNORECASE)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAYS_ZH = "一二三四五六日"
_DATE = re.compile(
    r"\b(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?\b"
    r"|\b(?P<iso>\d{4}-\d{2}-\d{2})\b"
    r"|(?P<zy>\d{4})年(?P<zm>\d{1,2})月(?:(?P<zd>\d{1,2})[日号])?|(?<![\d年])(?P<zm2>\d{1,2})月(?P<zd2>\d{1,2})[日号]"
    r"|\b(?:on\s+|last\s+)?(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|(?:周|星期|礼拜)(?P<zwd>[一二三四五六日天])"
    r"|\b(?P<rel>yesterday|today|last month|this month|last week|last year|earlier this month)\b"
    r"|(?P<zrel>昨天|昨日|今天|今日|上月|上个月|本月|这个月|上周|上星期|去年)",
    re.IGNORECASE)
_COMPANY = re.compile(r"\b[A-Z][A-Za-z0-9&'.\-]*[A-Za-z0-9](?:\s+(?:[A-Z][A-Za-z0-9&'.\-]*[A-Za-z0-9]|&))*")
# descriptors, not names: 人工智能初创公司, 数据中心运营商, 这一合作
_ZH_GENERIC = re.compile(r"人工智能|初创|新创|芯片|晶片|云|数据中心|运营商|服务商|矿企|科技巨头|这|该|此|其|一家|两家|双方|旗下|美国|中国|日本|阿联酋"
                         r"|合作|交易|协议|合同|公司$|消息|报道|分析|市场|投资者|股东|今年|去年|本周|上月|同时|随后|此外|另外|目前|承诺|预计|据|称|指出|透露")
_ZH_SUBJECT = re.compile(r"(?:^|[,;:，；：。、])\s*(?P<name>[\u4e00-\u9fff]{2,6}?)(?=将|已|也|则|正在|计划|宣布|表示|同意|拟|已经)")
_ZH_COMPANY = re.compile(r"[\u4e00-\u9fff]{2,8}?(?:公司|集团|科技|银行|资本|基金|控股|能源|电信|半导体)")
# Capitalised words that are not companies: sentence openers, titles, places, units, days and months, news agencies.
_NOT_COMPANIES = frozenset("""
a an the in on at as it its this that these those he she they we i you his her their our under according after before both each
analysts analyst shares separately meanwhile last earlier later however but and also monday tuesday wednesday thursday friday
saturday sunday january february march april may june july august september october november december ceo cfo cto coo chief
executive officer president chairman founder reuters bloomberg cnbc ap afp xinhua ai gpu gpus tpu tpus gw mw us u.s. u.s usa uk
eu china chinese american inc corp ltd llc co wall street journal financial times the information new york times sources people
billion million trillion dollars under terms earlier while with for from by to of if when where what who which why how will would
could should may might can its deal deals agreement company companies group firm investors investor round series data center
cloud chips chip compute capacity gigawatt gigawatts published updated read more photo file reporting editing by business
technology tech news report reports statement press release thursday's tuesday's monday's wednesday's friday's nasdaq nyse
dow s&p federal government white house congress senate california texas washington london beijing tokyo paris seoul taipei
hong kong singapore japan korea taiwan india europe america microsoft's nvidia's openai's amazon's google's united kingdom britain
states saudi arabia uae emirates norway netherlands germany france canada australia abilene louisiana new jersey
claude chatgpt gemini llama grok copilot blackwell rubin grace vera hopper gb200 gb300 mi450 instinct trainium
""".split())


@dataclass(frozen=True)
class Mention:
    """A thing a sentence mentions, where: an entity (``value`` its name; ``known`` by the alias table or not), an amount
    (``value`` in ``currency``), a capacity (``value`` in GW) or a date (``value`` a ``datetime.date``, ``precision`` day or month)."""

    start: int
    end: int
    text: str
    kind: str
    value: Any
    known: bool = True
    currency: str | None = None
    precision: str = "day"


class Names:
    """The entity names an article may mention: every spelling of the alias table and every name of the built-in record,
    matched in a sentence's Simplified, NFKC form."""

    def __init__(self, aliases: AliasTable, extra: Iterable[str] = ()) -> None:
        spellings: dict[str, str] = {}
        for key, name in aliases.canonical.items():
            spellings[to_simplified(key).casefold()] = name
        for name in (*aliases.canonical.values(), *extra):
            spellings.setdefault(to_simplified(name).casefold(), aliases.resolve(name))
        self.aliases = aliases
        self.spellings = spellings
        keys = sorted((k for k in spellings if len(k) >= 2), key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(k) for k in keys), re.IGNORECASE)

    def find(self, text: str, zh: bool) -> list[Mention]:
        """Entities in ``text``: the alias table's first, then company-like names it does not know (``known=False``)."""
        found: list[Mention] = []
        for m in self.pattern.finditer(text):
            before = text[m.start() - 1] if m.start() else " "
            after = text[m.end()] if m.end() < len(text) else " "
            latin_start, latin_end = m.group()[0].isascii() and m.group()[0].isalnum(), m.group()[-1].isascii() and m.group()[-1].isalnum()
            if (latin_start and before.isascii() and before.isalnum()) or (latin_end and after.isascii() and (after.islower() or after.isdigit())):
                continue  # part of a longer word: "Intel" in "Intelligence", "Meta" in "Metaverse"
            found.append(Mention(m.start(), m.end(), m.group(), "entity", self.spellings[m.group().casefold()]))
        taken = [(x.start, x.end) for x in found]
        for m in _COMPANY.finditer(text):
            name = _trim(m.group())
            if not name or any(s < m.start() + len(name) and m.start() < e for s, e in taken):
                continue
            found.append(Mention(m.start(), m.start() + len(name), name, "entity", name, known=False))
        if zh:
            for start, name in _zh_organisations(text):
                if not any(s < start + len(name) and start < e for s, e in taken):
                    found.append(Mention(start, start + len(name), name, "entity", name, known=False))
        return sorted(found, key=lambda x: x.start)


_NAME_WORDS = frozenset("compute cloud capacity data center chips chip group firm company companies technology tech capital ai gpu gpus "
                        "investors investor round series business news systems energy labs".split())  # end a name: Zephyr Compute


def _trim(name: str) -> str:
    """A capitalised run without the words that are not a company's name (``The``, ``On Tuesday``), or ``""``.

    >>> _trim("The Zephyr Compute"), _trim("On Tuesday"), _trim("Zephyr Compute Monday")
    ('Zephyr Compute', '', 'Zephyr Compute')
    """
    words = name.split()
    while words and words[0].casefold().rstrip(".,'") in _NOT_COMPANIES:
        words.pop(0)
    while words and words[-1].casefold().rstrip(".,'") in _NOT_COMPANIES - _NAME_WORDS:
        words.pop()
    if not words or any(w.casefold() in _NOT_COMPANIES for w in words[:1]):
        return ""
    rest = name[name.index(words[0]):]
    return rest[: rest.index(words[-1]) + len(words[-1])]


def _zh_organisations(text: str) -> list[tuple[int, str]]:
    """Organisation names in Chinese text that the alias table does not know: names ending in a company word (``阿里巴巴集团``),
    and a name standing as a clause's subject before the words that open a deal (``，阿里巴巴将向OpenAI投资``).

    >>> _zh_organisations("据报道，阿里巴巴将向OpenAI投资。腾讯控股宣布，这一合作将扩大")
    [(4, '阿里巴巴'), (19, '腾讯控股')]
    """
    found = {m.start(): m.group() for m in _ZH_COMPANY.finditer(text) if not _ZH_GENERIC.search(m.group())}
    for m in _ZH_SUBJECT.finditer(text):
        name = m.group("name")
        if not _ZH_GENERIC.search(name) and not any(s <= m.start("name") < s + len(n) for s, n in found.items()):
            found[m.start("name")] = name
    return sorted(found.items())


def _word_number(words: str) -> float | None:
    total, current = 0.0, 0.0
    for w in re.split(r"[\s-]+", words.strip().lower()):
        if w == "and" or not w:
            continue
        n = _WORD_NUMBERS.get(w)
        if n is None:
            return None
        if n == 100:
            current = (current or 1) * 100
        else:
            current += n
    return total + current


def money(text: str, zh: bool) -> list[Mention]:
    """Amounts of money in ``text``: ``$30 billion``, ``US$5bn``, ``three hundred billion dollars``, ``300亿美元``,
    ``1.4万亿美元``; in Chinese also ``500亿`` with no currency when a list such as ``500亿、300亿和300亿美元`` closes with
    one (it takes that currency).

    >>> [(m.value, m.currency) for m in money("invest $30 billion, or three hundred billion dollars", False)]
    [(30000000000.0, 'USD'), (300000000000.0, 'USD')]
    >>> [(m.value, m.currency) for m in money("分别投资500亿、300亿和1.4万亿美元,2025年", True)]
    [(50000000000.0, 'USD'), (30000000000.0, 'USD'), (1400000000000.0, 'USD')]
    """
    found: list[Mention] = []
    for m in _EN_MONEY.finditer(text):
        if m.group("words"):
            value = _word_number(m.group("words"))
            scale, currency = _SCALES[m.group("scale3").lower()], "USD"
        else:
            number = (m.group("num") or m.group("num2")).replace(",", "")
            try:
                value = float(number)
            except ValueError:
                continue
            scale = _SCALES.get((m.group("scale") or m.group("scale2") or "").lower(), 1.0)
            currency = _EN_CURRENCY.get((m.group("cur") or m.group("cur2") or "").strip().lower().replace(" ", ""), "USD")
        if value is not None and 0 < value * scale <= MAX_AMOUNT:
            found.append(Mention(m.start(), m.end(), m.group().strip(), "money", value * scale, currency=currency))
    if zh:
        for m in _ZH_MONEY.finditer(text):
            if not (m.group("scale") or m.group("cur")) or any(x.start <= m.start() < x.end for x in found):
                continue
            if m.group("cur") and not m.group("scale") and m.group("num").isdigit() and len(m.group("num")) <= 4 and text[m.end():m.end() + 1] == "/":
                continue  # 元/股: a price
            try:
                parsed = parse_amount(m.group("num") + (m.group("scale") or "").replace("兆", "万亿"))  # 兆: a trillion in Taiwan
            except CellError:
                continue
            if parsed is not None and 0 < parsed.value <= MAX_AMOUNT:
                found.append(Mention(m.start(), m.end(), m.group(), "money", parsed.value, currency=_ZH_CURRENCY.get(m.group("cur") or "")))
    found.sort(key=lambda x: x.start)
    for i, amount in enumerate(found):  # a list's amounts without a currency take the one that closes the list
        if amount.currency is None:
            later = next((x.currency for x in found[i + 1:] if x.currency), None)
            found[i] = Mention(amount.start, amount.end, amount.text, amount.kind, amount.value, currency=later)
    return [x for x in found if x.currency is not None]


def capacities(text: str) -> list[Mention]:
    """Capacities in gigawatts: ``1 GW``, ``10 gigawatts``, ``one gigawatt``, ``500 MW``, ``1千兆瓦``, ``6吉瓦``, ``750百萬瓦``.

    >>> [m.value for m in capacities("up to one gigawatt, 500 MW and 1千兆瓦 and 30千兆瓦")]
    [1.0, 0.5, 1.0, 30.0]
    """
    found = []
    for m in _CAPACITY.finditer(text):
        number, unit = m.group("num"), m.group("unit").lower()
        if number[0].isdigit():
            value = float(number)
        elif number.lower() in _WORD_NUMBERS:
            value = float(_WORD_NUMBERS[number.lower()])
        else:
            try:
                parsed = parse_amount(number)
            except CellError:
                continue
            if parsed is None:
                continue
            value = parsed.value
        scale = 1e-3 if unit.startswith(("mw", "megawatt")) or unit in ("兆瓦", "百万瓦") else 1.0  # 百万瓦: Taiwan's megawatt
        found.append(Mention(m.start(), m.end(), m.group(), "capacity", value * scale))
    return found


def term_years(text: str) -> float | None:
    """A term in years stated in ``text`` (``over five years``, ``a seven-year deal``, ``为期10年``), if any.

    >>> term_years("a $38 billion deal over seven years"), term_years("为期5年的协议"), term_years("十年内"), term_years("2025年内")
    (7.0, 5.0, 10.0, None)
    """
    m = _YEARS.search(text)
    if not m:
        return None
    n = m.group("n") or m.group("n2") or m.group("n3") or m.group("n4")
    if n.isdigit():
        return float(n)
    if n.lower() in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[n.lower()])
    try:
        parsed = parse_amount(n)
    except CellError:
        return None
    return None if parsed is None else parsed.value


def sentence_date(text: str, published: dt.date | None) -> tuple[str, str] | None:
    """The date a sentence gives (absolute, or relative to ``published``) as ledger text (``2025-11-18`` or ``2025-10``)
    and the words it came from; ``None`` if it gives none it can be read from.

    >>> d = dt.date(2025, 11, 19)  # a Wednesday
    >>> sentence_date("said on Tuesday", d), sentence_date("上月宣布", d), sentence_date("on November 3, 2025", None)
    (('2025-11-18', 'on Tuesday'), ('2025-10', '上月'), ('2025-11-03', 'November 3, 2025'))
    """
    for m in _DATE.finditer(text):
        g = m.groupdict()
        try:
            if g["mon"]:
                year = int(g["year"]) if g["year"] else (published.year if published else None)
                if year is None:
                    continue
                return dt.date(year, _MONTHS.index(g["mon"].lower()) + 1, int(g["day"])).isoformat(), m.group()
            if g["iso"]:
                return dt.date.fromisoformat(g["iso"]).isoformat(), m.group()
            if g["zy"]:
                if g["zd"]:
                    return dt.date(int(g["zy"]), int(g["zm"]), int(g["zd"])).isoformat(), m.group()
                return f"{int(g['zy']):04d}-{int(g['zm']):02d}", m.group()
            if published is None:
                continue
            if g["zm2"]:
                return dt.date(published.year, int(g["zm2"]), int(g["zd2"])).isoformat(), m.group()
            if g["wd"] or g["zwd"]:
                weekday = _DAYS_EN.index(g["wd"].lower()) if g["wd"] else _DAYS_ZH.index(g["zwd"].replace("天", "日"))
                back = (published.weekday() - weekday) % 7  # news says "on Tuesday" of the latest Tuesday, on or before its date
                return (published - dt.timedelta(days=back)).isoformat(), m.group().strip()
            rel = (g["rel"] or g["zrel"]).lower()
            return _relative(rel, published), m.group()
        except ValueError:
            continue
    return None


def _relative(words: str, published: dt.date) -> str:
    """A relative date read with dateparser against the publication date (Chinese words mapped to their English)."""
    import dateparser

    english = {"昨天": "yesterday", "昨日": "yesterday", "今天": "today", "今日": "today", "上月": "last month", "上个月": "last month",
               "本月": "this month", "这个月": "this month", "上周": "last week", "上星期": "last week", "去年": "last year",
               "earlier this month": "this month"}.get(words, words)
    base = dt.datetime(published.year, published.month, published.day)
    when = dateparser.parse(english, languages=["en"], settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"})
    if when is None:
        return published.isoformat()
    if "year" in english:
        return f"{when.year:04d}"
    if "month" in english:
        return f"{when.year:04d}-{when.month:02d}"
    return when.date().isoformat()
