"""Long work: every deal analysis reports its steps and honours a time limit (partial where it can be, an error where not)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from dataclasses import replace
from unittest import mock

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

import dealgraph as dg
from dealgraph.analyses.summary import single_failures
from dealgraph.cli import cli
from dealgraph.matrix import tracing
from dealgraph.reading.ledger import Memo

DEAL_COMMANDS = ("validate", "export", "loops", "circularity", "round-trips", "core", "dependency", "flags", "stress", "summary",
                 "report", "diff")


def _fresh(lg: dg.Ledger) -> dg.Ledger:
    return replace(lg, _derived=Memo())


def _steps(run) -> list[tuple[str, int | None, int | None]]:
    seen: list[tuple[str, int | None, int | None]] = []
    with dg.watch(lambda name, done, total: seen.append((name, done, total))):
        run()
    return seen


def test_a_summary_reports_each_step_and_how_far_the_long_ones_are():
    seen = _steps(lambda: dg.summary(_fresh(dg.read_dataset("ai-deals"))))
    names = [name for name, done, _ in seen if done is None]
    for expected in ("summary: loops", "circularity: the maximum circulation (headline", "circularity: the most that could be",
                     "circularity: the loops carrying", "tracing where each dollar goes", "dependency: tracing money backwards",
                     "stress: the worst single failure", "summary: flags"):
        assert any(n.startswith(expected) for n in names), (expected, names)
    ticks = [(name, done, total) for name, done, total in seen if done is not None]
    assert any(name == "stress: the worst single failure" for name, _, _ in ticks)
    assert all(0 <= done < total for _, done, total in ticks)


def test_outside_a_watch_there_is_no_limit_and_values_are_kept():
    from dealgraph._work import out_of_time, step, tick

    with step("nobody listens"):
        tick(1, 2)
    assert not out_of_time()
    lg = _fresh(dg.read_dataset("ai-deals"))
    seen = _steps(lambda: dg.circularity(lg))
    assert any(name.startswith("circularity: the maximum circulation") for name, _, _ in seen)
    assert not any(name.startswith("circularity: the maximum circulation") for name, _, _ in _steps(lambda: dg.circularity(lg)))


def test_the_maximum_circulation_cannot_be_partial_so_the_limit_stops_it_with_an_error_naming_it():
    with dg.watch(seconds=0), pytest.raises(dg.TimeLimitError, match="before circularity: the maximum circulation"):
        dg.circularity(_fresh(dg.read_dataset("ai-deals")))


def test_the_loop_search_stops_after_the_grade_it_is_in_and_says_the_list_may_be_incomplete():
    lg = dg.read_dataset("ai-deals")
    full = dg.find_loops(_fresh(lg))
    with dg.watch(seconds=0):
        cut = dg.find_loops(_fresh(lg))
    assert 0 < len(cut.loops) < len(full.loops)
    assert {lp.entities for lp in cut.loops} <= {lp.entities for lp in full.loops}
    assert {lp.evidence for lp in cut.loops} == {"firm"}  # the first grade searched: firm loops
    assert any(n.startswith("Stopped at the time limit (0 s): loops of weaker evidence") for n in cut.notes)
    assert not any(n.startswith("Stopped") for n in full.notes)


def test_single_failures_stop_at_the_limit_and_the_finding_counts_the_ones_tried():
    lg = dg.read_dataset("ai-deals")
    with dg.watch(seconds=0):
        assert single_failures(_fresh(lg)) == ()
    s = dg.summary(_fresh(lg), stress_candidates=3)
    assert any("trying each of the 3 largest payers" in f for f in s.findings)
    s = dg.summary(_fresh(lg), stress_candidates=10_000)  # fewer payers than that: the finding says how many were tried
    assert any(f"trying each of the {len(s.single_failures)} largest payers" in f for f in s.findings)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("deals") / "deals.parquet"
    dg.synthetic_deals(3000, 300, seed=2).write_parquet(path)
    return dg.read_ledger(path)


def test_tracing_cut_by_the_limit_leaves_entities_empty_says_so_and_is_not_kept(generated):
    with mock.patch.object(tracing, "EXACT_NODES", 10), mock.patch.object(tracing, "TRACE_LIMIT", 25):
        lg = _fresh(generated)
        with dg.watch(seconds=0):
            cut = dg.round_trips(lg)
        later = dg.round_trips(lg)  # the same ledger without a limit: computed again, not the partial value kept
    head = cut.entities.filter(basis="headline")
    # entities on no loop keep their exact 0 (nothing can come back); every one on a loop is left empty
    assert head["return_share"].is_null().sum() > 200 and (head["return_share"].drop_nulls() == 0).all()
    assert any(n.startswith("Stopped at the time limit (0 s):") and "were not traced" in n for n in cut.notes)
    traced = later.entities.filter(pl.col("basis") == "headline", pl.col("return_share").is_not_null())
    assert traced.height >= 25 and not any(n.startswith("Stopped") for n in later.notes)


def test_iteration_reports_how_many_targets_it_has_done():
    src = np.array([0, 1, 2, 1], dtype=np.int64)
    seen = []
    with mock.patch.object(tracing, "EXACT_NODES", 1), dg.watch(lambda *a: seen.append(a)):
        r = tracing.edge_return_shares(src, np.array([1, 2, 0, 0]), np.array([5.0, 3.0, 4.0, 1.0]), 3, np.array([1.0, 1.0, 1.0]))
    assert r.traced.all() and not r.cut and any(done == 0 and total == 3 for _, done, total in seen)


def test_every_deal_command_takes_a_time_limit():
    for command in DEAL_COMMANDS:
        res = CliRunner().invoke(cli, [command, "--help"])
        assert res.exit_code == 0 and "--time-limit" in res.output, command


def test_a_time_limit_on_the_command_line_gives_partial_loops_or_a_clear_error():
    res = CliRunner().invoke(cli, ["loops", "--dataset", "ai-deals", "--time-limit", "0", "--json"])
    assert res.exit_code == 0, res.output
    assert '"Stopped at the time limit (0 s): loops of weaker evidence' in res.output
    proc = subprocess.run([sys.executable, "-m", "dealgraph", "circularity", "--dataset", "ai-deals", "--time-limit", "0"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: stopped at the time limit of 0 s before circularity: the maximum circulation")
    assert CliRunner().invoke(cli, ["summary", "--time-limit", "-1"]).exit_code == 2


def test_progress_goes_to_stderr_at_a_terminal_and_never_to_stdout(tmp_path):
    path = tmp_path / "deals.parquet"
    dg.synthetic_deals(20_000, 2_000, seed=1).write_parquet(path)
    leader, follower = pty.openpty()
    env = dict(os.environ, COLUMNS="160", TERM="xterm")
    result = (tmp_path / "out.json").open("wb")  # a file, not a pipe: nobody reads stdout while the terminal is watched
    proc = subprocess.Popen([sys.executable, "-m", "dealgraph", "summary", str(path), "--json"], stdout=result, stderr=follower, env=env)
    os.close(follower)
    shown = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other end closed: the command has finished
                break
            if not chunk:
                break
            shown += chunk
        elif proc.poll() is not None:
            break
    assert proc.wait() == 0
    os.close(leader)
    result.close()
    out = (tmp_path / "out.json").read_bytes()
    text = shown.decode("utf-8", "replace")
    assert "reading the ledger" in text and "circularity: the maximum circulation" in text, text[-2000:]
    assert b"circularity:" not in out and out.startswith(b"{")


def test_views_with_the_same_rows_share_derived_values_and_a_what_if_recomputes_only_what_it_changes():
    from dealgraph.web.report import report_data, without_deals

    lg = _fresh(dg.read_dataset("ai-deals"))
    calls: list[int] = []
    assert lg.derived(("probe",), lambda: calls.append(1) or 7) == 7
    same = replace(lg, table=lg.table.clone())  # other objects, the same rows: the value is shared
    assert same.derived(("probe",), lambda: calls.append(1) or 8) == 7 and calls == [1]
    fewer = without_deals(lg, [lg.table["id"][0]])
    assert fewer.derived(("probe",), lambda: calls.append(1) or 9) == 9 and calls == [1, 1]
    assert fewer.facts() is lg.facts()  # the entity table does not depend on the rows: read once for every view

    def circulations(ledger: dg.Ledger) -> int:
        seen = _steps(lambda: report_data(ledger))
        return sum(name.startswith("circularity: the maximum circulation") for name, done, _ in seen if done is None)

    first = circulations(lg)
    latest = lg.table.sort("date", nulls_last=False)["id"][-1]  # the last deal known: the years before it stand as they were
    again = circulations(without_deals(lg, [latest]))
    assert first > 10 and 0 < again < first / 2, (first, again)


def test_writing_to_a_device_writes_through_it_and_never_replaces_it():
    import stat

    from dealgraph._files import atomic_path

    before = os.stat(os.devnull)
    assert stat.S_ISCHR(before.st_mode)
    with atomic_path(os.devnull) as path:
        path.write_text("discarded")
    res = CliRunner().invoke(cli, ["report", "--dataset", "seed", "-o", os.devnull, "--force", "--json"])
    assert res.exit_code == 0, res.output
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert not [p for p in os.listdir("/dev") if p.startswith(".null.")]
