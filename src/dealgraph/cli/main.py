"""The ``dealgraph`` command line: a thin shell over the library.

stdout carries data (a table, ``--json`` or ``--format csv``); stderr carries
messages for people. Exit codes: 0 ok, 1 error in the input, 2 usage.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import math
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import click

from .._results import Record, envelope, flat_frame, for_terminal, jsonable


def _stderr(message: str) -> None:
    click.echo(for_terminal(message), err=True)


def _echo_json(payload: dict[str, Any]) -> None:
    """The payload as JSON: indented for a person at a terminal, compact into a pipe or file (Python's encoder is
    compiled only without indentation: 3.1 s against 8.6 s for the summary of 10^5 generated deals)."""
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2 if sys.stdout.isatty() else None))


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    out = {}
    for v in values:
        key, sep, val = v.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {v!r}", param_hint=option)
        out[key.strip()] = val.strip()
    return out


def _value_maps(values: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """``--map kind=cloud_commitment:cloud,chip_purchase:chips`` (repeatable) as ``{column: {theirs: ours}}``."""
    out: dict[str, dict[str, str]] = {}
    for item in values:
        column, sep, pairs = item.partition("=")
        for pair in pairs.split(","):
            theirs, colon, ours = pair.rpartition(":")
            if not sep or not column.strip() or not colon or not theirs.strip() or not ours.strip():
                raise click.BadParameter(f"expected COLUMN=THEIRS:OURS[,THEIRS:OURS...], got {item!r}", param_hint="--map")
            out.setdefault(column.strip(), {})[theirs.strip()] = ours.strip()
    return out


def _money(value: str | None) -> float | None:
    if value is None:
        return None
    from ..reading.cells import parse_amount

    try:
        parsed = parse_amount(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: {exc}", param_hint="--usd-per-gw") from None
    if parsed is None:
        raise click.BadParameter("empty value", param_hint="--usd-per-gw")
    return parsed.value


def _price(value: str | None) -> tuple[float | None, tuple[float, float] | None]:
    """``--usd-per-gw``: an amount, or LOW:HIGH (then the point figures use the middle)."""
    if value is None or ":" not in value:
        return _money(value), None
    low, high = (_money(part) for part in value.split(":", 1))
    assert low is not None and high is not None  # _money refuses an empty part
    if low > high:
        raise click.BadParameter(f"{value!r}: the low end comes first (LOW:HIGH)", param_hint="--usd-per-gw")
    return (low + high) / 2, (low, high)


class Finite(click.FloatRange):
    """A float range that also refuses NaN and infinities (``nan`` compares false with every bound)."""

    name = "finite number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


realised_option = click.option(
    "--realised", default=None, type=Finite(0, 1), metavar="SHARE",
    help="Low end of the ranges: 'up to' amounts realised at this share of their cap (the high end counts them in full).")

FORMATS = ("table", "json", "csv")


def format_options(f=None, *, formats: tuple[str, ...] = FORMATS):
    """``--format`` (only the formats the command really writes) and ``--json``; the command gets ``fmt``."""
    if f is None:
        return functools.partial(format_options, formats=formats)

    @click.option("--format", "fmt", type=click.Choice(list(formats)), default="table", show_default=True,
                  help="Output format on stdout" + (" (csv: one row per item)." if "csv" in formats else "."))
    @click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
    @functools.wraps(f)
    def wrapper(*args, fmt, as_json, **kwargs):
        return f(*args, fmt="json" if as_json else fmt, **kwargs)

    return wrapper


decimal_option = click.option("--decimal", type=click.Choice([".", ","]), default=".", show_default=True,
                              help="The decimal mark of amounts: '.' (1,234.5) or ',' (1.234,5). Ambiguous cells such as 1,5 "
                                   "are an error until this says which.")
time_unit_option = click.option("--time-unit", type=click.Choice(["auto", "s", "ms", "us", "ns"]), default="auto", show_default=True,
                                help="Unit of integer timestamps in a transaction file (auto: told by their size).")
column_option = click.option("--column", "columns", multiple=True, metavar="OURS=YOURS",
                             help='Map a column, e.g. --column amount="Amount Paid". Repeatable.')


def spark_options(what: str):
    """``--engine``, ``--spark-master`` and ``--spark-broadcast-limit``: where ``what`` runs, and Spark's settings."""
    def decorate(f):
        for option in reversed((
                click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True,
                             help=f"Where {what} run: this machine's compiled kernels, or Apache Spark (pip install 'dealgraph[spark]'; "
                                  "outputs are then Parquet folders, as Spark writes)."),
                click.option("--spark-master", metavar="URL", help="Spark's master (default: spark-submit's, else SPARK_MASTER, else local[*])."),
                click.option("--spark-broadcast-limit", default=2048, show_default=True, type=Finite(1), metavar="MB",
                             help="With --engine spark: the most megabytes of graph sent to each executor for hop-bounded cycles."))):
            f = option(f)
        return f
    return decorate


@contextlib.contextmanager
def problems_as_json(command: str, fmt: str) -> Iterator[None]:
    """A ledger's problems go to stderr (the group does that) and, with ``--json``, to stdout as data too."""
    from .._errors import LedgerError

    try:
        yield
    except LedgerError as exc:
        if fmt == "json":
            _echo_json(envelope(command, problems=exc))
        raise


