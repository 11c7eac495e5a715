"""The README stays true: its commands, its CLI reference and its figures."""

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
    priced = CliRunner().invoke(cli, ["summary", "--usd-per-gw", "46.67e9"]).output
    assert "(2.0%)" in priced and "Of each dollar NVIDIA pays out, 65 cents" in priced
    loops = CliRunner().invoke(cli, ["loops"]).output
    for line in re.findall(r"^│ \d │ .+$", README, flags=re.M):
        path = line.split("│")[2].strip()
        assert path in loops


def test_stress_example_figures_are_what_the_tool_prints():
    out = CliRunner().invoke(cli, ["summary"]).output
    assert "USD 38B to OpenAI, is 40.3% of its stated buffer" in out
    assert "USD 30B to Anthropic, is 31.7% of its stated buffer" in out
    assert "OpenAI pays 97.0% of everyone else's stated inflow" in out
    stress = CliRunner().invoke(cli, ["stress", "--fail", "OpenAI", "--pay", "0"]).output
    assert "USD 1.44T" in stress and "USD 94.2B" in stress and "seed-05 (Microsoft stake in OpenAI)" in stress
