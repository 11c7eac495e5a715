"""The record for others: a ledger as one flat table, and its data dictionary.

``record_frame`` gives the rows in the order and with the columns of ``data/dictionary.toml``
(entity names, categories as text, dates as dates), ready for CSV, Parquet or JSON;
``data_dictionary`` gives that dictionary as a Markdown table.
"""

from __future__ import annotations

import tomllib
from importlib import resources

import polars as pl

from .ledger import Ledger

__all__ = ["COLUMNS_OUT", "data_dictionary", "record_frame"]


def _dictionary() -> dict[str, dict[str, str]]:
    with resources.as_file(resources.files("dealgraph") / "data" / "dictionary.toml") as p:
        return tomllib.loads(p.read_text(encoding="utf-8"))["columns"]


COLUMNS_OUT: tuple[str, ...] = tuple(_dictionary())


def record_frame(ledger: Ledger) -> pl.DataFrame:
    """The ledger's rows as the exported record: the dictionary's columns, in its order.

    >>> from dealgraph import seed_ledger
    >>> record_frame(seed_ledger()).columns[:4]
    ['id', 'source', 'target', 'amount']
    """
    frame = ledger.to_frame().with_columns(pl.col("kind", "status", "cap").cast(pl.String))
    return frame.select(COLUMNS_OUT)


def data_dictionary(title: str) -> str:
    """The data dictionary as Markdown: one row per column (name, type, meaning)."""
    lines = [f"# {title}: data dictionary", "", "| column | type | meaning |", "| --- | --- | --- |"]
    for name, spec in _dictionary().items():
        lines.append(f"| `{name}` | {spec['type']} | {spec['meaning'].replace('|', '/')} |")
    return "\n".join(lines) + "\n"
