"""Issue 17: the public per-document function, streamed runs, the Dask engine, a killed run resumed
from the cache, and a run with nothing changed that rewrites nothing."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import distributed
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.conftest import RAW

import iscm_extract
from iscm_extract import cli, engines, pipeline
from iscm_extract.rules import Rules
from iscm_extract.tables import arrow_tables, assemble, catalog, document, validate
from iscm_extract.tables.tablespec import pandera_schema

SMALL = RAW / "iscm-survey-global-initiatives-2023.txt"  # the quickest document to extract
FILES = [*(f"{name}.parquet" for name in catalog.SCHEMAS), "manifest.json"]


def _same_files(a: Path, b: Path) -> None:
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# --- the public per-document function ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.txt", None, "cannot read"),
        ("binary.txt", b"\x00\x01\x02 not text", "binary data"),
        ("empty.txt", b"  \n", "file is empty"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type"),
        ("broken.pdf", b"%PDF-1.4 broken", "broken.pdf"),
    ],
)
def test_extract_tables_never_raises_for_a_bad_input(
    tmp_path: Path, rules: Rules, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    found = iscm_extract.extract_tables(path, rules)
    assert found.failure is not None and message in found.failure.message
    assert found.failed_input() is not None
    assert set(found.tables) == set(catalog.SCHEMAS) - {"iscms"}
    assert found.tables["documents"].column("doc_id").to_pylist() == [path.stem]
    (problem,) = found.problems
    assert (problem.severity, problem.stage) == ("error", "ingest") and message in problem.message
    assert all(found.tables[t].num_rows == 0 for t in ("sections", "meetings", "themes"))


def test_extract_tables_gives_the_rows_a_run_writes(rules: Rules, corpus_outputs: Path) -> None:
    found = iscm_extract.extract_tables(SMALL, rules)
    assert found.failure is None and found.doc_id == SMALL.stem
    for name, table in found.tables.items():
        written = pq.read_table(corpus_outputs / f"{name}.parquet")
        plain = written.cast(catalog.SCHEMAS[name].with_metadata(written.schema.metadata))
        mine = plain.filter(pa.compute.equal(plain["doc_id"], SMALL.stem))
        assert table.to_pylist() == mine.to_pylist(), name
        assert table.schema.equals(catalog.SCHEMAS[name], check_metadata=False), name
    assert found.tables["survey_respondents"].num_rows > 5
    assert found.iscm_years and all(years <= {2023} for years in found.iscm_years.values())


def test_a_row_failing_validation_is_dropped_with_a_problem(
    rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pipeline.facts.extract_facts

    def one_bad_respondent(document, info, sections, resolver, rules):  # type: ignore[no-untyped-def]
        found, problems = real(document, info, sections, resolver, rules)
        first = found.survey_respondents[0]
        found.survey_respondents[0] = type(first)(first.iscm_id, first.name, 10, 5)  # ends before it starts
        return found, problems

    monkeypatch.setattr(pipeline.facts, "extract_facts", one_bad_respondent)
    found = iscm_extract.extract_tables(SMALL, rules)
    (dropped,) = found.dropped
    assert (
        dropped.message.startswith("survey_respondents: 1 row dropped")
        and "start_before_end" in dropped.message
    )
    assert dropped in found.problems and found.n_errors == 1
    starts = found.tables["survey_respondents"].column("char_start").to_pylist()
    assert 10 not in starts and len(starts) > 5


def test_batches_group_small_inputs_and_keep_a_large_one_alone(tmp_path: Path) -> None:
    jobs = []
    for index, size in enumerate([10, 10, 10, 300_000, 10, 10, 10]):
        path = tmp_path / f"doc{index}.txt"
        path.write_bytes(b"x" * size)
        jobs.append(document.Job(path, path.stem))
    assert [len(b) for b in engines.plan_batches(jobs, 1, 32)] == [3, 1, 3]  # the large input alone
    assert [len(b) for b in engines.plan_batches(jobs, 1, 2)] == [2, 1, 1, 2, 1]
    assert [len(b) for b in engines.plan_batches(jobs, 2, 32)] == [1] * 7  # two workers: all busy
    assert [j for b in engines.plan_batches(jobs, 2, 32) for j in b] == jobs


def test_ids_shared_by_two_documents_are_caught_when_assembling(corpus_outputs: Path) -> None:
    tables = {name: pq.read_table(corpus_outputs / f"{name}.parquet") for name in catalog.SCHEMAS}
    assert assemble.cross_document_failures(tables) == []
    sections = tables["sections"]
    tables["sections"] = pa.concat_tables([sections, sections.slice(0, 1)])
    (failure,) = assemble.cross_document_failures(tables)
    assert failure.startswith("sections: section_id not unique")


def test_every_unique_key_without_the_doc_id_is_checked_across_documents(rules: Rules) -> None:
    for name, spec in catalog.TABLES.items():
        schema = pandera_schema(spec, rules.vocabulary)
        keys = [(column,) for column, spec in schema.columns.items() if spec.unique]
        if schema.unique:
            keys.append((schema.unique,) if isinstance(schema.unique, str) else tuple(schema.unique))
        for key in keys:
            assert "doc_id" in key or assemble.GLOBAL_KEYS.get(name) == key, (name, key)


def test_large_tables_are_written_a_row_group_at_a_time(
    tmp_path: Path, rules: Rules, corpus_outputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arrow_tables, "ROW_GROUP_BYTES", 4096)  # every table but the smallest is "large"
    monkeypatch.setattr(assemble, "_BLOCK", 2)  # and assembled from several chunks
    pipeline.run([RAW], tmp_path, rules)
    assert pq.ParquetFile(tmp_path / "meetings.parquet").num_row_groups > 1
    for name in catalog.SCHEMAS:
        written = pq.read_table(tmp_path / f"{name}.parquet")
        assert written.equals(pq.read_table(corpus_outputs / f"{name}.parquet"), check_metadata=True), name
    assert validate.validate_dir(tmp_path, rules.vocabulary) == []


# --- Dask --------------------------------------------------------------------------------------------


def test_a_dask_cluster_gives_the_tables_of_a_local_run(tmp_path: Path, corpus_outputs: Path) -> None:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        address = cluster.scheduler_address
        out = tmp_path / "out"
        command = ["extract", str(RAW), "--out", str(out), "--no-cache", "-q", "--engine", "dask"]
        code = cli.main([*command, "--dask-address", address])
        assert code == 0
        assert len(cluster.workers) == 2
    _same_files(out, corpus_outputs)


def test_dask_without_an_address_starts_its_own_cluster(tmp_path: Path, rules: Rules) -> None:
    local = pipeline.run([SMALL], tmp_path / "local", rules)
    options = pipeline.RunOptions(engine="dask", workers=1)
    on_dask = pipeline.run([SMALL], tmp_path / "dask", rules, options)
    assert on_dask.n_extracted == local.n_extracted == 1
    _same_files(tmp_path / "dask", tmp_path / "local")
    code = cli.main(["extract", str(SMALL), "--out", str(tmp_path / "x"), "--dask-address", "tcp://x:1"])
    assert code == 2  # an address without --engine dask


# --- streamed runs: a killed run, a run with nothing changed ---------------------------------------------

_KILLED_AT_THE_FOURTH = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from iscm_extract import pipeline
    from iscm_extract.rules import load_rules
    real, calls = pipeline._extract_or_fail, []
    def extract(path, rules, doc_id=None, pdf_reader="pdfplumber"):
        calls.append(path)
        if len(calls) == 4:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, rules, doc_id, pdf_reader)
    pipeline._extract_or_fail = extract
    options = pipeline.RunOptions(cache_dir=Path(sys.argv[1]), batch_size=1)
    pipeline.run([Path(sys.argv[2])], Path(sys.argv[3]), load_rules(), options)
    """
)


