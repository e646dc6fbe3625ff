"""`make bench`: speed figures measured side by side in one run, written to docs/benchmarks.md.

  1. PDF ingest: the corpus rendered as two-column newsletters (tests/pdf_render.py); pages per
     second of iscm-extract's PDF reader against pdfplumber's own page.extract_text() on the
     same files, the two alternated round by round so that machine noise hits both alike.
  2. Stage shares: seconds per pipeline stage over the corpus (text and PDF inputs), with the
     spaCy model loaded beforehand.
  3. `iscm-extract extract` on raw/, cold (empty cache) against warm (nothing changed).

Ratios are the figures to quote; absolute seconds depend on the machine, described at the top.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pdfplumber

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.pdf_render: the renderer is shared with the tests

from tests.pdf_render import render  # noqa: E402

from iscm_extract import ingest, nlp, pdf, pipeline, write  # noqa: E402
from iscm_extract.rules import load_rules  # noqa: E402


def _seconds(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def _plumber_text(path: Path) -> None:
    with pdfplumber.open(path) as document:
        for page in document.pages:
            page.extract_text()


def pdf_speed(pdfs: list[Path], rounds: int) -> list[str]:
    pages = 0
    for path in pdfs:
        with pdfplumber.open(path) as document:
            pages += len(document.pages)
    plumber, layer, full = [], [], []
    for _ in range(rounds):
        plumber.append(sum(_seconds(lambda p=p: _plumber_text(p)) for p in pdfs))
        layer.append(sum(_seconds(lambda p=p: pdf.read(p)) for p in pdfs))
        full.append(sum(_seconds(lambda p=p: ingest.read(p)) for p in pdfs))
    rows = [
        ("pdfplumber `page.extract_text()`", statistics.median(plumber)),
        ("iscm-extract `pdf.read` (reading order, bold, headers)", statistics.median(layer)),
        ("iscm-extract `ingest.read` (+ hyphens, paragraphs)", statistics.median(full)),
    ]
    base = rows[0][1]
    lines = [
        f"{len(pdfs)} PDFs, {pages} pages (the corpus rendered in two columns); median of {rounds} "
        "alternated rounds.",
        "",
        "| reader | seconds | pages/s | time vs pdfplumber |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {name} | {s:.2f} | {pages / s:.1f} | {s / base:.2f}x |" for name, s in rows]
    return lines


def stage_shares(inputs: list[Path]) -> list[str]:
    rules = load_rules()
    nlp.load_pipeline(rules.meetings)  # the model load is a one-off, not a stage's cost
    times = pipeline.StageTimes()
    results = [pipeline.extract_document(path, rules, times) for path in inputs]
    with tempfile.TemporaryDirectory() as out:

        def write_all() -> None:
            tables = write.build_tables(results, [])
            sources = [(r.document.doc_id, r.document.source_path, r.document.sha256) for r in results]
            manifest = write.build_manifest(tables, sources, rules.fingerprint)
            write.write_outputs(tables, manifest, Path(out), rules.registry.ids)

        times.seconds["write (validate + parquet)"] = _seconds(write_all)
    total = sum(times.seconds.values())
    lines = [
        f"{len(inputs)} inputs (raw/ as text and as two-column PDF).",
        "",
        "| stage | seconds | share |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {stage} | {s:.2f} | {s / total:.0%} |" for stage, s in times.seconds.items()]
    return [*lines, f"| total | {total:.2f} | 100% |"]


def cold_and_warm(rounds: int) -> list[str]:
    command = [str(Path(sys.executable).parent / "iscm-extract"), "extract", "raw", "--quiet"]
    cold, warm = [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            args = [*command, "--out", f"{tmp}/out", "--cache", f"{tmp}/cache"]
            cold.append(_seconds(lambda a=args: subprocess.run(a, check=True, cwd=ROOT, capture_output=True)))
            warm.append(_seconds(lambda a=args: subprocess.run(a, check=True, cwd=ROOT, capture_output=True)))
    c, w = statistics.median(cold), statistics.median(warm)
    return [
        f"`iscm-extract extract raw` as a new process; median of {rounds} rounds, cold then warm in each.",
        "",
        "| run | seconds |",
        "| --- | ---: |",
        f"| cold (empty cache) | {c:.2f} |",
        f"| warm (nothing changed) | {w:.2f} |",
        f"| cold / warm | {c / w:.1f}x |",
    ]


def machine() -> list[str]:
    return [
        f"- {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs "
        f"({platform.processor() or platform.machine()})",
        f"- measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = []
        for text in sorted((ROOT / "raw").glob("*.txt")):
            pdfs.append(Path(tmp) / f"{text.stem}-pdf.pdf")  # doc_ids apart from the text inputs
            render(text.read_text(encoding="utf-8"), pdfs[-1], columns=2)
        sections = {
            "PDF ingest: pages per second": pdf_speed(pdfs, args.rounds),
            "Time per stage": stage_shares(sorted((ROOT / "raw").glob("*.txt")) + pdfs),
            "Cold and warm `make extract`": cold_and_warm(args.rounds),
        }
    report = ["# Benchmarks", "", "Written by `make bench` (bench/run_bench.py).", "", *machine()]
    for title, lines in sections.items():
        report += ["", f"## {title}", "", *lines]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(report) + "\n", encoding="utf-8")
    print("\n".join(report))


if __name__ == "__main__":
    main()
