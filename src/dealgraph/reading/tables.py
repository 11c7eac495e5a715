"""The one reader of tabular files, and the one collector of the problems found in them.

``read_table`` reads a file (or a file's bytes, or a polars, pandas or Arrow table, or a list
of dicts) into a polars DataFrame; ``scan_table`` scans a file lazily, so a transaction file of
millions of rows streams. Both dispatch on the suffix the same way (``.csv``/``.txt``, ``.tsv``,
``.parquet``/``.pq``, ``.json``, ``.ndjson``/``.jsonl``), read CSV cells as text, and turn what
polars or Arrow raise into a ``LedgerError`` naming the file ("cannot read the file: ...").

``Problems`` collects every problem found in one input and raises them together, sorted by
row and column, at most ``MAX_PROBLEMS`` listed and the rest counted.

Both readers find their columns with ``match_columns`` and check their types with
``check_types``. The rules of a header:

- a header that differs from one of dealgraph's column names only by case, width, spaces or
  invisible characters (``Amount``, `` SOURCE``) is that column;
- ``columns`` (``--column``) maps dealgraph's names to the file's; a mapped column replaces a
  file column of dealgraph's name;
- a column named twice (CSV ``amount,amount``, which polars reads as ``amount`` and
  ``amount_duplicated_0``; or two spellings of one name) is a problem when the reader uses it;
- an unknown column close to one of dealgraph's names (``ammount``, ``notes``: ``difflib``
  ratio at least ``CLOSE``) is a problem naming the closest name; other unknown columns are
  left alone (kept in the file, ignored by the reader).
"""

from __future__ import annotations

import difflib
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from .._errors import LedgerError, Problem, shorten
from .cells import ParsedColumn, clean_text

__all__ = ["CLOSE", "MAX_PROBLEMS", "Problems", "check_types", "describe_columns", "match_columns", "read_errors", "read_table",
           "scan_table", "source_name"]

MAX_PROBLEMS = 50
CLOSE = 0.8  # difflib ratio from which an unknown column is taken for a misspelling of a known one
_LISTED = 20  # column names listed in a message
_NAME_LENGTH = 1_000  # longer headers are nobody's spelling of a known column (and too slow to compare)
_DUPLICATED = re.compile(r"^(.*)_duplicated_\d+$")  # how polars names the second column of a name

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
        cells = parsed.cells.cast(pl.String)  # as text: a date of year 0 has no Python value
        for i in bad.head(MAX_PROBLEMS).to_list():
            self.add(i + 1 if rows is None else int(rows[i]), column, cells[i], parsed.problems[i])
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
        raise LedgerError([Problem(name, None, None, None, f"cannot read the file: {shorten(first, 200)}")]) from None


def describe_columns(names: Sequence[str]) -> str:
    """Column names for a message: at most 20, each cut to 40 characters.

    >>> describe_columns(["a", "b"]), describe_columns([f"c{i}" for i in range(25)])[-22:]
    ('a, b', 'c19 and 5 more columns')
    >>> describe_columns([])
    'no columns'
    """
    shown = ", ".join(shorten(n, 40) for n in names[:_LISTED])
    more = f" and {len(names) - _LISTED} more columns" if len(names) > _LISTED else ""
    return shown + more if names else "no columns"


def match_columns(header: Sequence[str], known: Sequence[str], columns: Mapping[str, str], problems: Problems,
                  used: Iterable[str] | None = None) -> dict[str, str]:
    """The file column that holds each of dealgraph's columns: ``{ours: the file's}``.

    Parameters
    ----------
    header : sequence of str
        The file's column names, as polars reads them.
    known : sequence of str
        dealgraph's names of the columns this reader knows.
    columns : mapping
        The user's mapping of dealgraph's names to the file's (``--column amount="Amount Paid"``).
    problems : Problems
        Where the problems found go: a mapping of an unknown name or to a missing column, a
        column named twice (of those in ``used``, default all of ``known``), an unknown column
        close to a known name (see the module docstring).
    used : iterable of str, optional
        The known columns the reader reads (their duplicates are problems).

    Examples
    --------
    >>> problems = Problems("t.csv")
    >>> match_columns(["Source", "target", "ammount", "memo"], ["source", "target", "amount"], {}, problems)
    {'source': 'Source', 'target': 'target'}
    >>> [(p.column, p.message) for p in problems.items]
    [('ammount', "unknown column, close to 'amount'; rename it amount, or map it with --column amount=ammount")]
    """
    used = set(known if used is None else used)
    for unknown in sorted(set(columns) - set(known)):
        problems.add(None, unknown, None, f"--column maps unknown column '{shorten(unknown, 40)}'; dealgraph's columns are {', '.join(known)}")
    mapped = {theirs: ours for ours, theirs in columns.items() if ours in known}
    for theirs in mapped:
        if theirs not in header:
            problems.add(None, theirs, None, f"mapped column not found; the file has {describe_columns(header)}")
    keys = {clean_text(k).casefold(): k for k in known}
    found: dict[str, list[str]] = {}
    for h in header:
        twin = _DUPLICATED.match(h)
        base = twin.group(1) if twin and twin.group(1) in header else h  # the name as the file writes it
        key = clean_text(base).casefold() if len(base) <= _NAME_LENGTH else base  # no known name is that long
        ours = mapped.get(base) or (keys[key] if key in keys and keys[key] not in columns else None)  # a mapped column shadows ours
        if ours is not None:
            found.setdefault(ours, []).append(h)
        elif base == h and key not in keys and len(key) <= _NAME_LENGTH:
            close = difflib.get_close_matches(key, list(keys), n=1, cutoff=CLOSE)
            if close:
                name = keys[close[0]]
                problems.add(None, h, None, f"unknown column, close to '{name}'; rename it {name}, or map it with --column {name}={shorten(h, 40)}")
    for ours, names in found.items():
        if len(names) > 1 and ours in used:
            shown = [_DUPLICATED.sub(r"\1", n) for n in names]
            problems.add(None, shown[0], None, f"the header names column {ours} {len(names)} times ({', '.join(map(repr, shown))}); "
                                               "remove or rename the copies")
    return {ours: names[0] for ours, names in found.items()}


