"""Stage 4: map names and acronyms as written to registry ids.

Resolution order for one name:
  1. exact match of its folded key against the registry (names, acronyms, variants, typos);
  2. exact match against definitions the document itself makes ("Long Name (ACR)", acronym lists);
  3. rapidfuzz on long forms only (min_words or more), with a cutoff, a margin over the best
     candidate of another id, and a word-alignment guard so that a differing word is not a typo.
Short forms are never matched fuzzily: MIDSA is not MIDWA, RCM is not RCP. What stays unresolved
is returned as such; callers report it, nothing is guessed.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from iscm_extract.model import Definition, Resolution
from iscm_extract.text import name_key

if TYPE_CHECKING:
    from iscm_extract.rules import NormaliseRules, Registry, RegistryEntry

_PAREN_TAIL = re.compile(r"^(?P<name>.*?)\s*\((?P<inner>[^()]*(?:\([^()]*\)[^()]*)*)\)\s*[.:]?$")
_ALTERNATIVES = re.compile(r"\s+or\s+|\s*[;,/]\s*")


# An acronym is one or two tokens ("ADD", "AU HoAI").
_ACRONYM_TOKENS = r"[A-Za-z0-9+\-]{2,15}(?: [A-Za-z0-9+\-]{2,15})?"
_DASH_TAIL = re.compile(rf"^(?P<name>.{{6,}}?)(?:\s+[-|]|\s*:)\s+(?P<inner>{_ACRONYM_TOKENS})$")
_DASH_HEAD = re.compile(rf"^(?P<inner>{_ACRONYM_TOKENS})(?:\s+[-|]|\s*:)\s+(?P<name>.{{6,}})$")


def _is_acronym(text: str) -> bool:
    """'ADD', 'AU-HoAI', 'AU HoAI': two capitals or more in each token ('Bali Process' is a name)."""
    return all(sum(c.isupper() for c in token) >= 2 for token in text.split(" "))


def split_name(text: str) -> tuple[str, list[str]]:
    """Separate a name from its acronyms: 'Long Name (ACR or ACR2)', 'Long Name - ACR' and
    'ACR: Long Name' give ('Long Name', ['ACR', ...]); any other text gives (text, [])."""
    text = text.strip()
    paren = _PAREN_TAIL.match(text)
    if paren:
        inner = [part.strip() for part in _ALTERNATIVES.split(paren["inner"]) if part.strip()]
        return paren["name"].strip(), inner
    for pattern in (_DASH_TAIL, _DASH_HEAD):
        dashed = pattern.match(text)
        if dashed and _is_acronym(dashed["inner"]):
            return dashed["name"].strip(), [dashed["inner"]]
    return text, []


class Resolver:
    """Resolves names for one document, and records what it resolved (for the aliases table).

    Each stage resolves through a resolver of its own (`for_stage`: the same lookups, an empty
    record) and hands back what it resolved (`resolved`); nothing is added to a log that other
    stages share. `record=False` asks without recording: a guess to try ("is 'Prague Process'
    one name?"), not a name read as such.
    """

    def __init__(self, registry: Registry, rules: NormaliseRules, definitions: Iterable[Definition] = ()):
        self._rules = rules
        self._exact: dict[str, str] = {}
        long_forms: list[tuple[str, str]] = []
        for entry in registry.entries:
            for form in (entry.id, entry.name, *entry.acronyms, *entry.variants, *entry.typos):
                self._exact[name_key(form)] = entry.id
            long_forms += [(name_key(form), entry.id) for form in entry.long_forms]
        self._definitions: dict[str, str] = {}
        for definition in definitions:
            key = name_key(definition.alias)
            if key not in self._exact:
                self._definitions.setdefault(key, definition.iscm_id)
                long_forms.append((key, definition.iscm_id))
        min_words = rules.fuzzy.min_words
        self._long_forms = [(k, i) for k, i in long_forms if len(k.split()) >= min_words]
        self._family = {
            name_key(t): term for term, spellings in registry.family_terms.items() for t in spellings
        }
        self._resolved: list[Resolution] = []
        # Names as they may appear in running text: acronyms match case-sensitively ("ADD", not "add").
        forms: dict[str, bool] = {}
        for entry in registry.entries:
            for form in (*entry.acronyms, *entry.typos):
                forms[form] = True
            for form in entry.long_forms:
                forms[form] = False
        for definition in definitions:
            forms.setdefault(definition.alias, definition.alias.isupper())
        self._mention_patterns = [
            re.compile(
                r"(?<!\w)(?:"
                + "|".join(
                    re.escape(form).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?")
                    for form in sorted(
                        (f for f, acronym in forms.items() if acronym is case), key=len, reverse=True
                    )
                )
                + r")(?!\w)",
                0 if case else re.IGNORECASE,
            )
            for case in (True, False)
        ]

    def for_stage(self) -> Resolver:
        """A resolver for one stage: this one's lookups (shared, never changed), its own record."""
        stage = copy.copy(self)
        stage._resolved = []
        return stage

    @property
    def resolved(self) -> tuple[Resolution, ...]:
        """What this resolver recorded, in order; the aliases table counts each."""
        return tuple(self._resolved)

    def find_mentions(self, text: str) -> list[tuple[int, int, str]]:
        """Registry bodies named in running text: (start, end, iscm_id), longest names first."""
        found: list[tuple[int, int, str]] = []
        for pattern in self._mention_patterns:
            for match in pattern.finditer(text):
                if any(s < match.end() and match.start() < e for s, e, _ in found):
                    continue
                resolution = self.resolve(match.group(), fuzzy=False, record=False)
                if resolution.iscm_id:
                    found.append((match.start(), match.end(), resolution.iscm_id))
        return sorted(found)

    def family_term(self, word: str) -> str | None:
        """'ISEM' -> 'ISCM': the family word and its misspellings (not a body)."""
        return self._family.get(name_key(word))

    def resolve(self, name: str, *, fuzzy: bool = True, record: bool = True) -> Resolution:
        key = name_key(name)
        for prefix in self._rules.leading_stopwords:
            key = re.sub(rf"^{re.escape(prefix)}\s+", "", key)
        if key in self._exact:
            result = Resolution(name, self._exact[key], "registry", 100.0)
        elif key in self._definitions:
            result = Resolution(name, self._definitions[key], "definition", 100.0)
        elif fuzzy and len(key.split()) >= self._rules.fuzzy.min_words:
            result = self._fuzzy(name, key)
        else:
            result = Resolution(name, None, None, 0.0)
        if record and result.iscm_id is not None:
            self._resolved.append(result)
        return result

    def resolve_heading(self, text: str, *, fuzzy: bool = True, record: bool = True) -> Resolution | None:
        """Resolve 'Long Name (ACR or ACR2)': the parts must agree; None when nothing resolves.

        A disagreement (long name of one body, acronym of another) is returned unresolved."""
        name, inner = split_name(text)
        parts = [self.resolve(part, fuzzy=fuzzy, record=False) for part in [name, *inner] if part]
        ids = {p.iscm_id for p in parts if p.iscm_id}
        if not ids:
            return None
        if len(ids) > 1:
            return Resolution(text, None, None, 0.0)
        if record:
            self._resolved.extend(p for p in parts if p.iscm_id)
        best = max((p for p in parts if p.iscm_id), key=lambda p: p.score)
        return Resolution(text, best.iscm_id, best.method, best.score)

    def _fuzzy(self, name: str, key: str) -> Resolution:
        config = self._rules.fuzzy
        candidates = process.extract(
            key,
            [k for k, _ in self._long_forms],
            scorer=fuzz.token_sort_ratio,
            limit=None,
            score_cutoff=config.cutoff - config.margin,
        )
        best_by_id: dict[str, tuple[float, str]] = {}
        for candidate, score, index in candidates:
            iscm_id = self._long_forms[index][1]
            if score > best_by_id.get(iscm_id, (-1.0, ""))[0]:
                best_by_id[iscm_id] = (score, candidate)
        ranked = sorted(best_by_id.items(), key=lambda item: -item[1][0])
        if not ranked:
            return Resolution(name, None, None, 0.0)
        best_id, (best_score, best_form) = ranked[0]
        runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
        if (
            best_score >= config.cutoff
            and best_score - runner_up >= config.margin
            and self._words_align(key, best_form)
        ):
            return Resolution(name, best_id, "fuzzy", round(float(best_score), 1))
        return Resolution(name, None, None, round(float(best_score), 1))

    def _words_align(self, a: str, b: str) -> bool:
        """True when the two names differ in spelling rather than in their distinctive words."""
        stop = self._rules.stopwords
        words_a = [w for w in a.split() if w not in stop]
        words_b = [w for w in b.split() if w not in stop]
        for ours, theirs in ((words_a, words_b), (words_b, words_a)):
            unmatched = (
                sum(1 for w in ours if max(fuzz.ratio(w, t) for t in theirs) < self._rules.word_similarity)
                if theirs
                else len(ours)
            )
            if unmatched > int(len(ours) * self._rules.max_unmatched_word_share):
                return False
        return True


# --- definitions found in the document -------------------------------------------------------

_ACRONYM = re.compile(r"^(?=.*[A-Z].*[A-Z])[A-Za-z0-9][A-Za-z0-9+\-. ]{0,14}$")
_PAREN = re.compile(r"\(([^()\n]{2,40})\)")
_ACRONYM_LIST_HEADING = re.compile(
    r"^\s*(list of )?(acronyms|abbreviations)( and abbreviations)?\s*$", re.I | re.M
)
_ACRONYM_LINE = re.compile(r"^([^\t\n]{2,20})\t+([^\t\n]{4,})$")


def long_form_for(short: str, preceding: str) -> str | None:
    """Schwartz-Hearst: the shortest tail of `preceding` whose letters spell `short` in order,
    the first letter starting a word. Returns None when no tail fits."""
    s_idx, l_idx = len(short) - 1, len(preceding) - 1
    while s_idx >= 0:
        char = short[s_idx].lower()
        if not char.isalnum():
            s_idx -= 1
            continue
        while l_idx >= 0 and (
            preceding[l_idx].lower() != char or (s_idx == 0 and l_idx > 0 and preceding[l_idx - 1].isalnum())
        ):
            l_idx -= 1
        if l_idx < 0:
            return None
        l_idx -= 1
        s_idx -= 1
    start = preceding.rfind(" ", 0, l_idx + 1) + 1
    return preceding[start:].strip() or None


def _shares_words(long: str, entry: RegistryEntry, rules: NormaliseRules) -> bool:
    words = {w for w in name_key(long).split() if w not in rules.stopwords}
    known = {w for form in (*entry.long_forms, *entry.acronyms) for w in name_key(form).split()}
    return bool(words) and len(words & known) / len(words) >= rules.definition_min_shared_words


def _learn(
    short: str, long: str, at: int, resolver: Resolver, registry: Registry, rules: NormaliseRules
) -> list[Definition]:
    """Learn the side of a (short, long) pair that the registry does not know exactly."""
    short_hit = resolver.resolve(short, fuzzy=False, record=False)
    long_hit = resolver.resolve(long, record=False)
    if short_hit.iscm_id and long_hit.iscm_id:
        agree = short_hit.iscm_id == long_hit.iscm_id and long_hit.method == "fuzzy"
        return [Definition(long, short_hit.iscm_id, at)] if agree else []
    if short_hit.iscm_id and _shares_words(long, registry.get(short_hit.iscm_id), rules):
        return [Definition(long, short_hit.iscm_id, at)]
    if long_hit.iscm_id:
        return [Definition(short, long_hit.iscm_id, at)]
    return []


def find_definitions(text: str, registry: Registry, rules: NormaliseRules) -> list[Definition]:
    """Definitions the document makes: 'Long Name (ACR)', '(ACR or ACR2)', and acronym-list lines."""
    base = Resolver(registry, rules)
    found: list[Definition] = []
    for match in _PAREN.finditer(text):
        shorts = [s.strip() for s in _ALTERNATIVES.split(match[1]) if s.strip()]
        if not shorts or not all(_ACRONYM.match(s) for s in shorts):
            continue
        # The long form ends the clause before the parenthesis: it starts after a line break,
        # table cell (tab) or another parenthesis, and never with a stopword ("of the ...").
        clause_start = max(text.rfind(c, 0, match.start()) for c in "\n\t()") + 1
        long = long_form_for(shorts[0], text[clause_start : match.start()].rstrip())
        while long and long.split()[0].casefold() in rules.stopwords:
            long = long.split(" ", 1)[1] if " " in long else None
        if not long or len(long.split()) < 2:
            continue
        for short in shorts:
            found += _learn(short, long, match.start(), base, registry, rules)
    heading = _ACRONYM_LIST_HEADING.search(text)
    if heading:
        position = heading.end()
        for line in text[position:].lstrip("\n").split("\n"):
            entry = _ACRONYM_LINE.match(line)
            if not entry:
                break
            at = text.find(line, position)
            for long_form in entry[2].split(" / "):
                found += _learn(entry[1].strip(), long_form.strip(), at, base, registry, rules)
    unique: dict[tuple[str, str], Definition] = {}
    for definition in found:
        unique.setdefault((name_key(definition.alias), definition.iscm_id), definition)
    return list(unique.values())
