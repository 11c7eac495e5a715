"""The README stays true: its commands, its CLI reference and its figures."""

import json
import re
from pathlib import Path

from click.testing import CliRunner

from dealgraph.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _fenced_commands():
    return re.findall(r"```bash\n(.+?)\n```", README)


def test_ci_runs_the_readme_test_command():
    setup, tests = _fenced_commands()[:2]
    assert "dealgraph summary" in setup
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_command_and_option_is_documented():
    for name, command in cli.commands.items():
        assert f"{name}" in README, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in README, f"{name} {opt} is not in README"


def test_worked_example_figures_are_what_the_tool_prints():
    out = CliRunner().invoke(cli, ["summary"]).output
    assert "USD 10B of USD 1.48T of stated money (0.7%)" in out and "up to 5.6%" in out
    assert "Of each dollar Microsoft pays out, 100 cents" in out
    assert "Of each dollar Anthropic pays out, 17 cents" in out
    assert "One deal is 94.4% of the headline basis's stated money: seed-08" in out and "USD 10B of USD 83B (12.0%)" in out
    assert "are 109.77 times its reported annual revenue (USD 13.1B)" in out and out.count("Flag (a figure, not a verdict)") == 2
    assert "if OpenAI paid nothing, USD 1.41T would be lost" in out and "Amazon (USD 5.43B); 0 further defaults" in out
    priced = CliRunner().invoke(cli, ["summary", "--usd-per-gw", "46.67e9"]).output
    assert "(2.0%)" in priced and "Of each dollar NVIDIA pays out, 65 cents" in priced
    loops = CliRunner().invoke(cli, ["loops"]).output
    for line in re.findall(r"^│ \d │ .+$", README, flags=re.M):
        path = line.split("│")[2].strip()
        assert path in loops


def test_stress_example_figures_are_what_the_tool_prints():
    out = CliRunner().invoke(cli, ["summary"]).output
    assert "from Anthropic (USD 30B, whole term of the deals) equals 10.6% of its reported annual revenue" in out
    assert "OpenAI pays 97.0% of everyone else's stated inflow" in out
    stress = CliRunner().invoke(cli, ["stress", "--fail", "OpenAI", "--pay", "0", "--json"]).output
    amazon = next(r for r in json.loads(stress)["result"]["entities"] if r["entity"] == "Amazon")
    assert round(amazon["loss"] / 1e9, 2) == 5.43 and amazon["buffer"] == 285.97e9 and not amazon["defaulted"]
    wide = json.loads(CliRunner().invoke(cli, ["stress", "--dataset", "ai-deals", "--fail", "OpenAI", "--model", "eisenberg-noe",
                                               "--json"]).output)["result"]
    rows = {r["entity"]: r for r in wide["entities"]}
    assert [round(rows[e]["loss"] / 1e9, 1) for e in ("Microsoft", "Amazon", "NVIDIA", "Oracle", "CoreWeave")] == [261.9, 17.9, 5.1, 24.2, 12.9]
    assert not any(rows[e]["defaulted"] for e in ("Microsoft", "Amazon", "NVIDIA", "Google")) and rows["Google"]["assessed"]
    assert rows["Oracle"]["defaulted"] and rows["CoreWeave"]["defaulted"]
    assert rows["OpenAI compute suppliers (unnamed)"]["defaulted"] is None and rows["SoftBank"]["defaulted"] is None
    assert any("Google (ai-21)" in n for n in wide["notes"]) and any("2026-05-28 to 2027-05-27" in n for n in wide["notes"])
    flags = json.loads(CliRunner().invoke(cli, ["flags", "--dataset", "ai-deals", "--json"]).output)["result"]["flags"]
    figure = {(f["entity"], f["test"]): round(f["figure"], 4) for f in flags if f["flagged"]}
    assert figure[("OpenAI", "hidden leverage")] == 166.3557 and figure[("Microsoft", "revenue from own investees")] == 1.1337
