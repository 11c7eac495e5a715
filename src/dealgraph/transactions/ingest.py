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
  ``date`` (or ``timestamp``: a date, a date-time, or integer seconds),
  ``amount`` (as in the deal ledger: ``5``, ``$5``, ``5 million``, ``50亿``) and
  ``label`` (0/1). ``--column`` maps other names.
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

from ..reading.aliases import sort_names
from ..reading.cells import BAD_AMOUNT, bad_amounts, cast_amounts, parse_amounts, parse_timestamps
from ..reading.tables import MAX_PROBLEMS, Problems, read_errors, scan_table, source_name

__all__ = ["AMLWORLD_COLUMNS", "EdgeList", "read_edges", "scan_input"]

logger = logging.getLogger(__name__)

AMLWORLD_COLUMNS = ("Timestamp", "From Bank", "Account", "To Bank", "Account.1", "Amount Received", "Receiving Currency",
                    "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering")


@dataclass(frozen=True)
class EdgeList:
    """A ledger as arrays: entity ``names`` and one entry per row in ``src``, ``dst``, ``ts``, ``amount``, ``label``."""

    origin: str
    names: pl.Series
    src: np.ndarray
    dst: np.ndarray
    ts: np.ndarray | None
    amount: np.ndarray | None
    label: np.ndarray | None

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


def read_edges(source: Any, *, input_format: str = "auto", columns: Mapping[str, str] | None = None) -> EdgeList:
    """Read a transaction file of any size (or a polars, pandas or Arrow table) into integer edge arrays.

    CSV and Parquet files stream (JSON and NDJSON are read whole); cells are read
    as in the deal ledger, so an amount may be ``5``, ``$5`` or ``5 million``.
    Entities are numbered in ``sort_names`` order, as in the deal ledger.

    Raises ``LedgerError`` naming file, row, column and value for a missing
    column, an unreadable timestamp or amount, a negative or non-finite amount,
    or an empty entity (at most 50 listed, the rest counted).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("source,target,date,amount\\nA,B,2025-01-01,5\\nB,A,2025-01-02 10:00,7\\n")
    >>> e = read_edges(p)
    >>> e.names.to_list(), e.src.tolist(), e.dst.tolist(), int(e.ts[1] - e.ts[0]) // 3600
    (['A', 'B'], [0, 1], [1, 0], 34)
    """
    name = source_name(source)
    lf, header = scan_input(source, input_format)
    amlworld = input_format == "amlworld" or (input_format == "auto" and _is_amlworld(header))
    schema = lf.collect_schema()
    problems = Problems(name, header)
    if amlworld:
        for c in ("Timestamp", "From Bank", "Account", "To Bank", "Account.1", "Amount Paid"):
            if c not in header:
                problems.add(None, c, None, "missing column of the AMLworld layout")
        src = pl.concat_str([pl.col("From Bank").cast(pl.String), pl.col("Account").cast(pl.String)], separator=":")
        dst = pl.concat_str([pl.col("To Bank").cast(pl.String), pl.col("Account.1").cast(pl.String)], separator=":")
        time_col: str | None = "Timestamp"
        amount_col: str | None = "Amount Paid"
        label_col: str | None = "Is Laundering" if "Is Laundering" in header else None
    else:
        cols = dict(columns or {})
        s_col, t_col = cols.get("source", "source"), cols.get("target", "target")
        for c in (s_col, t_col):
            if c not in header:
                problems.add(None, c, None, f"missing column; the file has {', '.join(header)}")
        src, dst = pl.col(s_col).cast(pl.String).str.strip_chars(), pl.col(t_col).cast(pl.String).str.strip_chars()
        time_col = next((c for c in (cols.get("date"), cols.get("timestamp"), "timestamp", "date") if c and c in header), None)
        amount_col = cols.get("amount", "amount") if cols.get("amount", "amount") in header else None
        label_col = cols.get("label", "label") if cols.get("label", "label") in header else None
    problems.raise_if_any()

    exprs = [src.alias("src"), dst.alias("dst")]
    checks = [("source" if not amlworld else "Account", pl.col("src").is_null() | (pl.col("src") == ""), "empty entity"),
              ("target" if not amlworld else "Account.1", pl.col("dst").is_null() | (pl.col("dst") == ""), "empty entity")]
    if time_col:
        exprs.append(parse_timestamps(pl.col(time_col), schema[time_col]).alias("ts"))
        checks.append((time_col, pl.col(time_col).is_not_null() & pl.col("ts").is_null(),
                       "not a timestamp; use a date (2025-01-31), a date-time (2025-01-31 14:05) or integer seconds"))
    if amount_col:
        # the fast path, streamed: a cast; the cells it cannot read ($5, 5 million) go through parse_amounts below
        cast = cast_amounts(pl.col(amount_col), schema[amount_col])
        unread = pl.col(amount_col).is_not_null() & cast.is_null()
        exprs += [cast.alias("amount"), unread.alias("unread")]
        checks.append((amount_col, bad_amounts(pl.col("amount")).fill_null(False), BAD_AMOUNT))
    if label_col:
        exprs.append(pl.col(label_col).cast(pl.Int8, strict=False).alias("label"))
    flags = [cond.alias(f"bad{i}") for i, (_, cond, _) in enumerate(checks)]
    with read_errors(name):
        df = lf.with_columns(exprs).select(["src", "dst", *[e.meta.output_name() for e in exprs[2:]], *flags]).collect(engine="streaming")

    for i, (column, _, message) in enumerate(checks):
        bad = np.flatnonzero(df[f"bad{i}"].to_numpy())
        if len(bad):
            rows = (bad[:MAX_PROBLEMS] + 1).tolist()
            values = lf.with_row_index("__row", offset=1).filter(pl.col("__row").is_in(rows)).select(pl.col(column).cast(pl.String))
            for row, value in zip(rows, values.collect().to_series().to_list()):
                problems.add(row, column, value, message)
            problems.count(len(bad) - len(rows))
    amount = df["amount"] if amount_col else None
    if amount_col and df["unread"].any():
        with read_errors(name):
            slow = lf.with_row_index("__row").filter(unread).select("__row", pl.col(amount_col)).collect(engine="streaming")
        parsed = parse_amounts(slow[amount_col])
        problems.add_column(amount_col, parsed, rows=slow["__row"] + 1)
        amount = df["amount"].scatter(slow["__row"], parsed.values)
    problems.raise_if_any()

    names = sort_names(pl.concat([df["src"], df["dst"]]).unique())
    ids = pl.DataFrame({"name": names, "id": pl.int_range(len(names), eager=True, dtype=pl.Int64)})
    coded = df.select("src", "dst").with_row_index("__i").join(ids, left_on="src", right_on="name").join(
        ids, left_on="dst", right_on="name", suffix="_dst").sort("__i")
    logger.info("edges: %s: %d rows, %d entities", name, df.height, len(names))
    return EdgeList(
        origin=name,
        names=names,
        src=coded["id"].to_numpy(),
        dst=coded["id_dst"].to_numpy(),
        ts=df["ts"].to_numpy() if "ts" in df.columns else None,
        amount=None if amount is None else amount.fill_null(float("nan")).to_numpy(),
        label=df["label"].to_numpy() if "label" in df.columns else None,
    )
