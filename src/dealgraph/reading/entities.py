"""Entity facts: reported revenue, the buffers that absorb losses, and market value, with sources.

An entity table has one row per entity: ``entity`` (required), ``revenue`` (annual, as
reported; ``outside_revenue`` is read as it), ``equity``, ``liquid_assets``, ``cash``,
``market_value`` (market capitalisation or last private valuation; amounts in any form
``parse_amount`` reads), ``as_of`` and ``source`` (the URL and words behind every figure).
It is a CSV file (or any file ``dealgraph.reading.tables`` reads) or a TOML file of
``[[entity]]`` tables with the same keys (``name`` for ``entity``). Every problem is reported
at once (up to 50), each naming file, row, column and value.

An entity's **buffer** is its equity when given, else its liquid assets, else its cash. An
entity with none of them is **not assessed**: listed in every result that uses buffers, never
defaulted by an assumed zero. Only when asked (``assume``) does it get an assumed buffer, a
fraction of its stated obligations in the ledger, and every result says which were assumed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from .._errors import LedgerError, LimitError, Problem
from .._results import listed
from .aliases import AliasTable
from .cells import clean_text, parse_amount
from .tables import Problems, read_table

__all__ = ["Buffers", "EntityTable", "read_entities"]

AMOUNT_FIELDS = ("revenue", "equity", "liquid_assets", "cash", "market_value")
_OLD_NAMES = {"outside_revenue": "revenue"}
FIELDS = ("entity", *AMOUNT_FIELDS, "as_of", "source")
_BUFFER_ORDER = ("equity", "liquid_assets", "cash")


@dataclass(frozen=True)
class Buffers:
    """Per entity of a ledger: buffer (NaN when not assessed), reported revenue, and where each came from."""

    values: np.ndarray
    assumed: np.ndarray  # bool
    basis: tuple[str, ...]  # "equity", "liquid_assets", "cash", "assumed" or "not assessed"
    revenue: np.ndarray  # NaN where unknown
    sources: tuple[str | None, ...]
    assume: float | None

    @property
    def assessed(self) -> np.ndarray:
        """True where the entity has a buffer (from the table, or assumed when asked)."""
        return ~np.isnan(self.values)

    def not_assessed(self, entities: tuple[str, ...]) -> list[str]:
        return [e for e, ok in zip(entities, self.assessed) if not ok]

    def note(self, entities: tuple[str, ...]) -> str:
        """Where the buffers came from, naming the entities assumed or not assessed."""
        missing = self.not_assessed(entities)
        assumed = [e for e, a in zip(entities, self.assumed) if a]
        if assumed:
            rule = ("0 (no cushion: any shortfall is a default, the worst case)" if self.assume == 0
                    else f"{self.assume:g} times its stated obligations in the ledger")
            return f"Buffers assumed for {listed(assumed, 50)}: {rule}. Supply an entity table (--entities) to replace them."
        if missing:
            return (f"Not assessed (no equity, liquid assets or cash in the entity table): {listed(missing, 50)}. They are never "
                    "counted as defaulting; give their figures with --entities, or --assume-buffer to assume a buffer.")
        return "Buffers: every entity's buffer comes from the entity table (with sources)."


@dataclass(frozen=True)
class EntityTable:
    """Entity facts with sources (see the module docstring for the columns)."""

    frame: pl.DataFrame
    origin: str

    def buffers(self, entities: tuple[str, ...], obligations: np.ndarray, *, assume: float | None = None) -> Buffers:
        """Buffers for ``entities`` (in that order): equity, else liquid assets, else cash; else not assessed
        (NaN), or ``assume`` times the entity's obligations when ``assume`` is given."""
        if assume is not None and not assume >= 0:
            raise LimitError(f"the assumed buffer must be a non-negative multiple of obligations, got {assume!r}")
        rows = {r["entity"]: r for r in self.frame.iter_rows(named=True)}
        values, assumed, basis, revenue, sources = [], [], [], [], []
        for name, owed in zip(entities, obligations):
            rec = rows.get(name, {})
            field = next((f for f in _BUFFER_ORDER if rec.get(f) is not None), None)
            if field is not None:
                values.append(float(rec[field]))
            else:
                values.append(np.nan if assume is None else assume * float(owed))
            assumed.append(field is None and assume is not None)
            basis.append(field or ("assumed" if assume is not None else "not assessed"))
            revenue.append(np.nan if rec.get("revenue") is None else float(rec["revenue"]))
            sources.append(rec.get("source"))
        return Buffers(np.array(values, dtype=float), np.array(assumed, bool), tuple(basis), np.array(revenue, dtype=float),
                       tuple(sources), assume)


