"""Load and validate the analyst-editable rules under `rules/`.

Every file is checked when loaded: a typo in a rule file fails the run with the file and the
field named, never silently changes what is extracted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from iscm_extract.normalise import name_key

DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"

SECTION_KINDS = {
    "iscm",
    "global_meeting",
    "themes",
    "global_initiatives",
    "publications",
    "stats",
    "front_matter",
    "other",
}
DOCUMENT_KINDS = {"newsletter", "meeting_report", "survey_summary", "other"}


class RulesError(ValueError):
    """A rule file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class RegistryEntry:
    id: str
    name: str
    acronyms: tuple[str, ...]
    variants: tuple[str, ...]
    typos: tuple[str, ...]

    @property
    def long_forms(self) -> tuple[str, ...]:
        return (self.name, *self.variants)


@dataclass(frozen=True)
class Registry:
    entries: tuple[RegistryEntry, ...]
    family_terms: dict[str, tuple[str, ...]]

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(e.id for e in self.entries)

    def get(self, iscm_id: str) -> RegistryEntry:
        for entry in self.entries:
            if entry.id == iscm_id:
                return entry
        raise KeyError(iscm_id)


@dataclass(frozen=True)
class FuzzyConfig:
    cutoff: float
    margin: float
    min_words: int


@dataclass(frozen=True)
class NormaliseRules:
    fuzzy: FuzzyConfig
    leading_stopwords: tuple[str, ...]
    max_unmatched_word_share: float
    word_similarity: float
    stopwords: frozenset[str]
    definition_min_shared_words: float


@dataclass(frozen=True)
class HeadingRule:
    kind: str
    iscm_id: str | None
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class SectionRules:
    max_heading_words: int
    skip_lines: tuple[re.Pattern[str], ...]
    not_headings: tuple[re.Pattern[str], ...]
    headings: tuple[HeadingRule, ...]
    uppercase_heading_min_letters: int
    iscm_heading_nouns: frozenset[str]


@dataclass(frozen=True)
class KindRule:
    kind: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class ClassifyRules:
    window: int
    kinds: tuple[KindRule, ...]


@dataclass(frozen=True)
class Rules:
    registry: Registry
    normalise: NormaliseRules
    sections: SectionRules
    classify: ClassifyRules
    # sha256 over every rule file: part of the manifest and of the cache key.
    fingerprint: str


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise RulesError(f"{path}: rule file missing")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RulesError(f"{path}: expected a mapping at the top level")
    return data


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise RulesError(f"{where}: expected a list of strings")
    return tuple(str(v) for v in value)


