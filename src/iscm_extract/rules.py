"""Load and validate the analyst-editable rules under `rules/`: one `Rules` of every file.

Every file is checked when loaded: a typo in a rule file fails the run with the file and the
field named, never silently changes what is extracted (rule_files.py: YAML 1.2 read against a
schema derived from the rules dataclass the file fills; for example `phrases: Summit` fails
with `rules/meetings.yaml: types.summit.phrases: Input should be a valid list`). Then each
loader checks what a type cannot say (known ids, regular expressions, the spaCy model package
importable) and builds its frozen dataclasses:

  iscms.yaml, normalise.yaml, themes.yaml   here;
  sections.yaml, classify.yaml             document_rules.py;
  meetings.yaml, places.yaml               meeting_rules.py (one slice per reader);
  facts.yaml, reconciliation.yaml          fact_rules.py.

Vocabularies (document kinds, section kinds, meeting types and levels) are declared once, in
the rule files, and `Vocabulary` hands them to the table validators (validate.py). The names
other modules import from here (`from iscm_extract.rules import FactRules`) stay importable.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from iscm_extract.document_rules import (
    CLASSIFY_FILE,
    CODE_SECTION_KINDS,
    SECTIONS_FILE,
    ClassifyRules,
    HeadingRule,
    KindRule,
    SectionRules,
    load_classify,
    load_sections,
)
from iscm_extract.fact_rules import (
    FACTS_FILE,
    RECONCILED_MEASURES,
    RECONCILIATION_FILE,
    FactRules,
    Metric,
    ReconciledMetric,
    ReconciliationRules,
    load_facts,
    load_reconciliation,
)
from iscm_extract.meeting_rules import (
    MEETINGS_FILE,
    PLACES_FILE,
    AttachmentCues,
    MeetingRules,
    MeetingTypes,
    MentionCues,
    ModelSettings,
    NumberWords,
    PhraseRule,
    PlaceRules,
    load_meetings,
    load_places,
)
from iscm_extract.rule_files import VERSION, RulesError, read_yaml, schema, str_list
from iscm_extract.text import name_key

__all__ = [
    "CLASSIFY_FILE",
    "CODE_SECTION_KINDS",
    "DEFAULT_RULES_DIR",
    "FACTS_FILE",
    "MEETINGS_FILE",
    "NORMALISE_FILE",
    "PLACES_FILE",
    "RECONCILED_MEASURES",
    "RECONCILIATION_FILE",
    "REGISTRY_FILE",
    "SECTIONS_FILE",
    "THEMES_FILE",
    "AttachmentCues",
    "ClassifyRules",
    "FactRules",
    "FuzzyConfig",
    "HeadingRule",
    "KindRule",
    "MeetingRules",
    "MeetingTypes",
    "MentionCues",
    "Metric",
    "ModelSettings",
    "NormaliseRules",
    "NumberWords",
    "PhraseRule",
    "PlaceRules",
    "ReconciledMetric",
    "ReconciliationRules",
    "Registry",
    "RegistryEntry",
    "Rules",
    "RulesError",
    "SectionRules",
    "Theme",
    "ThemeRules",
    "Vocabulary",
    "load_classify",
    "load_facts",
    "load_meetings",
    "load_normalise",
    "load_places",
    "load_reconciliation",
    "load_registry",
    "load_rules",
    "load_sections",
    "load_themes",
]

# The rules shipped inside the package (src/iscm_extract/rules is a link to the repository's
# rules/, the one source of truth; a wheel carries copies of the files); `--rules DIR` overrides.
DEFAULT_RULES_DIR = Path(str(importlib.resources.files("iscm_extract") / "rules"))


@dataclass(frozen=True)
class RegistryEntry:
    id: str
    name: str
    acronyms: tuple[str, ...]
    variants: tuple[str, ...]
    typos: tuple[str, ...]
    kind: str | None = None  # one of the registry's `kinds` (rcp, irf, global_process, ...)

    @property
    def long_forms(self) -> tuple[str, ...]:
        return (self.name, *self.variants)


# rules/iscms.yaml: `iscms` is the list of entries, `family_terms` maps a term to its spellings.
REGISTRY_FILE = schema(
    None,
    extra={
        **VERSION,
        "iscms": list[schema(RegistryEntry, required=["id", "name"])],  # type: ignore[misc]
        "family_terms": dict[str, list[str]],
        "kinds": list[str],
    },
)


@dataclass(frozen=True)
class Registry:
    entries: tuple[RegistryEntry, ...]
    family_terms: dict[str, tuple[str, ...]]
    kinds: tuple[str, ...] = ()  # what an entry's `kind` may be

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
    """When a written name that matches no registry form exactly may still resolve: a score of
    at least `cutoff`, ahead of the runner-up by `margin`, against the long forms of
    `min_words` or more words."""

    cutoff: float
    margin: float
    min_words: int


@dataclass(frozen=True)
class NormaliseRules:
    """How written names resolve to registry ids (normalise.py)."""

    fuzzy: FuzzyConfig
    leading_stopwords: tuple[str, ...]
    max_unmatched_word_share: float
    word_similarity: float
    stopwords: frozenset[str]
    definition_min_shared_words: float


NORMALISE_FILE = schema(NormaliseRules, extra=VERSION, required=["fuzzy"])


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class ThemeRules:
    themes: tuple[Theme, ...]
    fuzzy_cutoff: float


THEMES_FILE = schema(
    ThemeRules,
    skip=["themes"],
    extra={**VERSION, "themes": list[schema(Theme, required=["id", "name"])]},  # type: ignore[misc]
)


@dataclass(frozen=True)
class Vocabulary:
    """The closed sets of values of the tables' kind columns, as the rules declare them."""

    registry_ids: frozenset[str]
    document_kinds: frozenset[str]
    section_kinds: frozenset[str]
    meeting_types: frozenset[str]
    levels: frozenset[str]
    formats: frozenset[str]  # in_person plus the format cues' keys
    units: frozenset[str]  # of headline figures
    participant_groups: frozenset[str]


