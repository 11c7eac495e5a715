"""The exported record: CSV, Parquet and JSON with a data dictionary, kept in step with the data."""

import json
from pathlib import Path

import polars as pl
from click.testing import CliRunner

import dealgraph as dg
from dealgraph.cli.main import cli
from dealgraph.reading.record import COLUMNS_OUT, record_frame

RECORD = Path(__file__).resolve().parents[1] / "docs" / "record"


def test_export_writes_every_format_with_its_dictionary_and_keeps_files(tmp_path):
    for ext in ("csv", "parquet", "json"):
        out = tmp_path / f"r.{ext}"
        res = CliRunner().invoke(cli, ["export", "-o", str(out), "--json"])
        assert res.exit_code == 0, res.output
        assert json.loads(res.output)["result"]["rows"] == len(dg.read_dataset("ai-deals"))
        assert (tmp_path / "r.dictionary.md").read_text(encoding="utf-8").count("\n| `") == len(COLUMNS_OUT)
        (tmp_path / "r.dictionary.md").unlink()
    again = CliRunner().invoke(cli, ["export", "-o", str(tmp_path / "r.csv")])
    assert again.exit_code == 2 and "--force" in again.output
    assert CliRunner().invoke(cli, ["export", "-o", str(tmp_path / "r.txt")]).exit_code == 2
    frame = pl.read_parquet(tmp_path / "r.parquet")
    assert frame.columns == list(COLUMNS_OUT) and frame.equals(record_frame(dg.read_dataset("ai-deals")))


def test_the_shipped_record_is_the_data_as_it_is(tmp_path):
    lg = dg.read_dataset("ai-deals")
    expected = record_frame(lg)
    assert pl.read_parquet(RECORD / "ai-deals.parquet").equals(expected)
    shipped = json.loads((RECORD / "ai-deals.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in shipped] == expected["id"].to_list() and shipped[0].keys() == set(COLUMNS_OUT)
    out = tmp_path / "r.csv"
    CliRunner().invoke(cli, ["export", "-o", str(out)])
    assert out.read_text(encoding="utf-8") == (RECORD / "ai-deals.csv").read_text(encoding="utf-8")
    assert (tmp_path / "r.dictionary.md").read_text(encoding="utf-8").splitlines()[1:] == \
        (RECORD / "DICTIONARY.md").read_text(encoding="utf-8").splitlines()[1:]