time_limit_option = click.option("--time-limit", type=Finite(0), metavar="SECONDS",
                                 help="Stop after about this long: searches that can stop early give what they found and say "
                                      "what they left out; a step that cannot (the maximum circulation) ends with an error.")


def ledger_options(f=None, *, dataset: str = "seed", lazy: bool = False, formats: tuple[str, ...] = FORMATS, timed: bool = True):
    """Options every deal-ledger command shares: the ledger and how to read it, the output format and (``timed``) the
    time limit; the command runs with its progress on stderr.

    A ``lazy`` command gets a ``read(reader)`` callable instead of a Ledger: it
    reads the file itself (``reader(path, columns=..., decimal=...)``; the ledger
    reader when ``reader`` is None), with the same error reporting, and takes
    ``--time-limit`` itself.
    """
    if f is None:
        return functools.partial(ledger_options, dataset=dataset, lazy=lazy, formats=formats, timed=timed)

    @click.argument("ledger", required=False, type=click.Path(dir_okay=False))
    @click.option("--dataset", type=click.Choice(["seed", "ai-deals"]), default=dataset, show_default=True,
                  help="Built-in dataset used when no LEDGER is given"
                       + (" (deal-ledger mode only: --count-only, --temporal and --output read a LEDGER file)." if lazy else "."))
    @column_option
    @click.option("--map", "value_maps", multiple=True, metavar="COLUMN=THEIRS:OURS,...",
                  help="Map your values of kind, status or cap onto dealgraph's, e.g. --map kind=cloud_commitment:cloud,"
                       "chip_purchase:chips. Repeatable.")
    @click.option("--aliases", type=click.Path(exists=True, dir_okay=False),
                  help="Extra entity names: a CSV (alias,name) or TOML ([aliases]) file.")
    @click.option("--fx", multiple=True, metavar="CUR=RATE",
                  help="Exchange rate into --currency, e.g. --fx CNY=0.14. Repeatable.")
    @click.option("--currency", default="USD", show_default=True, help="Currency of results when rows mix currencies.")
    @decimal_option
    @click.option("--usd-per-gw", "usd_per_gw", metavar="AMOUNT",
                  help="Dollars per gigawatt for capacity-only deals, e.g. 50e9 or $50B, or a range such as 20e9:60e9 (figures at "
                       "the middle; summary and report also show both ends). Headline basis only; stated in every output.")
    @click.option("--year", type=click.IntRange(1900, 2199), metavar="YYYY",
                  help="Money that moves in one calendar year: multi-year deals spread evenly over their term (start to end), "
                       "one-off deals in the year of their date, undated deals left out and named. Default: the whole term.")
    @format_options(formats=formats)
    @functools.wraps(f)
    def wrapper(ledger, dataset, columns, value_maps, aliases, fx, currency, decimal, usd_per_gw, year, fmt, **kwargs):
        fx_rates = _pairs(fx, "--fx")  # checked by the reader, which names a bad rate
        mapping = _pairs(columns, "--column")
        values = _value_maps(value_maps)  # checked by the reader, which names a bad column or value
        settings = dict(columns=mapping, aliases=aliases, fx=fx_rates, currency=currency, decimal=decimal, values=values)

        def read(reader=None):
            with problems_as_json(f.__name__.replace("_cmd", "").replace("_", "-"), fmt):
                if reader is not None:
                    if not ledger:
                        raise click.UsageError("this mode reads a file: give LEDGER")
                    if year is not None:
                        raise click.UsageError("--year applies to deal ledgers; a transaction file is read whole")
                    return reader(ledger, columns=mapping, decimal=decimal)
                from .._work import step
                from ..reading.ledger import read_dataset, read_ledger

                if not ledger and (mapping or values or fx_rates or currency != "USD" or decimal != "."):
                    raise click.UsageError("--column, --map, --fx, --currency and --decimal apply to a LEDGER file; the built-in "
                                           "datasets have dealgraph's columns, US dollars and decimal points")
                with step("reading the ledger"):
                    lg = read_ledger(ledger, **settings) if ledger else read_dataset(dataset, aliases=aliases)
                return lg if year is None else lg.in_year(year)

        point, span = _price(usd_per_gw)
        if "usd_range" in inspect.signature(f).parameters:
            kwargs["usd_range"] = span
        return f(read if lazy else read(), usd_per_gw=point, fmt=fmt, **kwargs)

    return _timed(wrapper) if timed and not lazy else wrapper


def _timed(f):
    """``--time-limit`` on a deal-ledger command: the whole command runs watched (progress on stderr, the limit honoured)."""

    @time_limit_option
    @functools.wraps(f)
    def wrapper(*args, time_limit, **kwargs):
        with watching(time_limit):
            return f(*args, **kwargs)

    return wrapper


