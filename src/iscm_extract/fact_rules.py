"""rules/facts.yaml and rules/reconciliation.yaml: what stage 6 reads besides meetings.

rules/facts.yaml is grouped by table (themes, anniversaries, publications, headline stats,
participants, speakers, survey); its patterns carry placeholders expanded once on load, from
the rules that declare their words: `{n}` a count ("21", "Twenty-one", from meetings.yaml's
number words), `{ordinal}` ("5th", "twenty-fifth"), `{family}` the registry's family terms,
`{name}` a capitalised name to the end of its clause. For example the stated count of a theme
line, `[\\[(]\\s*{n}(?:\\s+{family})?\\s*[\\])]`, matches "[21 ISCMs]" and
"(twenty-one)", its group `n` holding "21" or "twenty-one".

rules/reconciliation.yaml says which records count towards each headline figure; every name
in it is checked against the rules that declare it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iscm_extract.meeting_rules import MeetingRules, NumberWords
from iscm_extract.rule_files import (
    VERSION,
    RulesError,
    alternation,
    compile_patterns,
    read_yaml,
    schema,
    str_list,
)

if TYPE_CHECKING:
    from iscm_extract.rules import Registry


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class FactRules:
    stated_count: re.Pattern[str]
    all_members: tuple[re.Pattern[str], ...]
    max_theme_words: int
    theme_separator: re.Pattern[str]  # between a theme and its members
    bullet: re.Pattern[str]  # a bullet mark or a number ("1.", "b)") opening a line
    anniversaries: tuple[re.Pattern[str], ...]
    not_titles: tuple[re.Pattern[str], ...]
    report_lists: tuple[re.Pattern[str], ...]
    metrics: tuple[Metric, ...]
    header_groups: dict[str, str]  # header of the second column -> participant group
    roles: tuple[str, ...]
    speakers_heading: re.Pattern[str]
    respondents_intro: tuple[re.Pattern[str], ...]
    numbers: NumberWords  # rules/meetings.yaml's, not a copy

    # number_value's view (themes.py passes these rules whole).
    @property
    def number_words(self) -> dict[str, int]:
        return self.numbers.number_words

    @property
    def tens_words(self) -> dict[str, int]:
        return self.numbers.tens_words


def _section(**keys: Any) -> Any:
    return schema(None, extra=keys)


# rules/facts.yaml is grouped by table, not laid out like FactRules: its schema is written out.
FACTS_FILE = schema(
    None,
    extra={
        **VERSION,
        "themes": _section(
            stated_count=str,
            all_members=list[str],
            max_theme_words=int,
            separators=list[str],
            bullets=list[str],
            numbering=str,
        ),
        "anniversaries": _section(patterns=list[str]),
        "publications": _section(not_titles=list[str], report_lists=list[str]),
        "headline_stats": dict[str, schema(Metric, skip=["name"], required=["unit"])],  # type: ignore[misc]
        "participants": _section(header_groups=dict[str, str], roles=list[str]),
        "speakers": _section(heading=str),
        "survey": _section(respondents_intro=list[str]),
    },
    required=[
        "themes",
        "anniversaries",
        "publications",
        "headline_stats",
        "participants",
        "speakers",
        "survey",
    ],
)


@dataclass(frozen=True)
class ReconciledMetric:
    """How the tables count what one headline metric of rules/facts.yaml states. `measure`
    meetings sums meeting_counts' n_meetings over the document's records that pass every filter
    given (a filter left out passes all); iscms counts the distinct iscm_ids of those records."""

    name: str
    measure: str  # meetings | iscms
    meeting_types: frozenset[str] = frozenset()
    levels: frozenset[str] = frozenset()
    formats: frozenset[str] = frozenset()
    iscm_ids: frozenset[str] = frozenset()
    exclude_iscm_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ReconciliationRules:
    """A stated figure and the tables' count differ too much when |extracted - stated| exceeds
    max(absolute_tolerance, relative_tolerance * stated)."""

    absolute_tolerance: int
    relative_tolerance: float
    metrics: tuple[ReconciledMetric, ...]


RECONCILIATION_FILE = schema(
    ReconciliationRules,
    skip=["metrics"],
    extra={
        **VERSION,
        "metrics": dict[str, schema(ReconciledMetric, skip=["name"], required=["measure"])],  # type: ignore[misc]
    },
    required=["absolute_tolerance", "relative_tolerance", "metrics"],
)


def _bullet(themes: dict[str, Any], path: Path) -> re.Pattern[str]:
    """A bullet mark or a number opening a list line, and the spaces after it."""
    marks = alternation(str_list(themes.get("bullets"), f"{path}: bullets")) or "(?!)"
    (numbering,) = compile_patterns([themes.get("numbering") or "(?!)"], f"{path}: themes.numbering")
    return re.compile(rf"^(?:{marks}|{numbering.pattern})\s+", re.I)


def load_facts(path: Path, registry: Registry, numbers: NumberWords) -> FactRules:
    """Patterns with {n}, {ordinal}, {family} and {name} placeholders, expanded and compiled."""
    data = read_yaml(path, FACTS_FILE)
    placeholders = _placeholders(registry, numbers)

    def patterns(value: Any, where: str, required: str | None = None) -> tuple[re.Pattern[str], ...]:
        return _expanded(value, where, placeholders, required)

    def section(name: str) -> dict[str, Any]:
        value = data.get(name)
        if not isinstance(value, dict):
            raise RulesError(f"{path}: section {name!r} missing")
        return value

    themes, publications, participants = section("themes"), section("publications"), section("participants")
    metrics = _metrics(section("headline_stats"), path, patterns)
    groups = participants.get("header_groups")
    if not isinstance(groups, dict) or set(groups.values()) - {"iscm", "host"}:
        raise RulesError(f"{path}: participants.header_groups maps a column header to iscm or host")
    (stated,) = patterns([themes.get("stated_count")], f"{path}: themes.stated_count", "n")
    (speakers_heading,) = patterns([section("speakers").get("heading")], f"{path}: speakers.heading")
    return FactRules(
        stated_count=stated,
        all_members=patterns(themes.get("all_members"), f"{path}: themes.all_members"),
        max_theme_words=int(themes.get("max_theme_words", 12)),
        theme_separator=re.compile(
            alternation(str_list(themes.get("separators") or [":"], f"{path}: separators"))
        ),
        bullet=_bullet(themes, path),
        anniversaries=patterns(section("anniversaries").get("patterns"), f"{path}: anniversaries", "ordinal"),
        not_titles=patterns(publications.get("not_titles"), f"{path}: publications.not_titles"),
        report_lists=patterns(publications.get("report_lists"), f"{path}: publications.report_lists"),
        metrics=metrics,
        header_groups={str(k).casefold(): str(v) for k, v in groups.items()},
        roles=tuple(sorted(str_list(participants.get("roles"), f"{path}: roles"), key=len, reverse=True)),
        speakers_heading=speakers_heading,
        respondents_intro=patterns(section("survey").get("respondents_intro"), f"{path}: survey"),
        numbers=numbers,
    )


def _placeholders(registry: Registry, numbers: NumberWords) -> dict[str, str]:
    """What each placeholder of rules/facts.yaml stands for."""
    units = "|".join([alternation(numbers.number_words), r"\d{1,4}"])
    tens = alternation(numbers.tens_words)
    ordinal_words = alternation(numbers.ordinal_words)
    return {
        "n": rf"(?P<n>(?:{tens})-(?:{alternation(numbers.number_words)})|{units})",
        "ordinal": rf"(?P<ordinal>\d{{1,3}}\s?(?:st|nd|rd|th)|(?:(?:{tens})-)?(?:{ordinal_words}))",
        "family": f"(?:{alternation(t for terms in registry.family_terms.values() for t in terms)})",
        # A name starts with a capital or digit and runs to the end of its clause.
        "name": r"(?P<name>(?-i:[A-Z0-9])[^\n(),.;:]*?)(?=\s*(?:[(),.;:\n]|'s\b|$))",
    }


def _expanded(
    value: Any, where: str, placeholders: dict[str, str], required: str | None = None
) -> tuple[re.Pattern[str], ...]:
    """The patterns of `value` with their placeholders expanded, compiled; `required` names a
    placeholder each must hold."""
    expanded = []
    for pattern in str_list(value, where):
        if required and "{" + required + "}" not in pattern:
            raise RulesError(f"{where}: {pattern!r} needs the placeholder {{{required}}}")
        try:
            expanded.append(re.sub(r"\{(\w+)\}", lambda m: placeholders[m[1]], pattern))
        except KeyError as exc:
            raise RulesError(f"{where}: unknown placeholder {exc} in {pattern!r}") from exc
    return compile_patterns(expanded, where)


def _metrics(
    stats: dict[str, Any], path: Path, patterns: Callable[[Any, str, str], tuple[re.Pattern[str], ...]]
) -> tuple[Metric, ...]:
    metrics = []
    for name, spec in stats.items():
        where = f"{path}: headline_stats.{name}"
        if not isinstance(spec, dict) or spec.get("unit") not in {"count", "percent"}:
            raise RulesError(f"{where}: unit must be count or percent")
        metrics.append(Metric(str(name), spec["unit"], patterns(spec.get("patterns"), where, "n")))
    return tuple(metrics)


RECONCILED_MEASURES = ("meetings", "iscms")


def load_reconciliation(
    path: Path, registry: Registry, meetings: MeetingRules, facts: FactRules
) -> ReconciliationRules:
    """The tolerance and, per headline metric, the records that count towards it; every name is
    checked against the rules that declare it (metrics of facts.yaml with unit count, meeting
    types, levels and formats of meetings.yaml, registry ids)."""
    data = read_yaml(path, RECONCILIATION_FILE)
    counted = {m.name for m in facts.metrics if m.unit == "count"}
    known = {
        "meeting_types": set(meetings.types.levels),
        "levels": set(meetings.types.level_names),
        "formats": {"in_person", *meetings.attachments.format_cues},
        "iscm_ids": set(registry.ids),
        "exclude_iscm_ids": set(registry.ids),
    }
    metrics = []
    for name, spec in data["metrics"].items():
        where = f"{path}: metrics.{name}"
        if name not in counted:
            raise RulesError(f"{where}: not a count metric of facts.yaml headline_stats ({sorted(counted)})")
        if spec["measure"] not in RECONCILED_MEASURES:
            raise RulesError(f"{where}.measure: must be one of {list(RECONCILED_MEASURES)}")
        filters = {}
        for key, allowed in known.items():
            values = frozenset(spec.get(key) or ())
            if values - allowed:
                raise RulesError(f"{where}.{key}: unknown {sorted(values - allowed)}")
            filters[key] = values
        metrics.append(ReconciledMetric(str(name), spec["measure"], **filters))
    absolute, relative = data["absolute_tolerance"], float(data["relative_tolerance"])
    if absolute < 0 or not 0 <= relative < 1:
        raise RulesError(f"{path}: absolute_tolerance >= 0 and 0 <= relative_tolerance < 1")
    return ReconciliationRules(absolute, relative, tuple(metrics))
