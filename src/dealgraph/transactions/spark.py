"""Cycles on Apache Spark: the local engine's counts and listings, for ledgers past one machine.

Temporal cycles are distributed by time: the time axis is cut into slabs of width ``S`` (by
default at least the window ``W``); a cycle whose first row is in ``[t, t + S)`` lies inside
``[t, t + S + W]``, so each slab is an independent task given its own rows and the next ``W``
seconds of rows, run by the same compiled kernel (``applyInPandas``), and counts (or lists) only
the cycles whose first row is its own. This scales with the ledger's length, not its density.

Hop-bounded cycles need the whole graph: its distinct edges are collected, the compact graph
(CSR, 16 bytes per distinct edge plus 16 per entity) is broadcast to the executors when
it is within ``broadcast_limit`` bytes (else a clear error), and start entities are dealt
to many tasks (``mapInPandas``) by ``deal_starts``: a start whose estimated work is above a task's
fair share (a hub) is split by its out-edges into shares that different tasks search; each task
counts the cycles whose smallest entity is one of its starts, in its shares.

Per-row and per-account features on Spark live in ``spark_features``, built on these pieces.

Reading happens in Spark (Parquet or CSV, any path Spark reads): the dealgraph layout with
``columns`` mapping, or the AMLworld layout; entity names are cleaned and merged by case exactly
as the local reader does, and timestamps are parsed by the local reader's own parsers, batch by
batch. Rows with an empty entity or an unreadable timestamp are reported like the local
reader's problems (file, row, column, value, what is wrong; at most 50).
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import DealgraphError, LedgerError, LimitError, Problem
from ..reading.cells import window_seconds
from .cycles import CycleCounts, CycleSearch, check_max_length
from .ingest import AMLWORLD_COLUMNS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["BROADCAST_LIMIT", "refuse_existing", "spark_count_cycles", "spark_errors", "spark_session", "spark_write_cycles"]

BROADCAST_LIMIT = 2 * 2**30  # bytes of the compact graph sent to every executor for hop-bounded cycles
_SLABS_PER_CORE = 4  # slabs (tasks) per core of the cluster, for temporal cycles
_CHUNKS_PER_CORE = 8  # start-entity chunks (tasks) per core, for hop-bounded cycles
MAX_PROBLEMS = 50


def spark_session(master: str | None = None) -> SparkSession:
    """The Spark session cycles run in: an active one (spark-submit's), else one on ``master``, ``SPARK_MASTER`` or ``local[*]``.

    Raises
    ------
    DealgraphError
        When pyspark is not installed or no Java runtime is found, saying how to get them.
    """
    import warnings

    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")  # said on every pandas UDF; not ours to say
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise DealgraphError("the Spark engine needs pyspark: pip install 'dealgraph[spark]'") from None
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    java_home = os.environ.get("JAVA_HOME")
    if not (shutil.which("java") or (java_home and os.path.exists(os.path.join(java_home, "bin", "java")))):
        raise DealgraphError("the Spark engine needs a Java runtime (17 or newer) and none was found: install one "
                             "(apt-get install default-jre-headless) or set JAVA_HOME")
    builder = SparkSession.builder.appName("dealgraph").master(master or os.environ.get("SPARK_MASTER") or "local[*]")
    for key, value in (("spark.ui.enabled", "false"), ("spark.ui.showConsoleProgress", "false"),
                       ("spark.sql.execution.arrow.pyspark.enabled", "true"),
                       ("spark.sql.adaptive.enabled", "false"), ("spark.driver.memory", os.environ.get("DEALGRAPH_SPARK_DRIVER_MEMORY", "2g"))):
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM failed to start: say why, in one line
        raise DealgraphError(f"Spark could not start: {str(exc).splitlines()[0][:300]}") from None
    session.sparkContext.setLogLevel("ERROR")  # the library never prints: Spark's own log only for errors
    return session


@contextlib.contextmanager
def spark_errors() -> Iterator[None]:
    """Spark's own failures (a lost executor, a path it cannot write, a task's error) as ``DealgraphError``, in one line."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    try:
        yield
    except (PySparkException, Py4JError) as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        raise DealgraphError(f"Spark failed: {(lines or [type(exc).__name__])[0][:300]}") from None


