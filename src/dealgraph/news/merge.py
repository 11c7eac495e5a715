"""Reviewed rows into a ledger file: new deals appended, a deal already there given the new evidence (only with ``force``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from .._errors import CellError, DealgraphError, LedgerError, Problem
from .._files import atomic_path
from .._results import flat_frame, for_terminal
from ..reading.aliases import AliasTable
from ..reading.cells import parse_amount
from ..reading.ledger import read_ledger
from .extract import SAME_AMOUNT

__all__ = ["Merge", "merge_rows"]

_LEDGER_COLUMNS = ("id", "source", "target", "amount", "currency", "date", "kind", "status", "cap", "gw", "years", "note", "evidence")
_ID_PREFIX = "ex-"


@dataclass(frozen=True)
class Merge:
    """What merging did to a ledger file: the ids of the rows added, and of the rows given more evidence."""

    path: str
    added: tuple[str, ...]
    updated: tuple[str, ...]
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "added": list(self.added), "updated": list(self.updated), "rows": self.rows}

    def to_frame(self) -> pl.DataFrame:
        return pl.DataFrame({"id": [*self.added, *self.updated], "change": ["added"] * len(self.added) + ["evidence added"] * len(self.updated)},
                            schema={"id": pl.String, "change": pl.String})

    def __rich__(self):
        from rich.text import Text

        return Text(f"{self.path}: {len(self.added)} row{'s' if len(self.added) != 1 else ''} added, {len(self.updated)} given more evidence, "
                    f"{self.rows} rows in all")


def _amount(cell: str | None) -> float | None:
    try:
        parsed = parse_amount(cell)
    except CellError:
        return math.nan  # matches nothing
    return None if parsed is None else parsed.value


def _same_amount(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=SAME_AMOUNT)


def _cell(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e18 else repr(value)
    return str(value)


def merge_rows(path: str | Path, rows: pl.DataFrame, *, force: bool = False, aliases: AliasTable | None = None) -> Merge:
    """Merge candidate rows (``Extraction.rows``, reviewed) into the ledger CSV at ``path``.

    A row is the same deal as a ledger row when both name the same source, target (through the
    alias table) and kind, and their amounts are within 1% (or both unknown with the same
    capacity): its evidence is added to that row, which changes the row, so it needs ``force``.
    Other rows are appended with new ids (``ex-1``, ``ex-2`` ...). Existing cells are kept as
    written; columns the file lacks are added, empty for its rows. The merged file must read as a
    valid ledger before it replaces the old one, atomically; a file that does not exist is created.

    Raises
    ------
    DealgraphError
        When a row would change and ``force`` is not given (nothing is written), or the file
        is not a CSV ledger.
    LedgerError
        When the merged ledger does not validate (nothing is written).
    """
    path = Path(path)
    table = aliases or AliasTable.builtin()
    if path.suffix.lower() != ".csv":
        raise DealgraphError(f"{for_terminal(str(path))}: --append writes CSV ledgers; give a .csv file")
    if path.exists():
        try:
            old = pl.read_csv(path, infer_schema=False, encoding="utf8")
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise LedgerError([Problem(str(path), None, None, None, f"cannot read the ledger: {str(exc).splitlines()[0]}")]) from None
    else:
        old = pl.DataFrame(schema={c: pl.String for c in _LEDGER_COLUMNS})
    columns = [*old.columns, *(c for c in _LEDGER_COLUMNS if c not in old.columns)]
    old = old.with_columns(pl.lit(None, pl.String).alias(c) for c in columns if c not in old.columns)
    records = old.to_dicts()
    ids = {r.get("id") for r in records}
    keys = [(table.resolve(r.get("source") or ""), table.resolve(r.get("target") or ""), (r.get("kind") or "").strip(), _amount(r.get("amount")),
             _amount(r.get("gw"))) for r in records]
    added: list[dict[str, Any]] = []
    updated: list[str] = []
    changes: list[str] = []
    n = 0
    for row in rows.iter_rows(named=True):
        source, target = table.resolve(row["source"]), table.resolve(row["target"])
        hit = next((i for i, (s, t, k, a, g) in enumerate(keys) if (s, t, k) == (source, target, row["kind"])
                    and _same_amount(a, row["amount"]) and (row["amount"] is not None or _same_amount(g, row["gw"]))), None)
        if hit is not None:
            evidence = records[hit].get("evidence") or ""
            if row["evidence"] and row["evidence"] not in evidence:
                records[hit]["evidence"] = f"{evidence} ; {row['evidence']}" if evidence else row["evidence"]
                label = records[hit].get("id") or f"row {hit + 1}"
                updated.append(label)
                changes.append(f"{label} ({records[hit].get('source')} -> {records[hit].get('target')}, {records[hit].get('amount') or 'unknown'})")
            continue
        n += 1
        while f"{_ID_PREFIX}{n}" in ids:
            n += 1
        ids.add(f"{_ID_PREFIX}{n}")
        note = f"Read by dealgraph extract from {row.get('article') or 'an article'} (confidence {row['confidence']:.2f}): {row['why']}"
        added.append({"id": f"{_ID_PREFIX}{n}", "source": row["source"], "target": row["target"], "amount": _cell(row["amount"]),
                      "currency": row["currency"], "date": row["date"], "kind": row["kind"], "status": row["status"], "cap": row["cap"],
                      "gw": _cell(row["gw"]), "years": _cell(row.get("years")), "note": note, "evidence": row["evidence"]})
        keys.append((source, target, row["kind"], row["amount"], row["gw"]))
    if changes and not force:
        raise DealgraphError(f"{for_terminal(str(path))}: {len(changes)} existing row{'s' if len(changes) != 1 else ''} would be given new "
                             f"evidence: {for_terminal('; '.join(changes[:10]))}{' ...' if len(changes) > 10 else ''}. Nothing was written; "
                             "add --force to add the evidence to them")
    new = flat_frame(pl.DataFrame(added, schema={c: pl.String for c in columns})) if added else pl.DataFrame(schema={c: pl.String for c in columns})
    merged = pl.concat([pl.DataFrame(records, schema={c: pl.String for c in columns}), new.select(columns)])
    with atomic_path(path) as tmp:
        merged.write_csv(tmp)
        read_ledger(tmp.read_bytes(), name=str(path))  # the merged file must be a valid ledger before it replaces the old one
    return Merge(str(path), tuple(r["id"] for r in added), tuple(updated), merged.height)