def test_a_killed_run_is_resumed_from_what_it_finished(
    tmp_path: Path, rules: Rules, corpus_outputs: Path
) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    child = subprocess.run(
        [sys.executable, "-c", _KILLED_AT_THE_FOURTH, str(cache), str(RAW), str(out)], check=False
    )
    assert child.returncode == -signal.SIGKILL
    assert len(list(cache.glob("*.json"))) == 3  # one entry per document done, written at once
    assert list(tmp_path.glob(".out.parts-*")) and not out.exists()  # what the kill left
    resumed = pipeline.run([RAW], out, rules, pipeline.RunOptions(cache_dir=cache))
    assert resumed.n_extracted == 2 and resumed.n_documents == 5
    assert not list(tmp_path.glob(".out.parts-*"))
    _same_files(out, corpus_outputs)


def _stamps(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}


def test_a_run_with_nothing_changed_rewrites_nothing(tmp_path: Path, rules: Rules) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SMALL, inputs)
    options = pipeline.RunOptions(cache_dir=tmp_path / "cache")
    out = tmp_path / "out"
    assert pipeline.run([inputs], out, rules, options).n_extracted == 1
    before = _stamps(out)
    assert pipeline.run([inputs], out, rules, options).n_extracted == 0
    assert _stamps(out) == before  # not even run.json: the folder was left as it was
    (inputs / "another.txt").write_text(SMALL.read_text().replace("2023", "2022"))
    again = pipeline.run([inputs], out, rules, options)
    assert again.n_extracted == 1 and again.n_documents == 2
    assert _stamps(out) != before
    manifest = json.loads((out / "manifest.json").read_text())
    assert [i["doc_id"] for i in manifest["inputs"]] == ["another", SMALL.stem]
    assert not list(tmp_path.glob(".out.parts-*")) and not list(tmp_path.glob(".out.staging-*"))
