"""Entity facts: the buffers that absorb losses, and outside revenue, with sources.

An entity table has one row per entity: ``entity`` (required), ``cash``,
``liquid_assets``, ``equity``, ``outside_revenue`` (amounts in any form
``parse_amount`` reads), ``as_of`` and ``source``. It is a CSV file (or any
file ``dealgraph.reading.tables`` reads) or a TOML file of ``[[entity]]`` tables
with the same keys (``name`` for ``entity``). Every problem is reported at once
(up to 50), each naming file, row, column and value.

An entity's **buffer** is its equity when given, else its liquid assets,
else its cash. Where none is known the buffer is *assumed*: a fraction
``assume`` of the entity's stated obligations in the ledger (0 by default:
no cushion, so any shortfall is a default; the worst case). Every result
that uses buffers says which were assumed.
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
from .aliases import AliasTable
from .cells import clean_text, parse_amount
from .tables import Problems, read_table

__all__ = ["Buffers", "EntityTable", "read_entities"]

AMOUNT_FIELDS = ("cash", "liquid_assets", "equity", "outside_revenue")
FIELDS = ("entity", *AMOUNT_FIELDS, "as_of", "source")
_BUFFER_ORDER = ("equity", "liquid_assets", "cash")


@dataclass(frozen=True)
class Buffers:
    """Per entity of a ledger: buffer, outside revenue, and where each came from."""

    values: np.ndarray
    assumed: np.ndarray  # bool
    basis: tuple[str, ...]  # "equity", "liquid_assets", "cash" or "assumed"
    outside_revenue: np.ndarray  # NaN where unknown
    sources: tuple[str | None, ...]
    assume: float

    def note(self, entities: tuple[str, ...]) -> str:
        names = [e for e, a in zip(entities, self.assumed) if a]
        if not names:
            return "Buffers: every entity's buffer comes from the entity table (with sources)."
        rule = ("0 (no cushion: any shortfall is a default, the worst case)" if self.assume == 0
                else f"{self.assume:g} times its stated obligations in the ledger")
        return f"Buffers assumed for {', '.join(names)}: {rule}. Supply an entity table (--entities) to replace them."


@dataclass(frozen=True)
class EntityTable:
    """Entity facts with sources (see the module docstring for the columns)."""

    frame: pl.DataFrame
    origin: str

    def buffers(self, entities: tuple[str, ...], obligations: np.ndarray, *, assume: float = 0.0) -> Buffers:
        """Buffers for ``entities`` (in that order); unknown ones assumed."""
        if assume < 0:
            raise LimitError(f"the assumed buffer must be a non-negative multiple of obligations, got {assume!r}")
        rows = {r["entity"]: r for r in self.frame.iter_rows(named=True)}
        values, assumed, basis, revenue, sources = [], [], [], [], []
        for name, owed in zip(entities, obligations):
            rec = rows.get(name, {})
            field = next((f for f in _BUFFER_ORDER if rec.get(f) is not None), None)
            values.append(float(rec[field]) if field else assume * float(owed))
            assumed.append(field is None)
            basis.append(field or "assumed")
            revenue.append(np.nan if rec.get("outside_revenue") is None else float(rec["outside_revenue"]))
            sources.append(rec.get("source"))
        return Buffers(np.array(values), np.array(assumed, bool), tuple(basis), np.array(revenue), tuple(sources), assume)


def read_entities(source: str | Path | None = None, *, aliases: AliasTable | None = None) -> EntityTable:
    """Read an entity table (CSV or TOML); ``None`` gives the built-in one.

    The built-in table holds what public sources state for the seed ledger's
    listed companies (each figure with its URL); private companies are absent.
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
