"""The one reader of tabular files, and the one collector of the problems found in them.

``read_table`` reads a file (or a file's bytes, or a polars, pandas or Arrow table, or a list
of dicts) into a polars DataFrame; ``scan_table`` scans a file lazily, so a transaction file of
millions of rows streams. Both dispatch on the suffix the same way (``.csv``/``.txt``, ``.tsv``,
``.parquet``/``.pq``, ``.json``, ``.ndjson``/``.jsonl``), read CSV cells as text, and turn what
polars or Arrow raise into a ``LedgerError`` naming the file ("cannot read the file: ...").

``Problems`` collects every problem found in one input and raises them together, sorted by
row and column, at most ``MAX_PROBLEMS`` listed and the rest counted.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from .._errors import LedgerError, Problem
from .cells import ParsedColumn

__all__ = ["MAX_PROBLEMS", "Problems", "read_errors", "read_table", "scan_table", "source_name"]

MAX_PROBLEMS = 50

_FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet", ".json": "json",
            ".ndjson": "ndjson", ".jsonl": "ndjson"}


class Problems:
    """Every problem found in one input, raised at once.

    Parameters
    ----------
    name : str
        The input's name in messages (a file name, or a description).
    columns : sequence of str
        The input's columns in the order problems in one row are listed (others come last).

    Examples
    --------
    >>> problems = Problems("x.csv")
    >>> for row in range(1, 61):
    ...     problems.add(row, "amount", "-1", "negative")
    >>> try:
    ...     problems.raise_if_any()
    ... except LedgerError as exc:
    ...     print(len(exc.problems), exc.truncated)
    50 10
    """

    def __init__(self, name: str, columns: Sequence[str] = ()) -> None:
        self.name = name
        self.columns = tuple(columns)
        self.items: list[Problem] = []
        self.unlisted = 0

    def add(self, row: int | None, column: str | None, value: Any, message: str) -> None:
        """One problem: ``row`` 1-based (None for the whole file or column), the cell's ``value`` and what was expected."""
        self.items.append(Problem(self.name, row, column, None if value is None else str(value), message))

    def count(self, n: int) -> None:
        """Count ``n`` more problems without listing them (a reader that stops listing a column at ``MAX_PROBLEMS``)."""
        self.unlisted += n

    def add_column(self, column: str, parsed: ParsedColumn, rows: pl.Series | None = None) -> None:
        """A problem for each cell ``parsed`` could not read, the first ``MAX_PROBLEMS`` listed and the rest counted.

        A cell's row is its 1-based position in the column unless ``rows`` gives it.
        """
        bad = parsed.problems.is_not_null().arg_true()
        for i in bad.head(MAX_PROBLEMS).to_list():
            self.add(i + 1 if rows is None else int(rows[i]), column, parsed.cells[i], parsed.problems[i])
        self.count(max(0, len(bad) - MAX_PROBLEMS))

    def raise_if_any(self) -> None:
        """Raise ``LedgerError`` with the problems sorted by row then column, at most ``MAX_PROBLEMS`` and the number left out."""
        if self.items:
            rank = {c: i for i, c in enumerate(self.columns)}
            items = sorted(self.items, key=lambda p: (p.row is not None, p.row or 0, rank.get(p.column or "", len(rank))))
            raise LedgerError(items[:MAX_PROBLEMS], truncated=len(items) - len(items[:MAX_PROBLEMS]) + self.unlisted)


@contextmanager
def read_errors(name: str) -> Iterator[None]:
    """Turn what polars or Arrow raise while reading ``name`` into a ``LedgerError`` ("cannot read the file: ...")."""
    try:
        yield
    except LedgerError:
        raise
    except Exception as exc:  # polars/arrow errors carry the position in their text
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LedgerError([Problem(name, None, None, None, f"cannot read the file: {first}")]) from None


def _file_format(path: Path | str, name: str) -> str:
    fmt = _FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise LedgerError([Problem(name, None, None, None, "unknown file type; use .csv, .tsv, .parquet, .json or .ndjson")])
    return fmt


def _existing(source: str | Path, name: str) -> Path:
    path = Path(source)
    if not path.exists():
        raise LedgerError([Problem(name, None, None, None, "no such file")])
    return path