def read_entities(source: str | Path | None = None, *, aliases: AliasTable | None = None) -> EntityTable:
    """Read an entity table (CSV or TOML); ``None`` gives the built-in one.

    The built-in table holds what public sources state for the companies of the built-in
    datasets (each figure with its URL and words); a figure no source states is empty.
    Raises ``LedgerError`` with every problem found (up to 50).

    >>> t = read_entities()
    >>> t.frame.filter(entity="Microsoft")["liquid_assets"].item() > 0
    True
    """
    aliases = aliases or AliasTable.builtin()
    if source is None:
        name = "built-in entity table (dealgraph/data/seed_entities.csv)"
        with resources.as_file(resources.files("dealgraph") / "data" / "seed_entities.csv") as p:
            return _parse(read_table(p, name).to_dicts(), name, aliases)
    path = Path(source)
    if path.suffix.lower() != ".toml":
        return _parse(read_table(path, str(path)).to_dicts(), str(path), aliases)
    if not path.exists():
        raise LedgerError([Problem(str(path), None, None, None, "no such file")])
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LedgerError([Problem(str(path), None, None, None, f"not valid TOML: {exc}")]) from None
    items = doc.get("entity")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise LedgerError([Problem(str(path), None, "entity", None, "expected [[entity]] tables")])
    records = [{("entity" if k == "name" else k): v for k, v in item.items()} for item in items]
    return _parse(records, str(path), aliases)


def _parse(records: list[dict[str, Any]], name: str, aliases: AliasTable) -> EntityTable:
    problems = Problems(name, FIELDS)
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(records, start=1):
        rec = {_OLD_NAMES.get(k, k): v for k, v in rec.items()}
        for key in rec:
            if key not in FIELDS:
                problems.add(i, str(key), None, f"unknown column; expected {', '.join(FIELDS)}")
        raw_name = clean_text(str(rec.get("entity") or ""))
        if not raw_name:
            problems.add(i, "entity", rec.get("entity") or "", "empty entity name (invisible characters do not count)")
            continue
        entity = aliases.resolve(raw_name)
        if entity in seen:
            problems.add(i, "entity", raw_name, f"{entity} already given in row {seen[entity]}")
        seen[entity] = i
        row: dict[str, Any] = {"entity": entity, "as_of": _text(rec.get("as_of")), "source": _text(rec.get("source"))}
        for field in AMOUNT_FIELDS:
            value = rec.get(field)
            try:
                parsed = parse_amount(value if value != "" else None)
            except ValueError as exc:
                problems.add(i, field, value, f"cannot read amount: {exc}")
                parsed = None
            row[field] = None if parsed is None else parsed.value
        if any(row[f] is not None for f in AMOUNT_FIELDS) and not row["source"]:
            problems.add(i, "source", None, "every figure needs its source (a document and sentence, or a URL)")
        out.append(row)
    problems.raise_if_any()
    schema = {"entity": pl.String, **dict.fromkeys(AMOUNT_FIELDS, pl.Float64), "as_of": pl.String, "source": pl.String}
    return EntityTable(pl.DataFrame(out, schema=schema), name)


def _text(value: Any) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value).strip()
