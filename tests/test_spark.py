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
    with pytest.raises(Exception, match="already exists"):
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
