"""Per-row and per-account features for machine-learning users, as a result value.

Per input row: how many hop-bounded cycles of each length pass through the
row's (source, target) pair (``cycles_L``), how many temporal cycles of each
length pass through the row itself (``temporal_cycles_L``), and the row's
fan-out (distinct payees of its source) and fan-in (distinct payers of its
target) within the window up to its time, and its scatter-gather: the most distinct
intermediaries m of any pair (s, d) linked by two-hop paths s -> m -> d (second
row strictly later, within the window) that run through the row. Per account:
cycles of each length through it, its largest fan-in and fan-out, and its
largest scatter (as s) and gather (as d).

``transaction_features`` takes a ledger (a path, an ``EdgeList`` or a polars
DataFrame) and returns ``Features``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ..reading.cells import Window, window_seconds
from .cycles import Progress, Source, as_edge_list, check_max_length, cycle_features, simple_graph, temporal_graph
from .ingest import EdgeList

__all__ = ["FeatureSummary", "Features", "transaction_features"]

TOP_ACCOUNTS = 10


@dataclass(frozen=True)
class Features:
    """Features per input row (``rows``, in input order) and per account (``accounts``: ``entity`` then its features).

    ``window_seconds`` is None when no temporal features were computed (no
    window, or a ledger without timestamps).
    """

    rows: pl.DataFrame
    accounts: pl.DataFrame
    max_length: int
    window_seconds: int | None

    def to_frame(self) -> pl.DataFrame:
        """The per-row features, aligned with the input rows (``input.hstack(features.to_frame())``)."""
        return self.rows

    def to_dict(self) -> dict[str, Any]:
        """A summary: sizes, the feature columns with their sums and largest values, and the accounts with the most cycles
        through them (hop-bounded and temporal, every length; up to ``TOP_ACCOUNTS``, with a ``cycles_through`` total)."""
        return {"rows": self.rows.height, "entities": self.accounts.height, "max_length": self.max_length,
                "window_seconds": self.window_seconds, "columns": self.rows.columns, "sums": self.rows.sum().row(0, named=True),
                "max": self.rows.max().row(0, named=True), "account_columns": self.accounts.columns,
                "top_accounts": top_accounts(self.accounts).to_dicts()}

    def __rich__(self):
        return _render(self.to_dict())


@dataclass(frozen=True)
class FeatureSummary:
    """Features written to files rather than held (the Spark engine): ``to_dict`` as ``Features.to_dict``, with the
    ``output`` and ``accounts`` paths; ``to_frame`` each per-row feature's sum and largest value."""

    summary: dict[str, Any]
    output: str
    accounts: str | None

    def to_frame(self) -> pl.DataFrame:
        columns = self.summary["columns"]
        return pl.DataFrame({"feature": columns, "sum": [self.summary["sums"][c] for c in columns],
                             "max": [self.summary["max"][c] for c in columns]}, schema_overrides={"sum": pl.Int64, "max": pl.Int64})

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary, "output": self.output, "accounts": self.accounts}

    def __rich__(self):
        from rich.console import Group
        from rich.text import Text

        return Group(_render(self.summary), Text(f"wrote {self.output}" + (f" and {self.accounts}" if self.accounts else "")))


def top_accounts(accounts: pl.DataFrame) -> pl.DataFrame:
    """The accounts with the most cycles through them (every kind and length; ``cycles_through``), most first, then by name."""
    through = pl.sum_horizontal(pl.col(c) for c in accounts.columns if "cycles_" in c).alias("cycles_through")
    return (accounts.with_columns(through).filter(pl.col("cycles_through") > 0)
            .sort(["cycles_through", "entity"], descending=[True, False]).head(TOP_ACCOUNTS))


