"""The page's words in English and Chinese: one table of labels, read by the report's data and the page.

Figures never appear here: money and shares are formatted by :func:`dealgraph._results.fmt_money`
and :func:`dealgraph._results.fmt_share`, and the findings come from
:mod:`dealgraph.analyses.summary`.
"""

from __future__ import annotations

from typing import Any

from .._results import Lang, phrases

__all__ = ["LABELS", "LANGS", "labels", "say"]

LANGS: tuple[Lang, ...] = ("en", "zh")

# Labels of the page: key -> (English, Chinese).
LABELS = phrases("page")


def labels(lang: Lang) -> dict[str, str]:
    """Every label in ``lang`` (the page looks its words up here)."""
    k = LANGS.index(lang)
    return {key: pair[k] for key, pair in LABELS.items()}


def say(key: str, lang: Lang, **fill: Any) -> str:
    """The label ``key`` in ``lang`` with its placeholders filled.

    >>> say("core_note", "en", shown=2, n=43)
    '2 of 43 entities shown: those on loops (the circular core), largest first.'
    """
    return LABELS[key][LANGS.index(lang)].format(**fill)
