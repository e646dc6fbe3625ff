"""rules/meetings.yaml and rules/places.yaml, as one frozen slice per reader.

rules/meetings.yaml is one flat file for the analyst; the code reads it as slices, each handed
only to the reader that uses it:

  ModelSettings   the spaCy pipeline (nlp.py): model package, disabled components, ligatures;
  MeetingTypes    meeting phrases, their types and levels, and how a bare meeting word is typed;
  MentionCues     which phrases are meetings of their own (mentions.py, clause_rules.py, ...);
  NumberWords     ordinals and counts (numbers.py), shared with rules/facts.yaml's {n} patterns;
  AttachmentCues  formats, outcomes, topics and place lists after a date (attachments.py).

For example `topic_cues: [on, about]` fills `MeetingRules.attachments.topic_cues`, and only the
AttachmentReader sees it. The file's schema is derived from the slices side by side
(`schema((ModelSettings, MeetingTypes, ...))`): each slice field is a top-level key.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from iscm_extract.rule_files import VERSION, RulesError, int_map, read_yaml, schema, str_list

T = TypeVar("T")


@dataclass(frozen=True)
class PhraseRule:
    phrase: str
    meeting_type: str
    body: bool  # names a group, not an event: needs a meeting word, a date or a count


@dataclass(frozen=True)
class ModelSettings:
    """The spaCy model and how its text is prepared (nlp.py)."""

    spacy_model: str
    spacy_disable: tuple[str, ...]
    ligatures: tuple[str, ...]


@dataclass(frozen=True)
class MeetingTypes:
    """Meeting phrases and the type and level each names."""

    levels: dict[str, str]  # meeting type -> level
    phrases: tuple[PhraseRule, ...]
    generic_heads: tuple[str, ...]
    generic_with_ordinal: str
    generic_default: str
    own_name_makes_regular: frozenset[str]
    own_full_name_makes_regular: frozenset[str]
    level_names: tuple[str, ...] = ()  # every level (the vocabulary of meetings.level)


@dataclass(frozen=True)
class MentionCues:
    """Which meeting phrases name a meeting of their own, held, and where their names begin."""

    merge_of_heads: frozenset[str]
    need_date_or_count: frozenset[str]
    modifiers: frozenset[str]
    part_of_cues: tuple[str, ...]
    not_held_cues_before: tuple[str, ...]
    not_held_cues_after: tuple[str, ...]
    anaphora_determiners: frozenset[str]
    same_day_words: tuple[str, ...] = ()  # "met today": the date of the page's dateline
    possessive_determiners: frozenset[str] = frozenset()  # "held its third meeting"


@dataclass(frozen=True)
class NumberWords:
    """Number words, declared once: meetings' ordinals and counts, facts' {n} and {ordinal}."""

    count_qualifiers: dict[str, str | None]
    number_words: dict[str, int]
    ordinal_words: dict[str, int]
    tens_words: dict[str, int]


@dataclass(frozen=True)
class AttachmentCues:
    """Words of the text after a meeting: its format, place list, outcomes and topic."""

    format_cues: dict[str, tuple[str, ...]]  # virtual, hybrid -> the words that say so
    appositive_words: frozenset[str]  # lower-case words a place list may hold ("and", "in", "held")
    hybrid_when_place_and_virtual: bool  # "in Geneva and online" is hybrid
    outcome_verbs: tuple[str, ...]  # "adopted": its object is an outcome
    topic_cues: tuple[str, ...]  # "on": the topic follows


class _SliceField(Generic[T]):
    """A field of one slice, read as an attribute of the whole file's rules."""

    def __init__(self, slice_name: str, field_name: str):
        self.slice_name, self.field_name = slice_name, field_name

    def __get__(self, rules: object, owner: type | None = None) -> T:
        value: T = getattr(getattr(rules, self.slice_name), self.field_name)
        return value


@dataclass(frozen=True)
class MeetingRules:
    """rules/meetings.yaml: its slices."""

    model: ModelSettings
    types: MeetingTypes
    mentions: MentionCues
    numbers: NumberWords
    attachments: AttachmentCues

    # The spaCy pipeline's view: nlp.py reads these names of the whole file.
    spacy_model = _SliceField[str]("model", "spacy_model")
    spacy_disable = _SliceField[tuple[str, ...]]("model", "spacy_disable")
    ligatures = _SliceField[tuple[str, ...]]("model", "ligatures")
    phrases = _SliceField[tuple[PhraseRule, ...]]("types", "phrases")
    generic_heads = _SliceField[tuple[str, ...]]("types", "generic_heads")
    format_cues = _SliceField[dict[str, tuple[str, ...]]]("attachments", "format_cues")


# A phrase is a string or {phrase: ..., body: true}.
_PHRASE: Any = str | schema(PhraseRule, skip=["meeting_type"], required=["phrase"])
_MEETING_TYPE: Any = schema(None, extra={"level": str, "phrases": list[_PHRASE]}, required=["level"])
MEETINGS_FILE = schema(
    (ModelSettings, MeetingTypes, MentionCues, NumberWords, AttachmentCues),
    skip=["levels", "phrases", "level_names"],
    extra={**VERSION, "levels": list[str], "types": dict[str, _MEETING_TYPE]},
    required=["spacy_model", "levels", "types", "generic_with_ordinal", "generic_default"],
)


@dataclass(frozen=True)
class PlaceRules:
    country_aliases: dict[str, str]  # name as written -> pycountry name


