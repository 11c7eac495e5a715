import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealgraph import LimitError
from dealgraph.transactions.cycles import check_max_length, cycle_blocks, simple_graph, strongest_cycles


def simple_cycles(indptr, indices, max_length):
    """Every simple cycle of a CSR digraph through the compiled search, each from its smallest node, in search order."""
    check_max_length(max_length)
    n = len(indptr) - 1
    graph = simple_graph(np.repeat(np.arange(n), np.diff(indptr)), np.asarray(indices), n)
    for rows in cycle_blocks(graph, max_length, block=1024):
        for r in rows:
            yield tuple(int(v) for v in r if v >= 0)


def _csr(n, edges):
    edges = sorted(set(edges))
    indptr = np.zeros(n + 1, dtype=np.int64)
    for a, _ in edges:
        indptr[a + 1] += 1
    return np.cumsum(indptr), np.array([b for _, b in edges], dtype=np.int64)


def _canon(c):
    k = c.index(min(c))
    return tuple(c[k:] + c[:k])


def _brute(n, edges, k):
    """Every simple cycle by trying every sequence of distinct nodes."""
    from itertools import permutations

    es = set(edges)
    out = set()
    for length in range(2, k + 1):
        for seq in permutations(range(n), length):
            if seq[0] == min(seq) and all((seq[i], seq[(i + 1) % length]) in es for i in range(length)):
                out.add(seq)
    return out


graphs = st.integers(2, 7).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
)


@settings(max_examples=150, deadline=None)
@given(graphs, st.integers(2, 7))
def test_equals_networkx_and_brute_force(g, k):
    n, edges = g
    edges = [(a, b) for a, b in edges if a != b]
    indptr, indices = _csr(n, edges)
    ours = list(simple_cycles(indptr, indices, k))
    assert len(ours) == len(set(ours)), "a cycle was reported twice"
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(edges)
    theirs = {_canon(c) for c in nx.simple_cycles(G, length_bound=k) if len(c) >= 2}
    assert set(ours) == theirs == _brute(n, edges, k)


weighted = graphs.flatmap(lambda g: st.tuples(
    st.just(g), st.lists(st.sampled_from([1.0, 2.0, 3.0, 5.0, 8.0, np.inf]), min_size=len(g[1]), max_size=len(g[1]))))


@settings(max_examples=150, deadline=None)
@given(weighted, st.integers(2, 6), st.integers(1, 12))
def test_strongest_cycles_are_the_largest_bottlenecks_of_networkx(gw, k, limit):
    (n, edges), weights = gw
    best = {}
    for (a, b), w in zip(edges, weights):
        if a != b:
            best[a, b] = max(best.get((a, b), 0.0), w)  # a simple graph: one weight per pair
    pairs = sorted(best)
    src, dst = [a for a, _ in pairs], [b for _, b in pairs]
    ours, truncated = strongest_cycles(src, dst, [best[p] for p in pairs], n, k, limit)
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(pairs)
    theirs = {_canon(c) for c in nx.simple_cycles(G, length_bound=k) if len(c) >= 2}
    theirs = {c for c in theirs if any(np.isfinite(best[c[i], c[(i + 1) % len(c)]]) for i in range(len(c)))}  # unranked: left out

    def bottleneck(c):
        return min(best[c[i], c[(i + 1) % len(c)]] for i in range(len(c)))

    assert len(ours) == len(set(ours)) and set(ours) <= theirs
    assert truncated == (len(theirs) > limit)
    assert len(ours) == min(limit, len(theirs))
    assert sorted(map(bottleneck, ours), reverse=True) == sorted(map(bottleneck, theirs), reverse=True)[:limit]


def test_canonical_order():
    indptr, indices = _csr(3, [(0, 1), (1, 0), (1, 2), (2, 0), (2, 1)])
    assert list(simple_cycles(indptr, indices, 3)) == [(0, 1), (0, 1, 2), (1, 2)]


def test_bound_checked():
    with pytest.raises(LimitError):
        list(simple_cycles(np.array([0, 0]), np.array([], dtype=np.int64), 1))


# ---- compiled kernels: temporal cycles, counts, per-edge features ------------------------------------------

from dealgraph.transactions.cycles import count_graph_cycles, cycle_features, temporal_graph  # noqa: E402

multigraphs = st.integers(2, 6).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 12)),
                                             max_size=4 * n))
)


def _brute_temporal(rows, k, window):
    """Every temporal cycle as a tuple of row numbers, by plain recursion over rows."""
    out = set()

    def extend(path, seen):
        last = rows[path[-1]]
        for r, (a, b, t) in enumerate(rows):
            if a != last[1] or t <= last[2] or t - rows[path[0]][2] > window or len(path) >= k:
                continue
            if b == rows[path[0]][0]:
                out.add((*path, r))
            elif b not in seen:
                extend((*path, r), seen | {b})

    for r, (a, b, _) in enumerate(rows):
        if a != b:
            extend((r,), {a, b})
    return out


