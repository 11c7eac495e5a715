"""Inside and outside money: the circular core and what keeps it turning.

The circular core is made of the strongly connected components of the
entity graph with more than one entity (every edge with a row on the basis,
whether its amount is stated or not): the groups of entities that can each
reach all the others and back. For each entity in a core, its inflow is split
into money from inside its core and money from outside; for each core, the
outside inflow is the outside capital that keeps its loops turning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .._results import OnBases, fmt_money, fmt_share
from ..reading.ledger import Ledger
from .flows import BASES, Flows, assumptions, flows

__all__ = ["CoreResult", "circular_core", "core_labels"]

@dataclass(frozen=True)
class CoreResult(OnBases):
    """Per entity and per core, on both bases: inflow from inside and from outside."""

    entities: pl.DataFrame
    cores: pl.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {"currency": self.currency, "notes": list(self.notes), "cores": self.cores.to_dicts(),
                "entities": self.entities.to_dicts()}

    def __rich__(self):
        from rich.console import Group
        from rich.table import Table

        c = self.currency
        t = Table(title="Circular cores", title_justify="left")
        for col in ("basis", "members", "inside", "from outside", "outside share", "to outside"):
            t.add_column(col, justify="left" if col in ("basis", "members") else "right")
        for r in self.cores.iter_rows(named=True):
            t.add_row(r["basis"], ", ".join(r["members"]), fmt_money(r["inside"], c), fmt_money(r["outside_in"], c),
                      fmt_share(r["outside_share"]), fmt_money(r["outside_out"], c))
        return Group(t, *self.notes)


def circular_core(ledger: Ledger, *, usd_per_gw: float | None = None) -> CoreResult:
    """The circular cores and each member's inflow from inside and outside.

    >>> from dealgraph import seed_ledger
    >>> core = circular_core(seed_ledger()).cores.filter(basis="headline").row(0, named=True)
    >>> core["members"]
    ['Amazon', 'Anthropic', 'Microsoft', 'NVIDIA', 'OpenAI']
    """
    ent, cores = [], []
    fs = [flows(ledger, b, usd_per_gw=usd_per_gw) for b in BASES]
    for f in fs:
        e, c = _on_basis(f)
        ent.append(e)
        cores.append(c)
    return CoreResult(pl.concat(ent), pl.concat(cores), currency=ledger.currency, notes=assumptions(
        fs[0], extra="Unknown amounts: counted as deals (unknown_in_inside, unknown_in_outside), not as money."))


def core_labels(f: Flows) -> np.ndarray:
    """Per entity, the label of its circular core (a strongly connected group of two or more), or -1."""
    support = sp.csr_matrix((np.ones(f.m), (f.src, f.dst)), shape=(f.n, f.n))
    _, comp = connected_components(support, directed=True, connection="strong")
    return np.where(np.bincount(comp, minlength=f.n)[comp] > 1, comp, -1)


def _on_basis(f: Flows) -> tuple[pl.DataFrame, pl.DataFrame]:
    core = core_labels(f)
    in_core = core >= 0
    comp = np.where(in_core, core, -1 - np.arange(f.n))  # an entity outside every core is its own group
    inside = comp[f.src] == comp[f.dst]
    unknown = f.n_unknown > 0

    def by_target(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.bincount(f.dst[mask], weights=values[mask], minlength=f.n).astype(float)

    amt, ones = f.amount.astype(float), np.ones(f.m)
    in_inside, in_outside = by_target(inside, amt), by_target(~inside, amt)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(in_inside + in_outside > 0, in_outside / (in_inside + in_outside), np.nan)
    entities = pl.DataFrame({
        "basis": [f.basis] * f.n,
        "entity": list(f.entities),
        "core": core,
        "inflow_inside": in_inside,
        "inflow_outside": in_outside,
        "outside_share": share,
        "unknown_in_inside": by_target(inside & unknown, ones).astype(int),
        "unknown_in_outside": by_target(~inside & unknown, ones).astype(int),
    }).with_columns(pl.col("outside_share").fill_nan(None))
    rows: list[dict[str, Any]] = []
    for c in np.unique(comp[in_core]):
        members = comp == c
        internal = members[f.src] & members[f.dst]
        entering = ~members[f.src] & members[f.dst]
        leaving = members[f.src] & ~members[f.dst]
        inside_amt, out_in = float(amt[internal].sum()), float(amt[entering].sum())
        rows.append({
            "basis": f.basis,
            "members": sorted((f.entities[i] for i in np.flatnonzero(members)), key=str.casefold),
            "inside": inside_amt,
            "outside_in": out_in,
            "outside_share": out_in / (out_in + inside_amt) if out_in + inside_amt else None,
            "outside_out": float(amt[leaving].sum()),
            "unknown_deals_inside": int(f.n_unknown[internal].sum()),
            "unknown_deals_from_outside": int(f.n_unknown[entering].sum()),
        })
    schema: dict[str, Any] = {"basis": pl.String, "members": pl.List(pl.String), "inside": pl.Float64, "outside_in": pl.Float64,
              "outside_share": pl.Float64, "outside_out": pl.Float64, "unknown_deals_inside": pl.Int64,
              "unknown_deals_from_outside": pl.Int64}
    rows.sort(key=lambda r: -len(r["members"]))
    return entities, pl.DataFrame(rows, schema=schema)
