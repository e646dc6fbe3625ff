"""`iscm-extract eval`: precision, recall and F1 of extracted tables against hand-made gold.

Gold lives in `<gold>/<doc_id>/<table>.csv`. Only documents with a gold file for a table are
scored for that table. Rows are matched as multisets of keys (SPEC section 8):
  sections:          (doc_id, kind, iscm_id, heading folded)
  meetings (dated):  (doc_id, iscm_id, start_date, end_date)
  meetings (undated): (doc_id, iscm_id, meeting_type)
  themes:            (doc_id, group, theme folded, iscm_id)
  publications:      (doc_id, title folded, url)
  anniversaries:     (doc_id, iscm_id, years);  headline_stats: (doc_id, metric, value)
  participants, speakers: (doc_id, row_no, name);  survey_respondents: (doc_id, iscm_id)
and field accuracy over matched pairs (FIELDS: for meetings type, ordinal, count, city, country,
format; for participants their ISCM ids and role).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from iscm_extract.tables.catalog import TABLES
from iscm_extract.text import name_key


def _text(value: Any) -> str:
    return (
        "" if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA else str(value)
    )


def _section_key(row: dict[str, Any]) -> Hashable:
    return (row["doc_id"], _text(row["kind"]), _text(row["iscm_id"]), name_key(_text(row["heading"])))


def _date(value: Any) -> str:
    return _text(value)[:10]


def _meeting_key(row: dict[str, Any]) -> Hashable:
    if _date(row["start_date"]):
        return (row["doc_id"], _text(row["iscm_id"]), _date(row["start_date"]), _date(row["end_date"]))
    return (row["doc_id"], _text(row["iscm_id"]), _text(row["meeting_type"]))


def _columns(*columns: str, folded: tuple[str, ...] = ()) -> Callable[[dict[str, Any]], Hashable]:
    """A key of the row's values in these columns; `folded` ones compared by name_key."""
    return lambda row: tuple(name_key(_value(row[c])) if c in folded else _value(row[c]) for c in columns)


# How a gold row is matched: sections and meetings by their own rules, the others on the columns
# of their declaration's gold_key (tables.yaml).
KEYS: dict[str, Callable[[dict[str, Any]], Hashable]] = {
    "sections": _section_key,
    "meetings": _meeting_key,
    **{
        name: _columns(*spec.gold_key, folded=spec.gold_folded)
        for name, spec in TABLES.items()
        if spec.gold_key
    },
}
FIELDS = {
    "meetings": ["meeting_type", "ordinal", "stated_count", "city", "country", "format"],
    "themes": ["theme_id", "stated_count", "listed_count", "count_ok"],
    "publications": ["iscm_id", "year"],
    "participants": ["iscm_ids", "role", "group"],
    "speakers": ["iscm_ids"],
}


def _value(value: Any) -> str:
    """Gold CSV and Parquet values as comparable text: lists as 'A;B', 3.0 as 3, True as true."""
    if hasattr(value, "__len__") and not isinstance(value, str):
        return ";".join(_value(v) for v in value)
    text = _text(value)
    if isinstance(value, bool) or text in {"True", "False"}:
        return text.lower()
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def field_accuracy(
    gold: list[dict[str, Any]],
    pred: list[dict[str, Any]],
    key: Callable[[dict[str, Any]], Hashable],
    fields: list[str],
) -> dict[str, tuple[int, int]]:
    """For each field, (equal, compared) over gold/pred pairs that share a key; within a key the
    pairs are formed greedily by the number of equal fields."""
    by_key: dict[Hashable, list[dict[str, Any]]] = {}
    for row in pred:
        by_key.setdefault(key(row), []).append(row)
    counts = {f: [0, 0] for f in fields}
    for row in gold:
        candidates = by_key.get(key(row), [])
        if not candidates:
            continue
        best = max(candidates, key=lambda c: sum(_value(c[f]) == _value(row[f]) for f in fields))
        candidates.remove(best)
        for f in fields:
            counts[f][0] += _value(best[f]) == _value(row[f])
            counts[f][1] += 1
    return {f: (equal, total) for f, (equal, total) in counts.items()}