@dataclass(frozen=True)
class Rules:
    registry: Registry
    normalise: NormaliseRules
    sections: SectionRules
    classify: ClassifyRules
    meetings: MeetingRules
    places: PlaceRules
    themes: ThemeRules
    facts: FactRules
    reconciliation: ReconciliationRules
    # sha256 over every rule file: part of the manifest and of the cache key.
    fingerprint: str

    @property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(
            registry_ids=self.registry.ids,
            document_kinds=frozenset(self.classify.document_kinds),
            section_kinds=frozenset(self.sections.kinds),
            meeting_types=frozenset(self.meetings.types.levels),
            levels=frozenset(self.meetings.types.level_names),
            formats=frozenset({"in_person", *self.meetings.attachments.format_cues}),
            units=frozenset({"count", "percent"}),
            participant_groups=frozenset({"iscm", "host"}),
        )

    @cached_property
    def domain_words(self) -> frozenset[str]:
        """The words (lower case, five letters or more) of the registry's names and the themes':
        what ingest may put a dropped ligature back into even where the word without it is a word
        too ("tracking" -> "trafficking", ligatures.py)."""
        names = [form for entry in self.registry.entries for form in entry.long_forms]
        names += [form for theme in self.themes.themes for form in (theme.name, *theme.variants)]
        return frozenset(word for name in names for word in re.findall(r"[a-z]{5,}", name.lower()))


