"""Keyed diffs, validation before writing, the cache, workers, and batch behaviour."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.conftest import RAW, ROOT

from iscm_extract import cli, pipeline, progress
from iscm_extract.reading import ingest
from iscm_extract.rules import Rules, load_rules
from iscm_extract.tables import arrow_tables, catalog, validate, write
from iscm_extract.tables.rows import FACT_TABLES
from iscm_extract.tools import diff


@pytest.fixture
def copy_of(tmp_path: Path, corpus_outputs: Path) -> Path:
    target = tmp_path / "new"
    shutil.copytree(corpus_outputs, target)
    return target


def _rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    """Rewrite a table with `change` applied to its frame (vocabularies decoded, then encoded again)."""
    frame = change(validate.read_frame(path))
    plain = pa.Table.from_pandas(frame, schema=catalog.SCHEMAS[path.stem], preserve_index=False)
    pq.write_table(arrow_tables.encode_vocabularies(path.stem, plain), path)


def _by_table(diffs: list[diff.TableDiff]) -> dict[str, diff.TableDiff]:
    return {d.table: d for d in diffs}


# --- diff ------------------------------------------------------------------------------------------


def test_identical_outputs_have_no_difference(corpus_outputs: Path, copy_of: Path) -> None:
    assert all(d.equal for d in diff.diff_dirs(corpus_outputs, copy_of))
    assert cli.main(["diff", str(corpus_outputs), str(copy_of)]) == 0


def test_a_changed_date_is_one_changed_row(corpus_outputs: Path, copy_of: Path) -> None:
    def move_first_dated(frame: pd.DataFrame) -> pd.DataFrame:
        index = frame["start_date"].first_valid_index()
        frame.at[index, "end_date"] = frame.at[index, "end_date"].replace(day=28)
        frame.at[index, "meeting_id"] = "0123456789ab"  # the id hashes the dates: it changes too
        return frame

    _rewrite(copy_of / "meetings.parquet", move_first_dated)
    meetings = _by_table(diff.diff_dirs(corpus_outputs, copy_of))["meetings"]
    assert (len(meetings.added), len(meetings.removed), len(meetings.changed)) == (0, 0, 1)
    assert set(meetings.changed[0].columns) == {"end_date", "meeting_id"}


def test_a_changed_type_of_a_joint_meeting_pairs_each_iscm_with_itself(
    corpus_outputs: Path, copy_of: Path
) -> None:
    def retype_joint(frame: pd.DataFrame) -> pd.DataFrame:
        # The two records of one joint meeting: same section, name and dates, two ISCMs. New ids
        # that sort the other way round would pair them crosswise on name and dates alone.
        joint = frame[frame["joint_with"].map(len) > 0]
        pair = joint[joint.duplicated(["section_id", "name", "start_date"], keep=False)].sort_values(
            "meeting_id"
        )
        first, second = pair.index[:2]
        frame.loc[[first, second], "meeting_type"] = "thematic_meeting"
        frame.loc[first, "meeting_id"], frame.loc[second, "meeting_id"] = "ffffffffffff", "000000000000"
        return frame

    _rewrite(copy_of / "meetings.parquet", retype_joint)
    meetings = _by_table(diff.diff_dirs(corpus_outputs, copy_of))["meetings"]
    assert (len(meetings.added), len(meetings.removed), len(meetings.changed)) == (0, 0, 2)
    assert all(set(change.columns) == {"meeting_type", "meeting_id"} for change in meetings.changed)


def test_a_row_inserted_in_the_middle_is_one_added_row(corpus_outputs: Path, copy_of: Path) -> None:
    def insert(frame: pd.DataFrame) -> pd.DataFrame:
        row = frame.iloc[[10]].copy()
        row["meeting_id"], row["name"] = "feedfacecafe", "Inserted Workshop"
        return pd.concat([frame.iloc[:20], row, frame.iloc[20:]], ignore_index=True)

    _rewrite(copy_of / "meetings.parquet", insert)
    result = _by_table(diff.diff_dirs(corpus_outputs, copy_of))
    assert (
        len(result["meetings"].added),
        len(result["meetings"].removed),
        len(result["meetings"].changed),
    ) == (1, 0, 0)
    assert all(result[name].equal for name in result if name != "meetings")


def test_a_changed_column_type_is_reported(corpus_outputs: Path, copy_of: Path) -> None:
    table = pq.read_table(copy_of / "sections.parquet")
    position = table.schema.get_field_index("order")
    pq.write_table(
        table.set_column(position, "order", table.column("order").cast(pa.int64())),
        copy_of / "sections.parquet",
    )
    sections = _by_table(diff.diff_dirs(corpus_outputs, copy_of))["sections"]
    assert sections.schema == ["order: int32 -> int64"]
    assert cli.main(["diff", str(corpus_outputs), str(copy_of), "--table", "sections"]) == 1


def test_a_missing_table(corpus_outputs: Path, copy_of: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (copy_of / "aliases.parquet").unlink()
    aliases = _by_table(diff.diff_dirs(corpus_outputs, copy_of))["aliases"]
    assert aliases.status == "removed" and len(aliases.removed) > 100
    assert cli.main(["diff", str(corpus_outputs), str(copy_of), "--format", "markdown"]) == 1
    assert "| aliases | removed |" in capsys.readouterr().out


def test_diff_usage_error(tmp_path: Path) -> None:
    assert cli.main(["diff", str(tmp_path / "nope"), str(tmp_path)]) == 2


def test_committed_outputs_are_current(tmp_path: Path, rules: Rules) -> None:
    """`make test` fails when the committed outputs/ differ from a fresh extraction of raw/."""
    fresh = tmp_path / "fresh"
    cwd = os.getcwd()
    os.chdir(ROOT)  # source paths are written relative to the working folder, as `make extract` runs
    try:
        pipeline.run([Path("raw")], fresh, rules)
    finally:
        os.chdir(cwd)
    diffs = diff.diff_dirs(ROOT / "outputs", fresh)
    report = diff.render_markdown(diffs)
    assert all(d.equal for d in diffs), f"outputs/ is out of date; run `make extract` to accept:\n\n{report}"
    committed = json.loads((ROOT / "outputs" / "manifest.json").read_text())
    current = json.loads((fresh / "manifest.json").read_text())
    assert committed == current, "outputs/manifest.json is out of date; run `make extract` to accept"


# --- validation ------------------------------------------------------------------------------------


def test_validation_reports_every_failure_at_once(copy_of: Path, rules: Rules) -> None:
    def break_rows(frame: pd.DataFrame) -> pd.DataFrame:
        frame.at[0, "meeting_type"] = "party"
        frame.at[1, "iscm_id"] = "NOT-AN-ID"
        frame.at[2, "meeting_id"] = frame.at[3, "meeting_id"]
        dated = frame["start_date"].notna() & frame["end_date"].notna()
        index = frame[dated & (frame["start_date"] < frame["end_date"])].index[0]
        frame.at[index, "start_date"], frame.at[index, "end_date"] = (
            frame.at[index, "end_date"],
            frame.at[index, "start_date"],
        )
        return frame

    _rewrite(copy_of / "meetings.parquet", break_rows)
    failures = "\n".join(validate.validate_dir(copy_of, rules.vocabulary))
    for expected in ("meeting_type", "NOT-AN-ID", "meeting_id", "start_date_not_after_end_date"):
        assert expected in failures
    assert cli.main(["validate", str(copy_of)]) == 1


def test_fact_tables_are_checked_for_spans_ids_and_counts(copy_of: Path, rules: Rules) -> None:
    """The checks the fact tables share (a span that ends before it starts, an id not in the
    registry) and their own (count_ok that contradicts the counts) all report."""

    def broken_span(frame: pd.DataFrame) -> pd.DataFrame:
        frame.at[0, "char_end"] = frame.at[0, "char_start"] - 1
        return frame

    def unknown_id(column: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
        def change(frame: pd.DataFrame) -> pd.DataFrame:
            frame.at[0, column] = ["NOT-AN-ID"] if column == "iscm_ids" else "NOT-AN-ID"
            return frame

        return change

    def wrong_count(frame: pd.DataFrame) -> pd.DataFrame:
        checked = frame[frame["count_ok"].notna()].index[0]
        frame.at[checked, "count_ok"] = not frame.at[checked, "count_ok"]
        return frame

    for table in FACT_TABLES:
        _rewrite(copy_of / f"{table}.parquet", broken_span)
    for table, column in [
        ("publications", "iscm_id"),
        ("survey_respondents", "iscm_id"),
        ("speakers", "iscm_ids"),
    ]:
        _rewrite(copy_of / f"{table}.parquet", unknown_id(column))
    _rewrite(copy_of / "themes.parquet", wrong_count)
    failures = validate.validate_dir(copy_of, rules.vocabulary)
    for table in FACT_TABLES:
        assert any(f.startswith(f"{table}.") and "start_before_end" in f for f in failures), table
    for table in ("publications", "survey_respondents", "speakers"):
        assert any(f.startswith(f"{table}.iscm_id") and "NOT-AN-ID" in f for f in failures), table
    assert any("count_ok_is_stated_equals_listed" in f for f in failures)


def test_an_invalid_table_is_never_written(tmp_path: Path, rules: Rules) -> None:
    result = pipeline.extract_document(RAW / "iscm-highlights-2021.txt", rules)
    tables = write.build_tables([result], [])
    frame = tables["sections"].to_pandas(types_mapper=validate.NULLABLE.get)
    frame.at[0, "kind"] = "appendix"
    tables["sections"] = pa.Table.from_pandas(frame, schema=catalog.SCHEMAS["sections"], preserve_index=False)
    with pytest.raises(validate.ValidationError, match="appendix"):
        write.write_outputs(tables, {}, tmp_path / "out", rules.vocabulary)
    assert not (tmp_path / "out").exists()


# --- cache, workers, batch -------------------------------------------------------------------------


def test_cache_skips_unchanged_inputs_and_rules_changes_invalidate_it(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    options = pipeline.RunOptions(cache_dir=tmp_path / "cache")
    first = pipeline.run([RAW], tmp_path / "a", load_rules(rules_dir), options)
    second = pipeline.run([RAW], tmp_path / "b", load_rules(rules_dir), options)
    assert (first.n_extracted, second.n_extracted) == (5, 0)
    for name in catalog.SCHEMAS:
        assert (tmp_path / "a" / f"{name}.parquet").read_bytes() == (
            tmp_path / "b" / f"{name}.parquet"
        ).read_bytes()
    forced = pipeline.run(
        [RAW],
        tmp_path / "c",
        load_rules(rules_dir),
        pipeline.RunOptions(cache_dir=tmp_path / "cache", force=True),
    )
    assert forced.n_extracted == 5
    path = rules_dir / "meetings.yaml"
    path.write_text(path.read_text().replace("modifiers: [annual,", "modifiers: [biennial, annual,"))
    changed = pipeline.run([RAW], tmp_path / "d", load_rules(rules_dir), options)
    assert changed.n_extracted == 5


def test_two_workers_give_the_same_tables_as_one(tmp_path: Path, rules: Rules, corpus_outputs: Path) -> None:
    pipeline.run([RAW], tmp_path, rules, pipeline.RunOptions(workers=2))
    for name in catalog.SCHEMAS:
        assert (tmp_path / f"{name}.parquet").read_bytes() == (
            corpus_outputs / f"{name}.parquet"
        ).read_bytes()


def test_a_file_that_vanishes_mid_run(tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch) -> None:
    real = pipeline.collect_inputs
    monkeypatch.setattr(pipeline, "collect_inputs", lambda paths: [*real(paths), tmp_path / "gone.txt"])
    result = pipeline.run([RAW / "iscm-highlights-2023.txt"], tmp_path / "out", rules)
    assert [f.doc_id for f in result.failed] == ["gone"] and result.n_errors == 1
    problems = pd.read_parquet(tmp_path / "out" / "problems.parquet")
    assert "cannot read" in problems.set_index("doc_id").loc["gone", "message"]
    assert len(pd.read_parquet(tmp_path / "out" / "meetings.parquet")) == 66


def test_progress_is_quiet_under_ci_and_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert not progress.wanted(quiet=False)
    monkeypatch.delenv("CI")
    assert not progress.wanted(quiet=True)


def test_summary_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        cli.main(["extract", str(RAW / "iscm-highlights-2020.txt"), "--out", str(tmp_path), "--no-cache"])
        == 0
    )
    line = capsys.readouterr().out.strip()
    assert line.startswith(
        "1 documents (1 extracted, 0 unchanged), 0 failed; rows: documents 1, sections 25,"
    )
    assert "meetings 63" in line


def test_a_code_change_invalidates_the_cache(
    tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iscm_extract.tables import cache

    options = pipeline.RunOptions(cache_dir=tmp_path / "cache")
    assert pipeline.run([RAW / "iscm-highlights-2020.txt"], tmp_path / "a", rules, options).n_extracted == 1
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "edited source")
    assert pipeline.run([RAW / "iscm-highlights-2020.txt"], tmp_path / "b", rules, options).n_extracted == 1


def test_a_cached_file_copied_elsewhere_names_its_new_place(tmp_path: Path, rules: Rules) -> None:
    options = pipeline.RunOptions(cache_dir=tmp_path / "cache")
    copy = tmp_path / "elsewhere" / "iscm-highlights-2020.txt"
    copy.parent.mkdir()
    shutil.copy(RAW / "iscm-highlights-2020.txt", copy)
    assert pipeline.run([copy], tmp_path / "a", rules, options).n_extracted == 1
    served = pipeline.run([RAW / "iscm-highlights-2020.txt"], tmp_path / "b", rules, options)
    assert served.n_extracted == 0  # same content: from the cache
    source = pd.read_parquet(tmp_path / "b" / "documents.parquet")["source_path"].tolist()
    assert source == [ingest.display_path(RAW / "iscm-highlights-2020.txt")]