def _emit(result: Any, fmt: str, command: str, frame=None) -> None:
    for bar in _LIVE:  # the progress line goes before the result is written (one terminal, two streams)
        bar.stop()
    if fmt == "json":
        _echo_json(envelope(command, result))
    elif fmt == "csv":
        click.echo(flat_frame(frame if frame is not None else result.to_frame()).write_csv(), nl=False)
    else:
        from rich.console import Console

        tty = sys.stdout.isatty()
        Console(no_color="NO_COLOR" in os.environ or None, width=None if tty else 250).print(_Clean(result))


class _Clean:
    """A renderable shown without the characters that drive a terminal (``for_terminal``): ledger text is untrusted."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __rich_console__(self, console, options):
        from rich.segment import Segment

        for seg in console.render(self.inner, options):
            yield seg if seg.control else Segment(for_terminal(seg.text), seg.style)


def check_outputs(force: bool, **outputs: str | None) -> None:
    """Before any work: every output's folder exists, no two outputs name the same file, and none exists unless
    ``--force`` (or a yes at a terminal prompt)."""
    from pathlib import Path

    seen: dict[Path, str] = {}
    for option, given in outputs.items():
        if not given:
            continue
        if "://" in given:  # a file system Spark writes to (HDFS, S3): the engine checks it
            continue
        path, flag = Path(given), f"--{option}"
        if not path.parent.is_dir():
            raise click.UsageError(f"{path.parent} (the folder of {flag} {path}) does not exist; create it first")
        if path.resolve() in seen:
            raise click.UsageError(f"{flag} and {seen[path.resolve()]} name the same file, {path}; give two files")
        seen[path.resolve()] = flag
        if path.exists() and not force and not (sys.stdin.isatty() and click.confirm(f"{path} exists; overwrite it?", err=True)):
            raise click.UsageError(f"{path} exists; use --force to overwrite it")


def _basis_option(both: bool = False, help: str | None = None):
    """``--basis``: headline (every live deal, at face value) or firm (closed or committed, exact)."""
    choices = ["headline", "firm", "both"] if both else ["headline", "firm"]
    return click.option("--basis", type=click.Choice(choices), default="both" if both else "headline", show_default=True,
                        help=help or "headline: every live deal (not lapsed or replaced), at face value; firm: closed or committed deals with "
                                     "exact amounts" + ("; both: side by side." if both else "."))


def _on(result: Any, basis: str) -> Any:
    return result if basis == "both" else result.only(basis)


class _Group(click.Group):
    """Every subcommand also answers ``--version``; every DealgraphError becomes a message and exit code 1."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        click.version_option(package_name="dealgraph", message="dealgraph %(version)s")(cmd)
        super().add_command(cmd, name)

    def invoke(self, ctx):
        from .._errors import DealgraphError

        try:
            return super().invoke(ctx)
        except DealgraphError as exc:
            _stderr(f"error: {exc}")
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dealgraph")
@click.option("-v", "--verbose", count=True, help="Log what the library does on stderr (-v: steps, -vv: details).")
def cli(verbose: int) -> None:
    """Find the money that goes round.

    A ledger row is money (or equity value) moving from SOURCE to TARGET:
    investor to investee, buyer to seller, lab to the cloud it pays. Every
    command reads a ledger file (CSV, TSV, Parquet, JSON, NDJSON) or, with
    none, the built-in ledger of the seed article.
    """
    import logging

    logger = logging.getLogger("dealgraph")
    if not verbose:  # quiet: the reader's notes are in validate's and summary's output, and -v shows every step
        logger.handlers = [logging.NullHandler()]
        return
    handler = logging.StreamHandler(sys.stderr)  # the library logs to logging.getLogger("dealgraph.<module>"); this run's stderr
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    logger.handlers = [handler]
    logger.setLevel(logging.INFO if verbose == 1 else logging.DEBUG)


@cli.command()
@ledger_options
def validate(lg, *, usd_per_gw, fmt):
    """Check a ledger and show what was read (problems exit with code 1)."""
    from .._results import fmt_money, fmt_share

    info = lg.overview()
    line = (f"{lg.origin}: valid. {info['rows']} row{'s' if info['rows'] != 1 else ''}, {len(lg.entities)} entities, currency {lg.currency}, "
            f"{info['unknown_amounts']} unknown amounts ({info['capacity_only']} capacity-only), "
            f"{fmt_money(info['total_stated'], lg.currency)} stated in all; {info['undated']} undated "
            f"({fmt_share(info['undated'] / max(info['rows'], 1))}), {info['with_url']} citing a web source, {info['replaced']} "
            "lapsed or replaced." + "".join(f"\n{note}" for note in lg.notes))
    _emit(Record(info, line), fmt, "validate", frame=lg.to_frame())


@cli.command()
@ledger_options(lazy=True)
@click.option("--max-length", default=6, show_default=True, type=click.IntRange(2, 50), help="Longest loop, in entities.")
@click.option("--limit", default=10_000, show_default=True, type=click.IntRange(1), help="Stop after this many loops.")
@click.option("--window", default=None, help="Time window for date order, e.g. 365d, 2y, 1d (unbounded if not given; 1d with --temporal).")
@_basis_option(help="Which throughput ranks the loops (both are shown).")
@click.option("--rank", type=click.Choice(["evidence", "money"]), default="evidence", show_default=True,
              help="evidence: firm loops first, then fully stated ones, then those resting on unknown amounts, each by throughput; "
                   "money: by throughput alone.")