def _render(summary: Mapping[str, Any]):
    """A features summary (``Features.to_dict``'s keys) as a rich table of each per-row feature's sum and largest value."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    seconds = summary["window_seconds"]
    window = f"window {seconds} s" if seconds is not None else "no temporal features (no window or no timestamps)"
    table = Table(title="Per-row features", title_justify="left")
    for col in ("feature", "sum", "max"):
        table.add_column(col, justify="left" if col == "feature" else "right")
    for name in summary["columns"]:
        total, top = summary["sums"][name], summary["max"][name]
        table.add_row(name, f"{total or 0:,}", "-" if top is None else f"{top:,}")
    return Group(table, Text(f"{summary['rows']:,} rows; cycles up to {summary['max_length']} entities; {window}"),
                 Text(f"{summary['entities']:,} accounts with {', '.join(summary['account_columns'][1:])}"))


def fan_counts(group: np.ndarray, other: np.ndarray, ts: np.ndarray, n: int, window: int) -> np.ndarray:
    from numba import get_num_threads

    from .kernels import fan_block

    order = np.lexsort((np.arange(len(group)), ts, group))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(group, minlength=n), out=ptr[1:])
    counts = fan_block(ptr, other[order].astype(np.int64), ts[order].astype(np.int64), int(window), get_num_threads())
    out = np.empty(len(group), dtype=np.int64)
    out[order] = counts
    return out


def _scatter_gather(src: np.ndarray, dst: np.ndarray, ts: np.ndarray, window: int) -> tuple[np.ndarray, pl.DataFrame]:
    """Per row: the most distinct intermediaries m of any pair (s, d) joined by two-hop paths s -> m -> d, the second row
    strictly later and at most ``window`` after the first, that pass through the row (0: the row is on no such path).
    Also the pairs (s, d) with their intermediary counts."""
    legs = pl.LazyFrame({"row": np.arange(len(src)), "s": src, "m": dst, "t": ts}).filter(pl.col("s") != pl.col("m"))
    second = legs.select(pl.col("row").alias("row2"), pl.col("s").alias("m"), pl.col("m").alias("d"), pl.col("t").alias("t2"))
    paths = legs.join(second, on="m").filter((pl.col("t2") > pl.col("t")) & (pl.col("t2") <= pl.col("t") + window)
                                              & (pl.col("s") != pl.col("d")))
    pairs = paths.group_by("s", "d").agg(pl.col("m").n_unique().alias("intermediaries"))
    through = paths.join(pairs, on=["s", "d"])
    legs_through = pl.concat([through.select("row", "intermediaries"), through.select(pl.col("row2").alias("row"), "intermediaries")])
    best = legs_through.group_by("row").agg(pl.col("intermediaries").max()).collect()
    out = np.zeros(len(src), dtype=np.int64)
    out[best["row"].to_numpy()] = best["intermediaries"].to_numpy()
    return out, pairs.collect()


def transaction_features(source: Source, *, max_length: int = 5, window: Window | None = "1d", input_format: str = "auto",
                         columns: Mapping[str, str] | None = None, progress: Progress | None = None) -> Features:
    """Cycle, fan and scatter-gather features of every row and every account of a transaction ledger.

    Parameters
    ----------
    source : str, Path, EdgeList or polars.DataFrame
        The ledger (see ``count_cycles``).
    max_length : int
        The longest cycle counted, in entities (at least 2).
    window : str, int or datetime.timedelta, optional
        Window of temporal cycles, fan counts and scatter-gather (text such as
        ``"1d"``, or integer seconds); None, or a ledger without timestamps,
        gives the hop-bounded cycle counts only.
    input_format, columns, progress
        As for ``count_cycles``.

    Returns
    -------
    Features
        Per row, in input order: ``cycles_L`` for L = 2 .. max_length, and with a window ``temporal_cycles_L``,
        ``fan_out``, ``fan_in`` and ``scatter_gather``; per account: ``entity``, ``cycles_L``, and with a window
        ``temporal_cycles_L``, ``scatter_max``, ``gather_max``, ``fan_out_max`` and ``fan_in_max``.

    Raises
    ------
    LimitError
        ``max_length`` below 2 or a bad window.
    LedgerError
        A file that cannot be read.

    Notes
    -----
    The cycle counts are the searches of ``count_cycles`` with a tally per
    edge and per entity: their time, plus O(T (m + n) k) memory for T worker
    threads, m rows and n entities. Fan counts sort the rows by entity and
    time, O(m log m), then scan each entity's window. Scatter-gather joins the
    two-hop paths within the window: O(m log m + P) for P such paths, which
    grows with the square of a hub's rows within a window.

    Examples
    --------
    >>> ledger = pl.DataFrame({"source": ["A", "B", "C", "A"], "target": ["B", "C", "A", "C"], "timestamp": [1, 2, 3, 4]})
    >>> f = transaction_features(ledger, max_length=3, window=10)
    >>> rows = f.to_frame()
    >>> rows["cycles_3"].to_list(), rows["temporal_cycles_3"].to_list(), rows["fan_out"].to_list()
    ([1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 2])
    >>> rows["scatter_gather"].to_list()  # two-hop paths A -> B -> C and B -> C -> A; C -> A -> C returns to C: not one
    [1, 1, 1, 0]
    >>> f.to_dict()["sums"]["cycles_3"], f.accounts["entity"].to_list()
    (3, ['A', 'B', 'C'])
    """
    check_max_length(max_length)
    seconds = None if window is None else window_seconds(window)  # bounds are checked before reading
    edges = as_edge_list(source, input_format=input_format, columns=columns)
    if edges.ts is None:
        seconds = None
    rows, accounts = _edge_features(edges, max_length, seconds, progress)
    return Features(rows, accounts, max_length, seconds)


def _edge_features(edges: EdgeList, max_length: int, window: int | None, progress: Progress | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per-row features (aligned with the input rows) and per-account features; ``window`` (seconds) needs timestamps."""
    k = max_length
    g = simple_graph(edges.src, edges.dst, edges.n)
    edge_counts, vertex_counts = cycle_features(g, k, progress=progress)
    # each row takes its pair's counts; self-loops have none
    s, d = g.edge_pairs()
    pair_key = s * edges.n + d
    row_key = edges.src * edges.n + edges.dst
    pos = np.clip(np.searchsorted(pair_key, row_key), 0, max(len(pair_key) - 1, 0))
    on_pair = (len(pair_key) > 0) & (pair_key[pos] == row_key) if len(pair_key) else np.zeros(edges.m, dtype=bool)
    rows = {f"cycles_{L}": np.where(on_pair, edge_counts[pos, L] if len(pair_key) else 0, 0) for L in range(2, k + 1)}
    accounts = {"entity": edges.names, **{f"cycles_{L}": vertex_counts[:, L] for L in range(2, k + 1)}}
    if window is not None and edges.ts is not None:
        tg = temporal_graph(edges.src, edges.dst, edges.ts, edges.n)
        t_edges, t_vertices = cycle_features(tg, k, window=window, progress=progress)
        for L in range(2, k + 1):
            col = np.zeros(edges.m, dtype=np.int64)
            col[tg.row] = t_edges[:, L]
            rows[f"temporal_cycles_{L}"] = col
            accounts[f"temporal_cycles_{L}"] = t_vertices[:, L]
        rows["fan_out"] = fan_counts(edges.src, edges.dst, edges.ts, edges.n, window)
        rows["fan_in"] = fan_counts(edges.dst, edges.src, edges.ts, edges.n, window)
        rows["scatter_gather"], pairs = _scatter_gather(edges.src, edges.dst, edges.ts, window)
        scatter = np.zeros(edges.n, dtype=np.int64)
        gather = np.zeros(edges.n, dtype=np.int64)
        np.maximum.at(scatter, pairs["s"].to_numpy(), pairs["intermediaries"].to_numpy())
        np.maximum.at(gather, pairs["d"].to_numpy(), pairs["intermediaries"].to_numpy())
        accounts["scatter_max"], accounts["gather_max"] = scatter, gather
        per_account = pl.DataFrame({"src": edges.src, "dst": edges.dst, "fan_out": rows["fan_out"], "fan_in": rows["fan_in"]})
        out_max = per_account.group_by("src").agg(pl.col("fan_out").max())
        in_max = per_account.group_by("dst").agg(pl.col("fan_in").max())
        fan_out_max = np.zeros(edges.n, dtype=np.int64)
        fan_in_max = np.zeros(edges.n, dtype=np.int64)
        fan_out_max[out_max["src"].to_numpy()] = out_max["fan_out"].to_numpy()
        fan_in_max[in_max["dst"].to_numpy()] = in_max["fan_in"].to_numpy()
        accounts["fan_out_max"], accounts["fan_in_max"] = fan_out_max, fan_in_max
    return pl.DataFrame(rows), pl.DataFrame(accounts)
