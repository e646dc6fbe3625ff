"""Tables derived from the extracted rows: `meeting_counts`, `iscms` and `reconciliation`.

meeting_counts. A meetings row is a meeting *record*: one meeting phrase with one of its date
spans (SPEC section 7). Counting rows undercounts what the text says, because a mention may state
more meetings than it has date spans. Each mention (the records sharing a `mention_id`) counts

    max(stated_count, k)  meetings, once, where k is its number of records:

    "Two Senior Officials' Meetings (28 March and 12 October)"  2 records  ->  2 meetings
    "11 Working Group meetings"                                 1 record   -> 11 meetings
    "4 thematic workshops (July and September)"                 2 records  ->  4 meetings
    "the 8th Ministerial Conference (10 February)"              1 record   ->  1 meeting

Every record weighs 1, and the first record of its mention (text order) also carries the
surplus max(0, stated_count - k) (`meeting_weights`). A sum of weights over any grouping or
filter therefore counts each mention once: `meeting_counts` is that sum per (doc_id, iscm_id,
year, meeting_type, level), with `n_records` (rows) and `n_dated` (rows with a start_date) beside
it. "Over 20" counts 20 (its count_qualifier says it is a lower bound).

iscms. One row per registry entry (rules/iscms.yaml): its acronym, name, other names and kind,
and the first and last year in which any table names it (a meeting's own year; for other rows,
the year of their document).

reconciliation. Where a document states headline figures (the headline_stats table: "a total of
170 meetings", "9 of them at the Ministerial level", "112 meetings (66%) were organized in
person"), each figure that rules/reconciliation.yaml knows how to count is put beside what the
tables count for the same document (the weights above, over the records its filters keep, or the
distinct ISCMs of those records). A difference beyond the rules' tolerance, max(absolute,
relative * stated), leaves a warning in problems.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from iscm_extract.rules import ReconciledMetric, ReconciliationRules, Registry

Row = dict[str, Any]

MEETING_COUNT_KEYS = ("doc_id", "iscm_id", "year", "meeting_type", "level")


def mention_sizes(meetings: Sequence[Row]) -> dict[tuple[str, str], tuple[int, int]]:
    """(doc_id, mention_id) -> (records of the mention, largest stated_count or 0)."""
    sizes: dict[tuple[str, str], list[int]] = {}
    for row in meetings:
        size = sizes.setdefault((row["doc_id"], row["mention_id"]), [0, 0])
        size[0] += 1
        size[1] = max(size[1], row.get("stated_count") or 0)
    return {key: (records, stated) for key, (records, stated) in sizes.items()}


def meeting_weights(meetings: Sequence[Row]) -> list[int]:
    """How many meetings each record stands for: 1, plus on the first record of its mention the
    meetings the mention states beyond its records."""
    sizes = mention_sizes(meetings)
    seen: set[tuple[str, str]] = set()
    weights = []
    for row in meetings:
        key = (row["doc_id"], row["mention_id"])
        records, stated = sizes[key]
        weights.append(1 if key in seen else 1 + max(0, stated - records))
        seen.add(key)
    return weights


def _sort_key(values: Iterable[Any]) -> tuple[tuple[bool, Any], ...]:
    return tuple((value is None, value if value is not None else 0) for value in values)


def meeting_counts_rows(meetings: Sequence[Row]) -> list[Row]:
    """One row per (doc_id, iscm_id, year, meeting_type, level)."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row, weight in zip(meetings, meeting_weights(meetings), strict=True):
        counts = groups[tuple(row.get(k) for k in MEETING_COUNT_KEYS)]
        counts[0] += weight
        counts[1] += 1
        counts[2] += row.get("start_date") is not None
    return [
        {
            **dict(zip(MEETING_COUNT_KEYS, key, strict=True)),
            "n_meetings": n_meetings,
            "n_records": n_records,
            "n_dated": n_dated,
        }
        for key, (n_meetings, n_records, n_dated) in sorted(groups.items(), key=lambda kv: _sort_key(kv[0]))
    ]


# Columns of the extracted tables that name registry ids, one id or a list of them.
_ID_COLUMNS = ("iscm_id", "iscm_ids", "joint_with")


def _named_ids(row: Row) -> set[str]:
    ids: set[str] = set()
    for column in _ID_COLUMNS:
        value = row.get(column)
        if isinstance(value, str):
            ids.add(value)
        elif value is not None:
            ids.update(str(v) for v in value)
    return ids