PLACES_FILE = schema(PlaceRules, extra=VERSION)


def load_meetings(path: Path) -> MeetingRules:
    data = read_yaml(path, MEETINGS_FILE)
    types = _meeting_types(data, path)
    model = str(data["spacy_model"])
    for key in ("generic_with_ordinal", "generic_default"):
        if data.get(key) not in types.levels:
            raise RulesError(f"{path}: {key} must be a meeting type")
    for key in ("own_name_makes_regular", "own_full_name_makes_regular", "need_date_or_count"):
        bad = set(str_list(data.get(key), f"{path}: {key}")) - set(types.levels)
        if bad:
            raise RulesError(f"{path}: {key} names unknown meeting types {sorted(bad)}")
    cues = data.get("format_cues") or {}
    if not isinstance(cues, dict) or set(cues) - {"virtual", "hybrid"}:
        raise RulesError(f"{path}: format_cues must have the keys virtual and hybrid")
    return MeetingRules(
        model=ModelSettings(
            spacy_model=model,
            spacy_disable=str_list(data.get("spacy_disable"), f"{path}: spacy_disable"),
            ligatures=str_list(data.get("ligatures"), f"{path}: ligatures"),
        ),
        types=types,
        mentions=_mention_cues(data, path),
        numbers=_number_words(data, path),
        attachments=AttachmentCues(
            format_cues={k: str_list(v, f"{path}: format_cues.{k}") for k, v in cues.items()},
            appositive_words=_words(data, "appositive_words", path.name),
            hybrid_when_place_and_virtual=bool(data.get("hybrid_when_place_and_virtual", True)),
            outcome_verbs=str_list(data.get("outcome_verbs"), f"{path}: outcome_verbs"),
            topic_cues=str_list(data.get("topic_cues"), f"{path}: topic_cues"),
        ),
    )


def _meeting_types(data: dict[str, Any], path: Path) -> MeetingTypes:
    """The types with their levels and phrases; also checks the spaCy model package (in the
    order the checks always ran: levels, types, model, phrases)."""
    level_names = str_list(data.get("levels"), f"{path}: levels")
    types: dict[str, Any] = data["types"]
    if not types:
        raise RulesError(f"{path}: types: at least one meeting type is needed")
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
        if not isinstance(spec, dict) or spec.get("level") not in set(level_names):
            raise RulesError(f"{where}: level must be one of {sorted(set(level_names))}")
        type_levels[name] = spec["level"]
        phrases += [_phrase_rule(entry, name, where) for entry in spec.get("phrases") or []]
    return MeetingTypes(
        levels=type_levels,
        phrases=tuple(phrases),
        generic_heads=str_list(data.get("generic_heads"), f"{path}: generic_heads"),
        generic_with_ordinal=data["generic_with_ordinal"],
        generic_default=data["generic_default"],
        own_name_makes_regular=frozenset(str_list(data.get("own_name_makes_regular"), path.name)),
        own_full_name_makes_regular=frozenset(str_list(data.get("own_full_name_makes_regular"), path.name)),
        level_names=level_names,
    )


def _phrase_rule(entry: Any, meeting_type: str, where: str) -> PhraseRule:
    if isinstance(entry, str):
        return PhraseRule(entry, meeting_type, False)
    if isinstance(entry, dict) and isinstance(entry.get("phrase"), str):
        return PhraseRule(entry["phrase"], meeting_type, bool(entry.get("body", False)))
    raise RulesError(f"{where}: a phrase is a string or {{phrase: ..., body: true}}, not {entry!r}")


def _mention_cues(data: dict[str, Any], path: Path) -> MentionCues:
    return MentionCues(
        merge_of_heads=_words(data, "merge_of_heads", path.name),
        need_date_or_count=frozenset(str_list(data.get("need_date_or_count"), path.name)),
        modifiers=_words(data, "modifiers", f"{path}: modifiers"),
        part_of_cues=str_list(data.get("part_of_cues"), path.name),
        not_held_cues_before=str_list(data.get("not_held_cues_before"), path.name),
        not_held_cues_after=str_list(data.get("not_held_cues_after"), path.name),
        anaphora_determiners=frozenset(str_list(data.get("anaphora_determiners"), path.name)),
        same_day_words=str_list(data.get("same_day_words"), f"{path}: same_day_words"),
        possessive_determiners=frozenset(str_list(data.get("possessive_determiners"), path.name)),
    )


def _number_words(data: dict[str, Any], path: Path) -> NumberWords:
    qualifiers = data.get("count_qualifiers") or {}
    if not isinstance(qualifiers, dict) or set(qualifiers.values()) - {"over", None}:
        raise RulesError(f"{path}: count_qualifiers map phrases to 'over' or null")
    return NumberWords(
        count_qualifiers={str(k).casefold(): v for k, v in qualifiers.items()},
        number_words=int_map(data.get("number_words"), f"{path}: number_words"),
        ordinal_words=int_map(data.get("ordinal_words"), f"{path}: ordinal_words"),
        tens_words=int_map(data.get("tens_words"), f"{path}: tens_words"),
    )


def _words(data: dict[str, Any], key: str, where: str) -> frozenset[str]:
    """A list of words, case-folded."""
    return frozenset(w.casefold() for w in str_list(data.get(key), where))


def load_places(path: Path) -> PlaceRules:
    import pycountry  # only here: loading its database takes a moment

    data = read_yaml(path, PLACES_FILE)
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
