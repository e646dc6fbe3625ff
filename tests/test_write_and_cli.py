"""Tables on disk: schemas and dtypes, atomic writes, exit codes, bad inputs in a batch."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from tests.conftest import RAW, ROOT

from iscm_extract import cli, pipeline
from iscm_extract.rules import Rules
from iscm_extract.tables import catalog


def test_tables_load_in_pandas_with_real_dtypes(corpus_outputs: Path) -> None:
    documents = pd.read_parquet(corpus_outputs / "documents.parquet").set_index("doc_id")
    assert str(documents["issue_number"].dtype) == "Int32"
    assert documents.loc["iscm-highlights-2023", "issue_number"] == 9
    assert pd.isna(documents.loc["iscm-highlights-2020", "issue_number"])
    assert str(documents.loc["iscm-highlights-2023", "period_start"]) == "2023-01-01"
    assert type(documents.loc["iscm-highlights-2023", "period_start"]).__name__ == "date"
    # Dates have a .dt accessor: "Issue IX, January - December 2023" ends in 2023.
    assert documents["period_end"].dt.year["iscm-highlights-2023"] == 2023
    assert documents["period_end"].astype("datetime64[ms]").dt.month["iscm-highlights-2023"] == 12
    sections = pd.read_parquet(corpus_outputs / "sections.parquet")
    assert str(sections["char_start"].dtype) == "Int64"
    assert str(sections["kind"].dtype) == "category"
    for name, schema in catalog.DISK_SCHEMAS.items():
        assert pq.read_schema(corpus_outputs / f"{name}.parquet").remove_metadata().equals(schema)


def test_meeting_dates_and_years_in_pandas(corpus_outputs: Path) -> None:
    meetings = pd.read_parquet(corpus_outputs / "meetings.parquet")
    dated = meetings[meetings["start_date"].notna()]
    # .dt.year works on the column as read, and agrees with the dates' own years and `year`.
    assert dated["start_date"].dt.year.tolist() == [d.year for d in dated["start_date"]]
    assert (dated["start_date"].dt.year == dated["year"]).all()
    # An undated meeting takes its newsletter's year: "11 thematic workshops" (Quito Process, 2023).
    documents = pd.read_parquet(corpus_outputs / "documents.parquet").set_index("doc_id")
    undated = meetings[meetings["start_date"].isna()]
    assert len(undated) > 10
    assert (undated["year"] == undated["doc_id"].map(documents["year"])).all()
    assert set(meetings["meeting_type"].cat.categories) <= {
        "summit", "ministerial", "vice_ministerial", "senior_officials", "regular_meeting",
        "extraordinary_meeting", "steering", "working_group", "thematic_meeting", "conference",
        "consultation", "workshop", "training", "webinar", "other",
    }  # fmt: skip


def test_keys_are_not_null_and_columns_are_described_in_the_files(corpus_outputs: Path) -> None:
    schema = pq.read_schema(corpus_outputs / "meetings.parquet")
    assert not schema.field("meeting_id").nullable and not schema.field("doc_id").nullable
    assert schema.field("iscm_id").nullable and schema.field("start_date").nullable
    physical = pq.ParquetFile(corpus_outputs / "meetings.parquet").schema
    assert physical.column(schema.get_field_index("meeting_id")).max_definition_level == 0  # REQUIRED
    description = schema.field("stated_count").metadata[b"description"].decode()
    assert "'Two', '17', 'Over 20'" in description
    assert pq.read_schema(corpus_outputs / "iscms.parquet").field("iscm_id").metadata


def test_section_text_is_traceable_to_the_document(corpus_outputs: Path, corpus_results: dict) -> None:
    sections = pd.read_parquet(corpus_outputs / "sections.parquet")
    for row in sections.itertuples():
        text = corpus_results[row.doc_id].document.text
        assert text[row.char_start : row.char_end] == row.text


def test_manifest_lists_inputs_rows_and_versions(corpus_outputs: Path) -> None:
    manifest = json.loads((corpus_outputs / "manifest.json").read_text())
    assert {i["doc_id"] for i in manifest["inputs"]} == {p.stem for p in RAW.glob("*.txt")}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["row_counts"]["sections"] == len(pd.read_parquet(corpus_outputs / "sections.parquet"))
    assert manifest["libraries"]["spacy"].startswith("3.")


def test_two_runs_give_identical_tables(tmp_path: Path, rules: Rules, corpus_outputs: Path) -> None:
    pipeline.run([RAW], tmp_path, rules)
    for name in catalog.SCHEMAS:
        assert (tmp_path / f"{name}.parquet").read_bytes() == (
            corpus_outputs / f"{name}.parquet"
        ).read_bytes()


def test_a_failing_writer_leaves_previous_outputs_intact(
    tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline.run([RAW], tmp_path, rules)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    calls = []

    def failing_write(table: object, where: object) -> None:
        calls.append(where)
        if len(calls) == 3:
            raise OSError("disk full")
        real_write(table, where)

    real_write = pq.write_table
    monkeypatch.setattr(pq, "write_table", failing_write)
    with pytest.raises(OSError, match="disk full"):
        pipeline.run([RAW / "iscm-highlights-2023.txt"], tmp_path, rules)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_bad_inputs_are_reported_and_the_rest_is_extracted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = tmp_path / "raw"
    inputs.mkdir()
    shutil.copy(RAW / "iscm-highlights-2021.txt", inputs)
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (inputs / "notes.docx").write_bytes(b"PK\x03\x04")
    out = tmp_path / "out"
    assert cli.main(["extract", str(inputs), "--out", str(out), "--no-cache"]) == 1
    problems = pd.read_parquet(out / "problems.parquet")
    errors = problems[problems["severity"] == "error"].set_index("doc_id")["message"]
    assert "empty" in errors["empty"] and "binary" in errors["image"] and "unsupported" in errors["notes"]
    sections = pd.read_parquet(out / "sections.parquet")
    assert (sections["doc_id"] == "iscm-highlights-2021").sum() > 20
    documents = pd.read_parquet(out / "documents.parquet")
    assert set(documents["doc_id"]) == {"iscm-highlights-2021", "empty", "image", "notes"}
    assert "error: empty.txt: file is empty" in capsys.readouterr().err


def test_a_text_that_is_not_a_newsletter_gives_no_sections_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "recipe.txt").write_text("Pancakes\n\nMix flour, milk and eggs.\n")
    assert (
        cli.main(["extract", str(tmp_path / "recipe.txt"), "--out", str(tmp_path / "out"), "--no-cache"]) == 0
    )
    documents = pd.read_parquet(tmp_path / "out" / "documents.parquet")
    assert documents["kind"].tolist() == ["other"]
    problems = pd.read_parquet(tmp_path / "out" / "problems.parquet")
    assert problems["stage"].tolist() == ["classify"]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert cli.main(["extract", str(tmp_path / "missing"), "--out", str(tmp_path)]) == 2
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["no-such-command"])
    assert exit_info.value.code == 2


def test_eval_command_prints_scores(corpus_outputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        cli.main(["eval", "--gold", str(RAW.parent / "tests" / "gold"), "--pred", str(corpus_outputs)]) == 0
    )
    output = capsys.readouterr().out
    assert re.search(r"sections\s+ALL\s+79\s+79\s+1.000\s+1.000\s+1.000", output)


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_two_extract_runs_leave_git_status_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """manifest.json is a pure function of inputs, rules and code; the run's time goes to run.json,
    which the project's .gitignore leaves out (as `make extract` twice in the repository)."""
    repo = tmp_path / "repo"
    (repo / "raw").mkdir(parents=True)
    shutil.copy(RAW / "iscm-highlights-2023.txt", repo / "raw")
    shutil.copy(ROOT / ".gitignore", repo / ".gitignore")
    monkeypatch.chdir(repo)
    assert cli.main(["extract", "raw", "--out", "outputs", "--no-cache", "--quiet"]) == 0
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "first run")
    first_run = json.loads((repo / "outputs" / "run.json").read_text())
    assert cli.main(["extract", "raw", "--out", "outputs", "--no-cache", "--quiet"]) == 0
    assert _git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert "outputs/run.json" not in _git(repo, "ls-files")
    assert set(first_run) == {"generated_at", "python", "platform"}
    assert "generated_at" not in json.loads((repo / "outputs" / "manifest.json").read_text())


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_argument_has_help_and_the_help_is_for_users() -> None:
    parser = cli._parser()
    top = parser.format_help()
    assert "meeting_counts" in top and "exit codes" in top and "thin layer" not in top
    for name, command in _subparsers(parser).items():
        for action in command._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, (name, action.dest)
    extract_help = _subparsers(parser)["extract"].format_help()
    assert ".cache/iscm-extract/" in " ".join(extract_help.split())


def test_a_closed_pipe_ends_quietly(corpus_outputs: Path, tmp_path: Path) -> None:
    """`iscm-extract diff A B | head -1`: every table of A removed gives hundreds of lines."""
    (tmp_path / "empty").mkdir()
    empty = tmp_path / "empty"
    command = f"{sys.executable} -m iscm_extract diff {corpus_outputs} {empty} --limit 100000 | head -1"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


def test_verbose_logs_each_document_as_it_is_done(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("iscm-highlights-2020.txt", "iscm-highlights-2021.txt"):
        shutil.copy(RAW / name, inputs)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "iscm_extract", "extract", str(inputs), "--out", str(out), "-v", "--no-cache"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if "iscm-highlights-2020.txt: extracted" in line:
            # The first document is logged while the second is still being read: nothing written yet.
            assert process.poll() is None and not out.exists()
            break
    else:
        pytest.fail(f"no log line for the first document: {lines}")
    rest = process.stderr.read()
    assert process.wait(timeout=300) == 0
    assert "iscm-highlights-2021.txt: extracted" in rest
