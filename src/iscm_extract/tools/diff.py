"""`iscm-extract diff OLD NEW`: what changed in the extracted tables, row by row, by stable id.

Rows are matched on each table's stable key, never on their position. A meeting whose date
changes gets a new meeting_id (the date is part of it), so rows left unmatched by key are paired
a second time on a looser identity (section, type and name for meetings): a changed date is one
changed row, not a removal and an addition.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from iscm_extract.tables.catalog import KEYS
from iscm_extract.tables.values import json_value

# A looser identity than its key (tables.KEYS) to pair rows whose key changed.
PAIR_ON: dict[str, list[list[str]]] = {
    "meetings": [
        ["doc_id", "section_id", "iscm_id", "meeting_type", "name"],  # its dates changed
        ["doc_id", "section_id", "iscm_id", "name", "start_date", "end_date"],  # its type changed
    ]
}
# Columns shown beside the key of an added or removed row, so a reviewer sees what it is.
LABELS: dict[str, list[str]] = {
    "sections": ["doc_id", "kind", "heading"],
    "meetings": ["doc_id", "iscm_id", "meeting_type", "name", "start_date", "end_date"],
    "problems": ["severity"],
}


@dataclass
class Change:
    key: dict[str, Any]
    columns: dict[str, tuple[Any, Any]]  # column -> (old, new)


@dataclass
class TableDiff:
    table: str
    status: str  # same | changed | added (table new) | removed (table gone)
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    schema: list[str] = field(default_factory=list)  # "column: old type -> new type", "+ col", "- col"

    @property
    def equal(self) -> bool:
        return self.status == "same" and not (self.added or self.removed or self.changed or self.schema)


def _rows(path: Path) -> list[dict[str, Any]]:
    frame = pd.read_parquet(path)
    return [{k: json_value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _index(rows: list[dict[str, Any]], columns: list[str]) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    index: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        index.setdefault(tuple(str(row.get(c)) for c in columns), []).append(row)
    return index


def _schema_changes(old: Path, new: Path) -> list[str]:
    old_schema, new_schema = pq.read_schema(old), pq.read_schema(new)
    old_types = {f.name: str(f.type) for f in old_schema}
    new_types = {f.name: str(f.type) for f in new_schema}
    changes = [f"+ {c} ({new_types[c]})" for c in new_types if c not in old_types]
    changes += [f"- {c} ({old_types[c]})" for c in old_types if c not in new_types]
    changes += [
        f"{c}: {old_types[c]} -> {new_types[c]}"
        for c in old_types
        if c in new_types and old_types[c] != new_types[c]
    ]
    return changes


def diff_table(table: str, old: Path, new: Path) -> TableDiff:
    if not old.exists() and not new.exists():
        return TableDiff(table, "same")
    if not old.exists():
        return TableDiff(table, "added", added=_rows(new))
    if not new.exists():
        return TableDiff(table, "removed", removed=_rows(old))
    result = TableDiff(table, "same", schema=_schema_changes(old, new))
    key_columns = KEYS.get(table) or list(pq.read_schema(new).names)
    old_rows, new_rows = _index(_rows(old), key_columns), _index(_rows(new), key_columns)
    unmatched_old: list[dict[str, Any]] = []
    unmatched_new: list[dict[str, Any]] = []
    for key in sorted(set(old_rows) | set(new_rows)):
        before, after = old_rows.get(key, []), new_rows.get(key, [])
        for a, b in zip(before, after, strict=False):
            _compare(result, key_columns, a, b)
        unmatched_old += before[len(after) :]
        unmatched_new += after[len(before) :]
    for pair_columns in PAIR_ON.get(table, []):
        loose_new = _index(unmatched_new, pair_columns)
        still_old = []
        for row in unmatched_old:
            candidates = loose_new.get(tuple(str(row.get(c)) for c in pair_columns))
            if candidates:
                _compare(result, key_columns, row, candidates.pop(0))
            else:
                still_old.append(row)
        unmatched_old = still_old
        unmatched_new = [row for rows in loose_new.values() for row in rows]
    result.removed, result.added = unmatched_old, unmatched_new
    if result.added or result.removed or result.changed or result.schema:
        result.status = "changed"
    return result


def _compare(result: TableDiff, key_columns: list[str], old: dict[str, Any], new: dict[str, Any]) -> None:
    columns = {c: (old.get(c), new.get(c)) for c in sorted(set(old) | set(new)) if old.get(c) != new.get(c)}
    if columns:
        result.changed.append(Change({c: new.get(c, old.get(c)) for c in key_columns}, columns))


def diff_dirs(old_dir: Path, new_dir: Path, tables: list[str] | None = None) -> list[TableDiff]:
    if not old_dir.is_dir() or not new_dir.is_dir():
        raise FileNotFoundError(f"not a folder: {old_dir if not old_dir.is_dir() else new_dir}")
    names = tables or sorted({p.stem for p in [*old_dir.glob("*.parquet"), *new_dir.glob("*.parquet")]})
    return [diff_table(name, old_dir / f"{name}.parquet", new_dir / f"{name}.parquet") for name in names]


# --- rendering ------------------------------------------------------------------------------------


def _short(value: Any, width: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def _key_text(key: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in key.items())


def _row_text(table: str, row: dict[str, Any]) -> str:
    key = _key_text({c: row.get(c) for c in KEYS.get(table, [])}) or _short(row)
    labels = [str(row.get(c)) for c in LABELS.get(table, []) if row.get(c) is not None]
    return f"{key} ({', '.join(labels)})" if labels else key


def render_text(diffs: list[TableDiff], limit: int = 20) -> str:
    lines = []
    for d in diffs:
        lines.append(
            f"{d.table}: {d.status}"
            + ("" if d.equal else f" (+{len(d.added)} -{len(d.removed)} ~{len(d.changed)})")
        )
        lines += [f"  schema {s}" for s in d.schema]
        lines += [f"  + {_row_text(d.table, row)}" for row in d.added[:limit]]
        lines += [f"  - {_row_text(d.table, row)}" for row in d.removed[:limit]]
        for change in d.changed[:limit]:
            lines.append(f"  ~ {_key_text(change.key)}")
            lines += [f"      {c}: {_short(a)} -> {_short(b)}" for c, (a, b) in change.columns.items()]
    return "\n".join(lines)


def md_code(text: str) -> str:
    """A markdown code span of any text: fenced by one backtick more than its longest run of
    backticks, padded when it starts or ends with one; pipes escaped for table cells."""
    text = text.replace("\n", " ").replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_text(text: str) -> str:
    """Plain text in markdown: characters that would make markup (links, emphasis, HTML, table
    cells) are backslash-escaped."""
    return re.sub(r"([\\`*_\[\]<>|#~!])", r"\\\1", text.replace("\n", " "))


def render_markdown(diffs: list[TableDiff], limit: int = 20) -> str:
    lines = [
        "| table | status | added | removed | changed | schema |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    lines += [
        f"| {md_text(d.table)} | {d.status} | {len(d.added)} | {len(d.removed)} | {len(d.changed)} | "
        f"{md_text('; '.join(d.schema)) or '-'} |"
        for d in diffs
    ]
    for d in diffs:
        if d.equal:
            continue
        lines += ["", f"### {md_text(d.table)}", ""]
        lines += [f"- added {md_code(_row_text(d.table, r))}" for r in d.added[:limit]]
        lines += [f"- removed {md_code(_row_text(d.table, r))}" for r in d.removed[:limit]]
        if d.changed:
            lines += ["", "| row | column | old | new |", "| --- | --- | --- | --- |"]
            for change in d.changed[:limit]:
                row = _key_text(change.key)
                for column, (a, b) in change.columns.items():
                    cells = [md_code(row), md_text(column), md_text(_short(a, 40)), md_text(_short(b, 40))]
                    lines.append("| " + " | ".join(cells) + " |")
        hidden = (
            max(0, len(d.added) - limit) + max(0, len(d.removed) - limit) + max(0, len(d.changed) - limit)
        )
        if hidden:
            lines.append(f"\n… and {hidden} more rows")
    return "\n".join(lines)


def render_json(diffs: list[TableDiff], limit: int = 20) -> str:
    return json.dumps(
        [
            {
                "table": d.table,
                "status": d.status,
                "schema": d.schema,
                "added": d.added[:limit],
                "removed": d.removed[:limit],
                "n_added": len(d.added),
                "n_removed": len(d.removed),
                "n_changed": len(d.changed),
                "changed": [
                    {"key": c.key, "columns": {k: list(v) for k, v in c.columns.items()}}
                    for c in d.changed[:limit]
                ],
            }
            for d in diffs
        ],
        indent=2,
        default=str,
        ensure_ascii=False,
    )


RENDERERS: dict[str, Callable[[list[TableDiff], int], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