def refuse_existing(spark: SparkSession, force: bool, *outputs: str | None) -> None:
    """Raise ``DealgraphError`` for an output that exists (on the file system Spark writes it to: local, HDFS, S3), unless ``force``."""
    jvm: Any = spark.sparkContext._jvm
    for given in outputs:
        if not given or force:
            continue
        hadoop = jvm.org.apache.hadoop.fs.Path(given)
        if hadoop.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(hadoop):
            raise DealgraphError(f"{given} exists; pass force to replace it")


def _read(spark: SparkSession, path: str, input_format: str, columns: Mapping[str, str] | None) -> tuple[DataFrame, dict[str, str]]:
    """The file as a Spark frame, and which of its columns hold source, target and timestamp (and the AMLworld banks)."""
    from pyspark.errors import PySparkException

    try:
        if path.rstrip("/").lower().endswith(".parquet") or (os.path.isdir(path) and any(p.endswith(".parquet") for p in os.listdir(path))):
            frame = spark.read.parquet(path)
        else:
            frame = spark.read.option("header", True).option("inferSchema", False).csv(path)
    except PySparkException as exc:
        raise LedgerError([Problem(path, None, None, None, f"Spark cannot read it: {str(exc).splitlines()[0][:200]}")]) from None
    header = frame.columns
    amlworld = input_format == "amlworld" or (input_format == "auto" and len(header) == len(AMLWORLD_COLUMNS)
                                               and header[0] == "Timestamp" and header[1] == "From Bank")
    if amlworld:
        frame = frame.toDF(*AMLWORLD_COLUMNS)
        return frame, {"source": "Account", "target": "Account.1", "timestamp": "Timestamp", "source_bank": "From Bank",
                       "target_bank": "To Bank"}
    mapping = dict(columns or {})
    found = {}
    problems = []
    for ours in ("source", "target", "timestamp"):
        theirs = mapping.get(ours, ours)
        if theirs in header:
            found[ours] = theirs
        elif ours != "timestamp":
            problems.append(Problem(path, None, theirs, None, f"missing column; the file has {', '.join(header[:20])}"))
    if "timestamp" not in found and mapping.get("date", "date") in header:
        found["timestamp"] = mapping.get("date", "date")
    if problems:
        raise LedgerError(problems)
    return frame, found


def _numbered(frame: DataFrame) -> DataFrame:
    """The frame with its 1-based input row numbers in ``__row``, as Spark reads the input (the same on every pass over it).

    In the JVM: each row's position in its partition (``monotonically_increasing_id``'s lower 33
    bits) plus the rows of the partitions before it, counted in one small job.
    """
    from pyspark.sql import functions as F

    tagged = frame.withColumn("__part", F.spark_partition_id()).withColumn("__at", F.monotonically_increasing_id())
    offsets, total = [], 0
    for part, size in sorted(tagged.groupBy("__part").count().collect()):
        offsets += [F.lit(part), F.lit(total)]
        total += size
    before = F.create_map(*offsets)[F.col("__part")] if offsets else F.lit(0)
    position = F.col("__at") - F.shiftleft(F.col("__part").cast("long"), 33)
    return tagged.select(*frame.columns, (position + before + 1).alias("__row"))


def _keys(batch, found: Mapping[str, str]):
    """A pandas batch's entity keys (cleaned, lowercased: the local reader's merge) and timestamps, as the local reader reads them."""
    import polars as pl

    from ..reading.cells import clean_texts, parse_timestamps

    frame = pl.from_pandas(batch)
    out = {}
    for side in ("source", "target"):
        cells = pl.col(found[side]).cast(pl.String).str.strip_chars()
        if f"{side}_bank" in found:  # AMLworld: bank and account together name the account
            cells = pl.concat_str([pl.col(found[f"{side}_bank"]).cast(pl.String), pl.col(found[side]).cast(pl.String)], separator=":")
        clean = clean_texts(cells)
        out[side] = frame.select(pl.when(clean != "").then(clean.str.to_lowercase())).to_series()
        out[f"{side}_name"] = frame.select(clean).to_series()
    if "timestamp" in found:
        column = found["timestamp"]
        values, integers = parse_timestamps(pl.col(column), frame.schema[column])
        parsed = frame.select(values.alias("v"), *([] if integers is None else [integers.alias("i")]))
        written = frame[column].cast(pl.String)
        out["value"] = parsed["v"].cast(pl.Float64)
        out["integer"] = parsed["i"] if integers is not None else pl.Series([frame.schema[column].is_integer()] * frame.height)
        out["unread"] = (parsed["v"].is_null() & written.is_not_null() & (written.str.strip_chars() != "")).fill_null(False)
    return pl.DataFrame(out).to_pandas()


