"""Per-row and per-account features on Apache Spark: ``transaction_features``'s columns, for ledgers past one machine.

Per row, joined back to the input rows by their row number and written beside them:

- ``cycles_L``, the hop-bounded cycles through the row's pair: the broadcast search of
  ``dealgraph.transactions.spark`` tallies each distinct edge (one row per edge and task that
  found any), added up per edge and joined to the rows by their (source, target);
- ``temporal_cycles_L``, ``fan_out`` and ``fan_in``: per slab of the time axis, each slab given
  its own rows, the window after them (for the cycles its rows start) and the window before them
  (for the fans), run by the local kernels; a row's tallies from the slabs that hold it are added up;
- ``scatter_gather`` in Spark SQL: two-hop paths s -> m -> d joined on the intermediary and a
  bucket of the time axis one window wide, distinct intermediaries per pair (s, d), the most over
  the pairs whose paths run through the row.

Per account, in Spark SQL: each cycle leaves each of its entities by exactly one of its rows, so
an account's cycles of a length are the sum over the distinct edges (temporal: rows) it pays; its
largest fan-out, fan-in, scatter and gather are the largest over its rows and pairs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import LimitError
from ..reading.cells import window_seconds
from .cycles import check_max_length
from .features import TOP_ACCOUNTS, FeatureSummary, top_accounts
from .spark import BROADCAST_LIMIT, _edges, _hop_bounded, _slab_width, _spread, refuse_existing, spark_errors, spark_session

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["spark_features"]


def spark_features(path: str, output: str, *, accounts: str | None = None, max_length: int = 5, window: Any = "1d",
                   master: str | None = None, input_format: str = "auto", columns: Mapping[str, str] | None = None,
                   slab_seconds: int | None = None, broadcast_limit: int = BROADCAST_LIMIT, force: bool = False) -> FeatureSummary:
    """``transaction_features`` on Spark: the input's rows with their features to a Parquet dataset at ``output``.

    The columns are the input's (as Spark reads them: a CSV's cells as text) followed by
    ``transaction_features``'s per-row columns, in input order; ``accounts``, when given, gets the
    per-account features (``entity`` first, in dealgraph's entity order). Existing outputs are
    replaced only with ``force``. ``slab_seconds`` and ``broadcast_limit`` as for ``spark_count_cycles``.

    Returns
    -------
    FeatureSummary
        ``Features.to_dict``'s summary (sizes, each feature's sum and largest value, the accounts with the most
        cycles through them) and the paths written.

    Raises
    ------
    DealgraphError
        pyspark or Java missing; the graph larger than ``broadcast_limit``; an output that exists without ``force``.
    LedgerError
        Rows that cannot be read (as the local reader reports them).
    LimitError
        A bound out of range.
    """
    with spark_errors():
        return _features(path, output, accounts, max_length, window, master, input_format, columns, slab_seconds, broadcast_limit, force)


def _features(path: str, output: str, accounts: str | None, max_length: int, window: Any, master: str | None, input_format: str,
              columns: Mapping[str, str] | None, slab_seconds: int | None, broadcast_limit: int, force: bool) -> FeatureSummary:
    from pyspark.sql import functions as F

    check_max_length(max_length)
    seconds = None if window is None else window_seconds(window)
    if slab_seconds is not None and slab_seconds < 1:
        raise LimitError(f"a slab is at least one second wide, got {slab_seconds!r}")
    spark = spark_session(master)
    refuse_existing(spark, force, output, accounts)
    cores = max(1, spark.sparkContext.defaultParallelism)
    spark.conf.set("spark.sql.shuffle.partitions", str(2 * cores))
    k = max_length
    cycles = [f"cycles_{L}" for L in range(2, k + 1)]
    rows, n_rows, cached, numbered = _edges(spark, str(path), input_format, columns, False, listing=True)
    assert numbered is not None
    held: list[DataFrame] = [cached]  # unpersisted at the end: the session may be the user's, and live on
    try:
        found, _ = _hop_bounded(spark, rows.filter(F.col("source") != F.col("target")), k, cores, broadcast_limit, "features")
        by_pair = found.groupBy("source", "target").agg(*[F.sum(c).alias(c) for c in cycles]).cache()
        per_row = rows.select("row", "source", "target").join(by_pair, ["source", "target"], "left")
        extent: Any = rows.agg(F.min("ts"), F.max("ts")).first()
        low, high = extent
        timed = seconds is not None and low is not None
        held.append(by_pair)
        pairs = None
        if timed:
            assert seconds is not None
            slabbed = _by_slab(spark, rows, k, seconds, int(low), int(high), slab_seconds, cores)
            sg_rows, pairs = _scatter_gather(rows, seconds, int(low), held)
            per_row = per_row.join(slabbed, "row", "left").join(sg_rows, "row", "left")
        features = [*cycles, *([f"temporal_{c}" for c in cycles] + ["fan_out", "fan_in", "scatter_gather"] if timed else [])]
        per_row = per_row.fillna(0, subset=features).cache()  # the table and the accounts both read it
        held.append(per_row)
        table = (numbered.join(per_row.select(F.col("row").alias("__row"), *features), "__row", "left")
                 .orderBy("__row").drop("__row"))
        table.write.mode("overwrite" if force else "errorifexists").parquet(output)
        account_frame = _accounts(rows, per_row, by_pair, pairs, cycles, timed).cache()
        held.append(account_frame)
        if accounts:
            account_frame.write.mode("overwrite" if force else "errorifexists").parquet(accounts)
            account_frame = spark.read.parquet(accounts)
        written = spark.read.parquet(output)
        stats: Any = written.agg(*[F.sum(c).alias(f"sum {c}") for c in features], *[F.max(c).alias(f"max {c}") for c in features]).first()
        summary = {"rows": int(n_rows), "entities": account_frame.count(), "max_length": k, "window_seconds": seconds if timed else None,
                   "columns": features, "sums": {c: int(stats[f"sum {c}"] or 0) for c in features},
                   "max": {c: None if stats[f"max {c}"] is None else int(stats[f"max {c}"]) for c in features},
                   "account_columns": account_frame.columns, "top_accounts": _top(account_frame, cycles, timed)}
    finally:
        for frame_held in held:
            frame_held.unpersist()
    return FeatureSummary(summary, output, accounts)


def _by_slab(spark: SparkSession, rows: DataFrame, k: int, seconds: int, low: int, high: int, slab_seconds: int | None,
             cores: int) -> DataFrame:
    """Per row: ``temporal_cycles_L``, ``fan_out`` and ``fan_in``, each slab's tallies added up by row."""
    from pyspark.sql import functions as F

    width = _slab_width(spark, high - low + 1, seconds, slab_seconds, cores)
    names = [f"temporal_cycles_{L}" for L in range(2, k + 1)] + ["fan_out", "fan_in"]
    schema = "row long, " + ", ".join(f"{c} long" for c in names)
    tallies = _spread(rows.select("row", "source", "target", "ts"), width, low, high, seconds, seconds).groupBy("slab").applyInPandas(
        lambda frame: _feature_slab(frame, k, seconds, width, low), schema)
    return tallies.groupBy("row").agg(*[F.sum(c).alias(c) for c in names])


