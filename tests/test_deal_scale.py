"""Deal ledgers beyond the built-in record: generated ledgers, the bounded paths of the analyses, and what they say."""

from __future__ import annotations

from unittest import mock

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

import dealgraph as dg
from dealgraph.analyses import circularity as circularity_module
from dealgraph.cli import cli
from dealgraph.matrix import tracing
from dealgraph.reading.ledger import Memo


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("deals") / "deals.parquet"
    result = CliRunner().invoke(cli, ["generate", str(path), "--deals", "--rows", "3000", "--accounts", "300", "--seed", "2", "--json"])
    assert result.exit_code == 0, result.output
    return dg.read_ledger(path)


def test_generated_deal_ledgers_are_seeded_and_hold_every_kind_of_row(generated):
    df = dg.synthetic_deals(3000, 300, seed=2)
    assert df.equals(dg.synthetic_deals(3000, 300, seed=2)) and not df.equals(dg.synthetic_deals(3000, 300, seed=3))
    assert len(generated) == 3000 and len(generated.entities) <= 300
    t = generated.table
    assert t["amount"].null_count() > 0 and t["gw"].drop_nulls().len() > 0 and t["end"].drop_nulls().len() > 0
    assert set(t["status"].cast(pl.String).unique()) >= {"closed", "committed", "loi", "rumored", "lapsed"}


def test_large_components_are_traced_for_their_largest_entities_and_the_rest_left_empty(generated):
    exact = dg.round_trips(generated)
    with mock.patch.object(tracing, "EXACT_NODES", 10), mock.patch.object(tracing, "TRACE_LIMIT", 25):
        bounded = dg.round_trips(_copy(generated))
    head = bounded.entities.filter(basis="headline")
    traced = head.filter(pl.col("return_share").is_not_null())
    assert any("the 25 with the most money through them were traced" in n for n in bounded.notes)
    # the traced ones carry the same shares as the exact factorisation, to the iteration's certified error
    both = traced.join(exact.entities.filter(basis="headline"), on="entity", suffix="_exact")
    assert np.allclose(both["return_share"], both["return_share_exact"], atol=1e-6)
    # untraced is empty, never zero
    assert head.filter(pl.col("return_share").is_null(), pl.col("paid") > 0).height > 0


def test_cycling_index_becomes_a_range_when_tracing_is_bounded(generated):
    exact = dg.circularity(generated)["headline"]
    with mock.patch.object(tracing, "EXACT_NODES", 10), mock.patch.object(tracing, "TRACE_LIMIT", 25):
        b = dg.circularity(_copy(generated))["headline"]
    low, high = b.cycling_index_range
    assert b.cycling_index is None and low <= exact.cycling_index <= high and " to " in b.fci_text()
    assert b.circular == pytest.approx(exact.circular)  # the circulation itself is never bounded


def test_bff_past_its_budget_is_not_computed_and_says_so(generated):
    with mock.patch.object(circularity_module, "BFF_WORK", 1.0):
        b = dg.circularity(_copy(generated))["headline"]
    assert b.bff_circular is None and b.bff_share is None and any("BFF" in n for n in b.notes)


def test_dependency_of_a_generated_ledger_is_complete_and_renders(generated):
    dep = dg.dependency(generated)
    c = dep.concentration
    assert c["major_customers"].null_count() == 0 and c.filter(pl.col("total") > 0)["hhi"].null_count() == 0
    from rich.console import Console

    Console(file=__import__("io").StringIO(), width=200).print(dep)  # every table renders


def test_summary_of_a_generated_ledger_bounds_what_it_lists(generated):
    s = dg.summary(generated, lang="en")
    assert len(s.loops) <= 1_000
    members = s.core.cores.filter(basis="headline")["members"][0].to_list()
    core = next(f for f in s.findings if f.startswith("Circular core"))
    assert len(members) > 20 and f"and {len(members) - 20} more" in core  # a list of names is cut with "and N more"
    raised = s.flags.raised().height
    shown = sum(f.startswith("Flag (a figure") for f in s.findings)
    assert shown <= 5 * 3 and (raised == shown or any(f"{raised - shown} more flag" in f for f in s.findings))


def _copy(ledger: dg.Ledger) -> dg.Ledger:
    """The same rows as a new ledger (nothing derived kept)."""
    from dataclasses import replace

    return replace(ledger, _derived=Memo())