def named_years(rows: dict[str, list[Row]]) -> dict[str, dict[str, set[int]]]:
    """doc_id -> the registry ids its rows name -> the years they are named for (a meeting's own
    year; for other rows, the year of their document). A small summary per document, from which
    `NamedIds` and `iscms_from_named` build the iscms table without the rows."""
    doc_years = {d["doc_id"]: d.get("year") for d in rows.get("documents", [])}
    named: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for table, table_rows in rows.items():
        if table in {"documents", "problems"}:
            continue
        for row in table_rows:
            year = row.get("year") if table == "meetings" else doc_years.get(row.get("doc_id"))
            for iscm_id in _named_ids(row):
                years = named[row["doc_id"]][iscm_id]
                if year is not None:
                    years.add(int(year))
    return {doc_id: dict(ids) for doc_id, ids in named.items()}


class NamedIds:
    """What the iscms table counts, summed over documents one at a time (`add` each document's
    `named_years`): the years each registry id is named for, and how many documents name it."""

    def __init__(self) -> None:
        self.years: dict[str, set[int]] = defaultdict(set)
        self.documents: dict[str, int] = defaultdict(int)

    def add(self, named: Mapping[str, Iterable[int]]) -> None:
        for iscm_id, found in named.items():
            self.documents[iscm_id] += 1
            self.years[iscm_id].update(found)


def iscms_from_named(registry: Registry, named: NamedIds) -> list[Row]:
    """One row per registry entry: the first and last year in which any document names it, and how
    many documents name it."""
    return [
        {
            "iscm_id": entry.id,
            "acronym": entry.acronyms[0] if entry.acronyms else None,
            "name": entry.name,
            "other_names": [*entry.acronyms[1:], *entry.variants],
            "kind": entry.kind,
            "first_year": min(named.years[entry.id], default=None),
            "last_year": max(named.years[entry.id], default=None),
            "n_documents": named.documents[entry.id],
        }
        for entry in registry.entries
    ]


def iscms_rows(registry: Registry, rows: dict[str, list[Row]]) -> list[Row]:
    """One row per registry entry, with the years in which the tables name it."""
    named = NamedIds()
    for found in named_years(rows).values():
        named.add(found)
    return iscms_from_named(registry, named)


def _keeps(metric: ReconciledMetric, row: Row) -> bool:
    return (
        (not metric.meeting_types or row.get("meeting_type") in metric.meeting_types)
        and (not metric.levels or row.get("level") in metric.levels)
        and (not metric.formats or row.get("format") in metric.formats)
        and (not metric.iscm_ids or row.get("iscm_id") in metric.iscm_ids)
        and row.get("iscm_id") not in metric.exclude_iscm_ids
    )


def counted(metric: ReconciledMetric, meetings: Sequence[Row], weights: Sequence[int]) -> int:
    """What the tables say for `metric` over one document's meeting records."""
    kept = [(row, weight) for row, weight in zip(meetings, weights, strict=True) if _keeps(metric, row)]
    if metric.measure == "iscms":
        return len({row["iscm_id"] for row, _ in kept if row.get("iscm_id") is not None})
    return sum(weight for _, weight in kept)


def reconciliation_rows(
    rules: ReconciliationRules, rows: dict[str, list[Row]]
) -> tuple[list[Row], list[Row]]:
    """The reconciliation rows (one per stated figure the rules can count) and a problems row for
    each figure that the tables miss by more than the tolerance."""
    meetings = rows.get("meetings", [])
    weights = meeting_weights(meetings)
    by_doc: dict[str, tuple[list[Row], list[int]]] = defaultdict(lambda: ([], []))
    for row, weight in zip(meetings, weights, strict=True):
        by_doc[row["doc_id"]][0].append(row)
        by_doc[row["doc_id"]][1].append(weight)
    metrics = {m.name: m for m in rules.metrics}
    found, problems = [], []
    for stat in rows.get("headline_stats", []):
        metric = metrics.get(stat["metric"])
        if metric is None or stat.get("unit") != "count":
            continue
        doc_meetings, doc_weights = by_doc[stat["doc_id"]]
        stated, extracted = int(stat["value"]), counted(metric, doc_meetings, doc_weights)
        tolerance = max(float(rules.absolute_tolerance), rules.relative_tolerance * stated)
        within = abs(extracted - stated) <= tolerance
        found.append(
            {
                "doc_id": stat["doc_id"],
                "section_id": stat["section_id"],
                "metric": metric.name,
                "measure": metric.measure,
                "stated": stated,
                "extracted": extracted,
                "difference": extracted - stated,
                "tolerance": tolerance,
                "within_tolerance": within,
                "evidence": stat["evidence"],
                "char_start": stat["char_start"],
                "char_end": stat["char_end"],
            }
        )
        if not within:
            problems.append(
                {
                    "doc_id": stat["doc_id"],
                    "stage": "reconcile",
                    "severity": "warning",
                    "message": (
                        f"{metric.name}: the text states {stated}, the tables count {extracted} "
                        f"({extracted - stated:+d}; tolerance {tolerance:g}, rules/reconciliation.yaml)"
                    ),
                    "char_start": stat["char_start"],
                }
            )
    return found, problems
