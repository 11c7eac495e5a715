"""Command-line side of transaction-size ledgers: progress, streaming output, tables.

The computing lives in ``_ingest``, ``_cycles``, ``_features`` and
``_synth``; this module reads options, shows progress on stderr and writes
results (stdout, or Parquet files streamed block by block).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import numpy as np
import polars as pl

from .._results import envelope

SIMPLE_DEFINITION = ("hop-bounded cycle: a simple cycle of the simple directed graph (one edge per ordered pair of entities, "
                     "self-loops dropped) with 2 to k entities, counted once up to rotation")
TEMPORAL_DEFINITION = ("temporal cycle: on the multigraph (every row its own edge), distinct entities, strictly increasing "
                       "timestamps along the cycle, last timestamp minus first at most the window, at most k edges; "
                       "each distinct sequence of rows is one cycle")


@contextlib.contextmanager
def progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (when it is a terminal); yields ``update(done, total)``."""
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  transient=True, console=None) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _refuse_overwrite(path: str | None, force: bool) -> None:
    if path and Path(path).exists() and not force:
        raise click.UsageError(f"{path} exists; use --force to overwrite it")


def _echo_json(command: str, result: dict[str, Any]) -> None:
    click.echo(json.dumps(envelope(command, result), ensure_ascii=False, indent=2))


def _read_edges(read: Callable, input_format: str):
    from ..transactions.ingest import read_edges

    with progress("Reading") as update:
        update(0, 1)
        return read(lambda path, columns: read_edges(path, input_format=input_format, columns=columns))


def run_cycles(read: Callable, *, fmt: str, max_length: int, limit: int, window: str | None, count_only: bool, temporal: bool,
               output: str | None, input_format: str, time_limit: float | None, force: bool) -> None:
    from .._errors import DealgraphError
    from ..reading.cells import parse_window
    from ..transactions.cycles import count_cycles, cycle_blocks, simple_graph, temporal_graph
    from ..transactions.ingest import window_seconds

    _refuse_overwrite(output, force)
    edges = _read_edges(read, input_format)
    k = max_length
    seconds = None
    if temporal:
        if edges.ts is None:
            raise DealgraphError(f"{edges.origin}: --temporal needs a timestamp column (timestamp or date)")
        span = parse_window(window or "1d")
        assert span is not None
        seconds = window_seconds(span)
        graph: Any = temporal_graph(edges.src, edges.dst, edges.ts, edges.n)
    else:
        graph = simple_graph(edges.src, edges.dst, edges.n)
    graph_bytes = sum(v.nbytes for v in vars(graph).values() if isinstance(v, np.ndarray))
    head = {"mode": "temporal" if temporal else "hop-bounded", "definition": TEMPORAL_DEFINITION if temporal else SIMPLE_DEFINITION,
            "max_length": k, "window_seconds": seconds, "rows": edges.m, "entities": edges.n, "graph_edges": graph.m,
            "array_bytes": edges.nbytes + graph_bytes}
    if count_only:
        with progress("Counting cycles") as update:
            counts = count_cycles(graph, k, window=seconds, progress=update, seconds=time_limit)
        result = {**head, "counts": {str(L): int(counts.by_length[L]) for L in range(2, k + 1)}, "total": counts.total,
                  "complete": counts.complete, "seconds": round(counts.seconds, 3)}
        if fmt == "json":
            _echo_json("loops", result)
        else:
            _print_counts(result)
        return
    names = edges.names.to_numpy()
    listed = 0
    writer = None
    shown: list[dict[str, Any]] = []
    with progress("Listing cycles") as update:
        for block in cycle_blocks(graph, k, window=seconds, progress=update):
            if not len(block):
                continue
            frame = _cycle_frame(block, graph, names, edges.ts, temporal, listed)
            listed += frame.height
            if output:
                import pyarrow.parquet as pq

                table = frame.to_arrow()
                writer = writer or pq.ParquetWriter(output, table.schema)
                writer.write_table(table)
            else:
                shown.extend(frame.head(limit - len(shown)).to_dicts())
                if len(shown) >= limit:
                    break
    if writer is not None:
        writer.close()
    elif output:  # no cycles: still write an empty file with the columns
        _cycle_frame(np.zeros((0, k), dtype=np.int64), graph, names, edges.ts, temporal, 0).write_parquet(output)
    result = {**head, "listed": listed if output else len(shown), "output": output}
    if fmt == "json":
        _echo_json("loops", {**result, "cycles": shown} if not output else result)
    elif output:
        click.echo(f"wrote {listed} cycles to {output}")
    else:
        for c in shown:
            click.echo(" -> ".join(c["entities"] + c["entities"][:1]))
        click.echo(f"{len(shown)} cycles" + (f" (first {limit}; raise --limit or use --output)" if len(shown) >= limit else ""))


