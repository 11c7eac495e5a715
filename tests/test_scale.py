"""Transaction-size ledgers: ingest, the compiled counts through the command line, features, synthetic data."""

from __future__ import annotations

import io
import json

import networkx as nx
import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from dealgraph.cli import cli
from dealgraph.transactions.cycles import count_cycles, count_graph_cycles, list_cycles, simple_graph, temporal_graph
from dealgraph.transactions.ingest import read_edges
from dealgraph.transactions.synth import synthetic_transactions


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "g.parquet"
    result = _run("generate", str(path), "--rows", "3000", "--accounts", "400", "--seed", "5", "--cycles", "3:4,5:4,7:2",
                  "--fan-in", "3", "--fan-out", "3", "--json")
    assert result.exit_code == 0, result.output
    return path, pl.read_parquet(path), pl.read_parquet(path.with_name("g.truth.parquet"))


def test_count_only_equals_networkx(generated):
    path, ledger, _ = generated
    out = json.loads(_run("loops", str(path), "--count-only", "--max-length", "4", "--json").output)["result"]
    G = nx.DiGraph((a, b) for a, b in zip(ledger["source"], ledger["target"]) if a != b)
    by_length = {L: 0 for L in range(2, 5)}
    for c in nx.simple_cycles(G, length_bound=4):
        by_length[len(c)] += 1
    assert out["counts"] == {str(L): v for L, v in by_length.items()} and out["complete"]
    assert out["total"] == sum(by_length.values()) > 0


def test_temporal_count_matches_the_listing_and_recovers_every_planted_cycle(generated, tmp_path):
    path, ledger, truth = generated
    counted = json.loads(_run("loops", str(path), "--temporal", "--window", "1d", "--max-length", "8", "--count-only", "--json").output)
    listed = tmp_path / "cycles.parquet"
    result = _run("loops", str(path), "--temporal", "--window", "1d", "--max-length", "8", "-o", str(listed))
    assert result.exit_code == 0, result.output
    cycles = pl.read_parquet(listed)
    assert cycles.height == counted["result"]["total"]
    row_of = dict(zip(ledger["id"].to_list(), range(1, ledger.height + 1)))
    found = {tuple(r) for r in cycles["rows"].to_list()}
    planted = [tuple(row_of[i] for i in rows) for rows in truth.filter(pl.col("typology") == "cycle")["rows"].to_list()]
    assert len(planted) == 10 and all(p in found for p in planted)
    again = _run("loops", str(path), "--temporal", "-o", str(listed))
    assert again.exit_code == 2 and "--force" in again.output


def test_features_sit_next_to_the_input_and_see_planted_fans(generated, tmp_path):
    path, ledger, truth = generated
    out, accounts = tmp_path / "f.parquet", tmp_path / "a.parquet"
    result = _run("features", str(path), "-o", str(out), "--accounts", str(accounts), "--max-length", "4", "--window", "1d")
    assert result.exit_code == 0, result.output
    f = pl.read_parquet(out)
    assert f.columns[:len(ledger.columns)] == ledger.columns and f.height == ledger.height
    assert f.select(ledger.columns).equals(ledger)
    # per-row temporal counts add up to length x cycles
    counts = count_graph_cycles(temporal_graph(*_arrays(path), read_edges(path).n), 4, window=86_400).by_length
    assert [int(f[f"temporal_cycles_{L}"].sum()) for L in range(2, 5)] == [L * int(counts[L]) for L in range(2, 5)]
    for rows in truth.filter(pl.col("typology") == "fan-in")["rows"].to_list():
        assert f.filter(pl.col("id").is_in(rows))["fan_in"].max() >= 6  # the planted fan size
    assert set(pl.read_parquet(accounts).columns) >= {"entity", "cycles_3", "fan_in_max", "fan_out_max"}


def _arrays(path):
    e = read_edges(path)
    return e.src, e.dst, e.ts


def test_generator_is_seeded_and_skewed():
    a, ta = synthetic_transactions(20_000, 2_000, seed=9, cycles={4: 3})
    b, tb = synthetic_transactions(20_000, 2_000, seed=9, cycles={4: 3})
    assert a.equals(b) and ta.equals(tb)
    degree = a["source"].value_counts()["count"].to_numpy()
    assert degree.max() > 5 * np.median(degree)  # a few accounts carry much of the traffic
    assert a["label"].sum() == 12


