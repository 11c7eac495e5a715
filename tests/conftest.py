import csv
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    return DATA


HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(2)>']


@pytest.fixture
def hostile_ledger(tmp_path) -> Path:
    """A ledger whose names, notes and evidence try to inject markup and script."""
    path = tmp_path / "hostile.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "source", "target", "amount", "kind", "note", "evidence"])
        w.writerow(["x1", HOSTILE[0], HOSTILE[1], "$5B", "equity", "<b>bold</b><script>alert(3)</script>", "javascript:alert(4)"])
        w.writerow(["x2", HOSTILE[1], HOSTILE[0], "$3B", "cloud", "</script><script>alert(5)</script>", "https://example.com/a"])
    return path
