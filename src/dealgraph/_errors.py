"""Errors raised by dealgraph.

The tree::

    DealgraphError                 base of everything dealgraph raises on purpose
    ├── LedgerError                a ledger cannot be read or does not validate
    │   (carries .problems, one Problem per bad cell, each naming file, row,
    │    column, the value and what was expected)
    ├── CellError                  one value (an amount, a date, a capacity) cannot be read
    │                              (also a ValueError; the readers turn it into a Problem)
    ├── LimitError                 a bound (length, count, size) is out of range
    ├── MatrixError                a matrix or vector given to the matrix maths is malformed
    │                              (also a ValueError: not square, negative, NaN, wrong length)
    └── ScenarioError              a scenario or settings file is malformed

The command line turns any of these into a message on stderr and exit code 1.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CellError", "DealgraphError", "LedgerError", "LimitError", "MatrixError", "Problem", "ScenarioError"]


class DealgraphError(Exception):
    """Base class of every error dealgraph raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or column) of an input file.

    ``row`` is the 1-based data row (the header is row 0); ``None`` for a
    problem that concerns a whole column or file.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        shown = "" if self.value is None else f": {self.value!r}"
        return f"{where}{shown}: {self.message}"

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


class MatrixError(DealgraphError, ValueError):
    """A matrix or vector given to the matrix functions is malformed (not square, negative, NaN, wrong length)."""


class ScenarioError(DealgraphError):
    """A scenario or settings file is malformed."""
