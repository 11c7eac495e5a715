"""Seeded synthetic transaction ledgers with planted typologies, and their truth.

Background rows pick payer and payee with Zipf-like weights (a few accounts
carry much of the traffic, as in real payment data), timestamps uniform over
the period and log-normal amounts. Planted on top, on fresh rows:

- **cycles** of given lengths: distinct accounts, strictly increasing
  timestamps within ``cycle_window`` seconds, each hop a little less than the
  last (fees skimmed);
- **fan-in**: ``fan_size`` accounts pay one account within the window;
- **fan-out**: one account pays ``fan_size`` accounts within the window.

Rows are shuffled; ``label`` is 1 on planted rows. The truth table lists each
planted instance with its typology and row ids.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from ..reading.synth import skewed_pairs

__all__ = ["synthetic_transactions"]

_EPOCH_2022_09_01 = 1661990400


def synthetic_transactions(
    n_rows: int,
    n_accounts: int | None = None,
    *,
    seed: int = 0,
    days: float = 10.0,
    cycles: Mapping[int, int] | None = None,
    fan_in: int = 0,
    fan_out: int = 0,
    fan_size: int = 6,
    cycle_window: int = 86_400,
    skew: float = 0.5,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A ledger of about ``n_rows`` transactions and the truth of what was planted.

    Returns ``(ledger, truth)``: ledger columns ``id, source, target, timestamp
    (seconds since 1970), amount, label``; truth columns ``typology, instance,
    length, rows`` (the planted rows' ids, in time order).

    >>> lg, truth = synthetic_transactions(1000, 200, seed=1, cycles={3: 2}, fan_in=1)
    >>> lg.height, truth["typology"].to_list()
    (1012, ['cycle', 'cycle', 'fan-in'])
    """
    rng = np.random.default_rng(seed)
    n_accounts = n_accounts or max(10, n_rows // 10)
    period = int(days * 86_400)
    src, dst = skewed_pairs(rng, n_rows, n_accounts, skew)
    ts = _EPOCH_2022_09_01 + rng.integers(0, period, n_rows)
    amount = np.round(rng.lognormal(7.0, 1.5, n_rows), 2)

    extra_src: list[np.ndarray] = []
    extra_dst: list[np.ndarray] = []
    extra_ts: list[np.ndarray] = []
    extra_amt: list[np.ndarray] = []
    truth: list[dict] = []
    next_row = n_rows

    def plant(kind: str, s: np.ndarray, d: np.ndarray, t: np.ndarray, a: np.ndarray) -> None:
        nonlocal next_row
        ids = list(range(next_row, next_row + len(s)))
        next_row += len(s)
        for store, values in ((extra_src, s), (extra_dst, d), (extra_ts, t), (extra_amt, a)):
            store.append(values)
        truth.append({"typology": kind, "instance": len(truth), "length": len(s), "rows": [f"t{i}" for i in ids]})

    for length, count in sorted((cycles or {}).items()):
        for _ in range(count):
            accts = rng.choice(n_accounts, size=length, replace=False)
            start = _EPOCH_2022_09_01 + int(rng.integers(0, max(1, period - cycle_window)))
            steps = np.sort(rng.choice(np.arange(1, cycle_window + 1), size=length, replace=False))
            t = start + steps - steps[0]
            a = np.round(rng.lognormal(9.0, 0.5) * 0.98 ** np.arange(length), 2)
            plant("cycle", accts, np.roll(accts, -1), t, a)
    for kind, count in (("fan-in", fan_in), ("fan-out", fan_out)):
        for _ in range(count):
            accts = rng.choice(n_accounts, size=fan_size + 1, replace=False)
            hub, spokes = accts[0], accts[1:]
            start = _EPOCH_2022_09_01 + int(rng.integers(0, max(1, period - cycle_window)))
            t = np.sort(start + rng.integers(0, cycle_window, fan_size))
            a = np.round(rng.lognormal(8.0, 0.3, fan_size), 2)
            hubs = np.full(fan_size, hub)
            plant(kind, spokes if kind == "fan-in" else hubs, hubs if kind == "fan-in" else spokes, t, a)

    planted = sum(len(x) for x in extra_src)
    all_src = np.concatenate([src, *extra_src]) if planted else src
    all_dst = np.concatenate([dst, *extra_dst]) if planted else dst
    all_ts = np.concatenate([ts, *extra_ts]) if planted else ts
    all_amt = np.concatenate([amount, *extra_amt]) if planted else amount
    label = np.concatenate([np.zeros(n_rows, dtype=np.int8), np.ones(planted, dtype=np.int8)])
    order = rng.permutation(len(all_src))
    width = len(str(n_accounts - 1))
    ledger = pl.DataFrame({
        "id": "t" + pl.Series(np.arange(len(all_src))[order]).cast(pl.String),
        "source": "a" + pl.Series(all_src[order]).cast(pl.String).str.pad_start(width, "0"),
        "target": "a" + pl.Series(all_dst[order]).cast(pl.String).str.pad_start(width, "0"),
        "timestamp": all_ts[order].astype(np.int64),
        "amount": all_amt[order],
        "label": label[order],
    })
    return ledger, pl.DataFrame(truth, schema={"typology": pl.String, "instance": pl.Int64, "length": pl.Int64, "rows": pl.List(pl.String)})