def test_amlworld_layout_is_read_with_its_label(tmp_path):
    path = tmp_path / "HI-Small_Trans.csv"
    path.write_text(
        "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,"
        "Payment Format,Is Laundering\n"
        "2022/09/01 00:20,10,8000EBD30,10,8000EBD31,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0\n"
        "2022/09/01 00:25,10,8000EBD31,3208,8000F4580,0.01,US Dollar,0.01,US Dollar,Cheque,1\n"
        "2022/09/01 00:30,3208,8000F4580,10,8000EBD30,14.26,US Dollar,14.26,US Dollar,Cash,1\n",
        encoding="utf-8",
    )
    e = read_edges(path)
    assert e.names.to_list() == ["10:8000EBD30", "10:8000EBD31", "3208:8000F4580"]
    assert e.label.tolist() == [0, 1, 1] and e.amount.tolist() == [3697.34, 0.01, 14.26]
    out = json.loads(_run("loops", str(path), "--temporal", "--window", "1h", "--count-only", "--json").output)["result"]
    assert out["counts"]["3"] == 1 and out["total"] == 1


def test_malformed_million_row_file_names_the_row(tmp_path):
    n = 1_000_000
    rng = np.random.default_rng(1)
    frame = pl.DataFrame({"source": rng.integers(0, 50_000, n).astype(str), "target": rng.integers(0, 50_000, n).astype(str),
                          "timestamp": (1_700_000_000 + np.arange(n)).astype(str)})
    frame = frame.with_columns(pl.when(pl.int_range(n) == 654_320).then(pl.lit("2025-13-45")).otherwise(pl.col("timestamp"))
                               .alias("timestamp"))
    bad = tmp_path / "bad.csv"
    frame.write_csv(bad)
    result = _run("loops", str(bad), "--temporal", "--count-only")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{bad}, row 654321, column 'timestamp': '2025-13-45': not a timestamp" in result.output
    missing = tmp_path / "missing.csv"
    frame.select("source", "timestamp").head(10).write_csv(missing)
    result = _run("loops", str(missing), "--count-only", "--json")
    assert result.exit_code == 1 and "column 'target'" in result.output
    assert json.loads(result.stdout)["problems"][0]["column"] == "target"


def test_empty_and_self_loop_only_ledgers_have_no_cycles(tmp_path):
    path = tmp_path / "selfish.csv"
    path.write_text("source,target,timestamp\nA,A,1\nB,B,2\n", encoding="utf-8")
    out = json.loads(_run("loops", str(path), "--count-only", "--json").output)["result"]
    assert out["total"] == 0 and out["graph_edges"] == 0
    g = simple_graph(np.array([], dtype=np.int64), np.array([], dtype=np.int64), 0)
    assert count_graph_cycles(g, 3).total == 0


def test_scatter_gather_counts_intermediaries_within_the_window(tmp_path):
    path = tmp_path / "sg.csv"
    # S scatters to M1..M3, each gathers into D within the hour; M4's hop to D comes a day later
    path.write_text("source,target,timestamp\nS,M1,0\nS,M2,10\nS,M3,20\nM1,D,100\nM2,D,200\nM3,D,300\nS,M4,30\nM4,D,90000\n",
                    encoding="utf-8")
    out, accounts = tmp_path / "f.parquet", tmp_path / "a.parquet"
    assert _run("features", str(path), "-o", str(out), "--accounts", str(accounts), "--window", "1h").exit_code == 0
    assert pl.read_parquet(out)["scatter_gather"].to_list() == [3, 3, 3, 3, 3, 3, 0, 0]
    a = pl.read_parquet(accounts)
    row = dict(zip(a["entity"], a["scatter_max"])), dict(zip(a["entity"], a["gather_max"]))
    assert row[0]["S"] == 3 and row[1]["D"] == 3 and row[0]["M1"] == 0


