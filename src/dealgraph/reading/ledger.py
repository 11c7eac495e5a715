"""The ledger: who paid or committed what to whom, when, and how firmly.

A row is money (or equity value) moving from ``source`` to ``target``:
investor to investee, buyer to seller, lab to the cloud it pays. Inside, a
ledger is columnar: entities are integers into a sorted name tuple and every
row is one element of each column of a polars DataFrame.

Files and tables are read by ``dealgraph.reading.tables`` (with its rules for headers:
``match_columns``), cells by ``dealgraph.reading.cells`` (the same parsers as transaction
files), and entity names resolved, merged and ordered by ``dealgraph.reading.aliases``.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from .._errors import DealgraphError, LimitError, shorten
from .._results import jsonable, listed
from .aliases import AliasTable, entity_names, sort_names
from .cells import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_AMOUNT,
    TOO_LARGE,
    as_text,
    check_decimal,
    clean_text,
    parse_amounts,
    parse_capacities,
    parse_dates,
    parse_years_column,
)
from .tables import MAX_PROBLEMS, Problems, check_types, describe_columns, match_columns, read_table, source_name
from .terms import add_years, year_shares

if TYPE_CHECKING:
    from .entities import EntityTable

__all__ = ["CAPS", "COLUMNS", "DATASETS", "KINDS", "STATUSES", "Ledger", "read_dataset", "read_ledger", "seed_ledger"]

logger = logging.getLogger(__name__)

KINDS = ("equity", "cloud", "chips", "compute", "services", "loan", "payment", "revenue_share", "other")
STATUSES = ("closed", "committed", "loi", "rumored", "lapsed", "superseded")
CAPS = ("exact", "up_to", "estimated")
COLUMNS = ("source", "target", "amount", "currency", "date", "kind", "status", "cap", "gw", "id", "note", "evidence",
           "start", "end", "years", "superseded_by", "checked")
MAPPABLE = ("kind", "status", "cap")  # categorical columns whose values a reader may map (``values``)
FIRM_STATUSES = ("closed", "committed")
DEAD_STATUSES = ("lapsed", "superseded")  # kept in the record, counted nowhere (as is a row with superseded_by)
MAX_TERM_YEARS = 100
_YEAR_ONLY = r"^\s*\d{4}\s*年?\s*$"
_MONTH_ONLY = r"^\s*\d{4}\s*(-|年)\s*\d{1,2}\s*月?\s*$"

_SYNONYMS = {
    "status": {"letter of intent": "loi", "letter_of_intent": "loi", "signed": "closed", "done": "closed",
               "completed": "closed", "announced": "committed", "rumoured": "rumored", "expired": "lapsed",
               "cancelled": "lapsed", "canceled": "lapsed", "replaced": "superseded"},
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
    notes : tuple of str
        What the reader did that the user should know, such as entity names written in several
        ways (case, full-width letters, invisible characters) read as one.
    year : int or None
        ``None`` for the whole term (every deal at its full amount); a calendar year for the
        view ``in_year`` gives.
    undated : tuple of str
        In a year's view, the ids of the rows left out because their timing is unknown.
    realised : float
        The share of "up to" amounts counted (1: at their cap; ``realised`` gives other views).

    Values the analyses derive from a ledger (its flows on each basis, their tracing, the
    entity table they read) are kept with it and the views made from it (``derived``), by the
    content of the rows, so a summary, a report or the explorer computes each once however
    many views use it, and a what-if recomputes only the views whose rows it changes.
    """

    entities: tuple[str, ...]
    table: pl.DataFrame
    origin: str
    currency: str = "USD"
    aliases: AliasTable = field(default_factory=AliasTable.builtin, repr=False)
    notes: tuple[str, ...] = ()
    year: int | None = None
    undated: tuple[str, ...] = ()
    realised: float = 1.0
    _derived: Memo = field(default_factory=lambda: Memo(), repr=False, compare=False)

    def derived(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept for the next call with the same ``key`` on a ledger with the same rows and view.

        Views made from this ledger (``in_year``, ``realised_at``, filtered tables) share its
        memo: a view with other rows never sees its values, one with the same rows (a what-if
        that does not touch a year) does. Results are shared: callers must not change them.
        A value computed while the time limit passed may be partial, so it is not kept.
        """
        from .._work import out_of_time

        slot = (key, self.digest(), self.year, self.realised)
        hit = self._derived.get(slot)
        if hit is not None:
            return hit[0]
        value = compute()
        if not out_of_time():
            self._derived.put(slot, (value,))
        return value

    def digest(self) -> bytes:
        """A digest of the rows (in order) and entity names: equal for ledgers with the same content."""
        return self._derived.fingerprint(self.table, self.entities)

    def facts(self, entities: EntityTable | None = None) -> EntityTable:
        """``entities`` if given, else the built-in entity table with this ledger's aliases, read once."""
        if entities is not None:
            return entities
        from .entities import read_entities

        # one table for every view of the ledger (it depends on the aliases, not on the rows): a what-if does not read it again
        slot = ("entity table", id(self.aliases))
        hit = self._derived.get(slot)
        if hit is not None and hit[0] is self.aliases:
            return hit[1]
        table = read_entities(aliases=self.aliases)
        self._derived.put(slot, (self.aliases, table))
        return table

    def __len__(self) -> int:
        return self.table.height

    def index(self, name: str) -> int:
        """The integer id of an entity (any known spelling, in any case).

        >>> seed_ledger().index("nvidia") == seed_ledger().entities.index("NVIDIA")
        True
        """
        resolved = self.aliases.resolve(name)
        if resolved in self.entities:
            return self.entities.index(resolved)
        folded = [e.casefold() for e in self.entities]
        if resolved.casefold() in folded:
            return folded.index(resolved.casefold())
        raise KeyError(f"no entity {shorten(name, 40)!r} in the ledger")

    def in_year(self, year: int) -> Ledger:
        """The ledger's money in one calendar year (see ``dealgraph.reading.terms``).

        Each row keeps the share of its amount (and capacity) that moves in ``year``; rows with
        none are dropped, and so are rows whose timing is unknown (their ids in ``undated``).
        Entities stay the same, so their ids do too.

        >>> lg = read_ledger([{"source": "A", "target": "B", "amount": "300B", "start": "2027", "end": "2031"},
        ...                   {"source": "B", "target": "A", "amount": "10B", "date": "2027-06-01"}])
        >>> lg.in_year(2027).table["amount"].to_list()
        [60000000000.0, 10000000000.0]
        """
        if not isinstance(year, int):
            raise LimitError(f"a year is a whole number from {FIRST_YEAR} to {LAST_YEAR}, got {year!r}")
        return next(self.by_year(range(year, year + 1)))

    def by_year(self, years: range) -> Iterator[Ledger]:
        """``in_year`` for each year of ``years``, the rows' timing read once (each view made when it is asked for).

        >>> lg = read_ledger([{"source": "A", "target": "B", "amount": "300B", "start": "2027", "end": "2031"}])
        >>> [len(v) for v in lg.by_year(range(2026, 2030))]
        [0, 1, 1, 1]
        """
        for year in (*years[:1], *years[-1:]):
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise LimitError(f"a year is a whole number from {FIRST_YEAR} to {LAST_YEAR}, got {year!r}")
        if self.year is not None:
            raise LimitError(f"this ledger is already the view of {self.year}; take in_year from the whole ledger")
        shares = year_shares(self.table, years)
        undated = tuple(self.table.filter(pl.Series(np.isnan(shares[:, 0])))["id"].to_list()) if len(years) else ()
        return (self._scaled(shares[:, k], year, undated) for k, year in enumerate(years))

    def _scaled(self, share: np.ndarray, year: int, undated: tuple[str, ...]) -> Ledger:
        table = self.table.with_columns(amount=pl.col("amount") * share, gw=pl.col("gw") * share).filter(pl.Series(np.nan_to_num(share) > 0))
        return replace(self, table=table, year=year, undated=undated)

    def realised_at(self, share: float) -> Ledger:
        """The ledger with every "up to" amount (and capacity) counted at ``share`` of its cap.

        >>> lg = read_ledger([{"source": "A", "target": "B", "amount": "up to $10B"}, {"source": "B", "target": "A", "amount": "4"}])
        >>> lg.realised_at(0.5).table["amount"].to_list()
        [5000000000.0, 4.0]
        """
        if not (isinstance(share, (int, float)) and 0 <= share <= 1):
            raise LimitError(f"the realised share of 'up to' amounts is a number from 0 to 1, got {share!r}")
        up_to = pl.col("cap") == "up_to"
        table = self.table.with_columns(amount=pl.when(up_to).then(pl.col("amount") * share).otherwise("amount"),
                                        gw=pl.when(up_to).then(pl.col("gw") * share).otherwise("gw"))
        return replace(self, table=table, realised=self.realised * share)

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
            "notes": list(self.notes),
            "rows": jsonable(self.to_frame().to_dicts()),
        }

    def overview(self) -> dict[str, Any]:
        """What was read: origin, rows, entities, currency, unknown and capacity-only amounts, the stated total, undated
        rows (no date or start), rows citing a web source (an http or https address in ``evidence``), replaced rows.

        >>> {k: seed_ledger().overview()[k] for k in ("unknown_amounts", "undated", "with_url")}
        {'unknown_amounts': 8, 'undated': 2, 'with_url': 13}
        """
        t = self.table
        return {"origin": self.origin, "rows": len(self), "entities": list(self.entities), "currency": self.currency,
                "undated": int((t["date"].is_null() & t["start"].is_null()).sum()),
                "with_url": int(t["evidence"].fill_null("").str.contains(r"https?://").sum()),
                "replaced": int((~live_rows(t)).sum()),
                "unknown_amounts": int(t["amount"].null_count()),
                "capacity_only": int((t["amount"].is_null() & t["gw"].is_not_null()).sum()),
                "total_stated": float(t["amount"].sum() or 0.0), "notes": list(self.notes), "valid": True}

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