@dataclass(frozen=True)
class Score:
    table: str
    doc_id: str  # "*" for all documents together
    n_gold: int
    n_pred: int
    n_matched: int
    missing: tuple[Hashable, ...] = ()
    extra: tuple[Hashable, ...] = ()
    fields: tuple[tuple[str, int, int], ...] = ()  # (field, equal, compared)

    @property
    def precision(self) -> float:
        return self.n_matched / self.n_pred if self.n_pred else 1.0

    @property
    def recall(self) -> float:
        return self.n_matched / self.n_gold if self.n_gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _score(
    table: str, doc_id: str, gold_rows: list[dict[str, Any]], pred_rows: list[dict[str, Any]]
) -> Score:
    key = KEYS[table.split(":")[0]]
    gold, pred = [key(r) for r in gold_rows], [key(r) for r in pred_rows]
    gold_counts, pred_counts = Counter(gold), Counter(pred)
    matched = sum((gold_counts & pred_counts).values())
    missing = tuple(sorted((gold_counts - pred_counts).elements(), key=str))
    extra = tuple(sorted((pred_counts - gold_counts).elements(), key=str))
    fields = FIELDS.get(table.split(":")[0], [])
    accuracy = field_accuracy(gold_rows, pred_rows, key, fields) if fields else {}
    return Score(
        table, doc_id, len(gold), len(pred), matched, missing, extra, tuple((f, *accuracy[f]) for f in fields)
    )


def read_gold(gold_dir: Path, table: str) -> pd.DataFrame:
    frames = [
        pd.read_csv(path, dtype=str, keep_default_na=False).assign(doc_id=path.parent.name)
        for path in sorted(gold_dir.glob(f"*/{table}.csv"))
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def evaluate(gold_dir: Path, pred_dir: Path, tables: list[str] | None = None) -> list[Score]:
    """Scores of the documents that the run in `pred_dir` read (its documents table): gold of a
    document the run was not given is not counted as missed."""
    scores: list[Score] = []
    documents = pred_dir / "documents.parquet"
    run_ids = set(pd.read_parquet(documents, columns=["doc_id"])["doc_id"]) if documents.exists() else None
    for table in tables or sorted(KEYS):
        gold = read_gold(gold_dir, table)
        if run_ids is not None and not gold.empty:
            gold = gold[gold["doc_id"].isin(run_ids)]
        pred_path = pred_dir / f"{table}.parquet"
        if gold.empty or not pred_path.exists():
            continue
        pred = pd.read_parquet(pred_path)
        for name, subset in _subsets(table):
            all_gold: list[dict[str, Any]] = []
            all_pred: list[dict[str, Any]] = []
            for doc_id in sorted(gold["doc_id"].unique()):
                g = [r for r in gold[gold["doc_id"] == doc_id].to_dict("records") if subset(r)]
                p = [r for r in pred[pred["doc_id"] == doc_id].to_dict("records") if subset(r)]
                scores.append(_score(name, doc_id, g, p))
                all_gold += g
                all_pred += p
            scores.append(_score(name, "*", all_gold, all_pred))
    return scores


def _subsets(table: str) -> list[tuple[str, Callable[[dict[str, Any]], bool]]]:
    """Meetings are scored dated and undated apart, as their keys differ."""
    if table != "meetings":
        return [(table, lambda row: True)]
    return [
        ("meetings:dated", lambda row: bool(_date(row["start_date"]))),
        ("meetings:undated", lambda row: not _date(row["start_date"])),
    ]


def format_scores(scores: list[Score], show_errors: bool = True) -> str:
    lines = [f"{'table':<18} {'document':<37} {'gold':>5} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6}"]
    for s in scores:
        name = "ALL" if s.doc_id == "*" else s.doc_id
        lines.append(
            f"{s.table:<18} {name:<37} {s.n_gold:>5} {s.n_pred:>5} "
            f"{s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f}"
        )
        if s.fields and s.doc_id == "*":
            accuracy = [f"{f} {eq / n:.3f} ({eq}/{n})" if n else f"{f} -" for f, eq, n in s.fields]
            lines.append("    field accuracy: " + ", ".join(accuracy))
        if show_errors and s.doc_id != "*":
            lines += [f"    missing {m}" for m in s.missing] + [f"    extra   {e}" for e in s.extra]
    return "\n".join(lines)
