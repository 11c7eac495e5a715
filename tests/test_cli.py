import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from dealgraph.cli import cli

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


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_writes_csv(command):
    res = run(command, "--format", "csv")
    assert res.exit_code == 0 and res.output.count("\n") >= 2


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
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "dealgraph", "serve", "--port", str(port), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = json.loads(proc.stdout.readline())
        assert line["result"]["url"] == f"http://127.0.0.1:{port}/"
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
