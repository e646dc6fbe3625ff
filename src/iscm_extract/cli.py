"""Command line: a thin layer over pipeline, evaluate, diff, validate, review and dictionary.

The top-level help (`HELP`) is written for users; every argument has a help line. Errors are one
line on stderr, never a traceback: a closed pipe (`iscm-extract diff A B | head`) ends the command
quietly. `--verbose` logs each document as it is done, not when the run ends.

Exit codes: 0 ok (diff: no difference), 1 some input had errors (diff: a difference), 2 usage error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from iscm_extract import __version__, engines, pipeline, progress
from iscm_extract.reading.ingest import PDF_READERS
from iscm_extract.rules import DEFAULT_RULES_DIR, Rules, RulesError, load_rules
from iscm_extract.tables import catalog, dictionary, output_folder, validate
from iscm_extract.tools import diff, evaluate, review

DEFAULT_CACHE = Path(".cache") / "iscm-extract"

HELP = """\
Turn ISCM Highlights newsletters (PDF or text) and related reports into Parquet tables of
meetings, themes, publications and more, one row per fact, each traceable to its text.

  iscm-extract extract raw/ --out outputs/     read every newsletter in raw/ into outputs/
  iscm-extract diff old/ outputs/ | head       what changed, row by row
  iscm-extract review outputs/                 HTML pages to check the rows against the text

