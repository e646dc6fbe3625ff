"""rules/sections.yaml and rules/classify.yaml: how a document is classified and cut into sections.

classify.yaml names the document kinds and, per kind, the patterns of its opening text
("{family}" stands for the registry's family terms, "{month}" in a stamp for a month name:
`\\bsummary report\\b` makes a meeting_report); sections.yaml names the section kinds and the
heading rules that open each (`\\bglobal meeting of\\b`, iscm GRCP, opens a global_meeting
section of the GRCP). Both are checked against the registry, and against each other in
`rules.load_rules` (every kind read as a page is a document kind).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from iscm_extract.rule_files import VERSION, RulesError, compile_patterns, read_yaml, schema, str_list

if TYPE_CHECKING:
    from iscm_extract.rules import Registry


@dataclass(frozen=True)
class HeadingRule:
    kind: str
    iscm_id: str | None
    patterns: tuple[re.Pattern[str], ...]
    title_only: bool = False  # the line must read as a title (capitalised words or capitals)
    # The section's text must match one of these, else it is of kind "other" (a stats section
    # holds figures).
    text_patterns: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class SectionRules:
    max_heading_words: int
    skip_lines: tuple[re.Pattern[str], ...]
    not_headings: tuple[re.Pattern[str], ...]
    headings: tuple[HeadingRule, ...]
    uppercase_heading_min_letters: int
    iscm_heading_nouns: frozenset[str]
    kinds: tuple[str, ...] = ()  # every section kind (the vocabulary of sections.kind)
    # Document kinds read as one page: one `page` section, each meeting booked to the ISCM its
    # own text names (else the page's ISCM). Checked against classify's kinds in load_rules.
    read_as_page: tuple[str, ...] = ()


SECTIONS_FILE = schema(
    SectionRules,
    skip=["headings", "kinds"],
    extra={
        **VERSION,
        "section_kinds": list[str],
        "headings": list[schema(HeadingRule, rename={"iscm_id": "iscm"}, required=["kind"])],  # type: ignore[misc]
    },
    required=["section_kinds"],
)


@dataclass(frozen=True)
class KindRule:
    kind: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class ClassifyRules:
    window: int
    kinds: tuple[KindRule, ...]
    document_kinds: tuple[str, ...] = ()  # every document kind (the vocabulary of documents.kind)
    default_kind: str = "other"  # the kind of a document no rule recognises
    # Publication stamps and datelines ("Posted 29/10/2018", "Niamey, 27 January 2017:"): the
    # first dates a page that names no year in its title; no date inside one is a meeting's.
    stamps: tuple[re.Pattern[str], ...] = ()
    # A title line longer than this is a whole issue run into one line: its title is cut after
    # the words the newsletter pattern matched.
    max_title_words: int = 20


CLASSIFY_FILE = schema(ClassifyRules, extra=VERSION, required=["document_kinds", "kinds"])


# Section kinds the segmenter gives by itself, never by a heading rule.
CODE_SECTION_KINDS = ("iscm", "front_matter", "other", "page")


def load_sections(path: Path, registry: Registry) -> SectionRules:
    data = read_yaml(path, SECTIONS_FILE)
    kinds = str_list(data["section_kinds"], f"{path}: section_kinds")
    missing = set(CODE_SECTION_KINDS) - set(kinds)
    if missing:
        raise RulesError(f"{path}: section_kinds must include {sorted(missing)} (the segmenter gives them)")
    headings = []
    for i, raw in enumerate(data.get("headings") or []):
        where = f"{path}: headings[{i}]"
        kind = raw.get("kind")
        if kind not in set(kinds) - {"iscm", "front_matter"}:
            raise RulesError(f"{where}: kind {kind!r} is not one of section_kinds {sorted(kinds)}")
        iscm_id = raw.get("iscm")
        if iscm_id is not None and iscm_id not in registry.ids:
            raise RulesError(f"{where}: iscm {iscm_id!r} is not a registry id")
        title_only = raw.get("title_only", False)
        if not isinstance(title_only, bool):
            raise RulesError(f"{where}: title_only must be true or false, not {title_only!r}")
        patterns = compile_patterns(raw.get("patterns"), f"{where}.patterns")
        text_patterns = compile_patterns(raw.get("text_patterns"), f"{where}.text_patterns")
        headings.append(HeadingRule(kind, iscm_id, patterns, title_only, text_patterns))
    return SectionRules(
        max_heading_words=int(data.get("max_heading_words", 18)),
        skip_lines=compile_patterns(data.get("skip_lines"), f"{path}: skip_lines"),
        not_headings=compile_patterns(data.get("not_headings"), f"{path}: not_headings"),
        headings=tuple(headings),
        uppercase_heading_min_letters=int(data.get("uppercase_heading_min_letters", 12)),
        iscm_heading_nouns=frozenset(
            w.casefold() for w in str_list(data.get("iscm_heading_nouns"), f"{path}: iscm_heading_nouns")
        ),
        kinds=kinds,
        read_as_page=tuple(str_list(data.get("read_as_page"), f"{path}: read_as_page")),
    )


def load_classify(path: Path, registry: Registry) -> ClassifyRules:
    data = read_yaml(path, CLASSIFY_FILE)
    document_kinds = str_list(data["document_kinds"], f"{path}: document_kinds")
    default_kind = ClassifyRules.default_kind
    if default_kind not in document_kinds:
        raise RulesError(f"{path}: document_kinds must include {default_kind!r}")
    family = "|".join(
        re.escape(term) for terms in registry.family_terms.values() for term in terms if " " not in term
    )
    kinds = []
    for i, raw in enumerate(data.get("kinds") or []):
        where = f"{path}: kinds[{i}]"
        if raw.get("kind") not in document_kinds:
            raise RulesError(f"{where}: kind {raw.get('kind')!r} is not one of document_kinds")
        patterns = [p.replace("{family}", f"(?:{family})") for p in str_list(raw.get("patterns"), where)]
        kinds.append(KindRule(raw["kind"], compile_patterns(patterns, where)))
    months = "|".join(
        sorted({m.lower() for m in (*calendar.month_name, *calendar.month_abbr) if m}, key=len, reverse=True)
    )
    stamps = [p.replace("{month}", f"(?:{months})") for p in str_list(data.get("stamps"), f"{path}: stamps")]
    return ClassifyRules(
        int(data.get("window") or 2500),
        tuple(kinds),
        document_kinds,
        default_kind,
        compile_patterns(stamps, f"{path}: stamps", re.MULTILINE),
        int(data.get("max_title_words") or ClassifyRules.max_title_words),
    )