@settings(max_examples=200, deadline=None)
@given(multigraphs, st.integers(2, 6), st.integers(0, 12))
def test_temporal_cycles_equal_brute_force(g, k, window):
    n, rows = g
    src, dst, ts = (np.array([r[i] for r in rows], dtype=np.int64) for i in range(3))
    graph = temporal_graph(src, dst, ts, n)
    listed = [tuple(int(graph.row[e]) for e in r if e >= 0) for b in cycle_blocks(graph, k, window=window, block=2) for r in b]
    expected = _brute_temporal(rows, k, window)
    assert len(listed) == len(set(listed)) and set(listed) == expected
    counts = count_graph_cycles(graph, k, window=window)
    assert counts.complete and counts.total == len(expected)
    assert counts.by_length.tolist() == [sum(len(c) == L for c in expected) for L in range(k + 1)]


@settings(max_examples=100, deadline=None)
@given(graphs, st.integers(2, 6))
def test_per_edge_and_vertex_counts_sum_to_the_cycle_list(g, k):
    n, edges = g
    graph = simple_graph(np.array([a for a, _ in edges], dtype=np.int64), np.array([b for _, b in edges], dtype=np.int64), n)
    cycles = [tuple(v for v in r if v >= 0) for b in cycle_blocks(graph, k) for r in b]
    edge_counts, vertex_counts = cycle_features(graph, k)
    src, dst = graph.edge_pairs()
    expected_e = np.zeros_like(edge_counts)
    expected_v = np.zeros_like(vertex_counts)
    for c in cycles:
        for i, v in enumerate(c):
            w = c[(i + 1) % len(c)]
            expected_e[np.flatnonzero((src == v) & (dst == w))[0], len(c)] += 1
            expected_v[v, len(c)] += 1
    assert (edge_counts == expected_e).all() and (vertex_counts == expected_v).all()
    assert (edge_counts.sum(axis=0) == np.arange(k + 1) * count_graph_cycles(graph, k).by_length).all()


def test_temporal_features_count_each_row_of_each_cycle():
    # 0 -> 1 -> 2 -> 0 in time order, plus a late 2 -> 0 outside a window of 5
    graph = temporal_graph(np.array([0, 1, 2, 2]), np.array([1, 2, 0, 0]), np.array([1, 2, 3, 9]), 3)
    edge_counts, vertex_counts = cycle_features(graph, 4, window=5)
    per_row = np.zeros(4, dtype=np.int64)
    per_row[graph.row] = edge_counts[:, 3]
    assert per_row.tolist() == [1, 1, 1, 0] and vertex_counts[:, 3].tolist() == [1, 1, 1]


@settings(max_examples=100, deadline=None)
@given(graphs, st.integers(2, 6), st.integers(1, 5))
def test_searches_dealt_to_tasks_add_up_to_the_whole(g, k, tasks):
    """The Spark engine's work units: every task's shares of the starts give the graph's counts, listing and features."""
    from dealgraph.transactions.cycles import deal_starts

    n, edges = g
    graph = simple_graph(np.array([a for a, _ in edges], dtype=np.int64), np.array([b for _, b in edges], dtype=np.int64), n)
    task, starts, part, parts = deal_starts(graph, tasks)
    assert ((0 <= part) & (part < parts)).all() and ((0 <= task) & (task < tasks)).all()
    counts, edge_sum, vertex_sum, listed = np.zeros(k + 1, dtype=np.int64), 0, 0, []
    for t in range(tasks):
        mine = dict(starts=starts[task == t], shares=(part[task == t], parts[task == t]))
        counts += count_graph_cycles(graph, k, **mine).by_length
        e, v = cycle_features(graph, k, **mine)
        edge_sum, vertex_sum = edge_sum + e, vertex_sum + v
        listed += [tuple(int(x) for x in r if x >= 0) for b in cycle_blocks(graph, k, **mine) for r in b]
    whole = [tuple(int(x) for x in r if x >= 0) for b in cycle_blocks(graph, k) for r in b]
    assert sorted(listed) == sorted(whole) and counts.tolist() == count_graph_cycles(graph, k).by_length.tolist()
    e, v = cycle_features(graph, k)
    assert (edge_sum == e).all() and (vertex_sum == v).all()