def _feature_slab(rows, k: int, window: int, width: int, low: int):
    """One slab's tallies: temporal cycles whose first row is its own, through each of its rows; fans of its own rows."""
    import numba
    import pandas as pd

    from .cycles import cycle_features, temporal_graph
    from .features import fan_counts

    numba.set_num_threads(1)  # Spark runs the slabs in parallel
    rows = rows.sort_values("row")  # equal times in input order, as the local engine orders them
    start = low + int(rows["slab"].iloc[0]) * width
    keys, inverse = np.unique(np.concatenate([rows["source"].to_numpy(str), rows["target"].to_numpy(str)]), return_inverse=True)
    m = len(rows)
    src, dst, ts = inverse[:m], inverse[m:], rows["ts"].to_numpy(np.int64)
    graph = temporal_graph(src, dst, ts, len(keys))
    through, _ = cycle_features(graph, k, window=window, first=(start, start + width))
    per_row = np.zeros((m, k + 1), dtype=np.int64)
    per_row[graph.row] = through
    own = (ts >= start) & (ts < start + width)
    keep = own | per_row.any(axis=1)
    fans = {"fan_out": fan_counts(src, dst, ts, len(keys), window), "fan_in": fan_counts(dst, src, ts, len(keys), window)}
    return pd.DataFrame({"row": rows["row"].to_numpy()[keep], **{f"temporal_cycles_{L}": per_row[keep, L] for L in range(2, k + 1)},
                         **{name: np.where(own, fan, 0)[keep] for name, fan in fans.items()}})


