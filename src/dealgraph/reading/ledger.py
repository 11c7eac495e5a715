"""The ledger: who paid or committed what to whom, when, and how firmly.

A row is money (or equity value) moving from ``source`` to ``target``:
investor to investee, buyer to seller, lab to the cloud it pays. Inside, a
ledger is columnar: entities are integers into a sorted name tuple and every
row is one element of each column of a polars DataFrame.

Files and tables are read by ``dealgraph.reading.tables``, cells by
``dealgraph.reading.cells`` (the same parsers as transaction files), and entity
names resolved and ordered by ``dealgraph.reading.aliases``.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from .._errors import DealgraphError
from .aliases import AliasTable, sort_names
from .cells import as_text, parse_amounts, parse_capacities, parse_dates
from .tables import Problems, read_table, source_name

__all__ = ["CAPS", "COLUMNS", "DATASETS", "KINDS", "STATUSES", "Ledger", "read_dataset", "read_ledger", "seed_ledger"]

logger = logging.getLogger(__name__)

KINDS = ("equity", "cloud", "chips", "compute", "services", "loan", "payment", "revenue_share", "other")
STATUSES = ("closed", "committed", "loi", "rumored", "lapsed")
CAPS = ("exact", "up_to", "estimated")
COLUMNS = ("source", "target", "amount", "currency", "date", "kind", "status", "cap", "gw", "id", "note", "evidence")
FIRM_STATUSES = ("closed", "committed")

_SYNONYMS = {
    "status": {"letter of intent": "loi", "letter_of_intent": "loi", "signed": "closed", "done": "closed",
               "completed": "closed", "announced": "committed", "rumoured": "rumored", "expired": "lapsed",
               "cancelled": "lapsed", "canceled": "lapsed"},
    "cap": {"up to": "up_to", "up-to": "up_to", "upto": "up_to", "estimate": "estimated", "est": "estimated"},
    "kind": {"revenue share": "revenue_share", "revenue-share": "revenue_share", "investment": "equity",
             "chip": "chips", "gpu": "chips", "gpus": "chips"},
}
_ALLOWED = {"kind": KINDS, "status": STATUSES, "cap": CAPS}
DATASETS = {
    "seed": (("seed_ledger.csv",), "the deals stated by the seed article (November 2025), each cited to its line"),
    "ai-deals": (("seed_ledger.csv", "ai_deals.csv"),
                 "the seed article's deals inside the wider web of publicly reported deals among AI labs, clouds and chipmakers "
                 "since 2019, each with a source URL"),
}


@dataclass(frozen=True)
class Ledger:
    """A validated ledger of flows between entities.

    Attributes
    ----------
    entities : tuple of str
        Canonical entity names, sorted; an entity's integer id is its position.
    table : polars.DataFrame
        One row per ledger row: ``row`` (1-based row of the input), ``source``
        and ``target`` (entity ids), ``amount`` (float, null when unknown, in
        ``currency``), ``date``, ``kind``, ``status``, ``cap``, ``gw``, ``id``,
        ``note``, ``evidence``.
    origin : str
        Where the rows came from (a file name, or a description).
    currency : str
        The currency of every amount.
    aliases : AliasTable
        The name table used to resolve entity names.
    """

    entities: tuple[str, ...]
    table: pl.DataFrame
    origin: str
    currency: str = "USD"
    aliases: AliasTable = field(default_factory=AliasTable.builtin, repr=False)

    def __len__(self) -> int:
        return self.table.height

    def index(self, name: str) -> int:
        """The integer id of an entity (any known spelling)."""
        resolved = self.aliases.resolve(name)
        try:
            return self.entities.index(resolved)
        except ValueError:
            raise KeyError(f"no entity {name!r} in the ledger") from None

    def to_frame(self) -> pl.DataFrame:
        """The rows with entity names in ``source`` and ``target``."""
        names = pl.Series(self.entities, dtype=pl.String)
        return self.table.with_columns(
            source=names.gather(self.table["source"]),
            target=names.gather(self.table["target"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "currency": self.currency,
            "entities": list(self.entities),
            "rows": _jsonable_rows(self.to_frame()),
        }

    def overview(self) -> dict[str, Any]:
        """What was read: origin, rows, entities, currency, unknown and capacity-only amounts, the stated total.

        >>> seed_ledger().overview()["unknown_amounts"]
        8
        """
        t = self.table
        return {"origin": self.origin, "rows": len(self), "entities": list(self.entities), "currency": self.currency,
                "unknown_amounts": int(t["amount"].null_count()),
                "capacity_only": int((t["amount"].is_null() & t["gw"].is_not_null()).sum()),
                "total_stated": float(t["amount"].sum() or 0.0), "valid": True}

    def to_networkx(self):
        """A ``networkx.MultiDiGraph``: one node per entity, one edge per row.

        Edge keys are the row ids; attributes are the row's columns.
        """
        import networkx as nx

        g = nx.MultiDiGraph(origin=self.origin, currency=self.currency)
        g.add_nodes_from(self.entities)
        for rec in self.to_frame().iter_rows(named=True):
            g.add_edge(rec["source"], rec["target"], key=rec["id"], **{k: v for k, v in rec.items() if k not in ("source", "target")})
        return g


def _jsonable_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    rows = frame.to_dicts()
    for r in rows:
        for k, v in r.items():
            if isinstance(v, dt.date):
                r[k] = v.isoformat()
            elif isinstance(v, float) and math.isnan(v):
                r[k] = None
    return rows


# ---------------------------------------------------------------- reading


def read_ledger(
    source: Any = None,
    *,
    columns: Mapping[str, str] | None = None,
    aliases: AliasTable | Mapping[str, str] | str | Path | None = None,
    fx: Mapping[str, float] | None = None,
    currency: str = "USD",
    name: str | None = None,
) -> Ledger:
    """Read and validate a ledger.

    Parameters
    ----------
    source : path, bytes, polars/pandas/Arrow table, list of dicts, or None
        A ``.csv``, ``.tsv``, ``.parquet``, ``.json`` or ``.ndjson`` file, a
        file's bytes (``name`` then gives its type, e.g. ``upload.csv``), or a
        table. ``None`` gives the built-in ledger of the seed article.
    columns : mapping, optional
        Your column names for dealgraph's, e.g. ``{"amount": "Amount Paid"}``.
    aliases : AliasTable, mapping or path, optional
        Extra ``alias -> name`` pairs (or a CSV/TOML file of them), added to
        the built-in table of company names in English and Chinese.
    fx : mapping, optional
        Exchange rates into ``currency``: units of ``currency`` per unit of
        the key, e.g. ``{"CNY": 0.14}``. Needed when rows mix currencies.
    currency : str
        The currency of the result when rows mix currencies (default USD).
    name : str, optional
        The name used in messages (default: the file name).

    Returns
    -------
    Ledger

    Raises
    ------
    LedgerError
        With every problem found (up to 50), each naming file, row, column,
        value and what was expected.

    Examples
    --------
    >>> import polars as pl
    >>> lg = read_ledger(pl.DataFrame({"source": ["微软", "NVIDIA"], "target": ["英伟达", "Microsoft"],
    ...                                "amount": ["$2B", "10亿美元"]}))
    >>> lg.entities, lg.table["amount"].to_list()
    (('Microsoft', 'NVIDIA'), [2000000000.0, 1000000000.0])
    """
    if source is None:
        return seed_ledger(aliases=aliases)
    label = name or source_name(source)
    table = _alias_table(aliases)
    raw = read_table(source, label)
    return _validate(raw, label, columns or {}, table, dict(fx or {}), currency.upper())


def seed_ledger(*, aliases: AliasTable | Mapping[str, str] | str | Path | None = None) -> Ledger:
    """The built-in ledger: the deals stated by the seed article (November 2025).

    Every row cites the article's line and the words carrying its figure in
    ``evidence``; relations stated without an amount have an unknown amount.

    >>> lg = seed_ledger()
    >>> "Anthropic" in lg.entities and lg.table["amount"].null_count() > 0
    True
    """
    return read_dataset("seed", aliases=aliases)


def read_dataset(name: str, *, aliases: AliasTable | Mapping[str, str] | str | Path | None = None) -> Ledger:
    """A built-in dataset by name: ``"seed"`` or ``"ai-deals"`` (see ``DATASETS``).

    ``ai-deals`` is the seed article's rows plus ``data/ai_deals.csv``; a wider
    row that quantifies an article row names it in ``supersedes`` and replaces it.

    >>> lg = read_dataset("ai-deals")
    >>> {"Anthropic", "CoreWeave", "Oracle"} <= set(lg.entities)
    True
    """
    if name not in DATASETS:
        raise DealgraphError(f"unknown dataset {name!r}; the built-in datasets are {', '.join(DATASETS)}")
    files = DATASETS[name][0]
    parts = []
    for file in files:
        with resources.as_file(resources.files("dealgraph") / "data" / file) as p:
            parts.append(pl.read_csv(p, infer_schema=False))
    raw = pl.concat(parts, how="diagonal")
    if "supersedes" in raw.columns:
        raw = raw.filter(~pl.col("id").is_in(raw["supersedes"].drop_nulls().implode())).drop("supersedes")
    return _validate(raw, f"built-in dataset {name} (dealgraph/data/{', '.join(files)})", {}, _alias_table(aliases), {}, "USD")


def _alias_table(aliases: AliasTable | Mapping[str, str] | str | Path | None) -> AliasTable:
    if isinstance(aliases, AliasTable):
        return aliases
    table = AliasTable.builtin()
    if aliases is None:
        return table
    if isinstance(aliases, (str, Path)):
        return table.extend_from_file(aliases)
    return table.extend(aliases)


def _validate(raw: pl.DataFrame, name: str, columns: Mapping[str, str], aliases: AliasTable,
              fx: dict[str, float], base: str) -> Ledger:
    problems = Problems(name, COLUMNS)
    unknown_keys = sorted(set(columns) - set(COLUMNS))
    for k in unknown_keys:
        problems.add(None, k, None, f"--column maps unknown column '{k}'; dealgraph's columns are {', '.join(COLUMNS)}")
    rename = {user: ours for ours, user in columns.items() if ours in COLUMNS}
    for user in rename:
        if user not in raw.columns:
            problems.add(None, user, None, f"mapped column not found; the file has {', '.join(raw.columns)}")
    raw = raw.rename({u: o for u, o in rename.items() if u in raw.columns})
    for required in ("source", "target"):
        if required not in raw.columns:
            problems.add(None, required, None, f"missing required column; the file has {', '.join(raw.columns) or 'no columns'}"
                         + ("; map yours with --column source=... --column target=..." if raw.columns else ""))
    problems.raise_if_any()

    n = raw.height
    rows = pl.Series("row", range(1, n + 1), dtype=pl.Int64)

    def text(col: str) -> pl.Series:
        return as_text(raw[col]) if col in raw.columns else pl.Series(col, [None] * n, dtype=pl.String)

    # entity names, resolved through the alias table (on unique spellings only)
    names: dict[str, pl.Series] = {}
    for col in ("source", "target"):
        s = text(col)
        for i in s.is_null().arg_true().to_list():
            problems.add(i + 1, col, "", f"empty {col}; every row needs a {col} entity")
        uniq = s.drop_nulls().unique().to_list()
        resolved = {u: aliases.resolve(u) for u in uniq}
        names[col] = s.replace_strict(resolved, default=None, return_dtype=pl.String)
    same = (names["source"] == names["target"]).fill_null(False)
    for i in same.arg_true().to_list():
        problems.add(i + 1, "target", names["target"][i], "a row from an entity to itself (source and target are the same entity)")

    # categorical columns
    cats: dict[str, pl.Series] = {}
    for col, default in (("kind", "other"), ("status", "closed"), ("cap", None)):
        s = text(col).str.to_lowercase()
        s = s.replace(_SYNONYMS[col])
        bad = (~s.is_in(list(_ALLOWED[col])) & s.is_not_null())
        for i in bad.arg_true().to_list():
            problems.add(i + 1, col, raw[col][i], f"unknown {col}; expected one of {', '.join(_ALLOWED[col])}")
        cats[col] = s.fill_null(default) if default else s

    # amounts: numbers fast, text through parse_amount on unique values
    amounts = parse_amounts(raw["amount"] if "amount" in raw.columns else text("amount"))
    problems.add_column("amount", amounts)
    amount, amount_currency, amount_qualifier = amounts.values, amounts.currency.to_list(), amounts.qualifier.to_list()

    # currencies
    cur = text("currency").str.to_uppercase()
    cur = pl.Series("currency", [c if c is not None else a for c, a in zip(cur.to_list(), amount_currency)], dtype=pl.String)
    for i, (c, a) in enumerate(zip(text("currency").str.to_uppercase().to_list(), amount_currency)):
        if c is not None and a is not None and c != a:
            problems.add(i + 1, "currency", c, f"the amount is written in {a} but the currency column says {c}")
    if fx:
        cur = cur.fill_null(base)
    present = [c for c in cur.drop_nulls().unique(maintain_order=True).to_list()]
    ledger_currency = base
    if fx:
        fx_upper = {k.upper(): float(v) for k, v in fx.items()}
        fx_upper.setdefault(base, 1.0)
        for c in present:
            if c not in fx_upper:
                first = cur.eq(c).arg_true()[0]
                problems.add(int(first) + 1, "currency", c, f"no exchange rate for {c}; add --fx {c}=RATE ({base} per {c})")
        rate = cur.replace_strict(fx_upper, default=None, return_dtype=pl.Float64)
        amount = amount * rate
        cur = pl.Series("currency", [base] * n, dtype=pl.String)
    else:
        if len(present) > 1:
            ledger_currency = _majority(cur)
            for c in present:
                if c != ledger_currency:
                    idx = cur.eq(c).arg_true()
                    problems.add(int(idx[0]) + 1, "currency", c,
                                 f"mixed currencies without exchange rates ({len(idx)} rows in {c}, others in {ledger_currency}); "
                                 f"give rates such as --fx {c}=RATE ({base} per {c})")
        elif present:
            ledger_currency = present[0]
        cur = cur.fill_null(ledger_currency)

    # dates and capacity
    dates = parse_dates(raw["date"] if "date" in raw.columns else text("date"))
    problems.add_column("date", dates)
    gw = parse_capacities(text("gw"))
    problems.add_column("gw", gw)

    # ids
    ids = text("id")
    ids = ids.fill_null(pl.Series([f"r{i}" for i in range(1, n + 1)]))
    dup = ids.is_duplicated()
    for i in dup.arg_true().to_list():
        problems.add(i + 1, "id", ids[i], "duplicate id; every row's id must be unique")

    problems.raise_if_any()

    # fill cap from the amount's wording, then default to exact where an amount is known
    cap = pl.Series("cap", [c if c is not None else q for c, q in zip(cats["cap"].to_list(), amount_qualifier)], dtype=pl.String)
    cap = pl.select(pl.when(cap.is_null() & amount.is_not_null()).then(pl.lit("exact")).otherwise(cap)).to_series()

    entities = tuple(sort_names(pl.concat([names["source"], names["target"]]).unique()).to_list())
    ids_of = {e: i for i, e in enumerate(entities)}
    table = pl.DataFrame({
        "row": rows,
        "source": names["source"].replace_strict(ids_of, return_dtype=pl.Int64),
        "target": names["target"].replace_strict(ids_of, return_dtype=pl.Int64),
        "amount": amount,
        "currency": cur,
        "date": dates.values,
        "kind": cats["kind"].cast(pl.Enum(KINDS)),
        "status": cats["status"].cast(pl.Enum(STATUSES)),
        "cap": cap.cast(pl.Enum(CAPS)),
        "gw": gw.values,
        "id": ids,
        "note": text("note"),
        "evidence": text("evidence"),
    })
    logger.info("ledger: %s: %d rows, %d entities, %d unknown amounts", name, n, len(entities), amount.null_count())
    return Ledger(entities=entities, table=table, origin=name, currency=ledger_currency, aliases=aliases)


def _majority(s: pl.Series) -> str:
    counts = s.drop_nulls().value_counts(sort=True)
    return counts[s.name][0]
