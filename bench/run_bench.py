"""`make bench`: speed figures measured side by side in one run, written to docs/benchmarks.md.

  1. PDF ingest: the corpus rendered as newsletters by each producer and layout (reportlab,
     tests/pdf_render.py; Chromium and WeasyPrint printing tests/html_render.py's HTML); pages
     per second of iscm-extract's PDF reader with each character source (`--pdf-reader
     pdfplumber` and `pdfium`, side by side, and their ratio) and of pdfplumber's own
     page.extract_text() on the same files, alternated round by round so that machine noise
     hits all alike.
  2. Stage shares: seconds per pipeline stage over the corpus (text and PDF inputs), with the
     spaCy model loaded beforehand.
  3. Cold against warm, per stage, with peak memory: raw/ extracted twice in one new process
     (the first pass pays for imports and the spaCy model), and `iscm-extract extract` served
     from its cache (nothing changed).
  4. Scaling: raw/ replicated 10x and 100x, extracted with 1 and 2 worker processes.
  5. Ingest memory: texts of 1, 5 and 50 MB (raw/ repeated) and a 300-page PDF (the corpus
     rendered in two columns, repeated; read with each PDF reader), each read by `ingest.read`
     in a new process; peak RSS
     less that of a process that has imported the same modules and loaded the word list, per
     input byte, and seconds per MB.
  6. Memory against number of documents: 100, 1,000 and 5,000 short newsletters cut from the
     corpus newsletters, extracted by `iscm-extract extract` in a new process, locally and on a
     Dask LocalCluster; peak RSS of the main process.

Ratios are the figures to quote; absolute seconds depend on the machine, described at the top.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pdfplumber

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.pdf_render: the renderer is shared with the tests

from tests import html_render  # noqa: E402
from tests.pdf_render import render  # noqa: E402

from iscm_extract import pipeline  # noqa: E402
from iscm_extract.facts import nlp  # noqa: E402
from iscm_extract.reading import ingest, pdf  # noqa: E402
from iscm_extract.rules import load_rules  # noqa: E402
from iscm_extract.tables import write  # noqa: E402


def _seconds(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def _plumber_text(path: Path) -> None:
    with pdfplumber.open(path) as document:
        for page in document.pages:
            page.extract_text()


def _pages(pdfs: list[Path]) -> int:
    pages = 0
    for path in pdfs:
        with pdfplumber.open(path) as document:
            pages += len(document.pages)
    return pages


PDFIUM = dataclasses.replace(pdf.DEFAULT_SETTINGS, reader="pdfium")


def _reader_seconds(pdfs: list[Path], rounds: int) -> dict[str, float]:
    """Median seconds over `rounds` alternated rounds (so that machine noise hits all alike) of
    pdfplumber's own extract_text and of pdf.read and ingest.read with each reader."""
    actions: dict[str, Callable[[Path], object]] = {
        "extract_text": _plumber_text,
        "read pdfplumber": pdf.read,
        "read pdfium": lambda p: pdf.read(p, PDFIUM),
        "ingest pdfplumber": ingest.read,
        "ingest pdfium": lambda p: ingest.read(p, "pdfium"),
    }
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(rounds):
        for name, action in actions.items():
            times[name].append(sum(_seconds(lambda p=p, a=action: a(p)) for p in pdfs))
    return {name: statistics.median(values) for name, values in times.items()}


