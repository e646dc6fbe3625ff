"""notebooks/explore.ipynb runs top to bottom on the committed tables and draws its plots."""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat
import pytest
from tests.conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
FIGURES = [
    "meetings_per_iscm_year",
    "meetings_by_type_and_level",
    "meetings_in_person_online",
    "themes_by_iscm",
]


def test_the_notebook_runs_and_saves_its_plots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISCM_OUTPUTS", str(ROOT / "outputs"))
    monkeypatch.setenv("ISCM_FIGURES", str(tmp_path))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert not any(cell.get("outputs") for cell in code_cells), "commit the notebook without outputs"
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    for name in FIGURES:
        png = tmp_path / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000, name
    printed = "".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", []))
    assert "3 newsletters (2020, 2021, 2023)" in printed
    assert "no newsletter for [2022]" in printed  # the missing year is shown, not skipped
    assert "0 do not add up" in printed


def test_the_readme_shows_the_plots() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in FIGURES:
        assert f"docs/figures/{name}.png" in readme
        assert (ROOT / "docs" / "figures" / f"{name}.png").is_file()