# ---------------------------------------------------------------- reading


class Memo:
    """Values derived from a ledger and its views, keyed by the content of their rows: the last ``KEPT``, shared by threads."""

    KEPT = 256  # values kept (a summary asks for about 80 on one ledger; the explorer's what-ifs add views)
    TABLES = 8  # tables whose fingerprint is kept (by identity, holding the table so its id is not reused; few: a large one is big)

    def __init__(self) -> None:
        self._values: OrderedDict[tuple, tuple] = OrderedDict()
        self._prints: OrderedDict[int, tuple[pl.DataFrame, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def fingerprint(self, table: pl.DataFrame, entities: tuple[str, ...]) -> bytes:
        """A digest of the rows (in order) and the entity names: equal for equal content."""
        with self._lock:
            hit = self._prints.get(id(table))
            if hit is not None and hit[0] is table:
                self._prints.move_to_end(id(table))
                return hit[1]
        digest = hashlib.blake2b(digest_size=16)
        digest.update(repr((table.schema, len(entities))).encode())
        digest.update(table.hash_rows(seed=0).to_numpy().tobytes())
        digest.update("\0".join(entities).encode("utf-8", "surrogatepass"))
        with self._lock:
            self._prints[id(table)] = (table, digest.digest())
            while len(self._prints) > self.TABLES:
                self._prints.popitem(last=False)
        return digest.digest()

    def get(self, slot: tuple) -> tuple | None:
        with self._lock:
            hit = self._values.get(slot)
            if hit is not None:
                self._values.move_to_end(slot)
            return hit

    def put(self, slot: tuple, value: tuple) -> None:
        with self._lock:
            self._values[slot] = value
            while len(self._values) > self.KEPT:
                self._values.popitem(last=False)


def read_ledger(
    source: Any = None,
    *,
    columns: Mapping[str, str] | None = None,
    aliases: AliasTable | Mapping[str, str] | str | Path | None = None,
    fx: Mapping[str, float | str] | None = None,
    currency: str = "USD",
    name: str | None = None,
    decimal: str = ".",
    values: Mapping[str, Mapping[str, str]] | None = None,
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
    decimal : {".", ","}
        The decimal mark of amounts and capacities written as text: ``"."`` (default) reads
        ``1,234.5`` with commas as thousands separators; ``","`` reads ``1.234,5``. A cell whose
        separators fit neither (``1,5`` with ``"."``) is a problem, not a guess.
    values : mapping, optional
        Your values for dealgraph's in the categorical columns (kind, status, cap), e.g.
        ``{"kind": {"cloud_commitment": "cloud", "chip_purchase": "chips"}}``; matched ignoring case.

    Returns
    -------
    Ledger

    Raises
    ------
    LedgerError
        With every problem found (up to 50), each naming file, row, column,
        value and what was expected.

    Notes
    -----
    Headers follow ``dealgraph.reading.tables.match_columns``: ``Amount`` is ``amount``; a
    column named twice, or an unknown column close to a known one (``ammount``), is a problem;
    other unknown columns are ignored. Entity names are cleaned and merged by
    ``dealgraph.reading.aliases.entity_names`` (the merges are in ``Ledger.notes``). Amounts
    above 1e15 and dates outside 1900 to 2199 are problems.

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
    return _validate(raw, label, columns or {}, table, dict(fx or {}), currency.upper(), check_decimal(decimal), values or {})


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
              fx: dict[str, Any], base: str, decimal: str = ".", values: Mapping[str, Mapping[str, str]] | None = None) -> Ledger:
    problems = Problems(name, COLUMNS)
    mapping = _value_maps(values or {}, problems)
    found = match_columns(raw.columns, COLUMNS, columns, problems)
    for required in ("source", "target"):
        if required not in found:
            problems.add(None, required, None, f"missing required column; the file has {describe_columns(raw.columns)}"
                         + ("; map yours with --column source=... --column target=..." if raw.columns else ""))
    check_types(raw, found.values(), problems)
    rates = _rates(fx, base, problems)
    problems.raise_if_any()
    raw = raw.select(pl.col(theirs).alias(ours) for ours, theirs in found.items())

    n = raw.height
    rows = pl.Series("row", range(1, n + 1), dtype=pl.Int64)

    def text(col: str) -> pl.Series:
        return as_text(raw[col]) if col in raw.columns else pl.Series(col, [None] * n, dtype=pl.String)

    # entity names: cleaned, resolved through the alias table and merged (on unique spellings only)
    cells = {col: text(col) for col in ("source", "target")}
    spelled = entity_names(cells["source"], cells["target"], aliases)
    names: dict[str, pl.Series] = {}
    for col in ("source", "target"):
        names[col] = cells[col].to_frame().join(spelled.spellings, left_on=col, right_on="spelling", how="left",
                                                maintain_order="left")["name"].alias(col)
        for i in names[col].is_null().arg_true().to_list():
            problems.add(i + 1, col, cells[col][i] or "", f"empty {col}; every row needs a {col} entity (invisible characters do not count)")
    same = (names["source"] == names["target"]).fill_null(False)
    for i in same.arg_true().to_list():
        problems.add(i + 1, "target", names["target"][i], "a row from an entity to itself (source and target are the same entity)")

    # categorical columns
    cats: dict[str, pl.Series] = {}
    for col, default in (("kind", "other"), ("status", "closed"), ("cap", None)):
        s = text(col).str.to_lowercase()
        s = s.replace(mapping.get(col, {})).replace(_SYNONYMS[col])
        bad = (~s.is_in(list(_ALLOWED[col])) & s.is_not_null())
        for i in bad.arg_true().to_list():
            problems.add(i + 1, col, raw[col][i], f"unknown {col}; expected one of {', '.join(_ALLOWED[col])}")
        cats[col] = s.fill_null(default) if default else s
    no_status = (text("status").is_null() & names["source"].is_not_null()).arg_true()

    # amounts: numbers fast, text through parse_amount on unique values
    amounts = parse_amounts(raw["amount"] if "amount" in raw.columns else text("amount"), decimal=decimal)
    problems.add_column("amount", amounts)
    amount, amount_currency, amount_qualifier = amounts.values, amounts.currency.to_list(), amounts.qualifier.to_list()

    # currencies
    cur = text("currency").str.to_uppercase()
    cur = pl.Series("currency", [c if c is not None else a for c, a in zip(cur.to_list(), amount_currency)], dtype=pl.String)
    for i, (c, a) in enumerate(zip(text("currency").str.to_uppercase().to_list(), amount_currency)):
        if c is not None and a is not None and c != a:
            problems.add(i + 1, "currency", c, f"the amount is written in {a} but the currency column says {shorten(c, 40)}")
    if rates:
        cur = cur.fill_null(base)
    present = [c for c in cur.drop_nulls().unique(maintain_order=True).to_list()]
    ledger_currency = base
    if rates:
        for c in present:
            if c not in rates:
                first = cur.eq(c).arg_true()[0]
                problems.add(int(first) + 1, "currency", c, f"no exchange rate for {shorten(c, 40)}; add --fx {shorten(c, 40)}=RATE ({base} per it)")
        amount = amount * cur.replace_strict(rates, default=None, return_dtype=pl.Float64)
        large = (amount > MAX_AMOUNT).fill_null(False).arg_true()
        for i in large.head(MAX_PROBLEMS).to_list():
            problems.add(i + 1, "amount", amounts.cells[i], f"{TOO_LARGE} (in {base}, at the exchange rate given)")
        problems.count(max(0, len(large) - MAX_PROBLEMS))
        cur = pl.Series("currency", [base] * n, dtype=pl.String)
    else:
        if len(present) > 1:
            ledger_currency = _majority(cur)
            for c in present:
                if c != ledger_currency:
                    idx = cur.eq(c).arg_true()
                    problems.add(int(idx[0]) + 1, "currency", c,
                                 f"mixed currencies without exchange rates ({len(idx)} rows in {shorten(c, 40)}, others in "
                                 f"{shorten(ledger_currency, 40)}); give rates such as --fx {shorten(c, 40)}=RATE ({base} per it)")
        elif present:
            ledger_currency = present[0]
        cur = cur.fill_null(ledger_currency)

    # dates and capacity
    dates = parse_dates(raw["date"] if "date" in raw.columns else text("date"))
    problems.add_column("date", dates)
    gw = parse_capacities(text("gw"), decimal=decimal)
    problems.add_column("gw", gw)
    start, end = _term(raw, text, dates.values, problems, decimal)
    checked = parse_dates(raw["checked"] if "checked" in raw.columns else text("checked"))
    problems.add_column("checked", checked)

    # ids
    ids = text("id")
    ids = ids.fill_null(pl.Series([f"r{i}" for i in range(1, n + 1)]))
    dup = ids.is_duplicated()
    for i in dup.arg_true().to_list():
        problems.add(i + 1, "id", ids[i], "duplicate id; every row's id must be unique")

    replaced_by = text("superseded_by")
    known_ids = set(ids.to_list())
    for i, (own, other) in enumerate(zip(ids.to_list(), replaced_by.to_list())):
        if other is not None and (other not in known_ids or other == own):
            problems.add(i + 1, "superseded_by", other, "superseded_by names the id of another row of the ledger, the deal that "
                         "replaced this one" + ("" if other == own else "; no row has that id"))

    problems.raise_if_any()

    # fill cap from the amount's wording, then default to exact where an amount is known
    cap = pl.Series("cap", [c if c is not None else q for c, q in zip(cats["cap"].to_list(), amount_qualifier)], dtype=pl.String)
    cap = pl.select(pl.when(cap.is_null() & amount.is_not_null()).then(pl.lit("exact")).otherwise(cap)).to_series()

    entities = tuple(sort_names(pl.concat([names["source"], names["target"]]).unique()).to_list())
    ids_of = {e: i for i, e in enumerate(entities)}
    table = pl.DataFrame({
        "row": rows,
        "source": names["source"].replace_strict(ids_of, return_dtype=pl.Int64).cast(pl.Int64),  # cast: an empty mapping keeps the dtype
        "target": names["target"].replace_strict(ids_of, return_dtype=pl.Int64).cast(pl.Int64),
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
        "start": start,
        "end": end,
        "superseded_by": replaced_by,
        "checked": checked.values.alias("checked"),
    })
    logger.info("ledger: %s: %d rows, %d entities, %d unknown amounts", name, n, len(entities), amount.null_count())
    notes: tuple[str, ...] = () if spelled.note is None else (spelled.note,)
    if len(no_status):
        missing = (f"Status missing in {len(no_status)} row{'s' if len(no_status) != 1 else ''} ({listed(ids.gather(no_status))}): "
                   "read as closed; give committed, loi, rumored or lapsed where a deal is not done.")
        logger.warning("ledger: %s: %s", name, missing)  # a reading the user may not have meant
        notes += (missing,)
    replaced = [f"{i} by {r}" for i, r in zip(ids.to_list(), replaced_by.to_list()) if r is not None]
    if replaced:
        notes += (f"{len(replaced)} deal{'s' if len(replaced) != 1 else ''} replaced by later ones, kept in the record and counted "
                  f"nowhere: {listed(replaced, sep='; ')}.",)
    for note in notes:
        logger.info("ledger: %s: %s", name, note)
    return Ledger(entities=entities, table=table, origin=name, currency=ledger_currency, aliases=aliases, notes=notes)


def _term(raw: pl.DataFrame, text, dates: pl.Series, problems: Problems, decimal: str) -> tuple[pl.Series, pl.Series]:
    """The ``start`` and ``end`` (last day included) of every row's term; ``end`` null for a one-off payment.

    ``end`` written as a year or a month means its last day; ``years`` gives the end from the start (or the date).
    """
    start = parse_dates(raw["start"] if "start" in raw.columns else text("start"))
    problems.add_column("start", start)
    end = parse_dates(raw["end"] if "end" in raw.columns else text("end"))
    problems.add_column("end", end)
    cells = text("end")
    last = pl.select(pl.when(cells.str.contains(_YEAR_ONLY)).then(end.values.dt.offset_by("1y").dt.offset_by("-1d"))
                     .when(cells.str.contains(_MONTH_ONLY)).then(end.values.dt.month_end())
                     .otherwise(end.values)).to_series().alias("end")
    years = parse_years_column(text("years"), decimal=decimal)
    problems.add_column("years", years)
    begin = start.values.fill_null(dates)
    out = last.to_list()
    for i, (y, b, e) in enumerate(zip(years.values.to_list(), begin.to_list(), out)):
        if y is None:
            continue
        if not 0 < y <= MAX_TERM_YEARS:
            problems.add(i + 1, "years", years.cells[i], f"a term is from 0 to {MAX_TERM_YEARS} years")
        elif e is not None:
            problems.add(i + 1, "years", years.cells[i], "give end or years, not both")
        elif b is None:
            problems.add(i + 1, "years", years.cells[i], "a term in years needs a start (or a date) to count from")
        else:
            out[i] = add_years(b, y)
    end_values = pl.Series("end", out, dtype=pl.Date)
    for i, (b, e) in enumerate(zip(begin.to_list(), out)):
        if e is not None and b is None:
            problems.add(i + 1, "end", cells[i], "a term needs a start (or a date) before its end")
        elif e is not None and e < b:
            problems.add(i + 1, "end", cells[i], f"the term ends before it starts ({b.isoformat()})")
    return start.values.alias("start"), end_values


def _value_maps(values: Mapping[str, Mapping[str, str]], problems: Problems) -> dict[str, dict[str, str]]:
    """``values`` checked: only categorical columns, each mapped onto one of dealgraph's values; keys lower-cased."""
    out: dict[str, dict[str, str]] = {}
    for col, pairs in values.items():
        if col not in MAPPABLE:
            problems.add(None, str(col), None, f"only {', '.join(MAPPABLE)} take a value map")
            continue
        for theirs, ours in pairs.items():
            target = _SYNONYMS[col].get(str(ours).lower(), str(ours).lower())
            if target not in _ALLOWED[col]:
                problems.add(None, col, f"{theirs}:{ours}", f"maps onto an unknown {col}; expected one of {', '.join(_ALLOWED[col])}")
            out.setdefault(col, {})[clean_text(str(theirs)).lower()] = target
    return out


def live_rows(table: pl.DataFrame) -> pl.Series:
    """Rows that count: not lapsed or superseded, and not replaced by another row (``superseded_by``)."""
    return ~table["status"].cast(pl.String).is_in(list(DEAD_STATUSES)) & table["superseded_by"].is_null()


def _rates(fx: Mapping[str, Any], base: str, problems: Problems) -> dict[str, float]:
    """Exchange rates by upper-case currency (``base`` at 1); a problem for each rate that is not a positive finite number."""
    rates = {}
    for currency, rate in fx.items():
        try:
            rates[str(currency).upper()] = value = float(rate)
        except (TypeError, ValueError):
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            problems.add(None, "currency", f"{currency}={rate}", f"an exchange rate is a positive finite number ({base} per unit)")
    return {base: 1.0, **rates} if rates else {}


def _majority(s: pl.Series) -> str:
    counts = s.drop_nulls().value_counts(sort=True)
    return counts[s.name][0]
