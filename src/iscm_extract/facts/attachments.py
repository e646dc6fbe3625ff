"""What the text attaches to a meeting besides its dates: place, format, outcomes and topic.

All read from the text right after a mention: the list after a date (", Rabat, Morocco, virtual",
") in Geneva and online"), the object of an outcome verb ("adopted the Lima Declaration"), the
subject after "on". Cue words are data (rules/meetings.yaml, rules/places.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pycountry
from spacy.tokens import Doc

from iscm_extract.meeting_rules import AttachmentCues, PlaceRules


@dataclass(frozen=True)
class Place:
    city: str | None
    country: str | None


class AttachmentReader:
    def __init__(self, rules: AttachmentCues, places: PlaceRules):
        self.rules = rules
        self.countries = _CountryNames(places)
        self._cue_words = {w for cues in rules.format_cues.values() for cue in cues for w in cue.split()}
        self._list_words = self._cue_words | set(rules.appositive_words)

    def appositive(self, text: str) -> str:
        """The list right after a date: ', Rabat, Morocco, virtual' or ') in Geneva and online', up
        to the first word that is neither a name nor a format cue ("discussed", "on")."""
        out = []
        text = re.split(r"\n[ \t]*\n", text, maxsplit=1)[0]  # the list ends with its paragraph
        for match in re.finditer(r"[^,();.]+|[,();.]", text):
            piece = match.group()
            if piece in ".;":
                break
            if piece in ",()":
                out.append(piece if piece != "(" else " ")
                continue
            words = piece.split()
            fitting = 0
            while fitting < len(words) and (
                words[fitting][:1].isupper() or words[fitting].lower() in self._list_words
            ):
                fitting += 1
            out.append(" " + " ".join(words[:fitting]))
            if fitting < len(words):
                break  # "Thailand prepared the ...": the list ends inside this piece
        return "".join(out)

    def _place_parts(self, segment: str) -> list[str]:
        """'in Geneva', 'Switzerland and online', 'Where: Brno' -> 'Geneva', 'Switzerland', 'Brno'."""
        parts = []
        for part in re.split(r"[,)]", segment):
            words = part.rsplit(":", 1)[-1].split()  # "Venue: Prague": a label before the place
            while words and words[0] in self._list_words:  # lower case only: "The Hague" stays
                words.pop(0)
            while words and (words[-1] in self._list_words or words[-1].lower() in self._cue_words):
                words.pop()
            if words and all(w[:1].isupper() or w.lower() in {"of", "and", "de", "la"} for w in words):
                parts.append(" ".join(words))
        return parts

    def place(self, segment: str, sdoc: Doc, seg_start: int) -> Place:
        parts = self._place_parts(segment)
        for k, part in enumerate(parts):
            if self.countries.country(part):
                city = parts[k - 1] if k and not self.countries.country(parts[k - 1]) else None
                return Place(city, part)
        # No country: a city that spaCy tags GPE, inside the date's parentheses ("(9 June, Geneva)")
        # or after "in"/"at" ("in Budapest"), not any capitalised word of a list of topics.
        inner = segment.split(")")[0] if ")" in _rest_of_parenthesis(sdoc, seg_start) else ""
        candidates = self._place_parts(inner) + re.findall(
            r"\b(?:in|at)\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)", segment
        )
        for part in candidates:
            start = sdoc.text.find(part, seg_start)
            if start >= 0 and any(
                e.label_ == "GPE" and e.start_char <= start < e.end_char for e in sdoc.ents
            ):
                return Place(part, None)
        return Place(None, None)

    def format(self, cues_text: str, place: Place, meeting_type: str) -> str | None:
        lowered = f" {cues_text.lower()} "
        hybrid = any(
            re.search(rf"\b{re.escape(c)}\b", lowered) for c in self.rules.format_cues.get("hybrid", ())
        )
        virtual = meeting_type == "webinar" or any(
            re.search(rf"\b{re.escape(c)}\b", lowered) for c in self.rules.format_cues.get("virtual", ())
        )
        if hybrid or (
            virtual and place.city and self.rules.hybrid_when_place_and_virtual and " and " in lowered
        ):
            return "hybrid"
        if virtual:
            return "virtual"
        return "in_person" if place.city else None

    def outcomes(self, tail: str) -> tuple[str, ...]:
        for verb in self.rules.outcome_verbs:
            match = re.search(rf"\b{re.escape(verb)}\b\s+", tail)
            if match:
                obj = re.split(
                    r"[.;]|,?\s+and\s+(?=\w+ed\b)|,\s+(?=\w+(?:ed|ing)\b)|,\s+(?=\d)", tail[match.end() :]
                )[0]
                obj = re.sub(r"^(?:the|an?|its)\s+", "", " ".join(obj.split()).strip(" ,"), flags=re.I)
                parts = re.split(r"\s+and\s+(?=(?:the\s+|an?\s+)?[A-Z0-9]|outcome|recommendations)", obj)
                return tuple(
                    re.sub(r"^(?:the|an?)\s+", "", p.strip(" ,"), flags=re.I) for p in parts if p.strip()
                )
        return ()

    def topic(self, tail: str) -> str | None:
        tail = re.sub(r"^\s*(?:\([^)]*\)\s*)?,?\s*", "", tail)
        for cue in sorted(self.rules.topic_cues, key=len, reverse=True):
            if tail.lower().startswith(cue + " "):
                topic = re.split(r"\s*[(.;]|,\s+(?=[a-z]+ed\b)", tail[len(cue) + 1 :])[0].strip(' ,"')
                return topic or None
        return None


def _rest_of_parenthesis(sdoc: Doc, start: int) -> str:
    """The rest of the date's parenthesis, if the date stands in one."""
    before = sdoc.text[:start]
    return sdoc.text[start:] if before.rfind("(") > before.rfind(")") else ""


class _CountryNames:
    def __init__(self, places: PlaceRules):
        self.aliases = {k.casefold() for k in places.country_aliases}

    def country(self, text: str) -> bool:
        name = text.strip()
        if not name[:1].isupper() or (len(name) < 4 and name.upper() != name):
            return False
        if name.casefold() in self.aliases:
            return True
        try:
            pycountry.countries.lookup(name)
        except LookupError:
            return False
        return True
