"""The words deals are read by (``dealgraph/data/news.toml``): verbs with the subject's role, caps, statuses, kinds, not-flows."""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources

__all__ = ["Cue", "Lexicon", "Word", "lexicon"]


@dataclass(frozen=True)
class Word:
    """A word of the lexicon found in a sentence: where, which word, and the list it belongs to."""

    start: int
    end: int
    text: str
    group: str


@dataclass(frozen=True)
class Cue:
    """A verb that says who pays whom: where it is, the subject's role and the kind the verb itself says (or None)."""

    start: int
    end: int
    text: str
    role: str
    kind: str | None


def _pattern(words: list[str]) -> str:
    """One regex alternative per word: English words whole (``*`` any ending, spaces any spacing), Chinese as written."""
    out = []
    for w in sorted(set(words), key=len, reverse=True):
        if re.search(r"[\u4e00-\u9fff]", w):
            out.append(re.escape(w))
        else:
            body = r"\s+".join(re.escape(part) for part in w.rstrip("*").split())
            tail = r"\w*" if w.endswith("*") else ""
            lead = r"\b" if w[0].isalnum() else ""
            out.append(lead + body + tail + (r"\b" if (tail or w[-1].isalnum()) else ""))
    return "|".join(out)


class Lexicon:
    """The compiled word lists of ``news.toml``."""

    def __init__(self, doc: dict) -> None:
        self.cues = [(re.compile(_pattern(c.get("en", []) + c.get("zh", [])), re.IGNORECASE), c["role"], c.get("kind"))
                     for c in doc["cue"]]
        self.object_marks_zh = tuple(sorted(doc["object_marks"]["zh"], key=len, reverse=True))
        self.object_marks_only_zh = tuple(m for m in self.object_marks_zh if m not in ("和", "与", "同", "跟"))  # not list words
        self.object_marks_en = tuple(doc["object_marks"]["en_before"])
        self.sellers = {kind: frozenset(names) for kind, names in doc["sellers"].items()}
        self.partner_marks = tuple(doc["partner_marks"]["zh"]) + tuple(f"{w} " for w in doc["partner_marks"]["en"])
        self.lists = {section: {group: re.compile(_pattern(words), re.IGNORECASE) for group, words in doc[section].items()}
                      for section in ("kind", "status", "cap", "not_flow", "not_sentence", "respectively", "lending", "continuation")}

    def find_cues(self, text: str) -> list[Cue]:
        """Every verb cue in ``text``, in order; where two overlap the longer wins (``backed by`` over ``back``)."""
        found = [Cue(m.start(), m.end(), m.group(), role, kind) for pattern, role, kind in self.cues for m in pattern.finditer(text)]
        found.sort(key=lambda c: (c.start, -(c.end - c.start)))
        kept: list[Cue] = []
        for cue in found:
            if kept and cue.start < kept[-1].end:
                if cue.end - cue.start > kept[-1].end - kept[-1].start:
                    kept[-1] = cue
                continue
            kept.append(cue)
        return kept

    def find(self, section: str, text: str) -> list[Word]:
        """Every word of one section (``cap``, ``status``, ``kind`` ...) in ``text``, in order of position; a word inside a longer one
        found at the same place is left out."""
        words = [Word(m.start(), m.end(), m.group(), group) for group, pattern in self.lists[section].items() for m in pattern.finditer(text)]
        words.sort(key=lambda w: (w.start, -(w.end - w.start)))
        return [w for i, w in enumerate(words) if not any(v.start <= w.start and w.end <= v.end for v in words[:i])]  # "云" in "云服务"

    def first(self, section: str, text: str) -> Word | None:
        """The word of ``section`` in ``text`` whose list comes first in the file (e.g. rumored before loi), if any."""
        for group, pattern in self.lists[section].items():
            m = pattern.search(text)
            if m:
                return Word(m.start(), m.end(), m.group(), group)
        return None


@functools.cache
def lexicon() -> Lexicon:
    """The built-in lexicon, read once."""
    return Lexicon(tomllib.loads((resources.files("dealgraph") / "data" / "news.toml").read_text(encoding="utf-8")))