@click.option("--count-only", is_flag=True, help="Count cycles by length (transaction-size files, compiled search).")
@click.option("--temporal", is_flag=True, help="Temporal cycles: every row its own edge, strictly later hop by hop, within --window.")
@click.option("--output", "-o", "output", type=click.Path(),
              help="Stream every cycle to this Parquet file (with --engine spark: a Parquet folder, as Spark writes).")
@click.option("--input-format", type=click.Choice(["auto", "dealgraph", "amlworld"]), default="auto", show_default=True,
              help="Column layout of a transaction file (amlworld: IBM's AMLworld CSV).")
@time_unit_option
@click.option("--time-limit", type=Finite(0), metavar="SECONDS",
              help="Stop the search after about this long: the loops or counts found so far, said to be partial.")
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
@spark_options("--count-only and -o")
def loops(read, *, usd_per_gw, fmt, max_length, limit, window, basis, rank, count_only, temporal, output, input_format, time_unit, time_limit,
          force, engine, spark_master, spark_broadcast_limit):
    """Every circular flow, ranked by the money that can go all the way round.

    With --count-only, --temporal or --output the file is read as a transaction
    ledger (source, target, timestamp, amount) into arrays and searched by the
    compiled kernels: hop-bounded simple cycles of the simple graph, or temporal
    cycles of the multigraph.
    """
    if engine == "spark" and not (count_only or output):
        raise click.UsageError("--engine spark counts cycles (--count-only) or writes them (-o); listing them here runs locally")
    if spark_master and engine != "spark":
        raise click.UsageError("--spark-master applies to --engine spark")
    if not (count_only or temporal or output or input_format == "amlworld"):
        from ..analyses.loops import find_loops

        with watching(time_limit):
            _emit(find_loops(read(), max_length=max_length, limit=limit, window=window, basis=basis, usd_per_gw=usd_per_gw,
                             rank=rank), fmt, "loops")
        return
    from .transactions import run_cycles

    run_cycles(read, fmt=fmt, max_length=max_length, limit=limit, window=window, count_only=count_only, temporal=temporal,
               output=output, input_format=input_format, time_unit=time_unit, time_limit=time_limit, force=force, engine=engine,
               spark_master=spark_master, spark_broadcast_limit=spark_broadcast_limit)


@cli.command()
@ledger_options
@_basis_option(both=True)
def circularity(lg, *, usd_per_gw, fmt, basis):
    """How much of the money is circular: maximum circulation, BFF, Finn's index."""
    from ..analyses.circularity import circularity as run

    _emit(_on(run(lg, usd_per_gw=usd_per_gw), basis), fmt, "circularity")


@cli.command("round-trips")
@ledger_options
@_basis_option(both=True)
@click.option("--deals", "per_deal", is_flag=True, help="With --format csv: one row per deal instead of per entity.")
def round_trips_cmd(lg, *, usd_per_gw, fmt, basis, per_deal):
    """Of each dollar paid, how much comes back to the payer (proportional tracing)."""
    from ..analyses.round_trips import round_trips

    res = _on(round_trips(lg, usd_per_gw=usd_per_gw), basis)
    _emit(res, fmt, "round-trips", frame=res.deals if per_deal else None)


@cli.command()
@ledger_options
@_basis_option(both=True)
def core(lg, *, usd_per_gw, fmt, basis):
    """The circular core: inflow from inside it and from outside."""
    from ..analyses.core import circular_core

    _emit(_on(circular_core(lg, usd_per_gw=usd_per_gw), basis), fmt, "core")


@cli.command()
@ledger_options
@click.option("--max-length", default=6, show_default=True, type=click.IntRange(2, 50), help="Longest loop, in entities.")
@click.option("--window", default=None, help="Time window for date order, e.g. 365d.")
@realised_option
def summary(lg, *, usd_per_gw, usd_range, fmt, max_length, window, realised):
    """The headline findings in plain words."""
    from ..analyses.summary import summary as run

    _emit(run(lg, max_length=max_length, window=window, usd_per_gw=usd_per_gw, ranges=_ranges(usd_range, realised)), fmt, "summary")


def _ranges(usd_range: tuple[float, float] | None, realised: float | None):
    """The ends of the assumptions, when a range of prices or a realised share was given."""
    if usd_range is None and realised is None:
        return None
    from ..analyses.flows import Ranges

    return Ranges(usd_per_gw=usd_range, realised=1.0 if realised is None else realised)


def _entities_option(f):
    """``--entities FILE``: the command gets ``entities``, the table read (None: the built-in one)."""
    @click.option("--entities", "entities_file", type=click.Path(dir_okay=False),
                  help="Entity table (CSV or TOML): revenue, equity, liquid assets, cash, market value, each with its source "
                       "(default: the built-in table).")
    @functools.wraps(f)
    def wrapper(*args, entities_file, **kwargs):
        from ..reading.entities import read_entities

        return f(*args, entities=read_entities(entities_file) if entities_file else None, **kwargs)

    return wrapper


