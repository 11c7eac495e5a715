"""Per-row and per-account features for machine-learning users.

Per input row: how many hop-bounded cycles of each length pass through the
row's (source, target) pair (``cycles_L``), how many temporal cycles of each
length pass through the row itself (``temporal_cycles_L``), and the row's
fan-out (distinct payees of its source) and fan-in (distinct payers of its
target) within the window up to its time, and its scatter-gather: the most distinct
intermediaries m of any pair (s, d) linked by two-hop paths s -> m -> d (second
row strictly later, within the window) that run through the row. Per account:
cycles of each length through it, its largest fan-in and fan-out, and its
largest scatter (as s) and gather (as d).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .cycles import Progress, cycle_features, simple_graph, temporal_graph
from .ingest import EdgeList

__all__ = ["edge_features"]


def _fan(group: np.ndarray, other: np.ndarray, ts: np.ndarray, n: int, window: int) -> np.ndarray:
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


def edge_features(edges: EdgeList, max_length: int, window: int | None, *,
                  progress: Progress | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per-row features (aligned with the input rows) and per-account features.

    ``window`` (seconds) enables the temporal cycles and fan counts; it needs
    timestamps.

    >>> import tempfile, pathlib
    >>> from dealgraph.transactions.ingest import read_edges
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("source,target,timestamp\\nA,B,1\\nB,C,2\\nC,A,3\\nA,C,4\\n")
    >>> rows, accounts = edge_features(read_edges(p), 3, 10)
    >>> rows["cycles_3"].to_list(), rows["temporal_cycles_3"].to_list(), rows["fan_out"].to_list()
    ([1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 2])
    >>> rows["scatter_gather"].to_list()  # two-hop paths A -> B -> C and B -> C -> A; C -> A -> C returns to C: not one
    [1, 1, 1, 0]
    """
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
        rows["fan_out"] = _fan(edges.src, edges.dst, edges.ts, edges.n, window)
        rows["fan_in"] = _fan(edges.dst, edges.src, edges.ts, edges.n, window)
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
