"""Errors raised by dealgraph.

The tree::

    DealgraphError                 base of everything dealgraph raises on purpose
    ├── LedgerError                a ledger cannot be read or does not validate
    │   (carries .problems, one Problem per bad cell, each naming file, row,
    │    column, the value and what was expected)
    ├── CellError                  one value (an amount, a date, a capacity) cannot be read
    │                              (also a ValueError; the readers turn it into a Problem)
    ├── LimitError                 a bound (length, count, size) is out of range
    ├── TimeLimitError             the time limit passed before a step that cannot give a partial answer
    ├── MatrixError                a matrix or vector given to the matrix maths is malformed
    │                              (also a ValueError: not square, negative, NaN, wrong length)
    └── ScenarioError              a scenario or settings file is malformed

The command line turns any of these into a message on stderr and exit code 1.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CellError", "DealgraphError", "LedgerError", "LimitError", "MatrixError", "Problem", "ScenarioError", "TimeLimitError", "shorten"]

SHOWN = 80  # characters of a value shown in a message
KEPT = 1_000  # characters of a value kept in a Problem (so JSON output stays bounded)


def shorten(text: str, limit: int = SHOWN) -> str:
    """``text`` cut to ``limit`` characters, saying how many were cut.

    >>> shorten("x" * 100, 10)
    'xxxxxxxxxx... (90 more characters)'
    >>> shorten("short")
    'short'
    """
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit:,} more characters)"


def _quoted(text: str) -> str:
    """``text`` quoted as Python quotes it (control and invisible characters escaped), cut to ``SHOWN`` characters."""
    return repr(text) if len(text) <= SHOWN else f"{text[:SHOWN]!r}... ({len(text) - SHOWN:,} more characters)"


class DealgraphError(Exception):
    """Base class of every error dealgraph raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or column) of an input file.

    ``row`` is the 1-based data row (the header is row 0); ``None`` for a
    problem that concerns a whole column or file. The column, value and message
    are kept to ``KEPT`` characters and shown to ``SHOWN`` (column, value), so a
    50 MB cell or header makes a short message.

    >>> print(Problem("x.csv", 3, "note", "ab" * 50, "too long"))
    x.csv, row 3, column 'note': 'abababababababababababababababababababababababababababababababababababababababab'... (20 more characters): too long
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def __post_init__(self) -> None:
        shown = {name: None if getattr(self, name) is None else _quoted(getattr(self, name)) for name in ("column", "value")}
        object.__setattr__(self, "_shown", shown)  # from the whole text, so the count of what was cut is exact
        for name in ("column", "value", "message"):
            text = getattr(self, name)
            if text is not None and len(text) > KEPT:
                object.__setattr__(self, name, shorten(text, KEPT))

    def __str__(self) -> str:
        shown = self._shown  # type: ignore[attr-defined]
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if shown["column"] is not None:
            where += f", column {shown['column']}"
        value = "" if shown["value"] is None else f": {shown['value']}"
        return f"{where}{value}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


class LedgerError(DealgraphError):
    """A ledger that cannot be read or that fails validation.

    Every problem found is in ``problems`` (up to the reporting limit), so a
    user can fix them all in one pass.
    """

    def __init__(self, problems: list[Problem], *, truncated: int = 0) -> None:
        self.problems = list(problems)
        self.truncated = truncated
        lines = [str(p) for p in self.problems]
        if truncated:
            lines.append(f"... and {truncated} more problems not shown")
        n = len(self.problems) + truncated
        head = f"{n} problem{'s' if n != 1 else ''} in the ledger:"
        super().__init__("\n".join([head, *("  " + line for line in lines)]))


class CellError(DealgraphError, ValueError):
    """One value (an amount, a date, a capacity) cannot be read; the message says what was expected."""


class LimitError(DealgraphError):
    """A bound given to an algorithm is out of range."""


class TimeLimitError(DealgraphError):
    """The time limit passed before a step whose answer cannot be partial (see ``dealgraph._work``)."""


class MatrixError(DealgraphError, ValueError):
    """A matrix or vector given to the matrix functions is malformed (not square, negative, NaN, wrong length)."""


class ScenarioError(DealgraphError):
    """A scenario or settings file is malformed."""