def _entity_options(f):
    """``--entities`` and ``--assume-buffer``: the entity table and the buffer assumed where it has none."""
    return _entities_option(click.option(
        "--assume-buffer", default=None, type=Finite(0), metavar="MULTIPLE",
        help="Buffer assumed where the entity table has none, as a multiple of the entity's stated obligations "
             "(default: none; such entities are not assessed, never defaulted).")(f))


@cli.command("dependency")
@ledger_options
@_entity_options
@_basis_option()
def dependency_cmd(lg, *, usd_per_gw, fmt, entities, assume_buffer, basis):
    """How concentrated each entity's funding, revenue and suppliers are, and who is exposed to whom."""
    from ..analyses.dependency import dependency

    _emit(dependency(lg, basis=basis, usd_per_gw=usd_per_gw, entities=entities, assume_buffer=assume_buffer),
          fmt, "dependency")


@cli.command("flags")
@ledger_options
@_entities_option
def flags_cmd(lg, *, usd_per_gw, fmt, entities):
    """The three tests of a harmful circular deal per entity: figures against thresholds, not verdicts."""
    from ..analyses.flags import circular_deal_flags

    _emit(circular_deal_flags(lg, usd_per_gw=usd_per_gw, entities=entities), fmt, "flags")


@cli.command("diff")
@ledger_options(dataset="ai-deals")
@click.option("--from", "first", required=True, metavar="DATE", help="The earlier date, e.g. 2024-12-31.")
@click.option("--to", "last", required=True, metavar="DATE", help="The later date, e.g. 2025-12-31.")
@click.option("--max-length", default=6, show_default=True, type=click.IntRange(2, 50), help="Longest loop, in entities.")
def diff_cmd(lg, *, usd_per_gw, fmt, first, last, max_length):
    """What changed between two dates: deals that became known or were replaced, loops closed or broken, the money."""
    from ..analyses.history import diff

    _emit(diff(lg, _date(first, "--from"), _date(last, "--to"), usd_per_gw=usd_per_gw, max_length=max_length), fmt, "diff")


def _date(value: str, option: str):
    from ..reading.cells import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: {exc}", param_hint=option) from None


