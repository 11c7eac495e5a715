import io
import json
import subprocess
import sys
from pathlib import Path

import click
import polars as pl
import pytest
from click.testing import CliRunner

from dealgraph.cli import cli

SEED_ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_9be8809e8f254aae.txt"

COMMANDS = ["validate", "loops", "circularity", "round-trips", "core", "summary"]


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_loops_on_builtin_lists_the_article_loop():
    res = run("loops")
    assert res.exit_code == 0
    assert "Anthropic -> Microsoft -> NVIDIA -> Anthropic" in res.output
    assert "Microsoft -> NVIDIA" in res.output


def test_loops_json_parses_and_names_unknown_hop():
    res = run("loops", "--json")
    doc = json.loads(res.output)
    assert doc["schema_version"] == 1 and doc["command"] == "loops"
    loop = next(lp for lp in doc["result"]["loops"] if lp["path"] == "Anthropic -> Microsoft -> NVIDIA -> Anthropic")
    assert loop["unknown_hops"] == ["Microsoft -> NVIDIA"]
    assert loop["throughput"] == 10e9


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_json(command):
    assert run(command, "--help").exit_code == 0
    res = run(command, "--json")
    assert res.exit_code == 0
    assert json.loads(res.output)["command"] == command


def _csv_args(command: str, tmp_path) -> list[str]:
    """Arguments that make ``command`` produce data (transaction commands need a file; writers a fresh output)."""
    if command in ("features", "generate") or command == "loops-count":
        ledger = tmp_path / "t.csv"
        ledger.write_text("source,target,timestamp\nA,B,1\nB,C,2\nC,A,3\nA,C,4\n", encoding="utf-8")
    return {
        "features": [str(tmp_path / "t.csv"), "-o", str(tmp_path / "f.parquet"), "--window", "1h"],
        "generate": [str(tmp_path / "g.csv"), "--rows", "200"],
        "report": ["-o", str(tmp_path / "r.html")],
        "diff": ["--from", "2024-12-31", "--to", "2025-12-31"],
        "extract": [str(SEED_ARTICLE)],
    }.get(command, [])


@pytest.mark.parametrize("command", sorted(c for c in cli.commands if c not in ("serve", "export")))  # they write files
def test_every_command_writes_csv_that_parses(command, tmp_path):
    res = CliRunner().invoke(cli, [command, *_csv_args(command, tmp_path), "--format", "csv"])
    assert res.exit_code == 0, res.output
    frame = pl.read_csv(io.StringIO(res.stdout))
    assert frame.height >= 1 and frame.width >= 1


def test_count_only_writes_csv_by_length(tmp_path):
    ledger = tmp_path / "t.csv"
    ledger.write_text("source,target,timestamp\nA,B,1\nB,C,2\nC,A,3\nA,C,4\nC,B,5\n", encoding="utf-8")
    frame = pl.read_csv(io.StringIO(run("loops", str(ledger), "--count-only", "--max-length", "3", "--format", "csv").stdout))
    doc = json.loads(run("loops", str(ledger), "--count-only", "--max-length", "3", "--json").output)["result"]
    assert dict(zip(frame["length"].cast(str), frame["cycles"])) == doc["counts"]


def test_every_option_has_help_and_every_command_a_version():
    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option):
                assert (param.help or "").strip(), f"{name} {param.opts} has no help text"
        res = run(name, "--version")
        assert res.exit_code == 0 and res.output.startswith("dealgraph "), name


def test_report_and_serve_offer_only_the_formats_they_write():
    for name, formats in (("report", {"table", "json", "csv"}), ("serve", {"table", "json"})):
        option = next(p for p in cli.commands[name].params if p.name == "fmt")
        assert set(option.type.choices) == formats


def test_transaction_modes_do_not_offer_a_dataset_they_refuse():
    assert "dataset" not in {p.name for p in cli.commands["features"].params}
    dataset = next(p for p in cli.commands["loops"].params if p.name == "dataset")
    assert "--count-only" in dataset.help
    res = run("loops", "--count-only")
    assert res.exit_code == 2 and "LEDGER" in res.output


