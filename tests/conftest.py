from __future__ import annotations

from pathlib import Path

import pytest

from iscm_extract import pipeline
from iscm_extract.rules import Rules, load_rules

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
GOLD = ROOT / "tests" / "gold"
NEWSLETTERS = ["iscm-highlights-2020", "iscm-highlights-2021", "iscm-highlights-2023"]


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()


@pytest.fixture(scope="session")
def corpus_outputs(tmp_path_factory: pytest.TempPathFactory, rules: Rules) -> Path:
    """The committed raw/ corpus extracted once into a temporary folder."""
    out = tmp_path_factory.mktemp("outputs")
    result = pipeline.run([RAW], out, rules)
    assert not result.failed
    return out


@pytest.fixture(scope="session")
def corpus_results(rules: Rules) -> dict[str, pipeline.DocumentResult]:
    return {p.stem: pipeline.extract_document(p, rules) for p in sorted(RAW.glob("*.txt"))}