@cli.command("export")
@ledger_options(dataset="ai-deals", formats=("table", "json"))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The record's file: .csv, .parquet or .json (rows as objects), by its suffix.")
@click.option("--dictionary", type=click.Path(dir_okay=False),
              help="Where to write the data dictionary (Markdown); default: beside OUTPUT, as NAME.dictionary.md.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def export_cmd(lg, *, usd_per_gw, fmt, output, dictionary, force):
    """Write the ledger as a flat record (CSV, Parquet or JSON) with its data dictionary, for others to cite."""
    from pathlib import Path

    from .._files import atomic_path
    from ..reading.record import data_dictionary, record_frame

    path = Path(output)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".json"):
        raise click.BadParameter(f"{output}: give a .csv, .parquet or .json file", param_hint="--output")
    words = Path(dictionary) if dictionary else path.with_name(path.stem + ".dictionary.md")
    check_outputs(force, output=str(path), dictionary=str(words))
    frame = record_frame(lg)
    with contextlib.ExitStack() as stack:  # both files or neither
        data, text = stack.enter_context(atomic_path(path)), stack.enter_context(atomic_path(words))
        if suffix == ".csv":
            flat_frame(frame).write_csv(data)
        elif suffix == ".parquet":
            frame.write_parquet(data)
        else:
            data.write_text(json.dumps(jsonable(frame.to_dicts()), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        text.write_text(data_dictionary(lg.origin), encoding="utf-8")
    _emit(Record({"output": str(path), "dictionary": str(words), "rows": frame.height, "columns": frame.columns},
                 f"wrote {path} ({frame.height} rows) and its data dictionary {words}"), fmt, "export")


@cli.command("stress")
@ledger_options
@_entity_options
@click.option("--fail", "fail", multiple=True, metavar="ENTITY", help="An entity that pays only --pay of its commitments. Repeatable.")
@click.option("--pay", default=0.0, show_default=True, type=Finite(0, 1), help="Share of its commitments a failed entity pays.")
@click.option("--demand", multiple=True, metavar="ENTITIES=FALL",
              help='Reported revenue of a group falls by a share, e.g. --demand "Microsoft,Amazon=0.2". Repeatable.')
@click.option("--horizon", default=1.0, show_default=True, type=Finite(0.01, 100), metavar="YEARS",
              help="Obligations due within this many years count (a multi-year deal by the share of its term inside).")
@click.option("--as-of", "as_of", default=None, metavar="DATE",
              help="Start of the horizon, e.g. 2026-01-01 (default: the latest dated deal).")
@click.option("--lapse", multiple=True, metavar="STATUS|KIND|ID", help="Deals that lapse: a status (loi), a kind or a deal id. Repeatable.")
@click.option("--scenario", "scenario_file", type=click.Path(dir_okay=False), help="A TOML scenario file (combined with the options above).")
@click.option("--model", type=click.Choice(["eisenberg-noe", "rogers-veraart", "furfine", "debtrank", "debtrank-linear", "all"]),
              default="all", show_default=True, help="Propagation model; all shows them side by side.")
@click.option("--alpha", default=0.5, show_default=True, type=Finite(0, 1), help="Rogers-Veraart recovery of outside assets.")
@click.option("--beta", default=0.7, show_default=True, type=Finite(0, 1), help="Rogers-Veraart recovery of receivables.")
@click.option("--lgd", default=1.0, show_default=True, type=Finite(0, 1), help="Furfine loss given default.")
@_basis_option()
def stress_cmd(lg, *, usd_per_gw, fmt, entities, assume_buffer, fail, pay, demand, horizon, as_of, lapse, scenario_file, model,
               alpha, beta, lgd, basis):
    """The cascade of losses and defaults when entities fail to pay, demand falls or deals lapse."""
    from ..analyses.stress import stress
    from ..reading.ledger import KINDS, STATUSES
    from ..reading.scenario import Scenario, read_scenario

    base = read_scenario(scenario_file) if scenario_file else Scenario()
    groups = []
    for item in demand:
        names, sep, fall = item.rpartition("=")
        try:
            value = float(fall)
        except ValueError:
            value = -1.0
        if not sep or not names.strip() or not 0 <= value <= 1:
            raise click.BadParameter(f"expected ENTITIES=FALL with FALL from 0 to 1, got {item!r}", param_hint="--demand")
        groups.append((tuple(n.strip() for n in names.split(",") if n.strip()), value))
    scenario = Scenario(
        name=base.name if scenario_file else "command line",
        fail=base.fail + tuple((e, pay) for e in fail),
        demand=base.demand + tuple(groups),
        lapse_status=base.lapse_status + tuple(x for x in lapse if x in STATUSES),
        lapse_kind=base.lapse_kind + tuple(x for x in lapse if x in KINDS),
        lapse_ids=base.lapse_ids + tuple(x for x in lapse if x not in STATUSES and x not in KINDS),
        origin=base.origin if scenario_file else "command line",
    )
    start = None if as_of is None else _date(as_of, "--as-of")
    _emit(stress(lg, scenario, model=model, basis=basis, usd_per_gw=usd_per_gw, entities=entities, assume_buffer=assume_buffer,
                 horizon=horizon, as_of=start, alpha=alpha, beta=beta, lgd=lgd), fmt, "stress")


@cli.command("features")
@click.argument("ledger", type=click.Path())
@column_option
@decimal_option
@time_unit_option
@format_options
@click.option("-o", "--output", type=click.Path(),
              help="Parquet file: the input's columns plus the features (needed unless --format csv prints them; with --engine spark "
                   "a Parquet folder).")
@click.option("--accounts", type=click.Path(), help="Also write per-account features to this Parquet file (--engine spark: folder).")
@click.option("--max-length", default=5, show_default=True, type=click.IntRange(2, 20), help="Longest cycle counted, in entities.")
@click.option("--window", default="1d", show_default=True, help="Time window of temporal cycles and fan counts (needs timestamps).")
@click.option("--input-format", type=click.Choice(["auto", "dealgraph", "amlworld"]), default="auto", show_default=True,
              help="Column layout of a transaction file.")
@click.option("--force", is_flag=True, help="Overwrite the output files if they exist.")
@spark_options("the features")
def features(ledger, columns, decimal, time_unit, *, fmt, output, accounts, max_length, window, input_format, force, engine, spark_master,
             spark_broadcast_limit):
    """Per-row features next to the input: cycles of each length through each row, temporal cycles, fan-in and fan-out,
    scatter-gather; per account with --accounts."""
    from .transactions import run_features

    if output is None and (fmt != "csv" or engine == "spark"):
        raise click.UsageError("give -o FILE for the features" + (" (--engine spark writes a Parquet folder)" if engine == "spark"
                                                                  else " (or --format csv to print them)"))
    if engine == "local" and spark_master:
        raise click.UsageError("--spark-master applies to --engine spark")
    if engine == "spark" and (decimal != "." or time_unit != "auto"):
        raise click.UsageError("--decimal and --time-unit apply to the local engine")
    reading = {"columns": _pairs(columns, "--column"), "decimal": decimal, "time_unit": time_unit}
    run_features(ledger, reading, output=output, accounts=accounts, max_length=max_length, window=window,
                 input_format=input_format, force=force, fmt=fmt, engine=engine, spark_master=spark_master,
                 spark_broadcast_limit=spark_broadcast_limit)


@cli.command("generate")
@click.argument("output", type=click.Path(dir_okay=False))
@click.option("--rows", default=1_000_000, show_default=True, type=click.IntRange(1, 10**9), help="Background transactions (up to 10^9).")
@click.option("--accounts", type=click.IntRange(2, 10**9), help="Accounts (default: rows / 10; up to 10^9).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the random generator (same seed, same file).")
@click.option("--days", default=10.0, show_default=True, type=Finite(0, 36_500, min_open=True),
              help="Period the timestamps cover, in days (up to 100 years).")
@click.option("--cycles", "cycle_spec", default="3:10,4:10,5:10", show_default=True, metavar="LEN:COUNT,...",
              help="Planted cycles: how many of each length.")
@click.option("--fan-in", default=10, show_default=True, type=click.IntRange(0, 10**6), help="Planted fan-in instances.")
@click.option("--fan-out", default=10, show_default=True, type=click.IntRange(0, 10**6), help="Planted fan-out instances.")
@click.option("--truth", type=click.Path(dir_okay=False), help="Where to write the planted truth (default: OUTPUT with .truth.parquet).")
@click.option("--deals", is_flag=True,
              help="A deal ledger instead (the ledger's columns: kinds, statuses, caps, unknown amounts, gigawatts, terms) "
                   "of ROWS deals among ACCOUNTS entities; cycles, fans, days and truth do not apply.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@format_options
def generate(output, rows, accounts, seed, days, cycle_spec, fan_in, fan_out, truth, deals, force, fmt):
    """A seeded synthetic transaction ledger with planted cycles, fan-in and fan-out (CSV or Parquet), and its truth;
    or, with --deals, a synthetic deal ledger to try every analysis at scale."""
    from pathlib import Path

    from .transactions import run_generate

    cycles = {}
    for item in filter(None, (x.strip() for x in cycle_spec.split(","))):
        length, sep, count = item.partition(":")
        if not (sep and length.isdigit() and count.isdigit() and 2 <= int(length) <= 1000 and int(count) <= 10**6):
            raise click.BadParameter(f"expected LEN:COUNT with LEN from 2 to 1000 and COUNT up to 10^6, got {item!r}", param_hint="--cycles")
        cycles[int(length)] = int(count)
    truth = truth or str(Path(output).with_suffix(".truth.parquet"))  # ledger.csv -> ledger.truth.parquet, beside it
    run_generate(output, truth, rows=rows, accounts=accounts, seed=seed, days=days, cycles=cycles, fan_in=fan_in, fan_out=fan_out,
                 fmt=fmt, force=force, deals=deals)


@cli.command("report")
@ledger_options(dataset="ai-deals")
@_entity_options
@click.option("-o", "--output", default="dealgraph-report.html", show_default=True, type=click.Path(dir_okay=False),
              help="The HTML file to write.")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Language of the report.")
@_basis_option()
@click.option("--story", metavar="IDS", help="Deal ids to mark, comma-separated (default: the seed article's deals, when present).")
@click.option("--max-length", default=6, show_default=True, type=click.IntRange(2, 50), help="Longest loop, in entities.")
@click.option("--max-nodes", default=150, show_default=True, type=click.IntRange(2),
              help="Above this many entities, draw only those on loops (the circular core).")
@realised_option
def report_cmd(lg, *, usd_per_gw, usd_range, fmt, entities, assume_buffer, output, force, lang, basis, story, max_length, max_nodes,
               realised):
    """Write one self-contained HTML report (no network needed to open it)."""
    from pathlib import Path

    from .._files import atomic_path
    from ..web.render import render_report
    from ..web.report import article_story, report_data

    check_outputs(force, output=output)
    path = Path(output)
    marks = tuple(s.strip() for s in story.split(",") if s.strip()) if story else article_story(lg)
    unknown = set(marks) - set(lg.table["id"].to_list())
    if unknown:
        raise click.BadParameter(f"no deal with id {', '.join(sorted(unknown))} in the ledger", param_hint="--story")
    data = report_data(lg, lang=lang, basis=basis, usd_per_gw=usd_per_gw, story=marks, max_length=max_length,
                       max_nodes=max_nodes, entities=entities, assume_buffer=assume_buffer, ranges=_ranges(usd_range, realised))
    html = render_report(data)
    with atomic_path(path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    result = {"output": str(path), "bytes": len(html.encode("utf-8")), "entities": data["meta"]["entities"],
              "nodes": len(data["nodes"]), "deals": len(data["edges"]), "loops": len(data["loops"]),
              "findings": data["findings"], "loop_paths": [lp["path"] for lp in data["loops"]]}
    _emit(Record(result, f"wrote {path} ({result['bytes'] / 1e6:.1f} MB): {result['nodes']} entities, {result['deals']} deals, "
                         f"{result['loops']} loops"), fmt, "report")


@cli.command("extract")
@click.argument("articles", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--date", "published", metavar="YYYY-MM-DD", help="The day the articles were published, for relative dates "
                                                                "(default: each article's date line).")
@click.option("--aliases", type=click.Path(exists=True, dir_okay=False), help="More entity names: a CSV (alias,name) or TOML file.")
@click.option("--min-confidence", default=0.0, show_default=True, type=Finite(0, 1), help="Leave out rows read with less confidence.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the candidate rows to this CSV file.")
@click.option("--append", "ledger", type=click.Path(dir_okay=False),
              help="Merge the rows into this CSV ledger: new deals appended; a deal already there (same pair and kind, amount "
                   "within 1%) gets the new evidence, which needs --force.")
@click.option("--llm", metavar="URL", help="Also ask a model at this OpenAI-compatible endpoint (key in DEALGRAPH_LLM_KEY); its rows "
                                          "pass the same checks. Off by default.")
@click.option("--llm-model", default="default", show_default=True, help="The model name sent to --llm.")
@click.option("--force", is_flag=True, help="Overwrite --output; let --append add evidence to rows already in the ledger.")
@format_options
def extract_cmd(articles, *, published, aliases, min_confidence, output, ledger, llm, llm_model, force, fmt):
    """Read news articles (text or HTML files, or - for stdin; English, Simplified or Traditional Chinese) into candidate
    ledger rows, each with the sentence it came from, a confidence and why. Review them before use."""
    from pathlib import Path

    from .._files import atomic_path
    from ..news.extract import extract_rows
    from ..news.merge import merge_rows
    from ..reading.aliases import AliasTable

    check_outputs(force, output=output)
    if articles.count("-") > 1:
        raise click.BadParameter("standard input (-) can be read once", param_hint="ARTICLES")
    day = None if published is None else _date(published, "--date")
    table = AliasTable.builtin().extend_from_file(aliases) if aliases else AliasTable.builtin()
    if llm is not None and not llm.startswith(("http://", "https://")):
        raise click.BadParameter(f"expected an http:// or https:// address, got {for_terminal(llm)!r}", param_hint="--llm")
    result = extract_rows(articles, aliases=table, date=day, llm=llm, llm_model=llm_model)
    if min_confidence:
        import dataclasses

        import polars as pl

        result = dataclasses.replace(result, rows=result.rows.filter(pl.col("confidence") >= min_confidence))
    if output:
        with atomic_path(Path(output)) as tmp:
            flat_frame(result.rows).write_csv(tmp)
    if ledger:
        merged = merge_rows(ledger, result.rows, force=force, aliases=table)
        _stderr(f"{merged.path}: {len(merged.added)} row(s) added, {len(merged.updated)} given more evidence")
    _emit(result, fmt, "extract")


@cli.command("serve")
@ledger_options(dataset="ai-deals", formats=("table", "json"))
@_entity_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; keep the default to stay on this machine.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on; 0 picks a free one (printed).")
@click.option("--max-upload", default="20MB", show_default=True, metavar="SIZE", help="Largest ledger the page may upload (e.g. 5MB).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Language of the page.")
@click.option("--get", "get_path", metavar="PATH",
              help="Send one GET request (e.g. /api/summary) through the app without a socket, print the response body and exit.")
def serve_cmd(lg, *, usd_per_gw, fmt, entities, assume_buffer, host, port, max_upload, lang, get_path):
    """Run the explorer: a local web app with what-if, and its JSON API (OpenAPI at /openapi.json)."""
    from ..web.report import article_story
    from ..web.server import bound_hosts, create_app, request_once

    size = max_upload.strip().upper().removesuffix("B")
    scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(size[-1:], 1)
    try:
        number = float(size.rstrip("KMG"))
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and 0 < number * scale <= 2**40):
        raise click.BadParameter(f"expected a size from 1 byte to 1TB such as 20MB, got {max_upload!r}", param_hint="--max-upload")
    limit = int(number * scale)
    app = create_app(lg, story=article_story(lg), entities=entities, assume_buffer=assume_buffer, max_upload=limit, lang=lang, warm=get_path is None,
                     allowed_hosts=bound_hosts(host))
    if get_path is not None:
        if not get_path.startswith("/"):
            raise click.BadParameter(f"expected a path starting with /, got {get_path!r}", param_hint="--get")
        status, body = request_once(app, get_path)
        click.echo(body, nl=False)
        sys.exit(0 if status < 400 else 1)
    import socket

    import uvicorn

    if host not in ("127.0.0.1", "localhost", "::1"):
        _stderr(f"warning: binding {host} makes the explorer reachable from other machines"
                + (" under any name (the Host check is off; writes must still come from the page itself)" if host in ("0.0.0.0", "::") else ""))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by each connection: no 40 ms wait on a small answer
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    port = sock.getsockname()[1]
    url = f"http://{'[' + host + ']' if family == socket.AF_INET6 else host}:{port}/"
    if fmt == "json":
        _echo_json(envelope("serve", {"url": url, "port": port}))
    _stderr(f"dealgraph explorer on {url} (Ctrl+C to stop)")
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


@contextlib.contextmanager
def progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr while long work runs (silent when stderr is not a terminal); yields ``update(done, total)``."""
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


_LIVE: list = []  # the progress line being drawn, if any


@contextlib.contextmanager
def watching(seconds: float | None) -> Iterator[None]:
    """Run library work with its steps as a progress line on stderr (when it is a terminal) and ``seconds`` as its limit."""
    from .._work import watch

    if not sys.stderr.isatty():
        with watch(seconds=seconds):
            yield
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True,
                  console=Console(stderr=True)) as bar:
        tasks = [bar.add_task("starting", total=None)]
        one_at_a_time = threading.Lock()  # steps of two threads (two years at once) begin together

        def report(name: str, done: int | None, total: int | None) -> None:
            with one_at_a_time:
                if done is None:  # a step begins: a line of its own (its time from zero, no count yet), drawn at once
                    bar.remove_task(tasks.pop())
                    tasks.append(bar.add_task(escape(for_terminal(name)), total=None))
                    bar.refresh()
                else:
                    bar.update(tasks[0], completed=done, total=total)

        _LIVE.append(bar)
        try:
            with watch(report, seconds=seconds):
                yield
        finally:
            _LIVE.remove(bar)


def main() -> None:
    try:
        cli(prog_name="dealgraph")
    except KeyboardInterrupt:  # pragma: no cover
        _stderr("interrupted")
        sys.exit(130)
