"""An article: its text (from a text or HTML file), its lines and sentences, and the date it was published."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .._errors import DealgraphError
from .._results import for_terminal

__all__ = ["Article", "Sentence", "read_article", "to_simplified"]

MAX_ARTICLE = 2_000_000  # characters: a longer "article" is not one (a whole site, a binary file)
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "title", "article", "section", "blockquote", "time",
           "header", "footer", "ul", "ol", "table", "figcaption", "pre"}
_SKIPPED = {"script", "style", "noscript", "template", "svg", "head"}
# Sentence ends: Chinese marks always; . ! ? when followed by a space (and, for ".", not an abbreviation before it).
_ZH_END = re.compile(r"(?<=[。！？；!?;])")
_EN_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9$])")
_ABBREVIATIONS = ("inc", "corp", "co", "ltd", "mr", "ms", "mrs", "dr", "st", "jr", "vs", "no", "u.s", "u.k", "e.g", "i.e", "jan", "feb",
                  "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx", "est")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
_EN_DATE = re.compile(r"\b(" + "|".join(m[:3] for m in _MONTHS) + r")[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b")
_ZH_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月|\b(" + "|".join(_MONTHS) + r")\s+(\d{4})\b", re.IGNORECASE)
_DATE_LINES = 3  # the date line is among the first non-empty lines


@dataclass(frozen=True)
class Sentence:
    """One sentence: its text as written, the same text normalised for matching (NFKC, Simplified), and its line."""

    text: str
    plain: str
    line: int
    zh: bool


@dataclass(frozen=True)
class Article:
    """An article's text, its name (the file, or ``-``), the date it says it was published (``None`` if it does not) and,
    without a day, the month its first lines name."""

    name: str
    text: str
    date: dt.date | None = None
    month: str | None = None  # "2025-11" when the first lines give a month and no day

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def sentences(self) -> Iterator[Sentence]:
        """The article's sentences in order, each with its 1-based line number (a sentence never spans lines)."""
        for number, line in enumerate(self.lines, start=1):
            if not line.strip():
                continue
            for piece in _split(line):
                text = piece.strip()
                if text:
                    plain = to_simplified(unicodedata.normalize("NFKC", text))
                    yield Sentence(text, plain, number, bool(re.search(r"[\u4e00-\u9fff]", plain)))


def _split(line: str) -> list[str]:
    pieces: list[str] = []
    for part in _ZH_END.split(line):
        start = 0
        for m in _EN_END.finditer(part):
            before = part[start:m.start()].rstrip(".!?\"'”’)").rsplit(None, 1)
            word = before[-1].lower() if before else ""
            if word.rstrip(".") in _ABBREVIATIONS or re.fullmatch(r"[a-z]", word):
                continue  # "Inc. said", "U.S. Steel", "J. Smith": not a sentence end
            pieces.append(part[start:m.end()])
            start = m.end()
        pieces.append(part[start:])
    return pieces


_CONVERTER: list = []


def to_simplified(text: str) -> str:
    """``text`` with Traditional Chinese characters as Simplified (OpenCC ``t2s``, character by character), for matching.

    >>> to_simplified("輝達將向Anthropic投資高達100億美元")
    '辉达将向Anthropic投资高达100亿美元'
    """
    if not re.search(r"[\u4e00-\u9fff]", text):
        return text
    if not _CONVERTER:
        import opencc

        _CONVERTER.append(opencc.OpenCC("t2s"))
    return _CONVERTER[0].convert(text)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_text(html: str) -> str:
    """The text a reader sees in ``html``: one line per block (paragraph, heading, list item), scripts and styles left out.

    >>> html_text("<html><head><title>T</title></head><body><p>NVIDIA &amp; OpenAI</p><script>x()</script><p>b</p></body></html>")
    'NVIDIA & OpenAI\\nb'
    """
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def published(text: str) -> dt.date | None:
    """The date in an article's date line (among its first three non-empty lines), if it has one.

    >>> published("November 18, 2025 (Reuters) - Microsoft ..."), published("2025年11月18日电 微软"), published("no date")
    (datetime.date(2025, 11, 18), datetime.date(2025, 11, 18), None)
    """
    lines = [line for line in text.splitlines() if line.strip()][:_DATE_LINES]
    for line in lines:
        line = unicodedata.normalize("NFKC", line)
        for pattern, order in ((_ISO_DATE, (1, 2, 3)), (_ZH_DATE, (1, 2, 3)), (_EN_DATE, (3, 1, 2))):
            m = pattern.search(line)
            if m:
                year, month, day = (m.group(i) for i in order)
                month_number = _MONTHS.index(next(x for x in _MONTHS if x.startswith(month.lower()[:3]))) + 1 if not month.isdigit() else int(month)
                try:
                    return dt.date(int(year), month_number, int(day))
                except ValueError:
                    continue
    return None


def month_named(text: str) -> str | None:
    """The month (``2025-11``) the first three non-empty lines of an article name, for an article with no dated line.

    >>> month_named("2025年11月,微软与英伟达宣布"), month_named("In November 2025, Microsoft"), month_named("x")
    ('2025-11', '2025-11', None)
    """
    for line in [line for line in text.splitlines() if line.strip()][:_DATE_LINES]:
        m = _MONTH.search(unicodedata.normalize("NFKC", line))
        if m:
            year, month = (m.group(1), int(m.group(2))) if m.group(1) else (m.group(4), _MONTHS.index(m.group(3).lower()) + 1)
            if 1 <= month <= 12:
                return f"{int(year):04d}-{month:02d}"
    return None


def read_article(source: str | Path | bytes, *, name: str | None = None, date: dt.date | None = None) -> Article:
    """An article from a file (text or HTML, UTF-8), its bytes, or ``-`` for standard input.

    ``date`` is the day the article was published, for its relative dates ("on Tuesday");
    without it the article's own date line is read. HTML is read as the text a browser shows.

    Raises
    ------
    DealgraphError
        When the file is missing, not UTF-8 text, or longer than two million characters.
    """
    import sys

    if isinstance(source, bytes):
        data, label = source, name or "article"
    elif str(source) == "-":
        data, label = sys.stdin.buffer.read(), name or "-"
    else:
        path = Path(source)
        label = name or str(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise DealgraphError(f"{for_terminal(label)}: no such file") from None
        except IsADirectoryError:
            raise DealgraphError(f"{for_terminal(label)}: is a directory; give an article file") from None
        except OSError as exc:
            raise DealgraphError(f"{for_terminal(label)}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DealgraphError(f"{for_terminal(label)}: byte {exc.start + 1} is not UTF-8 text; save the article as UTF-8") from None
    if "\x00" in text:
        raise DealgraphError(f"{for_terminal(label)}: a binary file, not an article (it holds NUL bytes)")
    if len(text) > MAX_ARTICLE:
        raise DealgraphError(f"{for_terminal(label)}: {len(text):,} characters; an article has at most {MAX_ARTICLE:,}")
    if re.search(r"<\s*(html|body|p|div|article)\b", text[:5000], re.IGNORECASE) or label.lower().endswith((".html", ".htm")):
        text = html_text(text)
    day = date or published(text)
    return Article(label, text, day, None if day else month_named(text))
