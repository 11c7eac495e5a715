"""The Spark engine gives the local engine's counts (Apache Spark in local[2] mode; Java 17+, which .ci/run installs).

Deselect with ``-m "not spark"`` on a machine without Java; CI runs them.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import dealgraph as dg
from dealgraph.cli import cli
from dealgraph.transactions.cycles import as_edge_list, count_graph_cycles, temporal_graph

pytestmark = [pytest.mark.spark, pytest.mark.slow]

MASTER = "local[2]"


@pytest.fixture(scope="module")
def spark():
    from dealgraph.transactions.spark import spark_session

    session = spark_session(MASTER)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    """2 * 10^5 generated rows over ten days with planted cycles, as Parquet and as CSV."""
    frame, _ = dg.synthetic_transactions(200_000, seed=11, cycles={3: 30, 4: 30, 5: 30})
    folder = tmp_path_factory.mktemp("spark")
    frame.write_parquet(folder / "t.parquet")
    frame.write_csv(folder / "t.csv")
    return folder


@pytest.mark.parametrize("temporal, k", [(False, 4), (True, 5)])
def test_counts_are_the_local_engines(spark, ledger, temporal, k):
    from dealgraph.transactions.spark import spark_count_cycles

    local = dg.count_cycles(ledger / "t.parquet", max_length=k, temporal=temporal)
    for name in ("t.parquet", "t.csv"):
        remote = spark_count_cycles(str(ledger / name), max_length=k, temporal=temporal, master=MASTER)
        assert remote.counts == local.counts and remote.complete
        assert (remote.search.rows, remote.search.entities, remote.search.graph_edges) == \
               (local.search.rows, local.search.entities, local.search.graph_edges)
    assert local.total > 0


def test_cycles_that_straddle_slab_boundaries_are_counted_once(spark, tmp_path):
    from dealgraph.transactions.spark import spark_count_cycles

    frame, _ = dg.synthetic_transactions(20_000, seed=5, days=3, cycles={3: 40, 4: 40, 5: 40})
    path = tmp_path / "s.parquet"
    frame.write_parquet(path)
    edges = as_edge_list(path)
    graph = temporal_graph(edges.src, edges.dst, edges.ts, edges.n)
    width, window = 2 * 3600, 6 * 3600  # narrower than the window: a row goes to four slabs
    low = int(edges.ts.min())
    listed = dg.list_cycles(path, max_length=5, temporal=True, window=window, limit=10**6).cycles
    straddling = sum((ts[0] - low) // width != (ts[-1] - low) // width for ts in listed["timestamps"].to_list())
    assert straddling > 50  # the test means something: many cycles cross a slab boundary
    local = count_graph_cycles(graph, 5, window=window).by_length
    for slab in (width, 86_400):
        remote = spark_count_cycles(str(path), max_length=5, temporal=True, window=window, master=MASTER, slab_seconds=slab)
        assert [remote.counts[L] for L in range(2, 6)] == local[2:].tolist()


def test_bad_rows_are_reported_as_the_local_reader_reports_them(spark, tmp_path):
    from dealgraph.transactions.spark import spark_count_cycles

    bad = tmp_path / "bad.csv"
    bad.write_text("source,target,timestamp\nA,B,2025-01-01 10:00\nB,,2025-01-01 11:00\nC,A,not a time\nA,C,2025-01-02\n",
                   encoding="utf-8")
    with pytest.raises(dg.LedgerError) as local:
        dg.count_cycles(bad, temporal=True)
    with pytest.raises(dg.LedgerError) as remote:
        spark_count_cycles(str(bad), temporal=True, master=MASTER)
    assert [(p.row, p.column) for p in remote.value.problems] == [(p.row, p.column) for p in local.value.problems] == \
           [(2, "target"), (3, "timestamp")]


def test_the_command_line_runs_either_engine(spark, ledger):
    runner = CliRunner()
    args = ["loops", str(ledger / "t.parquet"), "--count-only", "--temporal", "--max-length", "4", "--json"]
    local = json.loads(runner.invoke(cli, args).output)["result"]
    remote = runner.invoke(cli, [*args, "--engine", "spark", "--spark-master", MASTER])
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.output)["result"]["counts"] == local["counts"]
    refused = runner.invoke(cli, ["loops", str(ledger / "t.parquet"), "--engine", "spark"])
    assert refused.exit_code == 2 and "--count-only" in refused.output


def test_a_graph_past_the_broadcast_limit_and_a_missing_java_are_clear_errors(spark, ledger, monkeypatch):
    from dealgraph.transactions.spark import spark_count_cycles, spark_session

    with pytest.raises(dg.DealgraphError, match="broadcast limit"):
        spark_count_cycles(str(ledger / "t.parquet"), max_length=3, master=MASTER, broadcast_limit=1000)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(dg.DealgraphError, match="Java runtime"):
        spark_session("local[1]")


@pytest.mark.parametrize("temporal", [True, False])
def test_cycles_written_by_spark_are_the_local_listing(spark, tmp_path, temporal):
    import polars as pl

    from dealgraph.transactions.spark import spark_write_cycles

    frame, _ = dg.synthetic_transactions(20_000, seed=7, cycles={3: 20, 4: 20})
    path = tmp_path / "w.parquet"
    frame.write_parquet(path)
    local = dg.list_cycles(path, max_length=4, temporal=temporal, limit=10**6).cycles
    out = tmp_path / "cycles"
    written = spark_write_cycles(str(path), str(out), max_length=4, temporal=temporal, master=MASTER)
    remote = pl.read_parquet(out / "*.parquet")
    assert written.total == remote.height == local.height > 0
    key = "rows" if temporal else "entities"
    assert sorted(map(tuple, remote[key].to_list())) == sorted(map(tuple, local[key].to_list()))
    if temporal:  # the same rows give the same entities and timestamps
        assert sorted(map(tuple, remote["timestamps"].to_list())) == sorted(map(tuple, local["timestamps"].to_list()))
    with pytest.raises(dg.DealgraphError, match="exists; pass force"):
        spark_write_cycles(str(path), str(out), max_length=4, temporal=temporal, master=MASTER)
    cli_args = ["loops", str(path), "-o", str(tmp_path / "cli"), "--max-length", "4", "--engine", "spark", "--spark-master", MASTER,
                *(["--temporal"] if temporal else [])]
    cli_out = CliRunner().invoke(cli, [*cli_args, "--json"])
    assert cli_out.exit_code == 0, cli_out.output
    assert json.loads(cli_out.output)["result"]["listed"] == local.height
    again = [*cli_args, "--json"]
    refused = CliRunner().invoke(cli, again)
    assert refused.exit_code == 2 and "--force" in refused.output  # an existing folder is kept ...
    replaced = CliRunner().invoke(cli, [*again, "--force"])  # ... unless --force
    assert replaced.exit_code == 0, replaced.output
    local_into_folder = CliRunner().invoke(cli, ["loops", str(path), "-o", str(tmp_path / "cli"), "--max-length", "4", "--force"])
    assert local_into_folder.exit_code == 2 and "is a folder" in local_into_folder.output


def _parquet(folder):
    import polars as pl

    return pl.read_parquet(folder / "*.parquet")


def _same_features(local, path, out, accounts, **settings):
    """Spark's features written to ``out``/``accounts`` are the local engine's: per row, per account and in summary."""
    from dealgraph.transactions.spark_features import spark_features

    summary = spark_features(str(path), str(out), accounts=str(accounts), master=MASTER, **settings)
    rows = _parquet(out)
    assert rows.select(local.rows.columns).equals(local.rows)
    assert _parquet(accounts).equals(local.accounts)
    assert {key: value for key, value in summary.to_dict().items() if key not in ("output", "accounts")} == local.to_dict()
    return rows


def test_features_are_the_local_engines(spark, ledger, tmp_path):
    local = dg.transaction_features(ledger / "t.parquet", max_length=4)
    rows = _same_features(local, ledger / "t.parquet", tmp_path / "rows", tmp_path / "accounts", max_length=4)
    source = _parquet(ledger)  # the input's columns come first, unchanged, in input order
    assert rows.select(source.columns).equals(source)
    assert local.rows["temporal_cycles_4"].sum() > 0 and local.rows["scatter_gather"].max() > 1 and local.rows["cycles_4"].sum() > 0


def test_features_with_slabs_narrower_than_the_window_and_hand_made_rows(spark, tmp_path):
    """Cycles and fan windows straddling slabs; names merged by case; self-loops; equal times kept in input order."""
    import polars as pl

    frame, _ = dg.synthetic_transactions(20_000, seed=5, days=3, cycles={3: 40, 4: 40, 5: 40})
    extra = pl.DataFrame({"source": ["Hub", "HUB", "hub", "b", "c", "Hub"], "target": ["b", "c", "Hub", "c", "hub", "d"]})
    start = frame["timestamp"].min()
    extra = extra.with_columns(pl.lit(value, frame[name].dtype).alias(name)
                               for name, value in (("timestamp", start), ("id", 0), ("amount", 1.0), ("label", 0))).select(frame.columns)
    frame = pl.concat([extra, frame])
    path = tmp_path / "s.parquet"
    frame.write_parquet(path)
    local = dg.transaction_features(path, max_length=5, window=6 * 3600)
    _same_features(local, path, tmp_path / "rows", tmp_path / "accounts", max_length=5, window=6 * 3600, slab_seconds=2 * 3600)
    assert "Hub" in local.accounts["entity"].to_list()


def test_features_without_timestamps_are_the_hop_bounded_ones(spark, tmp_path):
    import polars as pl

    frame, _ = dg.synthetic_transactions(5_000, seed=2, cycles={3: 10, 4: 10})
    path = tmp_path / "untimed.csv"
    frame.drop("timestamp").write_csv(path)
    local = dg.transaction_features(path, max_length=4)
    assert local.window_seconds is None
    rows = _same_features(local, path, tmp_path / "rows", tmp_path / "accounts", max_length=4)
    assert rows["source"].dtype == pl.String  # a CSV's cells as Spark reads them: text


def test_features_on_the_command_line(spark, tmp_path):
    frame, _ = dg.synthetic_transactions(10_000, seed=3, cycles={3: 10, 4: 10})
    frame.write_parquet(tmp_path / "t.parquet")
    args = ["features", str(tmp_path / "t.parquet"), "--max-length", "3", "--json"]
    local = json.loads(CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "local.parquet")]).output)["result"]
    remote_args = [*args, "-o", str(tmp_path / "rows"), "--engine", "spark", "--spark-master", MASTER]
    remote = CliRunner().invoke(cli, remote_args)
    assert remote.exit_code == 0, remote.output
    result = json.loads(remote.output)["result"]
    assert result["sums"] == local["sums"] and result["top_accounts"] == local["top_accounts"] and result["output"] == str(tmp_path / "rows")
    refused = CliRunner().invoke(cli, remote_args)
    assert refused.exit_code == 2 and "--force" in refused.output
    assert CliRunner().invoke(cli, [*remote_args, "--force", "--decimal", ","]).exit_code == 2
    table = CliRunner().invoke(cli, [*(a for a in remote_args if a != "--json"), "--force", "--format", "csv"])
    assert table.exit_code == 0 and table.output.startswith("feature,sum,max\ncycles_2,")


def test_spark_features_refuse_an_existing_output_and_bad_rows(spark, tmp_path):
    from dealgraph.transactions.spark_features import spark_features

    bad = tmp_path / "bad.csv"
    bad.write_text("source,target,timestamp\nA,B,2025-01-01 10:00\nB,,2025-01-01 11:00\n", encoding="utf-8")
    with pytest.raises(dg.LedgerError) as caught:
        spark_features(str(bad), str(tmp_path / "out"), master=MASTER)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "target")]
    (tmp_path / "taken").mkdir()
    with pytest.raises(dg.DealgraphError, match="exists; pass force"):
        spark_features(str(bad), str(tmp_path / "out2"), accounts=str(tmp_path / "taken"), master=MASTER)
    assert not (tmp_path / "out2").exists()  # nothing written when one output is taken
    frame, _ = dg.synthetic_transactions(2_000, seed=1)
    frame.write_parquet(tmp_path / "g.parquet")
    with pytest.raises(dg.DealgraphError, match="broadcast limit"):
        spark_features(str(tmp_path / "g.parquet"), str(tmp_path / "out3"), master=MASTER, broadcast_limit=1000)
    assert not (tmp_path / "out3").exists()


def test_a_hubs_search_is_shared_by_tasks(spark, tmp_path):
    """Every cycle through one hub: counted equal to the local engine with the hub's search split."""
    import polars as pl

    spokes = [f"s{i:03d}" for i in range(300)]
    frame = pl.DataFrame({"source": ["hub"] * 300 + spokes + spokes[:-1], "target": spokes + ["hub"] * 300 + spokes[1:]})
    path = tmp_path / "hub.parquet"
    frame.write_parquet(path)
    from dealgraph.transactions.spark import spark_count_cycles

    local = dg.count_cycles(path, max_length=5)
    assert spark_count_cycles(str(path), max_length=5, master=MASTER).counts == local.counts and local.total > 1000