def _stdout(*args: str) -> str:
    result = _run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_count_only_csv_parses_and_matches_the_json(generated):
    path = str(generated[0])
    for mode in ([], ["--temporal", "--window", "1d"]):
        args = ["loops", path, "--count-only", "--max-length", "5", *mode]
        counted = json.loads(_stdout(*args, "--json"))["result"]
        table = pl.read_csv(io.StringIO(_stdout(*args, "--format", "csv")))
        assert table.columns == ["length", "cycles"]
        assert {str(L): n for L, n in table.iter_rows()} == counted["counts"] and table["cycles"].sum() == counted["total"] > 0


def test_listing_csv_joins_lists_and_matches_the_library(generated):
    path = str(generated[0])
    table = pl.read_csv(io.StringIO(_stdout("loops", path, "--temporal", "--max-length", "6", "--limit", "5", "--format", "csv")))
    assert table.columns == ["cycle", "length", "entities", "rows", "timestamps"] and table.height == 5
    listing = list_cycles(path, max_length=6, temporal=True, limit=5)
    assert listing.truncated and table["entities"].to_list() == ["; ".join(e) for e in listing.to_frame()["entities"].to_list()]
    assert table["rows"].to_list() == ["; ".join(map(str, r)) for r in listing.to_frame()["rows"].to_list()]
    listed = json.loads(_stdout("loops", path, "--temporal", "--max-length", "6", "--limit", "5", "--json"))["result"]
    assert listed["listed"] == 5 and listed["output"] is None
    assert [c["entities"] for c in listed["cycles"]] == listing.to_frame()["entities"].to_list()


def test_features_csv_is_the_input_and_its_features(generated, tmp_path):
    path, ledger, _ = generated
    out = tmp_path / "f.parquet"
    args = ["features", str(path), "-o", str(out), "--max-length", "4", "--window", "1d", "--force"]
    summary = json.loads(_stdout(*args, "--json"))["result"]
    table = pl.read_csv(io.StringIO(_stdout(*args, "--format", "csv")))
    assert table.height == ledger.height and table.columns == ledger.columns + summary["columns"]
    assert table.select(summary["columns"]).equals(pl.read_parquet(out).select(summary["columns"]))
    assert {c: int(table[c].sum()) for c in summary["columns"]} == summary["sums"]
    assert summary["output"] == str(out) and summary["accounts"] is None and summary["rows"] == ledger.height
    counts = count_cycles(path, max_length=4, temporal=True, window="1d")
    assert [summary["sums"][f"temporal_cycles_{L}"] for L in range(2, 5)] == [L * counts.counts[L] for L in range(2, 5)]


def test_outputs_are_checked_before_work_and_written_all_or_nothing(tmp_path):
    ledger = tmp_path / "t.csv"
    ledger.write_text("source,target,timestamp\nA,B,1\nB,C,2\nC,A,3\n", encoding="utf-8")
    same = _run("features", str(ledger), "-o", str(tmp_path / "x.parquet"), "--accounts", str(tmp_path / "x.parquet"))
    assert same.exit_code == 2 and "name the same file" in same.output and not (tmp_path / "x.parquet").exists()
    nowhere = _run("features", str(ledger), "-o", str(tmp_path / "f.parquet"), "--accounts", str(tmp_path / "no" / "a.parquet"))
    assert nowhere.exit_code == 2 and "does not exist" in nowhere.output
    assert not (tmp_path / "f.parquet").exists(), "the first output is not written when the second cannot be"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"], "no temporary file is left behind"


def test_generate_puts_the_truth_beside_its_output_and_never_on_it(tmp_path):
    folder = tmp_path / "data.v2"
    folder.mkdir()
    assert _run("generate", str(folder / "ledger"), "--rows", "50").exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["ledger", "ledger.truth.parquet"]
    clash = _run("generate", str(tmp_path / "g.parquet"), "--rows", "50", "--truth", str(tmp_path / "g.parquet"))
    assert clash.exit_code == 2 and "same file" in clash.output


def test_time_limit_is_honoured_when_listing_to_a_file(generated, tmp_path):
    path, _, _ = generated
    out = tmp_path / "cycles.parquet"
    res = _run("loops", str(path), "--max-length", "6", "-o", str(out), "--time-limit", "0", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)["result"]
    assert doc["complete"] is False and pl.read_parquet(out).height == doc["total"]