_TEXT_TYPES = "text, numbers, true/false or dates"


def check_types(frame: pl.DataFrame | pl.LazyFrame, columns: Iterable[str], problems: Problems) -> None:
    """A problem for each of ``columns`` whose type the readers cannot take as cells.

    A column is read when it holds text, numbers, true/false values, dates, date-times or
    times; Parquet and Arrow columns of lists, structs, durations or other types are problems
    naming the column and its type, as are binary columns whose bytes are not UTF-8 text.

    >>> problems = Problems("t.parquet")
    >>> check_types(pl.DataFrame({"a": [[1]], "b": [b"\\xff"], "c": ["x"]}), ["a", "b", "c"], problems)
    >>> [(p.column, p.message[:30]) for p in problems.items]
    [('a', 'a column of type List(Int64); '), ('b', 'a binary column whose bytes ar')]
    """
    schema = frame.collect_schema()
    for column in columns:
        dtype = schema[column]
        if dtype == pl.Binary:
            try:
                frame.select(pl.col(column).cast(pl.String)).lazy().collect()
            except pl.exceptions.PolarsError:
                problems.add(None, column, None, f"a binary column whose bytes are not UTF-8 text; expected {_TEXT_TYPES}")
        elif not (dtype.is_numeric() or dtype.is_temporal() and dtype != pl.Duration or dtype in (pl.String, pl.Boolean, pl.Null)
                  or isinstance(dtype, (pl.Categorical, pl.Enum))):
            problems.add(None, column, None, f"a column of type {dtype}; expected {_TEXT_TYPES}")


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
        with read_errors(name):
            return pl.from_pandas(source)
    if hasattr(source, "__arrow_c_stream__"):  # Arrow tables and anything speaking the Arrow PyCapsule interface
        with read_errors(name):
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
    cols: dict[Any, None] = {}
    for r in records:
        cols.update(dict.fromkeys(r))
    data = {str(c): [None if r.get(c) is None else (r[c] if isinstance(r[c], str) else json.dumps(r[c], default=str)) for r in records]
            for c in cols}
    return pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))


def _read_json(path: Path | io.BytesIO, ndjson: bool, name: str) -> pl.DataFrame:
    try:
        text = path.getvalue().decode("utf-8") if isinstance(path, io.BytesIO) else path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LedgerError([Problem(name, None, None, None, f"not UTF-8 text: {exc.reason} at byte {exc.start}")]) from None
    twice: set[str] = set()  # keys an object names twice (json keeps the last silently)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in items]
        twice.update(k for k in keys if keys.count(k) > 1)
        return dict(items)

    if ndjson:
        records = []
        for i, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    records.append(json.loads(line, object_pairs_hook=pairs))
                except json.JSONDecodeError as exc:
                    raise LedgerError([Problem(name, i, None, line[:60], f"not valid JSON: {exc.msg}")]) from None
    else:
        try:
            records = json.loads(text, object_pairs_hook=pairs)
        except json.JSONDecodeError as exc:
            raise LedgerError([Problem(name, None, None, None, f"not valid JSON at line {exc.lineno}: {exc.msg}")]) from None
        if isinstance(records, dict) and isinstance(records.get("rows"), list):
            records = records["rows"]
        if not isinstance(records, list):
            raise LedgerError([Problem(name, None, None, None, "expected a JSON array of rows (or an object with a 'rows' array)")])
    if twice:
        raise LedgerError([Problem(name, None, k, None, "an object names this column twice (JSON keeps only the last); remove the copies")
                           for k in sorted(twice)][:MAX_PROBLEMS])
    return _records_frame(records, name)
