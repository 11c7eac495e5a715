from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SEED_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "seed"


@pytest.fixture
def data_dir() -> Path:
    return DATA
