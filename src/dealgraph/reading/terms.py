"""When a deal's money moves: terms, calendar years and horizons.

A row with a term (``start`` to ``end``, both days included) spreads its money evenly over
the term's calendar years: each year weighs the share of its days the term covers, so a
five-year USD 300B commitment from 1 January 2027 is USD 60B in each of 2027 to 2031, and a
term from 1 July counts half a year in its first year. A schedule is given as one row per
instalment, each with its own date or term. A row without a term moves its money on one day:
its ``start``, else its ``date``. A row with neither has unknown timing: it is in every
whole-term figure, and left out (and named) where a period is asked for.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

__all__ = ["add_years", "period_shares", "year_shares", "year_window"]

_EPOCH = dt.date(1970, 1, 1)  # the day 0 of a polars Date


def year_window(year: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a calendar year."""
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def add_years(start: dt.date, years: float) -> dt.date:
    """The last day of a term of ``years`` (whole months) from ``start``.

    >>> add_years(dt.date(2027, 1, 1), 5), add_years(dt.date(2025, 7, 15), 0.5)
    (datetime.date(2031, 12, 31), datetime.date(2026, 1, 14))
    """
    months = round(years * 12)
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    day = min(start.day, (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day)
    return dt.date(year, month, day) - dt.timedelta(days=1)


def _days(s: pl.Series) -> np.ndarray:
    """Days since 1970 as floats, NaN where null."""
    return s.cast(pl.Int32).cast(pl.Float64).fill_null(np.nan).to_numpy()


def _year_units(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sum over calendar years of (days of ``[a, b]`` in the year) / (days in the year); 0 where empty or unknown."""
    out = np.zeros(len(a))
    ok = np.isfinite(a) & np.isfinite(b) & (b >= a)
    if not ok.any():
        return out
    first, last = (_EPOCH + dt.timedelta(days=int(x)) for x in (a[ok].min(), b[ok].max()))
    for year in range(first.year, last.year + 1):
        lo, hi = ((d - _EPOCH).days for d in year_window(year))
        overlap = np.minimum(b, hi) - np.maximum(a, lo) + 1
        out += np.where(ok & (overlap > 0), overlap, 0.0) / (hi - lo + 1)
    return out


def period_shares(table: pl.DataFrame, first: dt.date, last: dt.date) -> np.ndarray:
    """Per row of a ledger table: the share of its money that moves from ``first`` to ``last`` (both included).

    NaN where the row's timing is unknown (no ``start``, ``end`` or ``date``).

    >>> t = pl.DataFrame({"date": [None, dt.date(2027, 3, 1), None], "start": [dt.date(2027, 1, 1), None, None],
    ...                   "end": [dt.date(2031, 12, 31), None, None]})
    >>> period_shares(t, *year_window(2027)).round(3).tolist()
    [0.2, 1.0, nan]
    """
    start, end, whole = _timing(table)
    return _shares(start, end, whole, first, last)


def _timing(table: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the day its money starts to move (its start, else its date), its term's last day, the term's length in years."""
    start = _days(table["start"].fill_null(table["date"]))
    end = _days(table["end"])
    return start, end, _year_units(start, end)


def _shares(start: np.ndarray, end: np.ndarray, whole: np.ndarray, first: dt.date, last: dt.date) -> np.ndarray:
    """``period_shares`` from the rows' timing (``_timing``)."""
    lo, hi = ((d - _EPOCH).days for d in (first, last))
    part = _year_units(np.maximum(start, lo), np.minimum(end, hi))
    spread = np.divide(part, whole, out=np.zeros_like(part), where=whole > 0)
    one_day = ((start >= lo) & (start <= hi)).astype(float)
    return np.where(np.isfinite(end), spread, np.where(np.isfinite(start), one_day, np.nan))


def year_shares(table: pl.DataFrame, years: range) -> np.ndarray:
    """``period_shares`` for each calendar year of ``years`` at once: one column per year (rows x years).

    >>> t = pl.DataFrame({"date": [None, dt.date(2027, 3, 1), None], "start": [dt.date(2027, 1, 1), None, None],
    ...                   "end": [dt.date(2031, 12, 31), None, None]})
    >>> year_shares(t, range(2026, 2029)).round(3).tolist()
    [[0.0, 0.2, 0.2], [0.0, 1.0, 0.0], [nan, nan, nan]]
    """
    timing = _timing(table)
    out = np.empty((table.height, len(years)))
    for k, year in enumerate(years):
        out[:, k] = _shares(*timing, *year_window(year))
    return out