def _compile(patterns: Any, where: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in _str_list(patterns, where):
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            raise RulesError(f"{where}: bad regular expression {pattern!r}: {exc}") from exc
    return tuple(compiled)


def load_registry(path: Path) -> Registry:
    data = _read_yaml(path)
    raw_entries = data.get("iscms")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise RulesError(f"{path}: 'iscms' must be a non-empty list")
    entries: list[RegistryEntry] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(raw_entries):
        where = f"{path}: iscms[{i}]"
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("name"):
            raise RulesError(f"{where}: every entry needs an 'id' and a 'name'")
        unknown = set(raw) - {"id", "name", "acronyms", "variants", "typos"}
        if unknown:
            raise RulesError(f"{where}: unknown field(s) {sorted(unknown)}")
        entry = RegistryEntry(
            id=str(raw["id"]),
            name=str(raw["name"]),
            acronyms=_str_list(raw.get("acronyms"), f"{where}.acronyms"),
            variants=_str_list(raw.get("variants"), f"{where}.variants"),
            typos=_str_list(raw.get("typos"), f"{where}.typos"),
        )
        if entry.id in {e.id for e in entries}:
            raise RulesError(f"{where}: duplicate id {entry.id!r}")
        # The same written form may not name two bodies: that would make resolution a guess.
        for form in (entry.id, entry.name, *entry.acronyms, *entry.variants, *entry.typos):
            key = name_key(form)
            if key in seen and seen[key] != entry.id:
                raise RulesError(f"{where}: {form!r} already names {seen[key]!r}")
            seen[key] = entry.id
        entries.append(entry)
    family = data.get("family_terms") or {}
    if not isinstance(family, dict):
        raise RulesError(f"{path}: 'family_terms' must map a term to its spellings")
    family_terms = {str(k): _str_list(v, f"{path}: family_terms.{k}") for k, v in family.items()}
    return Registry(tuple(entries), family_terms)


def load_normalise(path: Path) -> NormaliseRules:
    data = _read_yaml(path)
    fuzzy = data.get("fuzzy")
    if not isinstance(fuzzy, dict):
        raise RulesError(f"{path}: 'fuzzy' section missing")
    try:
        config = FuzzyConfig(float(fuzzy["cutoff"]), float(fuzzy["margin"]), int(fuzzy["min_words"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise RulesError(f"{path}: fuzzy needs numeric cutoff, margin and min_words ({exc})") from exc
    if not 0 < config.cutoff <= 100 or config.margin < 0 or config.min_words < 2:
        raise RulesError(f"{path}: fuzzy cutoff must be in (0, 100], margin >= 0, min_words >= 2")
    share = float(data.get("max_unmatched_word_share", 0.15))
    similarity = float(data.get("word_similarity", 80))
    if not 0 <= share < 1 or not 0 < similarity <= 100:
        raise RulesError(f"{path}: max_unmatched_word_share must be in [0, 1), word_similarity in (0, 100]")
    return NormaliseRules(
        fuzzy=config,
        leading_stopwords=_str_list(data.get("leading_stopwords"), f"{path}: leading_stopwords"),
        max_unmatched_word_share=share,
        word_similarity=similarity,
        stopwords=frozenset(w.casefold() for w in _str_list(data.get("stopwords"), f"{path}: stopwords")),
        definition_min_shared_words=float(data.get("definition_min_shared_words", 0.5)),
    )


def load_sections(path: Path, registry: Registry) -> SectionRules:
    data = _read_yaml(path)
    headings = []
    for i, raw in enumerate(data.get("headings") or []):
        where = f"{path}: headings[{i}]"
        kind = raw.get("kind")
        if kind not in SECTION_KINDS - {"iscm", "front_matter"}:
            raise RulesError(f"{where}: kind {kind!r} is not one of {sorted(SECTION_KINDS)}")
        iscm_id = raw.get("iscm")
        if iscm_id is not None and iscm_id not in registry.ids:
            raise RulesError(f"{where}: iscm {iscm_id!r} is not a registry id")
        headings.append(HeadingRule(kind, iscm_id, _compile(raw.get("patterns"), f"{where}.patterns")))
    return SectionRules(
        max_heading_words=int(data.get("max_heading_words", 18)),
        skip_lines=_compile(data.get("skip_lines"), f"{path}: skip_lines"),
        not_headings=_compile(data.get("not_headings"), f"{path}: not_headings"),
        headings=tuple(headings),
        uppercase_heading_min_letters=int(data.get("uppercase_heading_min_letters", 12)),
        iscm_heading_nouns=frozenset(
            w.casefold() for w in _str_list(data.get("iscm_heading_nouns"), f"{path}: iscm_heading_nouns")
        ),
    )


def load_classify(path: Path, registry: Registry) -> ClassifyRules:
    data = _read_yaml(path)
    family = "|".join(
        re.escape(term) for terms in registry.family_terms.values() for term in terms if " " not in term
    )
    kinds = []
    for i, raw in enumerate(data.get("kinds") or []):
        where = f"{path}: kinds[{i}]"
        if raw.get("kind") not in DOCUMENT_KINDS:
            raise RulesError(f"{where}: kind {raw.get('kind')!r} is not one of {sorted(DOCUMENT_KINDS)}")
        patterns = [p.replace("{family}", f"(?:{family})") for p in _str_list(raw.get("patterns"), where)]
        kinds.append(KindRule(raw["kind"], _compile(patterns, where)))
    return ClassifyRules(int(data.get("window", 2500)), tuple(kinds))


def load_rules(rules_dir: Path = DEFAULT_RULES_DIR) -> Rules:
    files = sorted(p for p in rules_dir.glob("*.yaml"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    registry = load_registry(rules_dir / "iscms.yaml")
    return Rules(
        registry=registry,
        normalise=load_normalise(rules_dir / "normalise.yaml"),
        sections=load_sections(rules_dir / "sections.yaml", registry),
        classify=load_classify(rules_dir / "classify.yaml", registry),
        fingerprint=digest.hexdigest(),
    )