def read_table(source: Any, name: str) -> pl.DataFrame:
    """Any supported input as a polars DataFrame of raw values (CSV and JSON cells as text).

    Parameters
    ----------
    source : path, bytes, polars/pandas/Arrow table or list of dicts
        A file, a file's bytes (``name`` then gives its type, e.g. ``upload.csv``), or a table.
    name : str
        The input's name in messages.

    Raises
    ------
    LedgerError
        When the file is missing, of an unknown type or cannot be read.

    Examples
    --------
    >>> read_table(b"source,target\\nA,B\\n", "upload.csv").to_dicts()
    [{'source': 'A', 'target': 'B'}]
    """
    if isinstance(source, pl.DataFrame):
        return source
    if isinstance(source, pl.LazyFrame):
        return source.collect()
    if isinstance(source, (str, Path, bytes)):
        data: Path | io.BytesIO = io.BytesIO(source) if isinstance(source, bytes) else _existing(source, name)
        fmt = _file_format(name if isinstance(source, bytes) else source, name)
        with read_errors(name):
            if fmt == "parquet":
                return pl.read_parquet(data)
            if fmt in ("json", "ndjson"):
                return _read_json(data, ndjson=fmt == "ndjson", name=name)
            return pl.read_csv(data, infer_schema=False, separator="\t" if fmt == "tsv" else ",")
    if type(source).__module__.startswith("pandas"):
        return pl.from_pandas(source)
    if hasattr(source, "__arrow_c_stream__"):  # Arrow tables and anything speaking the Arrow PyCapsule interface
        return pl.DataFrame(source)
    if isinstance(source, list):
        return _records_frame(source, name)
    raise LedgerError([Problem(name, None, None, None, f"cannot read a ledger from {type(source).__name__}; give a path, "
                                                       "a polars, pandas or Arrow table, or a list of dicts")])


def source_name(source: Any) -> str:
    """How messages name an input: the path of a file, ``<DataFrame>`` (its type) for a table in memory."""
    return str(source) if isinstance(source, (str, Path)) else f"<{type(source).__name__}>"


def scan_table(source: Any, name: str | None = None) -> pl.LazyFrame:
    """A file as a lazy polars scan: CSV (cells as text) and Parquet stream; JSON and NDJSON are read whole.

    A table in memory (polars, pandas, Arrow, a list of dicts) is taken as ``read_table`` takes it.

    ``name`` is the file's name in messages (default: the path). Raises ``LedgerError`` as
    ``read_table`` does.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.tsv"
    >>> _ = p.write_text("source\\ttarget\\nA\\tB\\n")
    >>> scan_table(p).collect_schema().names()
    ['source', 'target']
    """
    name = name or source_name(source)
    if isinstance(source, pl.LazyFrame):
        return source
    if not isinstance(source, (str, Path)):
        return read_table(source, name).lazy()
    path = _existing(source, name)
    fmt = _file_format(path, name)
    with read_errors(name):
        if fmt == "parquet":
            lf = pl.scan_parquet(path)
        elif fmt in ("csv", "tsv"):
            lf = pl.scan_csv(path, separator="\t" if fmt == "tsv" else ",", infer_schema=False, has_header=True)
        else:
            lf = read_table(path, name).lazy()
        lf.collect_schema()
    return lf


def _records_frame(records: list[Any], name: str) -> pl.DataFrame:
    problems = Problems(name)
    for i, r in enumerate(records, start=1):
        if not isinstance(r, dict):
            problems.add(i, None, None, "expected an object of column: value pairs")
    problems.raise_if_any()
    cols: dict[str, None] = {}
    for r in records:
        cols.update(dict.fromkeys(r))
    data = {c: [None if r.get(c) is None else (r[c] if isinstance(r[c], str) else json.dumps(r[c])) for r in records]
            for c in cols}
    return pl.DataFrame(data, schema={c: pl.String for c in cols})


def _read_json(path: Path | io.BytesIO, ndjson: bool, name: str) -> pl.DataFrame:
    try:
        text = path.getvalue().decode("utf-8") if isinstance(path, io.BytesIO) else path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LedgerError([Problem(name, None, None, None, f"not UTF-8 text: {exc.reason} at byte {exc.start}")]) from None
    if ndjson:
        records = []
        for i, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise LedgerError([Problem(name, i, None, line[:60], f"not valid JSON: {exc.msg}")]) from None
    else:
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LedgerError([Problem(name, None, None, None, f"not valid JSON at line {exc.lineno}: {exc.msg}")]) from None
        if isinstance(records, dict) and isinstance(records.get("rows"), list):
            records = records["rows"]
        if not isinstance(records, list):
            raise LedgerError([Problem(name, None, None, None, "expected a JSON array of rows (or an object with a 'rows' array)")])
    return _records_frame(records, name)
