"""Command-line side of transaction-size ledgers: progress, output files, and the results on stdout.

The computing lives in ``dealgraph.transactions`` (``count_cycles``,
``list_cycles``, ``write_cycles``, ``transaction_features``,
``synthetic_transactions``); this module reads options, shows progress on
stderr, writes output files atomically (a temporary file next to the target,
then renamed) and prints the result values as a table, JSON or CSV
(``main._emit``: the one envelope, and list cells joined with ``"; "``).

CSV on stdout: ``loops --count-only`` one row per length (``length,cycles``);
a ``loops`` listing one row per cycle (``cycle,length,entities`` and, for
temporal cycles, ``rows,timestamps``; ``A; B; C`` is the cycle
A -> B -> C -> A); ``loops -o`` one row saying what was written;
``features`` the input's columns and the per-row features (with ``--engine spark``, which writes
the rows to a Parquet folder: each feature's sum and largest value).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import polars as pl

from .._results import Record
from .main import _emit, check_outputs, problems_as_json, progress


def _write(*outputs: tuple[pl.DataFrame, str | None]) -> None:
    """Each frame to its path (Parquet, or CSV by suffix), all or nothing: temporary files beside the targets, renamed
    only when every one is written, so a failure leaves no half-written file and no output without its companion."""
    from .._files import atomic_path

    with contextlib.ExitStack() as stack:
        for frame, path in outputs:
            if path is None:
                continue
            tmp = stack.enter_context(atomic_path(path))
            if path.endswith((".parquet", ".pq")):
                frame.write_parquet(tmp)
            else:
                frame.write_csv(tmp)


def _refuse_folders(engine: str, **outputs: str | None) -> None:
    """The local engine writes files: an output that is a folder (what --engine spark writes) is a usage error."""
    for option, given in outputs.items():
        if given and engine == "local" and Path(given).is_dir():
            raise click.UsageError(f"{given} is a folder; --{option} names a Parquet file (a folder is what --engine spark writes)")


def _read_edges(read: Callable, input_format: str, time_unit: str):
    from ..transactions.ingest import read_edges

    with progress("Reading") as update:
        update(0, 1)
        return read(lambda path, **settings: read_edges(path, input_format=input_format, time_unit=time_unit, **settings))


def run_cycles(read: Callable, *, fmt: str, max_length: int, limit: int, window: str | None, count_only: bool, temporal: bool,
               output: str | None, input_format: str, time_unit: str, time_limit: float | None, force: bool, engine: str = "local",
               spark_master: str | None = None, spark_broadcast_limit: float = 2048) -> None:
    from ..transactions.cycles import count_cycles, list_cycles, write_cycles

    _refuse_folders(engine, output=output)
    check_outputs(force, output=output)
    if engine == "spark":
        from ..transactions.spark import spark_count_cycles, spark_write_cycles

        if time_limit is not None or time_unit != "auto":
            raise click.UsageError("--time-limit and --time-unit apply to the local engine")
        common: dict[str, Any] = dict(max_length=max_length, temporal=temporal, window=window if temporal else None, master=spark_master,
                      input_format=input_format, broadcast_limit=int(spark_broadcast_limit * 2**20))
        if output:
            written = read(lambda path, **settings: spark_write_cycles(path, output, columns=settings.get("columns"), force=force, **common))
            _emit(Record({**written.to_dict(), "listed": written.total, "output": output},
                         f"wrote {written.total} cycles to {output} (a Parquet dataset written by Spark)"), fmt, "loops")
        else:
            _emit(read(lambda path, **settings: spark_count_cycles(path, columns=settings.get("columns"), **common)), fmt, "loops")
        return
    edges = _read_edges(read, input_format, time_unit)
    span = window if temporal else None  # --window also bounds deal-ledger loops; here it applies to temporal cycles only
    if count_only:
        with progress("Counting cycles") as update:
            counts = count_cycles(edges, max_length=max_length, temporal=temporal, window=span, time_limit=time_limit, progress=update)
        _emit(counts, fmt, "loops")
    elif output:
        with progress("Listing cycles") as update:
            written = write_cycles(edges, output, max_length=max_length, temporal=temporal, window=span, progress=update,
                                   time_limit=time_limit)
        partial = "" if written.complete else " (stopped at --time-limit: the cycles of the entities searched so far)"
        _emit(Record({**written.to_dict(), "listed": written.total, "output": output}, f"wrote {written.total} cycles to {output}{partial}"),
              fmt, "loops")
    else:
        with progress("Listing cycles") as update:
            listing = list_cycles(edges, max_length=max_length, temporal=temporal, window=span, limit=limit, progress=update)
        _emit({**listing.to_dict(), "output": None} if fmt == "json" else listing, fmt, "loops")


def run_features(source: str, reading: dict[str, Any], *, output: str | None, accounts: str | None, max_length: int,
                 window: str | None, input_format: str, force: bool, fmt: str, engine: str = "local", spark_master: str | None = None,
                 spark_broadcast_limit: float = 2048) -> None:
    from ..transactions.features import transaction_features
    from ..transactions.ingest import read_edges, scan_input

    _refuse_folders(engine, output=output, accounts=accounts)
    check_outputs(force, output=output, accounts=accounts)
    if engine == "spark":
        from ..transactions.spark_features import spark_features

        assert output is not None
        with progress("Computing features on Spark") as update:
            update(0, 1)
            summary = spark_features(source, output, accounts=accounts, max_length=max_length, window=window or None,
                                     master=spark_master, input_format=input_format, columns=reading["columns"],
                                     broadcast_limit=int(spark_broadcast_limit * 2**20), force=force)
        _emit(summary.to_dict() if fmt == "json" else summary, fmt, "features")
        return
    with problems_as_json("features", fmt), progress("Reading") as update:
        update(0, 1)
        edges = read_edges(source, input_format=input_format, **reading)
    with progress("Counting cycles per row") as update:
        features = transaction_features(edges, max_length=max_length, window=window or None, progress=update)
    table = scan_input(source, input_format)[0].collect().hstack(features.to_frame())
    _write((table, output), (features.accounts, accounts))
    if fmt == "json":
        _emit({**features.to_dict(), "output": output, "accounts": accounts}, fmt, "features")
    else:
        _emit(features, fmt, "features", frame=table)
    if fmt == "table":
        click.echo(f"wrote {output}: {table.height:,} rows with {', '.join(features.rows.columns)}"
                   + (f"; {accounts}: per account" if accounts else ""))


def run_generate(output: str, truth: str, *, rows: int, accounts: int | None, seed: int, days: float, cycles: dict[int, int],
                 fan_in: int, fan_out: int, fmt: str, force: bool, deals: bool = False) -> None:
    from ..transactions.synth import synthetic_transactions

    if deals:
        from ..reading.synth import synthetic_deals

        check_outputs(force, output=output)
        with progress("Generating") as update:
            update(0, 1)
            ledger = synthetic_deals(rows, accounts, seed=seed)
        _write((ledger, output))
        entities = pl.concat([ledger["source"], ledger["target"]]).n_unique()
        _emit(Record({"output": output, "rows": ledger.height, "entities": entities, "seed": seed},
                     f"wrote {output} ({ledger.height:,} deals, seed {seed})"), fmt, "generate")
        return
    check_outputs(force, output=output, truth=truth)
    with progress("Generating") as update:
        update(0, 1)
        ledger, planted = synthetic_transactions(rows, accounts, seed=seed, days=days, cycles=cycles, fan_in=fan_in, fan_out=fan_out)
    _write((ledger, output), (planted, truth))
    _emit(Record({"output": output, "truth": truth, "rows": ledger.height, "planted": planted.height, "seed": seed},
                 f"wrote {output} ({ledger.height:,} rows, seed {seed}) and {truth} ({planted.height} planted instances)"), fmt, "generate")