def _scatter_gather(rows: DataFrame, seconds: int, low: int, held: list[DataFrame]) -> tuple[DataFrame, DataFrame]:
    """Per row its ``scatter_gather``; and the pairs (s, d) with their distinct ``intermediaries``."""
    from pyspark.sql import functions as F

    legs = rows.filter(F.col("source") != F.col("target")).select("row", F.col("source").alias("s"), F.col("target").alias("m"), "ts")
    bucket = F.floor((F.col("ts") - F.lit(low)) / max(seconds, 1)).cast("long")  # a second row within the window: this bucket or the next
    second = legs.select(F.col("row").alias("row2"), F.col("s").alias("m"), F.col("m").alias("d"), F.col("ts").alias("t2"),
                         F.explode(F.array(bucket, bucket - 1)).alias("b"))
    paths = (legs.withColumn("b", bucket).join(second, ["m", "b"])
             .filter((F.col("t2") > F.col("ts")) & (F.col("t2") <= F.col("ts") + seconds) & (F.col("s") != F.col("d")))
             .select("s", "m", "d", "row", "row2").cache())
    held.append(paths)
    pairs = paths.groupBy("s", "d").agg(F.countDistinct("m").alias("intermediaries")).cache()
    held.append(pairs)
    through = paths.join(pairs, ["s", "d"])
    legs_through = through.select("row", "intermediaries").union(through.select(F.col("row2").alias("row"), "intermediaries"))
    return legs_through.groupBy("row").agg(F.max("intermediaries").alias("scatter_gather")), pairs


def _accounts(rows: DataFrame, per_row: DataFrame, by_pair: DataFrame, pairs: DataFrame | None, cycles: list[str],
              timed: bool) -> DataFrame:
    """Per account, in dealgraph's entity order: ``entity`` (as first spelled, a row's source before its target), cycles
    through it, and with timestamps its temporal cycles, largest scatter, gather, fan-out and fan-in."""
    from pyspark.sql import functions as F

    spelled = rows.select(F.col("source").alias("key"), F.col("source_name").alias("name"), (F.col("row") * 2).alias("at")).union(
        rows.select(F.col("target").alias("key"), F.col("target_name").alias("name"), (F.col("row") * 2 + 1).alias("at")))
    out = spelled.groupBy("key").agg(F.min_by("name", "at").alias("entity"))
    parts = [by_pair.groupBy(F.col("source").alias("key")).agg(*[F.sum(c).alias(c) for c in cycles])]
    if timed:
        assert pairs is not None
        temporal = [f"temporal_{c}" for c in cycles]
        parts += [per_row.groupBy(F.col("source").alias("key")).agg(*[F.sum(c).alias(c) for c in temporal]),
                  pairs.groupBy(F.col("s").alias("key")).agg(F.max("intermediaries").alias("scatter_max")),
                  pairs.groupBy(F.col("d").alias("key")).agg(F.max("intermediaries").alias("gather_max")),
                  per_row.groupBy(F.col("source").alias("key")).agg(F.max("fan_out").alias("fan_out_max")),
                  per_row.groupBy(F.col("target").alias("key")).agg(F.max("fan_in").alias("fan_in_max"))]
    for part in parts:
        out = out.join(part, "key", "left")
    names = [c for c in out.columns if c not in ("key", "entity")]
    return out.fillna(0, subset=names).orderBy("key").select("entity", *names)


def _top(accounts: DataFrame, cycles: list[str], timed: bool) -> list[dict[str, Any]]:
    """``Features.to_dict``'s top accounts, from the accounts frame: the candidates by cycles through them, ranked as locally."""
    import polars as pl
    from pyspark.sql import functions as F

    counted = [*cycles, *([f"temporal_{c}" for c in cycles] if timed else [])]
    through = sum((F.col(c) for c in counted[1:]), F.col(counted[0]))
    head = accounts.withColumn("__through", through).filter(F.col("__through") > 0).orderBy(F.desc("__through"), "entity")
    return top_accounts(pl.DataFrame(head.drop("__through").limit(TOP_ACCOUNTS).toArrow())).to_dicts()