def _schema(timed: bool) -> str:
    """The columns ``_keys`` gives: entity keys and names, and with a timestamp column its parsed value."""
    return "source string, target string, source_name string, target_name string" + (
        ", value double, integer boolean, unread boolean" if timed else "")


def _edges(spark: SparkSession, path: str, input_format: str, columns: Mapping[str, str] | None, need_time: bool,
           listing: bool = False) -> tuple[DataFrame, int, DataFrame, DataFrame | None]:
    """Rows as (source, target, ts) with entity keys, and the number of rows; with ``listing`` also the entities as spelled
    (``source_name``, ``target_name``) and the 1-based input ``row``; the cached frame they come from, to unpersist
    when the run ends; and with ``listing`` the input itself with its row numbers (``__row``). Problems raise LedgerError,
    as the local reader's."""
    from pyspark.sql import functions as F

    from ..reading.cells import _END_SECOND, _FIRST_SECOND, _PER_SECOND, _UNIT_FLOORS, _UNITS_BY_SIZE

    frame, found = _read(spark, path, input_format, columns)
    if need_time and "timestamp" not in found:
        raise LedgerError([Problem(path, None, "timestamp", None, "temporal cycles need a timestamp column (timestamp or date)")])
    timed = "timestamp" in found
    schema = _schema(timed)
    numbered = None
    if listing:  # the input's own row numbers, as the local listing gives them
        numbered = _numbered(frame)
        def with_rows(batches: Any) -> Any:
            for b in batches:
                yield _keys(b, found).assign(row=b["__row"].to_numpy())

        keyed = numbered.mapInPandas(with_rows, schema + ", row long").cache()
    else:
        keyed = frame.mapInPandas(lambda batches: (_keys(b, found) for b in batches), schema).cache()
    size = sum((F.abs(F.col("value")) >= f).cast("int") for f in _UNIT_FLOORS) if timed else None
    checks = [F.count("*"), F.sum(F.col("source").isNull().cast("int")), F.sum(F.col("target").isNull().cast("int"))]
    if timed:
        checks += [F.sum(F.col("unread").cast("int")), F.collect_set(F.when(F.col("integer"), size))]
    stats: Any = keyed.agg(*checks).first()  # one pass: every check at once
    n_rows, empty_source, empty_target = int(stats[0]), int(stats[1] or 0), int(stats[2] or 0)
    sizes = sorted(stats[4]) if timed else []
    unit = _UNITS_BY_SIZE[sizes[0]] if sizes else "s"
    ts = F.when(F.col("integer"), F.floor(F.col("value") / _PER_SECOND[unit])).otherwise(F.col("value")).cast("long") if timed else None
    span: Any = (None, None)
    if ts is not None:
        span = keyed.select(ts.alias("ts")).agg(F.min("ts"), F.max("ts")).first()
    outside = span[0] is not None and (span[0] < _FIRST_SECOND or span[1] >= _END_SECOND)
    if empty_source or empty_target or (timed and (stats[3] or len(sizes) > 1 or outside)):
        keyed.unpersist()
        raise LedgerError(_problems(spark, frame, found, path, unit, len(sizes) > 1))
    rows = keyed.select("source", "target", (ts if ts is not None else F.lit(None).cast("long")).alias("ts"),
                        *(["source_name", "target_name", "row"] if listing else []))
    return rows, n_rows, keyed, numbered


