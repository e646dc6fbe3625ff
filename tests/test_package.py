"""The package works outside a checkout: the wheel carries the rules, and an installed
`iscm-extract extract` reads newsletters from an unrelated folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pandas as pd
from tests.conftest import RAW, ROOT


def _run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_the_wheel_installed_in_a_fresh_venv_extracts_from_any_folder(tmp_path: Path) -> None:
    # The wheel, built from a copy of the checkout (nothing of the build lands in the repository).
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,
        ignore=shutil.ignore_patterns(".venv", ".git", "outputs", "*.egg-info", ".cache", "review"),
    )
    built = _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        tmp_path / "dist",
        ".",
        cwd=source,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("iscm_extract-*.whl")
    # A fresh venv with only the wheel; its dependencies are found in this project's venv (the
    # pinned packages, already installed), added after the fresh venv's own site-packages.
    fresh = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=True).create(fresh)
    python = fresh / "bin" / "python"
    installed = _run(
        python, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", wheel, cwd=tmp_path
    )
    assert installed.returncode == 0, installed.stderr
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path)
    (Path(site.stdout.strip()) / "project_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    where = _run(python, "-c", "import iscm_extract.rules as r; print(r.DEFAULT_RULES_DIR)", cwd=tmp_path)
    assert where.stdout.strip().startswith(str(fresh)), where.stdout + where.stderr
    # Extract from an unrelated folder, with the installed command and with python -m.
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "newsletters").mkdir(parents=True)
    shutil.copy(RAW / "iscm-highlights-2021.txt", elsewhere / "newsletters")
    done = _run(
        fresh / "bin" / "iscm-extract",
        "extract",
        "newsletters",
        "--out",
        "tables",
        "--no-cache",
        cwd=elsewhere,
    )
    assert done.returncode == 0, done.stderr
    meetings = pd.read_parquet(elsewhere / "tables" / "meetings.parquet")
    assert (meetings["doc_id"] == "iscm-highlights-2021").sum() > 50
    again = _run(python, "-m", "iscm_extract", "validate", "tables", cwd=elsewhere)
    assert again.returncode == 0 and "all tables valid" in again.stdout, again.stdout + again.stderr