def pdf_speed(producers: dict[str, list[Path]], rounds: int) -> list[str]:
    lines = [
        f"The corpus ({len(next(iter(producers.values())))} inputs) printed by each producer; "
        f"median of {rounds} alternated rounds. `pdf.read`: reading order, bold, headers, bands, "
        "tables, with each reader of `--pdf-reader`; `ingest.read`: + hyphens, paragraphs. "
        "pdfplumber's own `extract_text` is the floor of the pdfplumber reader. The ratio column is "
        "the figure to hold: pdfium at least 4x pdfplumber.",
        "",
        "| producer and layout | pages | pdfplumber `extract_text` pages/s | `pdf.read` pdfplumber "
        "pages/s | `pdf.read` pdfium pages/s | pdfium / pdfplumber | `ingest.read` pdfplumber pages/s "
        "| `ingest.read` pdfium pages/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    totals: dict[str, float] = {}
    all_pages = 0
    for name, pdfs in producers.items():
        pages = _pages(pdfs)
        seconds = _reader_seconds(pdfs, rounds)
        for key, value in seconds.items():
            totals[key] = totals.get(key, 0.0) + value
        all_pages += pages
        lines.append(_speed_row(name, pages, seconds))
    return [*lines, _speed_row("**all**", all_pages, totals)]


def _speed_row(name: str, pages: int, seconds: dict[str, float]) -> str:
    rate = {key: pages / value for key, value in seconds.items()}
    ratio = rate["read pdfium"] / rate["read pdfplumber"]
    return (
        f"| {name} | {pages} | {rate['extract_text']:.1f} | {rate['read pdfplumber']:.1f} | "
        f"{rate['read pdfium']:.1f} | {ratio:.1f}x | {rate['ingest pdfplumber']:.1f} | "
        f"{rate['ingest pdfium']:.1f} |"
    )


def render_producers(texts: list[Path], folder: Path) -> dict[str, list[Path]]:
    """The texts printed by each producer and layout: {"chromium, 2 columns": [pdf, ...]}."""
    producers: dict[str, list[Path]] = {}
    for producer, columns in [
        ("reportlab", 2),
        ("reportlab", 3),
        *itertools.product(html_render.PRODUCERS, (2, 3)),
    ]:
        name = f"{producer}, {columns} columns"
        producers[name] = []
        for text in texts:
            out = folder / f"{producer}{columns}" / f"{text.stem}-pdf.pdf"  # doc_ids apart from the texts
            out.parent.mkdir(parents=True, exist_ok=True)
            raw = text.read_text(encoding="utf-8")
            if producer == "reportlab":
                render(raw, out, columns=columns)
            else:
                html_render.render(raw, out, producer, columns)
            producers[name].append(out)
    return producers


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
            write.write_outputs(tables, manifest, Path(out), rules.vocabulary)

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


# One pass over the inputs, per stage, in a new process: `python run_bench.py --passes DIR`.
def passes(inputs: list[Path], count: int) -> list[dict[str, float]]:
    import resource

    rules = load_rules()
    figures = []
    for _ in range(count):
        start = time.perf_counter()
        times = pipeline.StageTimes()
        results = [pipeline.extract_document(path, rules, times) for path in inputs]
        with tempfile.TemporaryDirectory() as out:
            tables = write.build_tables(results, [])
            sources = [(r.document.doc_id, r.document.source_path, r.document.sha256) for r in results]
            manifest = write.build_manifest(tables, sources, rules.fingerprint)
            started = time.perf_counter()
            write.write_outputs(tables, manifest, Path(out), rules.vocabulary)
            times.seconds["write"] = time.perf_counter() - started
        times.seconds["total"] = time.perf_counter() - start
        times.seconds["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        figures.append(dict(times.seconds))
    return figures


def _child_figures(rounds: int) -> list[list[dict[str, float]]]:
    runs = []
    for _ in range(rounds):
        done = subprocess.run(
            [sys.executable, __file__, "--passes", str(ROOT / "raw")],
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return runs


def cold_and_warm(rounds: int) -> list[str]:
    runs = _child_figures(rounds)
    stages = [k for k in runs[0][0] if k not in {"total", "peak_rss_mb"}]
    median = {
        (i, stage): statistics.median(run[i][stage] for run in runs)
        for i in (0, 1)
        for stage in [*stages, "total", "peak_rss_mb"]
    }
    lines = [
        f"raw/ ({len(list((ROOT / 'raw').glob('*.txt')))} text inputs) extracted twice in one new process, "
        f"median of {rounds} processes. The modules are imported before the first pass; the cold pass "
        "loads the spaCy model (inside its first `meetings` stage) and fills the caches. Peak RSS is "
        "the process's high-water mark after each pass (it includes the benchmark's own imports).",
        "",
        "| stage | cold s | warm s | cold / warm |",
        "| --- | ---: | ---: | ---: |",
    ]
    for stage in [*stages, "total"]:
        c, w = median[(0, stage)], median[(1, stage)]
        ratio = f"{c / w:.1f}x" if w else "-"
        lines.append(f"| {stage} | {c:.3f} | {w:.3f} | {ratio} |")
    lines += [
        f"| peak RSS (MB) after the pass | {median[(0, 'peak_rss_mb')]:.0f} | "
        f"{median[(1, 'peak_rss_mb')]:.0f} | |",
        "",
        *cached_cli(rounds),
    ]
    return lines


def cached_cli(rounds: int) -> list[str]:
    command = [str(Path(sys.executable).parent / "iscm-extract"), "extract", "raw", "--quiet"]
    cold, warm = [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            args = [*command, "--out", f"{tmp}/out", "--cache", f"{tmp}/cache"]
            cold.append(_seconds(lambda a=args: subprocess.run(a, check=True, cwd=ROOT, capture_output=True)))
            warm.append(_seconds(lambda a=args: subprocess.run(a, check=True, cwd=ROOT, capture_output=True)))
    c, w = statistics.median(cold), statistics.median(warm)
    return [
        f"`iscm-extract extract raw` as a new process (what `make extract` runs); median of {rounds} rounds. "
        "A warm run reads each document's validated tables from its cache entry (no extraction, no "
        "validation of those rows) and, the output folder holding the very same tables, swaps nothing. "
        "Before issue 17 it validated every row again and rewrote every table: 2.69 s warm, 6.98 s cold "
        "on this machine (commit d55281b, median of 6 and 3 runs).",
        "",
        "| run | seconds |",
        "| --- | ---: |",
        f"| cold (empty cache) | {c:.2f} |",
        f"| warm (nothing changed: every input from the cache) | {w:.2f} |",
        f"| cold / warm | {c / w:.1f}x |",
    ]


_MEASURED_CHILD = (
    "import json, resource, subprocess, sys, time; start = time.perf_counter(); "
    "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024; "
    "print(json.dumps([time.perf_counter() - start, peak]))"
)


def scaling(factors: list[int], workers: list[int]) -> list[str]:
    raw = sorted((ROOT / "raw").glob("*.txt"))
    lines = [
        f"raw/ ({len(raw)} text inputs) copied N times under new names, extracted by `iscm-extract "
        "extract DIR --no-cache --workers W` as a new process. Peak RSS is the largest single process "
        "(the main one or a worker).",
        "",
        "| copies | inputs | workers | seconds | inputs/s | vs 1 worker | peak RSS (MB) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for factor in factors:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "corpus"
            folder.mkdir()
            for copy in range(factor):
                for path in raw:
                    shutil.copyfile(path, folder / f"{path.stem}-copy{copy:03d}{path.suffix}")
            one_worker = None
            for count in workers:
                command = [
                    sys.executable, "-c", _MEASURED_CHILD,
                    str(Path(sys.executable).parent / "iscm-extract"), "extract", str(folder),
                    "--out", f"{tmp}/out{count}", "--no-cache", "--quiet", "--workers", str(count),
                ]  # fmt: skip
                done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
                seconds, rss = json.loads(done.stdout.strip().splitlines()[-1])
                one_worker = one_worker or seconds
                n = factor * len(raw)
                lines.append(
                    f"| {factor} | {n} | {count} | {seconds:.1f} | {n / seconds:.1f} | "
                    f"{one_worker / seconds:.2f}x | {rss:.0f} |"
                )
    return lines


# Peak memory from VmHWM (the peak of this process image): ru_maxrss would carry over the peak
# of the forking parent on Linux, hiding any smaller peak of the child.
_INGEST_CHILD = (
    "import json, sys, time; from pathlib import Path; from iscm_extract import ingest; "
    "ingest.is_word('x'); import pdfplumber, pypdfium2; start = time.perf_counter(); "
    "n = len(ingest.read(Path(sys.argv[1]), sys.argv[2])[0].text); "
    "peak = next(int(line.split()[1]) * 1024 for line in open('/proc/self/status') "
    "if line.startswith('VmHWM:')); "
    "print(json.dumps([time.perf_counter() - start, peak, n]))"
)


def _ingest_child(path: str, reader: str = "pdfplumber") -> tuple[float, float, int]:
    done = subprocess.run(
        [sys.executable, "-c", _INGEST_CHILD, path, reader],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    seconds, peak, chars = json.loads(done.stdout)
    return seconds, peak, chars


def _long_pdf(folder: Path, pages: int) -> Path:
    """The corpus rendered in two columns, repeated until it has at least `pages` pages."""
    corpus = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "raw").glob("*.txt")))
    path = folder / "long.pdf"
    copies = 1
    while True:
        render("\n\n".join([corpus] * copies), path, columns=2)
        with pdfplumber.open(path) as document:
            found = len(document.pages)
        if found >= pages:
            return path
        copies = max(copies + 1, int(copies * pages / found) + 1)


def ingest_memory(text_sizes_mb: list[int], pdf_pages: int) -> list[str]:
    corpus = b"\n\n".join(p.read_bytes() for p in sorted((ROOT / "raw").glob("*.txt")))
    with tempfile.TemporaryDirectory() as tmp:
        tiny = Path(tmp) / "tiny.txt"
        tiny.write_bytes(corpus[:2000])
        _, baseline, _ = _ingest_child(str(tiny))
    lines = [
        f"Peak RSS of `ingest.read` in a new process, less {baseline / 2**20:.0f} MB: that of the same "
        "process reading a 2 KB text (interpreter, imports, word list). Before issue 14 ingest "
        "kept Python lists of one object per character: about 230 bytes per input byte (5 MB: "
        "1.2 GB and 5 minutes; 50 MB did not finish in 50 minutes, 11.6 GB); a 300-page PDF took "
        "11 minutes and 3.4 GB. The PDF is read with each `--pdf-reader`; both close each page "
        "after use (issue 17).",
        "",
        "| input | size (MB) | seconds | seconds/MB | peak RSS (MB) | bytes per input byte |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        inputs = []
        for size in text_sizes_mb:
            path = Path(tmp) / f"text-{size}mb.txt"
            path.write_bytes((corpus * (size * 10**6 // len(corpus) + 1))[: size * 10**6])
            inputs.append((f"text {size} MB", path, "pdfplumber"))
        if pdf_pages:
            long_pdf = _long_pdf(Path(tmp), pdf_pages)
            inputs += [(f"PDF {pdf_pages} pages, {r}", long_pdf, r) for r in ("pdfplumber", "pdfium")]
        for name, path, reader in inputs:
            seconds, peak, _ = _ingest_child(str(path), reader)
            size = path.stat().st_size
            lines.append(
                f"| {name} | {size / 10**6:.1f} | {seconds:.1f} | {seconds / (size / 10**6):.2f} | "
                f"{peak / 2**20:.0f} | {(peak - baseline) / size:.1f} |"
            )
    return lines


def _blocks(text: str) -> list[str]:
    return [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]


_NAMES = ("{stem}-{i:05d}", "archive_{i:05d}_{stem}", "{i:05d}-news", "iscm-{stem}-copy-{i}", "n{i:06d}")


def generated_corpus(folder: Path, count: int) -> None:
    """`count` short newsletters, each the title of a corpus newsletter and six paragraphs of its
    (ISCM headings and what they did; chosen by the document's number), under varied names."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = []
    for path in sorted((ROOT / "raw").glob("iscm-highlights-*.txt")):
        blocks = _blocks(path.read_text(encoding="utf-8"))
        start = next(i for i, b in enumerate(blocks) if "Highlights" in b) + 1
        sources.append((path.stem, blocks[:start], blocks[start : start + 60]))
    for i in range(count):
        stem, title, body = sources[i % len(sources)]
        first = (i * 7) % (len(body) - 6)
        text = "\n\n".join([*title, *body[first : first + 6]]) + "\n"
        name = _NAMES[i % len(_NAMES)].format(stem=stem, i=i)
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")


# The main process's own peak (VmHWM): Dask workers and the process pool are other processes.
_RUN_CHILD = (
    "import json, sys, time; from iscm_extract import cli; start = time.perf_counter(); "
    "code = cli.main(sys.argv[1:]); "
    "peak = next(int(line.split()[1]) * 1024 for line in open('/proc/self/status') "
    "if line.startswith('VmHWM:')); "
    "print(json.dumps([time.perf_counter() - start, peak, code]))"
)

ENGINES = {
    "local, 1 process": ["--workers", "1"],
    "Dask, LocalCluster of 2 workers": ["--engine", "dask", "--workers", "2"],
}


def memory_by_documents(counts: list[int]) -> list[str]:
    lines = [
        "Short newsletters (the title of a corpus newsletter and six of its paragraphs: ISCM headings "
        "and their meetings, 1 to 3 KB each, under varied names) extracted by `iscm-extract extract "
        "DIR --no-cache` as a new process; peak RSS of that main process (VmHWM: the Dask workers are "
        "other processes; with one local process it also extracts, spaCy model included). Before "
        "issue 17 the main process held every document's results until one write at the end: about "
        "0.6 MB per document.",
        "",
        "| engine | documents | seconds | documents/s | main process peak RSS (MB) | vs the smallest run |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for engine, options in ENGINES.items():
        smallest = None
        for count in counts:
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp) / "inputs"
                generated_corpus(folder, count)
                command = [sys.executable, "-c", _RUN_CHILD, "extract", str(folder), "--out", f"{tmp}/out"]
                command += ["--no-cache", "--quiet", *options]
                done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
                if done.returncode not in (0, 1):
                    raise RuntimeError(done.stderr[-2000:])
                seconds, peak, _ = json.loads(done.stdout.strip().splitlines()[-1])
            smallest = smallest or peak
            lines.append(
                f"| {engine} | {count:,} | {seconds:.1f} | {count / seconds:.1f} | {peak / 2**20:.0f} | "
                f"{peak / smallest - 1:+.0%} |"
            )
    return lines


def _proc_field(path: str, field: str) -> str | None:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(field)), None)


def _memory_gb() -> str:
    total = _proc_field("/proc/meminfo", "MemTotal")
    return f"{int(total.split()[0]) / 1024 / 1024:.0f} GiB memory" if total else "memory unknown"


def _cpu_model() -> str:
    return _proc_field("/proc/cpuinfo", "model name") or platform.processor() or platform.machine()


def machine() -> list[str]:
    return [
        f"- {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs "
        f"({_cpu_model()}), {_memory_gb()}",
        f"- measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=int, nargs="*", default=[10, 100], help="copies of raw/ for scaling")
    parser.add_argument("--passes", type=Path, help=argparse.SUPPRESS)  # the child process of section 3
    parser.add_argument("--text-mb", type=int, nargs="*", default=[1, 5, 50], help="text sizes for memory")
    parser.add_argument("--pdf-pages", type=int, default=300, help="pages of the PDF for memory (0: none)")
    parser.add_argument("--memory-only", action="store_true", help="only the ingest memory section, printed")
    parser.add_argument(
        "--documents", type=int, nargs="*", default=[100, 1000, 5000], help="document counts for memory"
    )
    parser.add_argument(
        "--documents-only", action="store_true", help="only the memory against documents section, printed"
    )
    parser.add_argument("--pdf-speed-only", action="store_true", help="only the PDF readers' speed, printed")
    args = parser.parse_args()
    if args.passes:
        print(json.dumps(passes(sorted(args.passes.glob("*.txt")), 2)))
        return
    if args.memory_only:
        print("\n".join(ingest_memory(args.text_mb, args.pdf_pages)))
        return
    if args.documents_only:
        print("\n".join(memory_by_documents(args.documents)))
        return
    if args.pdf_speed_only:
        with tempfile.TemporaryDirectory() as tmp:
            producers = render_producers(sorted((ROOT / "raw").glob("*.txt")), Path(tmp))
            print("\n".join(pdf_speed(producers, args.rounds)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        producers = render_producers(sorted((ROOT / "raw").glob("*.txt")), Path(tmp))
        pdfs = producers["reportlab, 2 columns"]
        sections = {
            "PDF ingest: pages per second": pdf_speed(producers, args.rounds),
            "Time per stage": stage_shares(sorted((ROOT / "raw").glob("*.txt")) + pdfs),
            "Cold and warm, per stage, and peak memory": cold_and_warm(args.rounds),
            "Scaling with corpus size and workers": scaling(args.scale, [1, 2]),
            "Ingest memory per input byte": ingest_memory(args.text_mb, args.pdf_pages),
            "Memory against number of documents": memory_by_documents(args.documents),
        }
    report = ["# Benchmarks", "", "Written by `make bench` (bench/run_bench.py).", "", *machine()]
    for title, lines in sections.items():
        report += ["", f"## {title}", "", *lines]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(report) + "\n", encoding="utf-8")
    print("\n".join(report))


if __name__ == "__main__":
    main()