def _problems(spark: SparkSession, frame: DataFrame, found: Mapping[str, str], path: str, unit: str, mixed: bool) -> list[Problem]:
    """The rows that cannot be read, named as the local reader names them (1-based row, column, value, what is wrong)."""
    from pyspark.sql import functions as F

    from ..reading.cells import _END_SECOND, _FIRST_SECOND, _PER_SECOND

    indexed = _numbered(frame)
    timed = "timestamp" in found
    schema = _schema(timed)
    shown = [c for c in found if c in ("source", "target", "timestamp")]

    def with_cells(batches: Any) -> Any:
        for b in batches:
            yield _keys(b, found).assign(row=b["__row"].to_numpy(), **{f"cell_{c}": b[found[c]].astype("string").to_numpy() for c in shown})

    keyed = indexed.mapInPandas(with_cells, schema + ", row long" + "".join(f", cell_{c} string" for c in shown))
    problems = []
    if mixed:
        problems.append(Problem(path, None, found["timestamp"], None, "integer timestamps in different units; give every row in one "
                                "unit, or say which with time_unit"))
    conditions = [(F.col("source").isNull(), "source", "empty entity (invisible characters do not count)"),
                  (F.col("target").isNull(), "target", "empty entity (invisible characters do not count)")]
    if timed:
        ts = F.when(F.col("integer"), F.floor(F.col("value") / _PER_SECOND[unit])).otherwise(F.col("value"))
        conditions += [(F.col("unread"), "timestamp", "not a timestamp; expected a date and time such as 2025-01-01 10:00, or an "
                                                      "integer count of seconds (ms, us, ns) since 1970"),
                       ((ts < _FIRST_SECOND) | (ts >= _END_SECOND), "timestamp",
                        f"timestamp out of range; expected a time from 1900 to 2199 (integers count {unit} since 1970)")]
    for condition, column, message in conditions:
        for r in keyed.filter(condition).select("row", f"cell_{column}").orderBy("row").limit(MAX_PROBLEMS).collect():
            problems.append(Problem(path, int(r[0]), found[column], r[1] or "", message))
    return sorted(problems, key=lambda p: p.row or 0)[:MAX_PROBLEMS]


def _temporal_slab(rows, k: int, window: int, width: int, low: int, listing: bool):
    """One slab's cycles: its rows (own and the next window's), the cycles whose first row is its own; their counts by
    length, or (``listing``) each cycle's length, entities, 1-based input rows and timestamps."""
    import numba
    import pandas as pd

    from .cycles import count_graph_cycles, cycle_blocks, temporal_graph

    numba.set_num_threads(1)  # Spark runs the slabs in parallel
    slab = int(rows["slab"].iloc[0])
    _, inverse = np.unique(np.concatenate([rows["source"].to_numpy(str), rows["target"].to_numpy(str)]), return_inverse=True)
    m = len(rows)
    graph = temporal_graph(inverse[:m], inverse[m:], rows["ts"].to_numpy())
    start = low + slab * width
    if not listing:
        tally = count_graph_cycles(graph, k, window=window, first=(start, start + width))
        return pd.DataFrame({"slab": slab, "length": np.arange(2, k + 1), "cycles": tally.by_length[2:]})
    found = [b for b in cycle_blocks(graph, k, window=window, first=(start, start + width)) if len(b)]
    block = np.concatenate(found) if found else np.empty((0, k), dtype=np.int64)
    lengths = (block >= 0).sum(axis=1)
    at = [graph.row[b[:L]] for b, L in zip(block, lengths)]  # positions in this slab's rows, in time order
    names, number, times = rows["source_name"].to_numpy(object), rows["row"].to_numpy(), rows["ts"].to_numpy()
    return pd.DataFrame({"length": lengths, "entities": [names[a].tolist() for a in at], "rows": [number[a].tolist() for a in at],
                         "timestamps": [times[a].tolist() for a in at]})