def load_registry(path: Path) -> Registry:
    data = read_yaml(path, REGISTRY_FILE)
    raw_entries = data.get("iscms")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise RulesError(f"{path}: 'iscms' must be a non-empty list")
    kinds = str_list(data.get("kinds"), f"{path}: kinds")
    entries: list[RegistryEntry] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(raw_entries):
        where = f"{path}: iscms[{i}]"
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("name"):
            raise RulesError(f"{where}: every entry needs an 'id' and a 'name'")
        unknown = set(raw) - {"id", "name", "acronyms", "variants", "typos", "kind"}
        if unknown:
            raise RulesError(f"{where}: unknown field(s) {sorted(unknown)}")
        entry = RegistryEntry(
            id=str(raw["id"]),
            name=str(raw["name"]),
            acronyms=str_list(raw.get("acronyms"), f"{where}.acronyms"),
            variants=str_list(raw.get("variants"), f"{where}.variants"),
            typos=str_list(raw.get("typos"), f"{where}.typos"),
            kind=str(raw["kind"]) if raw.get("kind") is not None else None,
        )
        if entry.kind is not None and entry.kind not in kinds:
            raise RulesError(f"{where}: kind {entry.kind!r} is not one of kinds {list(kinds)}")
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
    family_terms = {str(k): str_list(v, f"{path}: family_terms.{k}") for k, v in family.items()}
    return Registry(tuple(entries), family_terms, kinds)


def load_normalise(path: Path) -> NormaliseRules:
    data = read_yaml(path, NORMALISE_FILE)
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
        leading_stopwords=str_list(data.get("leading_stopwords"), f"{path}: leading_stopwords"),
        max_unmatched_word_share=share,
        word_similarity=similarity,
        stopwords=frozenset(w.casefold() for w in str_list(data.get("stopwords"), f"{path}: stopwords")),
        definition_min_shared_words=float(data.get("definition_min_shared_words", 0.5)),
    )


def load_themes(path: Path) -> ThemeRules:
    data = read_yaml(path, THEMES_FILE)
    themes: list[Theme] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(data.get("themes") or []):
        where = f"{path}: themes[{i}]"
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("name"):
            raise RulesError(f"{where}: every theme needs an 'id' and a 'name'")
        unknown = set(raw) - {"id", "name", "variants"}
        if unknown:
            raise RulesError(f"{where}: unknown field(s) {sorted(unknown)}")
        theme = Theme(str(raw["id"]), str(raw["name"]), str_list(raw.get("variants"), f"{where}.variants"))
        for form in (theme.name, *theme.variants):
            key = name_key(form)
            if key in seen and seen[key] != theme.id:
                raise RulesError(f"{where}: {form!r} already names theme {seen[key]!r}")
            seen[key] = theme.id
        themes.append(theme)
    if not themes or len({t.id for t in themes}) != len(themes):
        raise RulesError(f"{path}: 'themes' must be a non-empty list with unique ids")
    cutoff = float(data.get("fuzzy_cutoff", 92))
    if not 0 < cutoff <= 100:
        raise RulesError(f"{path}: fuzzy_cutoff must be in (0, 100]")
    return ThemeRules(tuple(themes), cutoff)


def load_rules(rules_dir: Path = DEFAULT_RULES_DIR) -> Rules:
    files = sorted(p for p in rules_dir.glob("*.yaml"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    registry = load_registry(rules_dir / "iscms.yaml")
    meetings = load_meetings(rules_dir / "meetings.yaml")
    sections = load_sections(rules_dir / "sections.yaml", registry)
    classify = load_classify(rules_dir / "classify.yaml", registry)
    unknown = set(sections.read_as_page) - set(classify.document_kinds)
    if unknown:
        raise RulesError(
            f"{rules_dir / 'sections.yaml'}: read_as_page: {sorted(unknown)} "
            "are not document_kinds of classify.yaml"
        )
    facts = load_facts(rules_dir / "facts.yaml", registry, meetings.numbers)
    return Rules(
        registry=registry,
        normalise=load_normalise(rules_dir / "normalise.yaml"),
        sections=sections,
        classify=classify,
        meetings=meetings,
        places=load_places(rules_dir / "places.yaml"),
        themes=load_themes(rules_dir / "themes.yaml"),
        facts=facts,
        reconciliation=load_reconciliation(rules_dir / "reconciliation.yaml", registry, meetings, facts),
        fingerprint=digest.hexdigest(),
    )
