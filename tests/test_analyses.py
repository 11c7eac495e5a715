"""Ledger-level analyses: loops, circularity, round trips, the circular core."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

import dealgraph as dg
from dealgraph.analyses.loops import EVIDENCE


def ledger(rows, **kw):
    return dg.read_ledger(pl.DataFrame(rows, schema=["source", "target", "amount", "date", "status", "cap"], orient="row"), **kw)


def test_article_loop_and_its_unknown_hop():
    res = dg.find_loops(dg.seed_ledger())
    loop = res.find("Anthropic", "Microsoft", "NVIDIA")
    assert loop is not None
    assert loop.unknown_hops == ("Microsoft -> NVIDIA",)
    assert loop.throughput == 10e9  # the smallest stated hop: NVIDIA -> Anthropic, up to 10B
    assert loop.throughput_range == (0.0, 10e9)
    assert loop.firm_throughput == 0.0  # every stated amount on it is "up to"


def test_throughput_is_the_smallest_hop_and_loops_are_ranked():
    lg = ledger([
        ("A", "B", "10", None, None, None), ("B", "C", "4", None, None, None), ("C", "A", "7", None, None, None),
        ("A", "C", "1", None, None, None),
    ])
    res = dg.find_loops(lg)
    assert [lp.path() for lp in res.loops] == ["A -> B -> C -> A", "A -> C -> A"]
    assert [lp.throughput for lp in res.loops] == [4.0, 1.0]
    assert all(lp.complete for lp in res.loops)


def test_firm_basis_excludes_soft_deals():
    lg = ledger([
        ("A", "B", "10", None, "closed", "exact"), ("B", "A", "8", None, "loi", None),
        ("B", "A", "3", None, "committed", "exact"), ("A", "B", "99", None, "lapsed", None),
    ])
    loop = dg.find_loops(lg).loops[0]
    assert loop.throughput == 10.0 and loop.firm_throughput == 3.0
    firm = dg.circularity(lg)["firm"]
    assert firm.total == 13.0 and firm.circular == 6.0


def test_temporal_order_and_window():
    d = dt.date
    lg = ledger([
        ("A", "B", "5", "2024-01-01", None, None), ("B", "C", "5", "2024-02-01", None, None),
        ("C", "A", "5", "2024-03-01", None, None), ("C", "D", "1", "2024-01-01", None, None),
        ("D", "C", "1", "2023-01-01", None, None), ("C", "D", "1", "2023-06-01", None, None),
    ])
    loops = {lp.path(): lp for lp in dg.find_loops(lg).loops}
    assert loops["A -> B -> C -> A"].temporal is True
    assert loops["A -> B -> C -> A"].temporal_dates == (d(2024, 1, 1), d(2024, 2, 1), d(2024, 3, 1))
    narrow = {lp.path(): lp for lp in dg.find_loops(lg, window="30d").loops}
    assert narrow["A -> B -> C -> A"].temporal is False
    # C -> D on 2023-06-01 after D -> C on 2023-01-01: in order starting at D
    assert loops["C -> D -> C"].temporal is True


def test_undated_hop_makes_temporal_unknown():
    lg = ledger([("A", "B", "5", "2024-01-01", None, None), ("B", "A", "5", None, None, None)])
    assert dg.find_loops(lg).loops[0].temporal is None


def test_limit_truncates_and_says_so():
    n = 6
    rows = [(f"N{i}", f"N{j}", "1", None, None, None) for i in range(n) for j in range(n) if i != j]
    res = dg.find_loops(ledger(rows), limit=5)
    assert len(res) == 5 and res.truncated


@pytest.mark.parametrize("rank", ["evidence", "money"])
@pytest.mark.parametrize("basis", ["headline", "firm"])
def test_a_limited_search_returns_the_loops_that_rank_first(rank, basis):
    lg = dg.read_dataset("ai-deals")
    every = dg.find_loops(lg, rank=rank, basis=basis, max_length=5)
    assert not every.truncated

    def order(res):  # what ranks a loop (ties may pick different loops of the same standing)
        return [(lp.evidence if rank == "evidence" else "", lp.throughput if basis == "headline" else lp.firm_throughput)
                for lp in res.loops]

    for k in sorted({1, 3, 10, len(every) - 1} & set(range(1, len(every)))):
        first = dg.find_loops(lg, rank=rank, basis=basis, max_length=5, limit=k)
        assert first.truncated and order(first) == order(every)[:k]
        assert {lp.entities for lp in first.loops} <= {lp.entities for lp in every.loops}


def test_capacity_priced_only_by_explicit_assumption():
    lg = dg.seed_ledger()
    base = dg.find_loops(lg).find("Anthropic", "NVIDIA")
    assert base.hops[0].amount is None
    priced = dg.find_loops(lg, usd_per_gw=50e9)
    loop = priced.find("Anthropic", "NVIDIA")
    assert loop.hops[0].amount == 50e9 and loop.throughput == 10e9
    assert any("per gigawatt" in n for n in priced.notes)
    assert not any("per gigawatt" in n for n in dg.find_loops(lg).notes)
    # firm basis never uses the price
    assert loop.firm_throughput == 0.0


def test_circularity_on_the_seed():
    circ = dg.circularity(dg.seed_ledger())
    head = circ["headline"]
    # stated money: 30 + 10 + 5 + 38 + 1400 (billions)
    assert head.total == pytest.approx(1483e9)
    # only Anthropic <-> Microsoft has stated amounts both ways: 5B each way
    assert head.circular == pytest.approx(10e9)
    assert head.carriers == ((("Anthropic", "Microsoft"), 5e9),)
    # if unknown deals were large enough: 30 + 5 + 10 + 38 stated billions could circulate
    assert head.circular_upper == pytest.approx(83e9)
    assert head.bff_circular <= head.circular + 1e-3
    assert "seed-10" in head.unknown_on_loops
    assert circ["firm"].circular == 0.0


def test_round_trip_of_microsofts_investment():
    rt = dg.round_trips(dg.seed_ledger())
    deal = rt.deals.filter(basis="headline", source="Microsoft", target="Anthropic").row(0, named=True)
    # Anthropic's stated spending all goes to Microsoft, so each dollar Microsoft puts in comes back.
    assert deal["return_share"] == pytest.approx(1.0)
    ms = rt.entities.filter(basis="headline", entity="Microsoft").row(0, named=True)
    assert ms["returned"] == pytest.approx(5e9)
    assert dg.FUNGIBILITY in rt.to_dict()["assumption"]


def test_inside_and_outside_money():
    lg = ledger([
        ("A", "B", "10", None, None, None), ("B", "A", "6", None, None, None), ("X", "A", "4", None, None, None),
        ("B", "Y", "4", None, None, None),
    ])
    core = dg.circular_core(lg)
    row = core.cores.filter(basis="headline").row(0, named=True)
    assert row["members"] == ["A", "B"]
    assert row["inside"] == 16.0 and row["outside_in"] == 4.0 and row["outside_out"] == 4.0
    a = core.entities.filter(basis="headline", entity="A").row(0, named=True)
    assert a["inflow_inside"] == 6.0 and a["inflow_outside"] == 4.0


def test_chinese_twin_gives_the_same_results(data_dir):
    en = dg.read_ledger(data_dir / "twin_en.csv")
    zh = dg.read_ledger(data_dir / "twin_zh.csv")
    assert en.entities == zh.entities
    assert en.table.drop("currency").equals(zh.table.drop("currency"))
    assert dg.find_loops(en).to_dict() == dg.find_loops(zh).to_dict()
    assert dg.circularity(en).to_dict() == dg.circularity(zh).to_dict()
    assert dg.round_trips(en).to_dict() == dg.round_trips(zh).to_dict()
    assert dg.summary(en).findings[1:] == dg.summary(zh).findings[1:]


def test_results_have_frames_and_dicts():
    lg = dg.seed_ledger()
    for res in (dg.find_loops(lg), dg.circularity(lg), dg.round_trips(lg), dg.circular_core(lg), dg.summary(lg)):
        assert isinstance(res.to_frame(), pl.DataFrame) and res.to_frame().height > 0
        assert isinstance(res.to_dict(), dict)


def test_flows_matrix_orientation():
    lg = ledger([("A", "B", "10", None, None, None)])
    W = dg.flows(lg).matrix()
    assert W[lg.index("A"), lg.index("B")] == 10.0 and W[lg.index("B"), lg.index("A")] == 0.0
    assert np.isfinite(W).all()


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

NAMES = ["Alpha", "beta", "Gamma", "delta", "Eps", "zeta"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES), st.one_of(st.none(), st.integers(1, 50))),
                min_size=1, max_size=25),
       st.integers(2, 6))
def test_ledger_loops_equal_networkx(rows, k):
    import networkx as nx

    rows = [(a, b, None if x is None else str(x)) for a, b, x in rows if a != b]
    if not rows:
        return
    lg = dg.read_ledger(pl.DataFrame(rows, schema=["source", "target", "amount"], orient="row"))
    res = dg.find_loops(lg, max_length=k)
    G = nx.DiGraph(lg.to_networkx())
    expected = set()
    for c in nx.simple_cycles(G, length_bound=k):
        if len(c) >= 2:
            i = min(range(len(c)), key=lambda j: lg.index(c[j]))
            expected.add(tuple(c[i:] + c[:i]))
    assert {lp.entities for lp in res.loops} == expected
    W = dg.flows(lg).matrix()
    for lp in res.loops:
        hops = [W[lg.index(a), lg.index(b)] for a, b in zip(lp.entities, lp.entities[1:] + lp.entities[:1])]
        if lp.complete:
            assert lp.throughput == min(hops)
        low, high = lp.throughput_range
        assert low <= (lp.throughput if lp.throughput is not None else low)
        assert high is None or lp.throughput is None or lp.throughput <= high


def test_problem_report_is_capped():
    df = pl.DataFrame({"source": ["A"] * 80, "target": ["A"] * 80})
    with pytest.raises(dg.LedgerError) as info:
        dg.read_ledger(df)
    assert len(info.value.problems) == 50 and info.value.truncated == 30
    assert "30 more problems" in str(info.value)


_ROWS = st.lists(st.fixed_dictionaries({
    "source": st.sampled_from("ABCD"), "target": st.sampled_from("ABCD"),
    "amount": st.one_of(st.none(), st.integers(1, 100).map(str)),
    "status": st.sampled_from(["closed", "committed", "loi", "rumored", "lapsed"]),
    "cap": st.sampled_from(["exact", "up_to", "estimated"]),
    "gw": st.one_of(st.none(), st.integers(1, 3).map(str)),
}).filter(lambda r: r["source"] != r["target"]), min_size=1, max_size=14)


@settings(max_examples=80, deadline=None)
@given(rows=_ROWS, usd_per_gw=st.one_of(st.none(), st.sampled_from([0.0, 20.0, 60.0])))
def test_firm_figures_never_exceed_headline_ones(rows, usd_per_gw):
    lg = dg.read_ledger(rows)
    rt = dg.round_trips(lg, usd_per_gw=usd_per_gw)
    for table, key in ((rt.entities, ["entity"]), (rt.deals, ["source", "target"])):
        head = table.filter(basis="headline").select(*key, "returned")
        firm = table.filter(basis="firm").select(*key, "returned")
        both = head.join(firm, on=key, how="inner", suffix="_firm")
        assert (both["returned_firm"] <= both["returned"] * (1 + 1e-9) + 1e-9).all()
    assert ((rt.entities["return_share"] >= 0) & (rt.entities["return_share"] <= 1 + 1e-12)).all()
    for basis in dg.circular_core(lg, usd_per_gw=usd_per_gw).cores.partition_by("basis"):
        assert (basis["inside"] >= 0).all()
    for lp in dg.find_loops(lg, usd_per_gw=usd_per_gw).loops:
        assert lp.firm_throughput <= (lp.throughput or 0.0) + 1e-9
        assert all(h.firm_amount <= (h.amount or 0.0) + 1e-9 for h in lp.hops)
        assert lp.evidence in ("firm", "stated", "partly unknown") and (lp.evidence == "partly unknown") == (not lp.complete)
    circ = dg.circularity(lg, usd_per_gw=usd_per_gw)
    assert circ["firm"].circular <= circ["headline"].circular + 1e-6
    assert circ["firm"].circular_upper <= circ["headline"].circular_upper + 1e-6
    assert circ["firm"].total <= circ["headline"].total + 1e-9


def test_fully_stated_loops_rank_first_unless_money_is_asked_for():
    lg = dg.read_dataset("ai-deals")
    loops = dg.find_loops(lg).loops
    grades = [lp.evidence for lp in loops]
    assert grades == sorted(grades, key=EVIDENCE.index)  # firm, then stated, then partly unknown
    assert loops[0].complete and loops[0].evidence == "firm"
    by_money = dg.find_loops(lg, rank="money").loops
    assert [lp.throughput or 0 for lp in by_money] == sorted((lp.throughput or 0 for lp in by_money), reverse=True)
    assert any(not lp.complete for lp in by_money[:3])  # the largest rest on unknown hops


@pytest.mark.parametrize("dataset", ["seed", "ai-deals"])
@pytest.mark.parametrize("usd_per_gw", [None, 50e9])
def test_no_firm_figure_above_its_headline_on_the_built_in_data(dataset, usd_per_gw):
    lg = dg.read_dataset(dataset)
    assert all(lp.firm_throughput <= (lp.throughput or 0.0) for lp in dg.find_loops(lg, usd_per_gw=usd_per_gw).loops)
    circ = dg.circularity(lg, usd_per_gw=usd_per_gw)
    assert circ["firm"].circular <= circ["headline"].circular and circ["firm"].total <= circ["headline"].total
    rt = dg.round_trips(lg, usd_per_gw=usd_per_gw).entities
    head = dict(rt.filter(basis="headline").select("entity", "returned").iter_rows())
    assert all(v <= head[e] * (1 + 1e-9) for e, v in rt.filter(basis="firm").select("entity", "returned").iter_rows())


def test_with_every_amount_stated_could_be_is_the_circulation_itself():
    lg = dg.read_ledger([{"source": "A", "target": "B", "amount": "30"}, {"source": "B", "target": "C", "amount": "8"},
                         {"source": "C", "target": "A", "amount": "10"}, {"source": "C", "target": "B", "amount": "5"}])
    b = dg.circularity(lg)["headline"]
    assert b.circular == b.circular_upper == 24.0
    lg = dg.read_ledger([{"source": "A", "target": "B", "amount": "30"}, {"source": "B", "target": "A", "amount": ""}])
    b = dg.circularity(lg)["headline"]
    assert b.circular == 0 and b.circular_upper == 30.0