Then, in Python: pd.read_parquet("outputs/meeting_counts.parquet").
"""

EPILOG = """\
exit codes: 0 ok (diff: no difference); 1 some input had errors (diff: a difference);
2 usage error (nothing written). `iscm-extract COMMAND --help` describes each command."""

RULES_HELP = "rules folder (default: the rules shipped with the package; see rules/ in the repository)"


def _extract_arguments(extract: argparse.ArgumentParser) -> None:
    extract.add_argument(
        "paths", nargs="*", type=Path, default=[Path("raw")], help="input files or folders (default: raw/)"
    )
    extract.add_argument(
        "--out", type=Path, default=Path("outputs"), help="output folder (default: outputs/)"
    )
    extract.add_argument("--rules", type=Path, default=DEFAULT_RULES_DIR, help=RULES_HELP)
    extract.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help=f"cache folder (default: {DEFAULT_CACHE}/ in the working folder)",
    )
    extract.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    extract.add_argument("--force", action="store_true", help="extract every input again")
    extract.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes extracting documents in parallel (with --engine dask and no "
        "--dask-address: the workers of the local Dask cluster started for the run)",
    )
    extract.add_argument(
        "--engine",
        choices=["local", "dask"],
        default="local",
        help="where documents are extracted: here and in local worker processes (default), or on a "
        "Dask distributed cluster (same tables)",
    )
    extract.add_argument(
        "--dask-address",
        metavar="ADDRESS",
        help="the Dask scheduler to send documents to (e.g. tcp://10.0.0.5:8786; with --engine dask); "
        "without it, a local Dask cluster is started",
    )
    extract.add_argument(
        "--pdf-reader",
        choices=PDF_READERS,
        default=PDF_READERS[0],
        help="where PDF characters come from: pdfplumber (the default, the reference) or pdfium (faster)",
    )
    extract.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    extract.add_argument(
        "--verbose", "-v", action="store_true", help="log each document as it is done, and cache misses"
    )
    extract.add_argument(
        "--allow-empty", action="store_true", help="write empty tables when no input is found (else exit 2)"
    )
    extract.add_argument(
        "--wait", type=float, default=600.0, help="seconds to wait for another run writing to --out (600)"
    )


def _eval_arguments(score: argparse.ArgumentParser) -> None:
    score.add_argument(
        "--gold", type=Path, default=Path("tests/gold"), help="folder of gold CSVs (default: tests/gold/)"
    )
    score.add_argument(
        "--pred", type=Path, default=Path("outputs"), help="folder of extracted tables (default: outputs/)"
    )
    score.add_argument("--table", action="append", help="only this table (repeatable)")
    score.add_argument("--quiet-errors", action="store_true", help="do not list missing and extra rows")


def _diff_arguments(compare: argparse.ArgumentParser) -> None:
    compare.add_argument("old", type=Path, help="the folder of tables before (e.g. the committed outputs/)")
    compare.add_argument("new", type=Path, help="the folder of tables after")
    compare.add_argument(
        "--format", choices=sorted(diff.RENDERERS), default="text", help="how to print it (default: text)"
    )
    compare.add_argument("--table", action="append", help="only this table (repeatable)")
    compare.add_argument(
        "--limit", type=int, default=20, help="rows shown per table and kind of change (default: 20)"
    )


def _add_tables_folder(command: argparse.ArgumentParser) -> None:
    """The folder of tables a command reads (review, dictionary, validate)."""
    command.add_argument(
        "directory", type=Path, nargs="?", default=Path("outputs"), help="tables (default: outputs/)"
    )


def _review_arguments(pages: argparse.ArgumentParser) -> None:
    _add_tables_folder(pages)
    pages.add_argument(
        "--out", type=Path, default=Path("review"), help="folder for the pages (default: review/)"
    )


def _dictionary_arguments(dictionary: argparse.ArgumentParser) -> None:
    _add_tables_folder(dictionary)
    dictionary.add_argument(
        "--out", type=Path, default=Path("docs") / "tables.md", help="file to write (default: docs/tables.md)"
    )


def _validate_arguments(check: argparse.ArgumentParser) -> None:
    _add_tables_folder(check)
    check.add_argument("--rules", type=Path, default=DEFAULT_RULES_DIR, help=RULES_HELP)


@dataclass(frozen=True)
class _Command:
    summary: str  # its line in the top-level help
    description: str  # what its own --help opens with
    add_arguments: Callable[[argparse.ArgumentParser], None]


# In the order of the top-level help.
_COMMANDS = {
    "extract": _Command(
        "extract files or folders into Parquet tables",
        "Extract newsletters and reports (.txt, .md, .pdf) into Parquet tables in one "
        "atomic step; unchanged inputs come from the cache.",
        _extract_arguments,
    ),
    "eval": _Command(
        "precision, recall and F1 per table against gold CSVs",
        "Score extracted tables against hand-made gold CSVs (tests/gold/<doc_id>/<table>.csv).",
        _eval_arguments,
    ),
    "diff": _Command(
        "rows added, removed and changed between two output folders",
        "Compare two output folders row by row, keyed by stable ids; exit 1 when they differ.",
        _diff_arguments,
    ),
    "review": _Command(
        "HTML pages: each document's text with its rows highlighted",
        "Write one HTML page per document: its text with every row highlighted, a list of "
        "rows by table and a filter; source files are found relative to the tables' folder.",
        _review_arguments,
    ),
    "dictionary": _Command(
        "write the data dictionary (docs/tables.md)",
        "Write the data dictionary: every table and column with its type, checks and meaning.",
        _dictionary_arguments,
    ),
    "validate": _Command(
        "check written tables against their models",
        "Check a folder of tables: one run (the manifest's hashes), every column and row check.",
        _validate_arguments,
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iscm-extract",
        description=HELP,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=__version__, help="print the version")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in _COMMANDS.items():
        command.add_arguments(
            commands.add_parser(name, help=command.summary, description=command.description)
        )
    return parser


def _extract(args: argparse.Namespace) -> int:
    usage_error = _extract_usage_error(args)
    if usage_error is not None:
        print(f"iscm-extract: {usage_error}", file=sys.stderr)
        return 2
    rules = _rules(args.rules)
    if rules is None:
        return 2
    # Arrow memory from the system allocator: pyarrow's default (mimalloc) keeps what one large
    # table freed for reuse by its thread, and the final tables are written one after another
    # (measured: 20 MB less peak memory at 5,000 documents; docs/benchmarks.md).
    pa.set_memory_pool(pa.system_memory_pool())
    options = pipeline.RunOptions(
        cache_dir=None if args.no_cache else args.cache,
        force=args.force,
        workers=args.workers,
        progress=progress.wanted(args.quiet),
        allow_empty=args.allow_empty,
        wait=args.wait,
        engine=args.engine,
        dask_address=args.dask_address,
        pdf_reader=args.pdf_reader,
    )
    try:
        result = pipeline.run(args.paths, args.out, rules, options)
    except (pipeline.EmptyInputError, output_folder.OutputError, engines.EngineError) as exc:
        print(f"iscm-extract: {exc}", file=sys.stderr)
        return 2
    except validate.ValidationError as exc:
        print(f"iscm-extract: {exc}", file=sys.stderr)
        return 1
    _report_run(result, args.out)
    return 1 if result.n_errors else 0


def _extract_usage_error(args: argparse.Namespace) -> str | None:
    """What is wrong with the `extract` arguments before anything is read, or None."""
    if args.workers < 1:
        return "--workers must be at least 1"
    if args.dask_address and args.engine != "dask":
        return "--dask-address needs --engine dask"
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        return f"no such file or folder: {', '.join(map(str, missing))}"
    try:
        output_folder.check_output_dir(args.out)
    except output_folder.OutputError as exc:
        return str(exc)
    return None


def _report_run(result: pipeline.RunResult, out: Path) -> None:
    """Errors and warnings on stderr, one line each; the summary on stdout."""
    for failed in result.failed:
        print(f"error: {failed.problem.message}", file=sys.stderr)
    for problem in result.dropped:
        print(f"error: {problem.doc_id}: {problem.message}", file=sys.stderr)
    for problem in result.renamed:
        print(f"warning: {problem.message}", file=sys.stderr)
    for row in result.unreconciled:
        print(
            f"warning: {row['doc_id']}: {row['metric']}: the text states {row['stated']}, "
            f"the tables count {row['extracted']} (see the reconciliation table)",
            file=sys.stderr,
        )
    n_problems = result.row_counts.get("problems", 0)
    rows = ", ".join(f"{name} {n}" for name, n in result.row_counts.items())
    total = result.n_documents
    print(
        f"{total} documents ({result.n_extracted} extracted, {total - result.n_extracted} unchanged), "
        f"{len(result.failed)} failed; rows: {rows}; {n_problems} problems -> {out}"
    )


def _rules(directory: Path) -> Rules | None:
    """The rules, or None after a one-line message naming the file and field."""
    try:
        return load_rules(directory)
    except RulesError as exc:
        print(f"iscm-extract: invalid rules: {exc}", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly; stdout is pointed at /dev/null so that the
        # interpreter's own flush at exit cannot raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(message)s",
    )
    if args.command == "extract":
        return _extract(args)
    if args.command == "eval":
        if not args.gold.is_dir() or not args.pred.is_dir():
            print("iscm-extract: --gold and --pred must be folders", file=sys.stderr)
            return 2
        scores = evaluate.evaluate(args.gold, args.pred, args.table)
        print(evaluate.format_scores(scores, show_errors=not args.quiet_errors))
        return 0
    if args.command == "diff":
        unknown = sorted(set(args.table or []) - set(catalog.SCHEMAS))
        if unknown:
            print(
                f"iscm-extract: unknown table {', '.join(unknown)} (tables: {', '.join(catalog.SCHEMAS)})",
                file=sys.stderr,
            )
            return 2
        try:
            diffs = diff.diff_dirs(args.old, args.new, args.table)
        except (FileNotFoundError, OSError, ValueError) as exc:
            print(f"iscm-extract: {exc}", file=sys.stderr)
            return 2
        print(diff.RENDERERS[args.format](diffs, args.limit))
        return 0 if all(d.equal for d in diffs) else 1
    if args.command in {"review", "dictionary"} and not (args.directory / "documents.parquet").is_file():
        print(f"iscm-extract: no tables in {args.directory}", file=sys.stderr)
        return 2
    if args.command == "review":
        written, missing = review.write_review(args.directory, args.out)
        for reason in missing:
            print(f"error: {reason}", file=sys.stderr)
        print(f"{len(written) - 1} document pages and an index -> {args.out / 'index.html'}")
        return 1 if missing else 0
    if args.command == "dictionary":
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(dictionary.render(args.directory), encoding="utf-8")
        print(f"data dictionary -> {args.out}")
        return 0
    if args.command == "validate":
        if not args.directory.is_dir():
            print(f"iscm-extract: not a folder: {args.directory}", file=sys.stderr)
            return 2
        rules = _rules(args.rules)
        if rules is None:
            return 2
        failures = validate.validate_dir(args.directory, rules.vocabulary)
        print("\n".join(failures) if failures else f"{args.directory}: all tables valid")
        return 1 if failures else 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
