"""Command line: a thin layer over pipeline and evaluate. Exit codes: 0 ok, 1 input errors, 2 usage."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iscm_extract import __version__, evaluate, pipeline
from iscm_extract.rules import DEFAULT_RULES_DIR, RulesError, load_rules


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="iscm-extract", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)

    extract = commands.add_parser("extract", help="extract files or folders into Parquet tables")
    extract.add_argument("paths", nargs="*", type=Path, default=[Path("raw")], help="inputs (default: raw/)")
    extract.add_argument(
        "--out", type=Path, default=Path("outputs"), help="output folder (default: outputs/)"
    )
    extract.add_argument("--rules", type=Path, default=DEFAULT_RULES_DIR, help="rules folder")

    score = commands.add_parser("eval", help="precision, recall and F1 per table against gold CSVs")
    score.add_argument("--gold", type=Path, default=Path("tests/gold"))
    score.add_argument("--pred", type=Path, default=Path("outputs"))
    score.add_argument("--table", action="append", help="only this table (repeatable)")
    score.add_argument("--quiet-errors", action="store_true", help="do not list missing and extra rows")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "extract":
        missing = [p for p in args.paths if not p.exists()]
        if missing:
            print(f"iscm-extract: no such file or folder: {', '.join(map(str, missing))}", file=sys.stderr)
            return 2
        try:
            rules = load_rules(args.rules)
        except RulesError as exc:
            print(f"iscm-extract: invalid rules: {exc}", file=sys.stderr)
            return 2
        result = pipeline.run(args.paths, args.out, rules)
        for failed in result.failed:
            print(f"error: {failed.problem.message}", file=sys.stderr)
        n_problems = sum(len(r.problems) for r in result.results) + len(result.failed)
        print(
            f"{len(result.results)} documents extracted, {len(result.failed)} failed, "
            f"{sum(len(r.sections) for r in result.results)} sections, {n_problems} problems -> {args.out}"
        )
        return 1 if result.n_errors else 0
    if args.command == "eval":
        if not args.gold.is_dir() or not args.pred.is_dir():
            print("iscm-extract: --gold and --pred must be folders", file=sys.stderr)
            return 2
        scores = evaluate.evaluate(args.gold, args.pred, args.table)
        print(evaluate.format_scores(scores, show_errors=not args.quiet_errors))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