def test_verbose_turns_library_logging_on():
    res = CliRunner().invoke(cli, ["-v", "report", "-o", "/dev/null", "--force", "--json"])
    assert "dealgraph.web.report: report:" in res.stderr


def test_serve_get_runs_one_request_without_a_socket():
    res = run("serve", "--get", "/api/summary?lang=zh")
    assert res.exit_code == 0
    doc = json.loads(res.output)
    assert doc["command"] == "summary" and any("亿美元" in f for f in doc["result"]["findings"])
    assert run("serve", "--get", "/api/nope").exit_code == 1


def test_usd_per_gw_is_stated(tmp_path):
    res = run("loops", "--usd-per-gw", "$50B")
    assert "per gigawatt" in res.output
    assert run("loops", "--usd-per-gw", "lots").exit_code == 2


def test_column_mapping_and_fx_on_the_command_line(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("From,To,Amount Paid\nA,B,10元\nB,A,$2\n", encoding="utf-8")
    res = run("circularity", str(p), "--column", "source=From", "--column", "target=To",
              "--column", "amount=Amount Paid", "--fx", "CNY=0.5", "--json")
    assert res.exit_code == 0, res.output
    head = json.loads(res.output)["result"]["bases"][0]
    assert head["total"] == pytest.approx(7.0) and head["circular"] == pytest.approx(4.0)


def test_chinese_twin_on_the_command_line(data_dir):
    en = json.loads(run("summary", str(data_dir / "twin_en.csv"), "--json").output)["result"]
    zh = json.loads(run("summary", str(data_dir / "twin_zh.csv"), "--json").output)["result"]
    assert en["loops"] == zh["loops"] and en["circularity"] == zh["circularity"]


def test_bad_input_exit_code_and_message(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("source,target,amount,status\nA,B,-1,closed\nB,A,1,unsure\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "dealgraph", "validate", str(p)], capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "row 1, column 'amount'" in proc.stderr and "row 2, column 'status': 'unsure'" in proc.stderr


def test_missing_file_and_usage_errors():
    res = CliRunner().invoke(cli, ["loops", "nope.csv"])
    assert res.exit_code == 1 and "no such file" in res.output
    assert CliRunner().invoke(cli, ["loops", "--max-length", "1"]).exit_code == 2


def test_json_errors_are_data_too(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("source,target,amount\nA,B,xyz\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["loops", str(p), "--json"])
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["valid"] is False and doc["problems"][0]["row"] == 1 and doc["problems"][0]["column"] == "amount"


def test_serve_binds_localhost_and_answers_with_openapi(tmp_path):
    import subprocess
    import sys
    import time
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "dealgraph", "serve", "--port", "0", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = json.loads(proc.stdout.readline())  # port 0: the port the explorer got is printed
        port = line["result"]["port"]
        assert port > 0 and line["result"]["url"] == f"http://127.0.0.1:{port}/"
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=5) as r:
                    spec = json.load(r)
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert spec["info"]["title"] == "dealgraph explorer" and "/api/stress" in spec["paths"]
    finally:
        proc.terminate()
        proc.wait(10)


def test_csv_cells_cannot_run_as_formulas_and_terminal_output_has_no_escapes(tmp_path):
    p = tmp_path / "inj.csv"
    p.write_text('id,source,target,amount\n=1+1,A,B,5\n@SUM(A1),B,A,3\n', encoding="utf-8")
    frame = pl.read_csv(io.StringIO(run("round-trips", str(p), "--format", "csv", "--deals").stdout))
    assert set(frame["deals"]) == {"'=1+1", "'@SUM(A1)"}
    q = tmp_path / "esc.csv"  # deal ids are kept as written; stress names the deals it leaves out, in a note
    q.write_text('id,source,target,amount\nx\x1b[2J\x07,A,B,\ny,B,A,3\n', encoding="utf-8")
    out = run("stress", str(q), "--fail", "B").output
    assert "(A owes B)" in out and "\x1b" not in out and "\x07" not in out