def test_a_hub_is_split_across_tasks():
    """A hub with every cycle through it: its search is split into shares, and the tasks' estimated work is even."""
    from dealgraph.transactions.cycles import deal_starts

    spokes = np.arange(1, 201)
    src = np.concatenate([np.zeros(200, dtype=np.int64), spokes, spokes[:-1]])
    dst = np.concatenate([spokes, np.zeros(200, dtype=np.int64), spokes[1:]])
    graph = simple_graph(src, dst)
    task, starts, part, parts = deal_starts(graph, 8)
    assert (starts == 0).sum() == 8 and (parts[starts == 0] == 8).all()  # the hub, in eight shares
    assert np.bincount(task[starts == 0], minlength=8).tolist() == [1] * 8
    by_task = [count_graph_cycles(graph, 4, starts=starts[task == t], shares=(part[task == t], parts[task == t])).total for t in range(8)]
    assert sum(by_task) == count_graph_cycles(graph, 4).total and max(by_task) <= 2 * min(by_task)
    assert set(starts.tolist()) == {0}  # the spokes begin no cycle (each has a smaller neighbour: the hub)


@settings(max_examples=100, deadline=None)
@given(multigraphs, st.integers(2, 5), st.integers(0, 12), st.integers(1, 13))
def test_temporal_searches_by_first_row_time_add_up_to_the_whole(g, k, window, width):
    """The Spark engine's slabs: cycles and per-row tallies over ranges of first-row times add up to the whole."""
    n, rows = g
    src, dst, ts = (np.array([r[i] for r in rows], dtype=np.int64) for i in range(3))
    graph = temporal_graph(src, dst, ts, n)
    counts, edge_sum, vertex_sum = np.zeros(k + 1, dtype=np.int64), 0, 0
    for lo in range(0, 13, width):
        counts += count_graph_cycles(graph, k, window=window, first=(lo, lo + width)).by_length
        e, v = cycle_features(graph, k, window=window, first=(lo, lo + width))
        edge_sum, vertex_sum = edge_sum + e, vertex_sum + v
    e, v = cycle_features(graph, k, window=window)
    assert counts.tolist() == count_graph_cycles(graph, k, window=window).by_length.tolist()
    assert (edge_sum == e).all() and (vertex_sum == v).all()


def test_shares_are_checked():
    graph = simple_graph(np.array([0, 1]), np.array([1, 0]))
    with pytest.raises(LimitError, match="shares"):
        count_graph_cycles(graph, 3, starts=np.array([0]), shares=(np.array([1]), np.array([1])))
    with pytest.raises(LimitError, match="shares"):
        count_graph_cycles(graph, 3, shares=(np.array([0]), np.array([1])))


def test_a_time_budget_stops_between_blocks():
    rng = np.random.default_rng(0)
    src, dst = rng.integers(0, 300, 3000), rng.integers(0, 300, 3000)
    partial = count_graph_cycles(simple_graph(src, dst, 300), 6, seconds=0.0, block=10)
    assert not partial.complete and partial.total > 0


# ---- the public verbs: sources, result values, renderings ---------------------------------------------------------------

import io  # noqa: E402

import polars as pl  # noqa: E402
from rich.console import Console  # noqa: E402

from dealgraph import LedgerError  # noqa: E402
from dealgraph._files import atomic_path  # noqa: E402
from dealgraph.transactions.cycles import CycleCounts, count_cycles, list_cycles, write_cycles  # noqa: E402
from dealgraph.transactions.features import transaction_features  # noqa: E402
from dealgraph.transactions.ingest import read_edges  # noqa: E402
from dealgraph.transactions.synth import synthetic_transactions  # noqa: E402


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    frame = synthetic_transactions(2_000, 200, seed=3, cycles={3: 3, 4: 3})[0]
    path = tmp_path_factory.mktemp("ledger") / "t.parquet"
    frame.write_parquet(path)
    return path, frame


def _rendered(result) -> str:
    console = Console(file=io.StringIO(), width=200)
    console.print(result)
    return console.file.getvalue()


@pytest.mark.parametrize("temporal", [False, True])
def test_a_path_an_edge_list_and_a_frame_give_the_same_cycles(ledger, temporal):
    path, frame = ledger
    window = "1d" if temporal else None
    by_source = [count_cycles(s, max_length=5, temporal=temporal, window=window) for s in (path, str(path), read_edges(path), frame)]
    assert by_source[0].total > 0 and all(c.counts == by_source[0].counts for c in by_source)
    assert all(c.search.to_dict() == by_source[0].search.to_dict() for c in by_source[2:])  # the same arrays, whatever the source
    listings = [list_cycles(s, max_length=5, temporal=temporal, window=window) for s in (path, frame)]
    assert listings[0].to_frame().equals(listings[1].to_frame()) and len(listings[0]) == by_source[0].total