def _spread(rows: DataFrame, width: int, low: int, high: int, ahead: int, behind: int = 0) -> DataFrame:
    """Each row in its own slab (``slab``) and in every other slab whose rows and the ``ahead`` seconds after them, or the
    ``behind`` seconds before them, hold it: the cycles a slab's rows start may close up to a window later (``ahead``), and a
    row's fan counts look a window back (``behind``). Slab ``j`` holds times ``[low + j * width, low + (j + 1) * width)``."""
    from pyspark.sql import functions as F

    start = F.lit(low) + F.col("slab") * width
    own = F.floor((F.col("ts") - F.lit(low)) / width).cast("long")
    shifts = range(-math.ceil(ahead / width), math.ceil(behind / width) + 1)  # one slab either way when a slab is at least the window
    return (rows.withColumn("slab", F.explode(F.array([own + j for j in shifts])))
            .filter((F.col("slab") >= 0) & (F.col("slab") <= (high - low) // width)
                    & (F.col("ts") <= start + width + ahead) & (F.col("ts") >= start - behind)))


def _slab_width(spark: SparkSession, span: int, seconds: int, slab_seconds: int | None, cores: int) -> int:
    """Slabs of ``slab_seconds``, else about four per core and at least the window; sets the shuffle to one partition per slab."""
    width = int(slab_seconds) if slab_seconds else max(int(seconds), 1, math.ceil(span / (_SLABS_PER_CORE * cores)))
    spark.conf.set("spark.sql.shuffle.partitions", str(max(2 * cores, min(span // width + 1, 10_000))))
    return width


def _on_spark(path: str, max_length: int, temporal: bool, window: Any, master: str | None, input_format: str,
              columns: Mapping[str, str] | None, slab_seconds: int | None, broadcast_limit: int, output: str | None,
              force: bool) -> CycleCounts:
    from pyspark.sql import functions as F

    check_max_length(max_length)
    if window is not None and not temporal:
        raise LimitError("a window bounds temporal cycles only; pass temporal=True or leave the window out")
    if slab_seconds is not None and slab_seconds < 1:
        raise LimitError(f"a slab is at least one second wide, got {slab_seconds!r}")
    seconds = window_seconds("1d" if window is None else window) if temporal else None
    started = time.perf_counter()
    spark = spark_session(master)
    refuse_existing(spark, force, output)
    cores = max(1, spark.sparkContext.defaultParallelism)
    spark.conf.set("spark.sql.shuffle.partitions", str(2 * cores))
    listing = output is not None
    rows, n_rows, cached, _ = _edges(spark, str(path), input_format, columns, temporal, listing)
    try:
        rows = rows.filter(F.col("source") != F.col("target"))
        n = rows.select(F.col("source").alias("key")).union(rows.select(F.col("target").alias("key"))).distinct().count()
        k = max_length
        found: DataFrame | None = None
        if temporal:
            assert seconds is not None
            extent: Any = rows.agg(F.min("ts"), F.max("ts"), F.count("*")).first()
            low, high, graph_edges = extent
            if graph_edges:
                width = _slab_width(spark, int(high) - int(low) + 1, int(seconds), slab_seconds, cores)
                schema = ("length int, entities array<string>, rows array<long>, timestamps array<long>" if listing
                          else "slab long, length int, cycles long")
                found = _spread(rows, width, int(low), int(high), int(seconds)).groupBy("slab").applyInPandas(
                    lambda frame: _temporal_slab(frame, k, int(seconds), width, int(low), listing), schema)
        else:
            found, graph_edges = _hop_bounded(spark, rows, k, cores, broadcast_limit, "list" if listing else "count")
        by_length = np.zeros(k + 1, dtype=np.int64)
        if found is not None and listing:
            assert output is not None
            found.write.mode("overwrite" if force else "errorifexists").parquet(output)
            found = spark.read.parquet(output).groupBy("length").agg(F.count("*").alias("cycles"))
        if found is not None:
            for length, cycles in found.groupBy("length").agg(F.sum("cycles")).collect():
                by_length[length] = cycles
    finally:
        cached.unpersist()  # the session may be the user's, and live on
    search = CycleSearch("temporal" if temporal else "hop-bounded", k, seconds, int(n_rows), int(n), int(graph_edges or 0), 0)
    return CycleCounts(search, {L: int(by_length[L]) for L in range(2, k + 1)}, True, time.perf_counter() - started)


def _hop_bounded(spark: SparkSession, rows: DataFrame, k: int, cores: int, broadcast_limit: int,
                 mode: str) -> tuple[DataFrame, int]:
    """Hop-bounded cycles over the broadcast compact graph, the searches dealt to tasks by ``deal_starts`` (hubs split).

    ``mode``: ``count`` (length, cycles), ``list`` (length, entities as spelled) or ``features`` (source, target and
    ``cycles_L``: the cycles through each distinct edge, one row per edge and task that found any).
    """
    from pyspark.sql import functions as F

    from .cycles import deal_starts, simple_graph

    pairs: Any = rows.select("source", "target").distinct().toArrow()
    sources, targets = (pairs[c].to_numpy(zero_copy_only=False) for c in ("source", "target"))
    keys, ids = np.unique(np.concatenate([sources, targets]), return_inverse=True)
    graph = simple_graph(ids[:pairs.num_rows], ids[pairs.num_rows:], len(keys))
    size = sum(a.nbytes for a in (graph.indptr, graph.indices, graph.rindptr, graph.rindices))
    if size > broadcast_limit:
        raise DealgraphError(f"the graph's {graph.m:,} distinct edges take {size / 2**20:,.0f} MiB, more than the broadcast limit of "
                             f"{broadcast_limit / 2**20:,.0f} MiB; raise it (--spark-broadcast-limit) if every executor has the "
                             "memory, or count temporal cycles, which need no broadcast")
    names = keys
    if mode == "list":  # each entity as first spelled among its rows, cleaned
        spelled: Any = rows.groupBy("source").agg(F.first("source_name")).union(rows.groupBy("target").agg(F.first("target_name"))).toArrow()
        by_key = dict(zip(spelled.column(0).to_pylist(), spelled.column(1).to_pylist()))
        names = np.array([by_key[key] for key in keys], dtype=object)
    tasks = max(1, min(graph.n, _CHUNKS_PER_CORE * cores))
    shared = spark.sparkContext.broadcast((graph, names, deal_starts(graph, tasks)))

    def run(batches: Any) -> Any:
        import numba
        import pandas as pd

        from .cycles import count_graph_cycles, cycle_blocks, cycle_features

        numba.set_num_threads(1)
        whole, spelled_as, (task, starts, part, parts) = shared.value
        for batch in batches:
            for t in batch["id"]:
                mine = task == t
                chosen = dict(starts=starts[mine], shares=(part[mine], parts[mine]))
                if mode == "count":
                    tally = count_graph_cycles(whole, k, **chosen)
                    yield pd.DataFrame({"length": np.arange(2, k + 1), "cycles": tally.by_length[2:]})
                elif mode == "features":
                    through, _ = cycle_features(whole, k, **chosen)
                    found = np.flatnonzero(through.any(axis=1))
                    s, d = whole.edge_pairs()
                    yield pd.DataFrame({"source": spelled_as[s[found]], "target": spelled_as[d[found]],
                                        **{f"cycles_{L}": through[found, L] for L in range(2, k + 1)}})
                else:
                    for block in cycle_blocks(whole, k, **chosen):
                        lengths = (block >= 0).sum(axis=1)
                        yield pd.DataFrame({"length": lengths, "entities": [spelled_as[b[:L]].tolist() for b, L in zip(block, lengths)]})

    schema = {"count": "length int, cycles long", "list": "length int, entities array<string>",
              "features": "source string, target string" + "".join(f", cycles_{L} long" for L in range(2, k + 1))}[mode]
    return spark.range(tasks, numPartitions=tasks).mapInPandas(run, schema), graph.m


def spark_count_cycles(path: str, *, max_length: int = 5, temporal: bool = False, window: Any = None, master: str | None = None,
                       input_format: str = "auto", columns: Mapping[str, str] | None = None, slab_seconds: int | None = None,
                       broadcast_limit: int = BROADCAST_LIMIT) -> CycleCounts:
    """``count_cycles`` on Spark: the same counts by length, for a file Spark reads (Parquet or CSV; local, HDFS, S3).

    ``slab_seconds`` sets the width of the time slabs of a temporal search (default: the ledger's
    span cut into about four slabs per core, and at least the window, so that a row goes to at
    most two slabs; a narrower slab sends a row to ``1 + ceil(window / width)`` slabs).
    ``broadcast_limit`` bounds the bytes of the graph sent to each executor in a hop-bounded search.

    Raises
    ------
    DealgraphError
        pyspark or Java missing; the hop-bounded graph larger than ``broadcast_limit``.
    LedgerError
        Rows that cannot be read (as the local reader reports them).
    LimitError
        A bound out of range.
    """
    with spark_errors():
        return _on_spark(path, max_length, temporal, window, master, input_format, columns, slab_seconds, broadcast_limit, None, False)


def spark_write_cycles(path: str, output: str, *, max_length: int = 5, temporal: bool = False, window: Any = None,
                       master: str | None = None, input_format: str = "auto", columns: Mapping[str, str] | None = None,
                       slab_seconds: int | None = None, broadcast_limit: int = BROADCAST_LIMIT, force: bool = False) -> CycleCounts:
    """``write_cycles`` on Spark: every cycle to a Parquet dataset (a folder of part files, as Spark writes) at ``output``.

    Columns: ``length``, ``entities`` (as first spelled, cleaned) and, for temporal cycles, ``rows``
    (1-based rows of the input) and ``timestamps``; no ``cycle`` number (the tasks write in
    parallel). An existing ``output`` is replaced only with ``force``. Returns the counts of the
    cycles written; raises as ``spark_count_cycles``.
    """
    with spark_errors():
        return _on_spark(path, max_length, temporal, window, master, input_format, columns, slab_seconds, broadcast_limit, output, force)
