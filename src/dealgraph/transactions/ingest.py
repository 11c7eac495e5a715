"""Transaction-size ledgers into integer arrays, without a Python object per row.

``read_edges`` streams a CSV or Parquet file (JSON is read whole) through polars into an entity
dictionary (names in the deal ledger's order, ``dealgraph.reading.aliases.sort_names``)
and edge arrays: ``src``/``dst`` (int64 entity ids), ``ts`` (int64 seconds since
1970, or None), ``amount`` (float64, NaN where empty) and, for IBM's AMLworld
files, the laundering ``label``. Files are read by ``dealgraph.reading.tables``
and cells by ``dealgraph.reading.cells``, the parsers of the deal ledger: a
polars cast in the streaming pass, and the amount parser only for the cells the
cast cannot read. Problems are reported with their 1-based data row (the header
is not counted), column and value, at most 50 listed.

Two layouts are read:

- ``dealgraph``: the ledger columns ``source``, ``target``, and optionally
  ``date`` (or ``timestamp``: a date, a date-time with or without ``Z`` or an
  offset, or an integer count of seconds, ms, us or ns since 1970; empty in no row,
  unless empty in every row), ``amount`` (as in the deal ledger: ``5``, ``$5``,
  ``5 million``, ``50亿``) and ``label`` (0/1 or true/false in every row). Headers
  follow ``dealgraph.reading.tables.match_columns``; ``--column`` maps other names.
- ``amlworld``: IBM's synthetic AML transactions (Altman et al. 2023):
  ``Timestamp, From Bank, Account, To Bank, Account, Amount Received,
  Receiving Currency, Amount Paid, Payment Currency, Payment Format,
  Is Laundering``. An entity is ``bank:account``; the amount is Amount Paid.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ..reading.aliases import entity_names, sort_names
from ..reading.cells import amount_checks, cast_amounts, check_decimal, check_time_unit, parse_amounts, parse_timestamps, timestamp_seconds
from ..reading.ledger import COLUMNS
from ..reading.tables import MAX_PROBLEMS, Problems, check_types, describe_columns, match_columns, read_errors, scan_table, source_name

__all__ = ["AMLWORLD_COLUMNS", "EDGE_COLUMNS", "EdgeList", "read_edges", "scan_input"]

logger = logging.getLogger(__name__)

AMLWORLD_COLUMNS = ("Timestamp", "From Bank", "Account", "To Bank", "Account.1", "Amount Received", "Receiving Currency",
                    "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering")
_READ = ("source", "target", "timestamp", "date", "amount", "label")
EDGE_COLUMNS = (*_READ, *(c for c in COLUMNS if c not in _READ))
"""The columns of the dealgraph layout: those read, then the deal ledger's others (known, so not misspellings, but ignored)."""
_EMPTY_TIME = "empty timestamp; a transaction file with a timestamp column needs one in every row"
_NOT_TIME = ("not a timestamp; use a date (2025-01-31), a date-time (2025-01-31 14:05, 2025-01-31T14:05:00Z, 2025-01-31T22:05:00+08:00) "
             "or an integer (seconds since 1970, or ms, us, ns)")
_NOT_LABEL = "not a label; expected 0 or 1 (or true, false) in every row"
_LABELS = {"0": 0, "1": 1, "false": 0, "true": 1}


@dataclass(frozen=True)
class EdgeList:
    """A ledger as arrays: entity ``names`` and one entry per row in ``src``, ``dst``, ``ts``, ``amount``, ``label``.

    ``notes`` says what the reader did that the user should know (entity names written in several
    ways read as one).
    """

    origin: str
    names: pl.Series
    src: np.ndarray
    dst: np.ndarray
    ts: np.ndarray | None
    amount: np.ndarray | None
    label: np.ndarray | None
    notes: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def m(self) -> int:
        return len(self.src)

    @property
    def nbytes(self) -> int:
        arrays = (self.src, self.dst, self.ts, self.amount, self.label)
        return sum(a.nbytes for a in arrays if a is not None) + int(self.names.estimated_size())


def _is_amlworld(header: list[str]) -> bool:
    return len(header) == len(AMLWORLD_COLUMNS) and header[0] == "Timestamp" and header[1] == "From Bank"


def scan_input(source: Any, input_format: str = "auto") -> tuple[pl.LazyFrame, list[str]]:
    """A lazy scan of a transaction file (``dealgraph.reading.tables.scan_table``) and its header.

    A file in the AMLworld layout (``input_format="amlworld"``, or detected by its header)
    gets the unique column names ``AMLWORLD_COLUMNS`` (its two ``Account`` columns become
    ``Account`` and ``Account.1``).
    """
    lf = scan_table(source)
    header = lf.collect_schema().names()
    amlworld = input_format == "amlworld" or (input_format == "auto" and _is_amlworld([h.split("_duplicated")[0] for h in header]))
    if amlworld and len(header) == len(AMLWORLD_COLUMNS):
        lf = lf.rename(dict(zip(header, AMLWORLD_COLUMNS)))
    return lf, lf.collect_schema().names()


