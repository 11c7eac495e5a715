"""Transaction-size ledgers into integer arrays, without a Python object per row.

``read_edges`` streams a CSV or Parquet file through polars into an entity
dictionary (sorted names) and edge arrays: ``src``/``dst`` (int64 entity ids),
``ts`` (int64 seconds since 1970, or None), ``amount`` (float64, NaN where
empty) and, for IBM's AMLworld files, the laundering ``label``. Problems are
found in the same streaming pass and reported with their 1-based data row
(the header is not counted), column and value, at most 50.

Two layouts are read:

- ``dealgraph``: the ledger columns ``source``, ``target``, and optionally
  ``date`` (or ``timestamp``: a date, a date-time, or integer seconds),
  ``amount`` (a plain number) and ``label`` (0/1). ``--column`` maps other names.
- ``amlworld``: IBM's synthetic AML transactions (Altman et al. 2023):
  ``Timestamp, From Bank, Account, To Bank, Account, Amount Received,
  Receiving Currency, Amount Paid, Payment Currency, Payment Format,
  Is Laundering``. An entity is ``bank:account``; the amount is Amount Paid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from .._errors import LedgerError, Problem

__all__ = ["AMLWORLD_COLUMNS", "EdgeList", "read_edges", "scan_input"]

AMLWORLD_COLUMNS = ("Timestamp", "From Bank", "Account", "To Bank", "Account.1", "Amount Received", "Receiving Currency",
                    "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering")
_TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%Y-%m-%d", "%Y/%m/%d")
MAX_PROBLEMS = 50


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


def _parse_time(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype.is_integer():
        return col.cast(pl.Int64)
    if dtype == pl.Date:
        return col.cast(pl.Datetime("ms")).dt.epoch("s")
    if isinstance(dtype, pl.Datetime):
        return col.dt.epoch("s")
    text = col.cast(pl.String).str.strip_chars()
    dated = pl.coalesce([text.str.to_datetime(f, strict=False, time_unit="ms") for f in _TIME_FORMATS]).dt.epoch("s")
    return pl.coalesce([text.cast(pl.Int64, strict=False), dated])


def scan_input(source: str | Path, input_format: str = "auto") -> tuple[pl.LazyFrame, list[str]]:
    """A lazy scan of a CSV or Parquet file (AMLworld files get unique column names) and its header."""
    path = Path(source)
    name = str(source)
    if not path.exists():
        raise LedgerError([Problem(name, None, None, None, "no such file")])
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            lf = pl.scan_parquet(path)
        elif suffix in (".csv", ".tsv", ".txt"):
            sep = "\t" if suffix == ".tsv" else ","
            header = pl.read_csv(path, n_rows=0, separator=sep).columns
            amlworld = input_format == "amlworld" or (input_format == "auto" and _is_amlworld([h.split("_duplicated")[0] for h in header]))
            lf = pl.scan_csv(path, separator=sep, infer_schema=False, has_header=True,
                             new_columns=list(AMLWORLD_COLUMNS) if amlworld and len(header) == len(AMLWORLD_COLUMNS) else None)
        else:
            raise LedgerError([Problem(name, None, None, None, "unknown file type; use .csv, .tsv or .parquet")])
        return lf, list(lf.collect_schema().names())
    except LedgerError:
        raise
    except Exception as exc:  # polars' own message carries the position
        raise LedgerError([Problem(name, None, None, None, f"cannot read the file: {str(exc).strip().splitlines()[0]}")]) from None


def read_edges(source: str | Path, *, input_format: str = "auto", columns: Mapping[str, str] | None = None) -> EdgeList:
    """Read a CSV or Parquet ledger of any size into integer edge arrays.

    Raises ``LedgerError`` naming file, row, column and value for a missing
    column, an unreadable timestamp or amount, or an empty entity.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("source,target,date,amount\\nA,B,2025-01-01,5\\nB,A,2025-01-02 10:00,7\\n")
    >>> e = read_edges(p)
    >>> e.names.to_list(), e.src.tolist(), e.dst.tolist(), int(e.ts[1] - e.ts[0]) // 3600
    (['A', 'B'], [0, 1], [1, 0], 34)
    """
    name = str(source)
    lf, header = scan_input(source, input_format)
    amlworld = input_format == "amlworld" or (input_format == "auto" and _is_amlworld(header))
    schema = lf.collect_schema()
    if amlworld:
        missing = [c for c in ("Timestamp", "From Bank", "Account", "To Bank", "Account.1", "Amount Paid") if c not in header]
        if missing:
            raise LedgerError([Problem(name, None, c, None, "missing column of the AMLworld layout") for c in missing])
        src = pl.concat_str([pl.col("From Bank").cast(pl.String), pl.col("Account").cast(pl.String)], separator=":")
        dst = pl.concat_str([pl.col("To Bank").cast(pl.String), pl.col("Account.1").cast(pl.String)], separator=":")
        time_col: str | None = "Timestamp"
        amount_col: str | None = "Amount Paid"
        label_col: str | None = "Is Laundering" if "Is Laundering" in header else None
    else:
        cols = dict(columns or {})
        s_col, t_col = cols.get("source", "source"), cols.get("target", "target")
        missing = [c for c in (s_col, t_col) if c not in header]
        if missing:
            raise LedgerError([Problem(name, None, c, None, f"missing column; the file has {', '.join(header)}") for c in missing])
        src, dst = pl.col(s_col).cast(pl.String).str.strip_chars(), pl.col(t_col).cast(pl.String).str.strip_chars()
        time_col = next((c for c in (cols.get("date"), cols.get("timestamp"), "timestamp", "date") if c and c in header), None)
        amount_col = cols.get("amount", "amount") if cols.get("amount", "amount") in header else None
        label_col = cols.get("label", "label") if cols.get("label", "label") in header else None

    exprs = [src.alias("src"), dst.alias("dst")]
    checks = [("source" if not amlworld else "Account", pl.col("src").is_null() | (pl.col("src") == ""), "empty entity"),
              ("target" if not amlworld else "Account.1", pl.col("dst").is_null() | (pl.col("dst") == ""), "empty entity")]
    if time_col:
        exprs.append(_parse_time(pl.col(time_col), schema[time_col]).alias("ts"))
        checks.append((time_col, pl.col(time_col).is_not_null() & pl.col("ts").is_null(),
                       "not a timestamp; use a date (2025-01-31), a date-time (2025-01-31 14:05) or integer seconds"))
    if amount_col:
        raw = pl.col(amount_col)
        exprs.append((raw if schema[amount_col].is_numeric() else raw.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False))
                     .cast(pl.Float64).alias("amount"))
        checks.append((amount_col, raw.is_not_null() & pl.col("amount").is_null(), "not a number"))
    if label_col:
        exprs.append(pl.col(label_col).cast(pl.Int8, strict=False).alias("label"))
    flags = [cond.alias(f"bad{i}") for i, (_, cond, _) in enumerate(checks)]
    try:
        df = lf.with_columns(exprs).select(["src", "dst", *[e.meta.output_name() for e in exprs[2:]], *flags]).collect(engine="streaming")
    except Exception as exc:
        raise LedgerError([Problem(name, None, None, None, f"cannot read the file: {str(exc).strip().splitlines()[0]}")]) from None

    problems = []
    for i, (column, _, message) in enumerate(checks):
        bad = np.flatnonzero(df[f"bad{i}"].to_numpy())
        if len(bad):
            rows = (bad[:MAX_PROBLEMS] + 1).tolist()
            values = lf.with_row_index("__row", offset=1).filter(pl.col("__row").is_in(rows)).select(pl.col(column).cast(pl.String))
            for row, value in zip(rows, values.collect().to_series().to_list()):
                problems.append(Problem(name, row, column, value, message))
    if problems:
        raise LedgerError(problems[:MAX_PROBLEMS], truncated=max(0, len(problems) - MAX_PROBLEMS))

    names = pl.concat([df["src"], df["dst"]]).unique().sort()
    ids = pl.DataFrame({"name": names, "id": pl.int_range(len(names), eager=True, dtype=pl.Int64)})
    coded = df.select("src", "dst").with_row_index("__i").join(ids, left_on="src", right_on="name").join(
        ids, left_on="dst", right_on="name", suffix="_dst").sort("__i")
    return EdgeList(
        origin=name,
        names=names,
        src=coded["id"].to_numpy(),
        dst=coded["id_dst"].to_numpy(),
        ts=df["ts"].to_numpy() if "ts" in df.columns else None,
        amount=df["amount"].fill_null(float("nan")).to_numpy() if "amount" in df.columns else None,
        label=df["label"].to_numpy() if "label" in df.columns else None,
    )


def window_seconds(window: dt.timedelta) -> int:
    """A window as whole seconds (the unit of ``EdgeList.ts``)."""
    return int(window.total_seconds())
