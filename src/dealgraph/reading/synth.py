"""Seeded synthetic deal ledgers: many entities, every kind of row a real record has.

Payer and payee are drawn with Zipf-like weights (a few entities take part in much
of the money, as a handful of labs, clouds and chipmakers do), so the graph has one
large strongly connected component: the hard case for tracing and loops. Rows mix
what the public record holds: closed and committed deals, letters of intent and
rumours, lapsed deals, "up to" caps and estimates, amounts nobody stated, capacity
rows in gigawatts with no dollar figure, one-off dates and multi-year terms. Nothing
here is data about a real company; the generator exists to measure and to test.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["skewed_pairs", "synthetic_deals"]

_STATUSES = (("closed", 0.45), ("committed", 0.3), ("loi", 0.1), ("rumored", 0.1), ("lapsed", 0.05))
_CAPS = (("exact", 0.7), ("up_to", 0.2), ("estimated", 0.1))
_KINDS = (("equity", 0.3), ("cloud", 0.25), ("chips", 0.2), ("compute", 0.1), ("services", 0.1), ("loan", 0.05))
_FIRST_DAY = np.datetime64("2019-01-01")
_DAYS = 8 * 365  # 2019 to 2026


def skewed_pairs(rng: np.random.Generator, n_rows: int, n_nodes: int, skew: float) -> tuple[np.ndarray, np.ndarray]:
    """Payer and payee of each row, never the same: Zipf-like popularity (rank r weighs r^-skew, ranks shuffled over nodes)."""
    weight = np.arange(1, n_nodes + 1, dtype=float) ** -skew
    weight = rng.permutation(weight / weight.sum())
    src = rng.choice(n_nodes, size=n_rows, p=weight)
    dst = rng.choice(n_nodes, size=n_rows, p=weight)
    clash = src == dst
    dst[clash] = (dst[clash] + 1 + rng.integers(0, n_nodes - 1, clash.sum())) % n_nodes
    return src, dst


def synthetic_deals(n_rows: int, n_entities: int | None = None, *, seed: int = 0, skew: float = 0.8,
                    unknown: float = 0.05, capacity: float = 0.02, terms: float = 0.2) -> pl.DataFrame:
    """A deal ledger of ``n_rows`` rows among ``n_entities`` entities (default ``n_rows / 10``), in the ledger's columns.

    ``unknown`` is the share of rows with no stated amount, ``capacity`` the share stated
    in gigawatts only, ``terms`` the share spread over a multi-year term (``start``,
    ``end``); the rest carry one date. Amounts are log-normal around USD 100M.

    >>> df = synthetic_deals(1000, 50, seed=1)
    >>> df.height, df["source"].n_unique() <= 50, df.filter(pl.col("source") == pl.col("target")).height
    (1000, True, 0)
    """
    rng = np.random.default_rng(seed)
    n_entities = max(2, n_entities or n_rows // 10)
    src, dst = skewed_pairs(rng, n_rows, n_entities, skew)

    def pick(options: tuple[tuple[str, float], ...]) -> np.ndarray:
        names, p = zip(*options)
        return np.asarray(names)[rng.choice(len(names), size=n_rows, p=np.asarray(p) / sum(p))]

    amount = np.round(rng.lognormal(np.log(1e8), 1.5, n_rows), -3)
    gw = np.full(n_rows, np.nan)
    draw = rng.random(n_rows)
    is_capacity = draw < capacity
    gw[is_capacity] = np.round(rng.uniform(0.1, 5.0, is_capacity.sum()), 1)
    amount[draw < capacity + unknown] = np.nan  # capacity rows and unknown amounts state no dollars
    day = _FIRST_DAY + rng.integers(0, _DAYS, n_rows).astype("timedelta64[D]")
    has_term = rng.random(n_rows) < terms
    first = 2019 + rng.integers(0, 8, n_rows)
    last = first + rng.integers(1, 6, n_rows)
    width = len(str(n_entities - 1))
    name = lambda ids: "e" + pl.Series(ids).cast(pl.String).str.pad_start(width, "0")  # noqa: E731
    return pl.DataFrame({
        "id": "d" + pl.Series(np.arange(n_rows)).cast(pl.String),
        "source": name(src),
        "target": name(dst),
        "amount": amount,
        "currency": np.full(n_rows, "USD"),
        "date": pl.Series(np.where(has_term, np.datetime64("NaT"), day)).cast(pl.Date),
        "kind": pick(_KINDS),
        "status": pick(_STATUSES),
        "cap": pick(_CAPS),
        "gw": gw,
        "start": pl.Series(np.where(has_term, first, 0)).cast(pl.String).replace("0", None),
        "end": pl.Series(np.where(has_term, last, 0)).cast(pl.String).replace("0", None),
    }).with_columns(pl.col("amount").fill_nan(None), pl.col("gw").fill_nan(None))