def _labels(cells: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Laundering labels as Int8 0/1 from 0/1 numbers, true/false values or text (``0``, ``1``, ``true``, ``false``); null otherwise."""
    if dtype == pl.Boolean:
        return cells.cast(pl.Int8)
    if dtype.is_numeric():
        return pl.when((cells == 0) | (cells == 1)).then(cells.cast(pl.Int8))
    text = cells.cast(pl.String).str.strip_chars().str.to_lowercase()
    return text.replace_strict(_LABELS, default=None, return_dtype=pl.Int8)


def read_edges(source: Any, *, input_format: str = "auto", columns: Mapping[str, str] | None = None, decimal: str = ".",
               time_unit: str = "auto") -> EdgeList:
    """Read a transaction file of any size (or a polars, pandas or Arrow table) into integer edge arrays.

    Parameters
    ----------
    source : path or table
        A CSV, TSV, Parquet, JSON or NDJSON file (CSV and Parquet stream), or a polars, pandas
        or Arrow table.
    input_format : {"auto", "dealgraph", "amlworld"}
        The layout (see the module docstring); ``auto`` detects AMLworld by its header.
    columns : mapping, optional
        Your column names for dealgraph's, e.g. ``{"source": "payer", "date": "when"}``.
    decimal : {".", ","}
        The decimal mark of amounts written as text, as in ``dealgraph.read_ledger``.
    time_unit : {"auto", "s", "ms", "us", "ns"}
        The unit of integer timestamps since 1970; ``auto`` tells it by their size (from 1e11
        milliseconds, from 1e14 microseconds, from 1e17 nanoseconds), and every integer
        timestamp must then be of the same size.

    Returns
    -------
    EdgeList
        Entities numbered in ``sort_names`` order, as in the deal ledger; ``ts`` in seconds
        since 1970 (UTC), None when the file has no timestamp column or it is empty throughout.

    Raises
    ------
    LedgerError
        Naming file, row, column and value: a missing, misspelled or duplicated column, a
        column of a type that is not cells (lists, structs, durations, binary that is not
        UTF-8), an empty or unreadable timestamp or one out of range (1900 to 2199), integer
        timestamps of mixed units, an unreadable, negative, non-finite or too large (above
        1e15) amount, an invalid label, or an empty entity (at most 50 listed, the rest counted).

    Notes
    -----
    Cells are read as in the deal ledger, so an amount may be ``5``, ``$5``, ``5 million`` or
    ``五千万``, and a timestamp ``2025-01-01T00:21:52Z``. Entity names are cleaned and merged as
    in the deal ledger (``dealgraph.reading.aliases.entity_names``; no alias table): the
    merges are in ``notes``. One streaming pass of polars over the rows; then Python runs once per
    distinct amount the cast cannot read, and names are cleaned once per distinct spelling
    (vectorised).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("source,target,date,amount\\nA,B,2025-01-01,5\\nB,A,2025-01-02 10:00,7\\n")
    >>> e = read_edges(p)
    >>> e.names.to_list(), e.src.tolist(), e.dst.tolist(), int(e.ts[1] - e.ts[0]) // 3600
    (['A', 'B'], [0, 1], [1, 0], 34)
    """
    check_decimal(decimal)
    check_time_unit(time_unit)
    name = source_name(source)
    lf, header = scan_input(source, input_format)
    amlworld = input_format == "amlworld" or (input_format == "auto" and _is_amlworld(header))
    schema = lf.collect_schema()
    problems = Problems(name, header)
    if amlworld:
        for c in ("Timestamp", "From Bank", "Account", "To Bank", "Account.1", "Amount Paid"):
            if c not in header:
                problems.add(None, c, None, "missing column of the AMLworld layout")
        found = {"source": "Account", "target": "Account.1", "timestamp": "Timestamp", "amount": "Amount Paid",
                 **({"label": "Is Laundering"} if "Is Laundering" in header else {})}
        src = pl.concat_str([pl.col("From Bank").cast(pl.String), pl.col("Account").cast(pl.String)], separator=":")
        dst = pl.concat_str([pl.col("To Bank").cast(pl.String), pl.col("Account.1").cast(pl.String)], separator=":")
    else:
        mapping = dict(columns or {})
        found = match_columns(header, EDGE_COLUMNS, mapping, problems, used=_READ)
        for c in ("source", "target"):
            if c not in found:
                problems.add(None, mapping.get(c, c), None, f"missing column; the file has {describe_columns(header)}")
        src, dst = (pl.col(found.get(c, c)).cast(pl.String).str.strip_chars() for c in ("source", "target"))
    prefer = ("date", "timestamp") if "date" in (columns or {}) else ("timestamp", "date")  # a mapped date wins
    time_col = next((found[c] for c in prefer if c in found), None)
    amount_col, label_col = found.get("amount"), found.get("label")
    read = [found[c] for c in _READ if c in found] + (["From Bank", "To Bank"] if amlworld else [])
    check_types(lf, [c for c in read if c in header], problems)
    problems.raise_if_any()

    exprs = [src.alias("src"), dst.alias("dst")]
    checks: list[tuple[str, pl.Expr, str]] = []
    if time_col is not None:
        values, integers = parse_timestamps(pl.col(time_col), schema[time_col])
        empty = pl.col(time_col).is_null()
        if schema[time_col] == pl.String:
            empty = empty | (pl.col(time_col).str.strip_chars() == "")
        exprs += [values.alias("ts"), empty.alias("ts_empty"), *([] if integers is None else [integers.alias("ts_int")])]
        checks.append((time_col, ~pl.col("ts_empty") & pl.col("ts").is_null(), _NOT_TIME))
    if amount_col:
        # the fast path, streamed: a cast; the cells it cannot read ($5, 5 million) go through parse_amounts below
        cast = cast_amounts(pl.col(amount_col), schema[amount_col], decimal)
        unread = pl.col(amount_col).is_not_null() & cast.is_null()
        exprs += [cast.alias("amount"), unread.alias("unread")]
        checks += [(amount_col, failed.fill_null(False), message) for failed, message in amount_checks(pl.col("amount"))]
    if label_col:
        exprs.append(_labels(pl.col(label_col), schema[label_col]).alias("label"))
        checks.append((label_col, pl.col("label").is_null(), _NOT_LABEL))
    flags = [cond.alias(f"bad{i}") for i, (_, cond, _) in enumerate(checks)]
    with read_errors(name):
        df = lf.with_columns(exprs).select(["src", "dst", *[e.meta.output_name() for e in exprs[2:]], *flags]).collect(engine="streaming")

    for i, (column, _, message) in enumerate(checks):
        _report(lf, problems, column, df[f"bad{i}"], message)
    ts = None
    if time_col is not None and not df["ts_empty"].all():  # a timestamp column empty throughout: no timestamps
        _report(lf, problems, time_col, df["ts_empty"], _EMPTY_TIME)
        ts, wrong = timestamp_seconds(df["ts"], df["ts_int"] if "ts_int" in df.columns else None, schema[time_col].is_integer(), time_unit)
        for where, message in wrong:
            _report(lf, problems, time_col, where, message)
    amount = df["amount"] if amount_col else None
    if amount_col and df["unread"].any():
        with read_errors(name):
            slow = lf.with_row_index("__row").filter(unread).select("__row", pl.col(amount_col)).collect(engine="streaming")
        parsed = parse_amounts(slow[amount_col], decimal=decimal)
        problems.add_column(amount_col, parsed, rows=slow["__row"] + 1)
        amount = df["amount"].scatter(slow["__row"], parsed.values)

    spelled = entity_names(df["src"], df["dst"])
    blank = spelled.spellings.filter(pl.col("name").is_null())["spelling"]
    for column, cells in ((found["source"], df["src"]), (found["target"], df["dst"])):
        unnamed = cells.is_null()
        if len(blank):
            unnamed |= cells.is_in(blank.implode())
        _report(lf, problems, column, unnamed, "empty entity (invisible characters do not count)")
    problems.raise_if_any()

    names = sort_names(spelled.spellings["name"].unique())
    code = spelled.spellings.join(names.to_frame("name").with_row_index("id"), on="name")
    src_id, dst_id = (cells.replace_strict(code["spelling"], code["id"], return_dtype=pl.Int64).cast(pl.Int64)  # cast: when empty
                      for cells in (df["src"], df["dst"]))
    notes = () if spelled.note is None else (spelled.note,)
    logger.info("edges: %s: %d rows, %d entities%s", name, df.height, len(names), "".join(f"; {n}" for n in notes))
    return EdgeList(
        origin=name,
        names=names,
        src=src_id.to_numpy(),
        dst=dst_id.to_numpy(),
        ts=None if ts is None else ts.to_numpy(),
        amount=None if amount is None else amount.fill_null(float("nan")).to_numpy(),
        label=df["label"].to_numpy() if "label" in df.columns else None,
        notes=notes,
    )


def _report(lf: pl.LazyFrame, problems: Problems, column: str, bad: pl.Series, message: str) -> None:
    """A problem for each row where ``bad`` is true, naming the cell of ``column`` (the first ``MAX_PROBLEMS`` read again from ``lf``)."""
    if not bad.any():
        return
    rows = (bad.arg_true().head(MAX_PROBLEMS) + 1).to_list()
    values = lf.with_row_index("__row", offset=1).filter(pl.col("__row").is_in(rows)).select(pl.col(column).cast(pl.String))
    for row, value in zip(rows, values.collect().to_series().to_list()):
        problems.add(row, column, value, message)
    problems.count(int(bad.sum()) - len(rows))