def test_a_frame_with_text_dates_and_mapped_columns():
    frame = pl.DataFrame({"payer": ["A", "B", "C"], "payee": ["B", "C", "A"], "when": ["2025-01-01", "2025-01-01 12:00", "2025-01-02"]})
    counts = count_cycles(frame, max_length=3, temporal=True, window="2d", columns={"source": "payer", "target": "payee", "date": "when"})
    assert counts.counts == {2: 0, 3: 1}
    with pytest.raises(LedgerError, match="row 2, column 'when': 'soon': not a timestamp"):
        count_cycles(frame.with_columns(pl.Series("when", ["2025-01-01", "soon", None])), temporal=True,
                     columns={"source": "payer", "target": "payee", "date": "when"})
    with pytest.raises(LedgerError, match="column 'target': missing column"):
        count_cycles(pl.DataFrame({"source": ["A"]}))


def test_bad_bounds_are_limit_errors(ledger):
    path, frame = ledger
    for call in (lambda: count_cycles(frame, max_length=1), lambda: count_cycles(frame, window="1d"),
                 lambda: count_cycles(frame, temporal=True, window=-5), lambda: count_cycles(frame, time_limit=-1),
                 lambda: list_cycles(frame, limit=0), lambda: transaction_features(frame, max_length=1)):
        with pytest.raises(LimitError):
            call()
    with pytest.raises(LedgerError, match="temporal cycles need a timestamp column"):
        count_cycles(frame.drop("timestamp"), temporal=True)


def test_counts_are_a_value_with_a_frame_a_dict_and_a_rendering(ledger):
    path, _ = ledger
    counts = count_cycles(path, max_length=4, progress=lambda done, total: None)
    assert isinstance(counts, CycleCounts) and counts.complete
    assert counts.to_frame().rows() == [(L, counts.counts[L]) for L in (2, 3, 4)]
    d = counts.to_dict()
    assert list(d) == ["mode", "definition", "max_length", "window_seconds", "rows", "entities", "graph_edges", "array_bytes", "counts",
                       "total", "complete", "seconds"]
    assert d["counts"] == {str(L): n for L, n in counts.counts.items()} and d["total"] == counts.total and d["rows"] == 2_000 + 3 * 3 + 3 * 4
    text = _rendered(counts)
    assert f"{counts.total:,}" in text and "hop-bounded cycles, up to 4 entities" in text and counts.search.definition in text
    partial = count_cycles(synthetic_transactions(5_000, 1_000, seed=1)[0], max_length=4, time_limit=0.0)  # 4 blocks: stops after one
    assert not partial.complete and "partial counts" in _rendered(partial)


def test_listings_and_features_render_their_totals(ledger):
    path, frame = ledger
    listing = list_cycles(frame, max_length=4, temporal=True, limit=3)
    text = _rendered(listing)
    first = listing.to_frame()["entities"][0].to_list()
    assert " -> ".join([*first, first[0]]) in text and "3 cycles (first 3;" in text and listing.to_dict()["listed"] == 3
    features = transaction_features(frame, max_length=4, window="1d")
    summary = features.to_dict()
    assert features.to_frame().height == frame.height and summary["rows"] == frame.height
    assert summary["sums"]["cycles_3"] == int(features.rows["cycles_3"].sum()) > 0
    assert summary["top_accounts"] and summary["top_accounts"][0]["cycles_through"] >= summary["top_accounts"][-1]["cycles_through"]
    text = _rendered(features)
    assert "temporal_cycles_4" in text and f"{summary['sums']['cycles_4']:,}" in text and f"{summary['entities']:,} accounts" in text
    untimed = transaction_features(frame.drop("timestamp"), max_length=3)
    assert untimed.window_seconds is None and untimed.rows.columns == ["cycles_2", "cycles_3"]


def test_write_cycles_streams_what_list_cycles_holds(ledger, tmp_path):
    path, _ = ledger
    out = tmp_path / "cycles.parquet"
    written = write_cycles(path, out, max_length=5, temporal=True)
    listing = list_cycles(path, max_length=5, temporal=True)
    assert pl.read_parquet(out).equals(listing.to_frame()) and written.counts == count_cycles(path, max_length=5, temporal=True).counts
    empty = tmp_path / "none.parquet"
    assert write_cycles(pl.DataFrame({"source": ["A"], "target": ["B"]}), empty).total == 0
    assert pl.read_parquet(empty).columns == ["cycle", "length", "entities"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cycles.parquet", "none.parquet"]


def test_a_failed_write_leaves_the_old_file(tmp_path):
    out = tmp_path / "kept.parquet"
    out.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(out) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert out.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["kept.parquet"]