def _cycle_frame(block: np.ndarray, graph: Any, names: np.ndarray, ts: np.ndarray | None, temporal: bool, first: int) -> pl.DataFrame:
    length = (block >= 0).sum(axis=1)
    cycle = np.arange(first, first + len(block))
    if temporal:
        rows = np.where(block >= 0, graph.row[np.maximum(block, 0)], -1)
        arrive = np.where(block >= 0, graph.edst[np.maximum(block, 0)], -1)
        vertices = np.roll(arrive, 1, axis=1)  # a cycle's entities start at the source of its first row: where its last row arrives
        vertices[:, 0] = arrive[np.arange(len(block)), length - 1]
        entities = [names[v[:L]].tolist() for v, L in zip(vertices, length)]
        return pl.DataFrame({"cycle": cycle, "length": length, "entities": entities,
                             "rows": [(r[:L] + 1).tolist() for r, L in zip(rows, length)],
                             "timestamps": [graph.ets[b[:L]].tolist() for b, L in zip(block, length)]},
                            schema={"cycle": pl.Int64, "length": pl.Int64, "entities": pl.List(pl.String), "rows": pl.List(pl.Int64),
                                    "timestamps": pl.List(pl.Int64)})
    return pl.DataFrame({"cycle": cycle, "length": length, "entities": [names[b[:L]].tolist() for b, L in zip(block, length)]},
                        schema={"cycle": pl.Int64, "length": pl.Int64, "entities": pl.List(pl.String)})


def _print_counts(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    window = f", window {result['window_seconds']} s" if result["window_seconds"] is not None else ""
    table = Table(title=f"{result['mode']} cycles, up to {result['max_length']} entities{window}")
    table.add_column("entities", justify="right")
    table.add_column("cycles", justify="right")
    for length, count in result["counts"].items():
        table.add_row(length, f"{count:,}")
    table.add_row("total", f"{result['total']:,}", style="bold")
    Console(width=None if sys.stdout.isatty() else 200).print(table)
    click.echo(f"{result['rows']:,} rows, {result['entities']:,} entities; {result['seconds']} s"
               + ("" if result["complete"] else " (stopped at --time-limit: partial counts)"))
    click.echo(result["definition"])


def run_features(read: Callable, source: str | None, *, output: str, accounts: str | None, max_length: int, window: str | None,
                 input_format: str, force: bool, fmt: str) -> None:
    from ..reading.cells import parse_window
    from ..transactions.features import edge_features
    from ..transactions.ingest import scan_input, window_seconds

    _refuse_overwrite(output, force)
    _refuse_overwrite(accounts, force)
    edges = _read_edges(read, input_format)
    span = parse_window(window) if window else None
    with progress("Counting cycles per row") as update:
        rows, per_account = edge_features(edges, max_length, None if span is None else window_seconds(span), progress=update)
    assert source is not None
    table = scan_input(source, input_format)[0].collect()
    table.hstack(rows).write_parquet(output)
    if accounts:
        per_account.write_parquet(accounts)
    result = {"output": output, "accounts": accounts, "rows": edges.m, "columns": rows.columns}
    if fmt == "json":
        _echo_json("features", result)
    else:
        click.echo(f"wrote {output}: {edges.m:,} rows with {', '.join(rows.columns)}" + (f"; {accounts}: per account" if accounts else ""))


def run_generate(output: str, truth: str, *, rows: int, accounts: int | None, seed: int, days: float, cycles: dict[int, int],
                 fan_in: int, fan_out: int, fmt: str, force: bool) -> None:
    from ..transactions.synth import synthetic_transactions

    _refuse_overwrite(output, force)
    _refuse_overwrite(truth, force)
    with progress("Generating") as update:
        update(0, 1)
        ledger, planted = synthetic_transactions(rows, accounts, seed=seed, days=days, cycles=cycles, fan_in=fan_in, fan_out=fan_out)
    writer = ledger.write_parquet if output.endswith((".parquet", ".pq")) else ledger.write_csv
    writer(output)
    planted.write_parquet(truth)
    result = {"output": output, "truth": truth, "rows": ledger.height, "planted": planted.height, "seed": seed}
    if fmt == "json":
        _echo_json("generate", result)
    else:
        click.echo(f"wrote {output} ({ledger.height:,} rows, seed {seed}) and {truth} ({planted.height} planted instances)")
