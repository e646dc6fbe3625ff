"""`iscm-extract eval`: precision, recall and F1 of extracted tables against hand-made gold.

Gold lives in `<gold>/<doc_id>/<table>.csv`. Only documents with a gold file for a table are
scored for that table. Rows are matched as multisets of keys (SPEC section 8):
  sections: (doc_id, kind, iscm_id, heading folded)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from iscm_extract.normalise import name_key


def _text(value: Any) -> str:
    return (
        "" if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA else str(value)
    )


def _section_key(row: dict[str, Any]) -> Hashable:
    return (row["doc_id"], _text(row["kind"]), _text(row["iscm_id"]), name_key(_text(row["heading"])))


KEYS: dict[str, Callable[[dict[str, Any]], Hashable]] = {"sections": _section_key}


@dataclass(frozen=True)
class Score:
    table: str
    doc_id: str  # "*" for all documents together
    n_gold: int
    n_pred: int
    n_matched: int
    missing: tuple[Hashable, ...] = ()
    extra: tuple[Hashable, ...] = ()

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


def _score(table: str, doc_id: str, gold: list[Hashable], pred: list[Hashable]) -> Score:
    gold_counts, pred_counts = Counter(gold), Counter(pred)
    matched = sum((gold_counts & pred_counts).values())
    missing = tuple(sorted((gold_counts - pred_counts).elements(), key=str))
    extra = tuple(sorted((pred_counts - gold_counts).elements(), key=str))
    return Score(table, doc_id, len(gold), len(pred), matched, missing, extra)


def read_gold(gold_dir: Path, table: str) -> pd.DataFrame:
    frames = [
        pd.read_csv(path, dtype=str, keep_default_na=False).assign(doc_id=path.parent.name)
        for path in sorted(gold_dir.glob(f"*/{table}.csv"))
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def evaluate(gold_dir: Path, pred_dir: Path, tables: list[str] | None = None) -> list[Score]:
    scores: list[Score] = []
    for table in tables or sorted(KEYS):
        gold = read_gold(gold_dir, table)
        pred_path = pred_dir / f"{table}.parquet"
        if gold.empty or not pred_path.exists():
            continue
        pred = pd.read_parquet(pred_path)
        key = KEYS[table]
        all_gold: list[Hashable] = []
        all_pred: list[Hashable] = []
        for doc_id in sorted(gold["doc_id"].unique()):
            g = [key(row) for row in gold[gold["doc_id"] == doc_id].to_dict("records")]
            p = [key(row) for row in pred[pred["doc_id"] == doc_id].to_dict("records")]
            scores.append(_score(table, doc_id, g, p))
            all_gold += g
            all_pred += p
        scores.append(_score(table, "*", all_gold, all_pred))
    return scores


def format_scores(scores: list[Score], show_errors: bool = True) -> str:
    lines = [f"{'table':<10} {'document':<40} {'gold':>5} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6}"]
    for s in scores:
        name = "ALL" if s.doc_id == "*" else s.doc_id
        lines.append(
            f"{s.table:<10} {name:<40} {s.n_gold:>5} {s.n_pred:>5} "
            f"{s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f}"
        )
        if show_errors and s.doc_id != "*":
            lines += [f"    missing {m}" for m in s.missing] + [f"    extra   {e}" for e in s.extra]
    return "\n".join(lines)
