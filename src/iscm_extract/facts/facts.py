"""Stage 6, facts besides meetings: `extract_facts` runs it for one document (themes.py,
publications.py and annexes.py hold the other parts). This module itself reads anniversaries
("30th anniversary of MIDWA") and headline figures ("21 ISCMs held a total of 170 meetings",
"representatives of 18 ISCMs spoke"), by the patterns of rules/facts.yaml."""

from __future__ import annotations

import re

from iscm_extract.facts import annexes, publications
from iscm_extract.facts.numbers import NumberReader, number_value
from iscm_extract.facts.themes import ThemeExtractor
from iscm_extract.model import Anniversary, Document, DocumentInfo, Facts, HeadlineStat, Problem, Section
from iscm_extract.rules import FactRules, Rules
from iscm_extract.structure.normalise import Resolver

HEADLINE_SECTIONS = {"stats", "global_meeting"}


def _sentence(text: str, start: int, end: int, line_break: str = "\n") -> tuple[int, int]:
    """The sentence of text[start:end], bounded by ". " and `line_break` ("\n\n" lets a
    sentence run over wrapped lines)."""
    stops = [(text.rfind(mark, 0, start), len(mark)) for mark in (". ", line_break)]
    left = max((at + length for at, length in stops if at >= 0), default=0)
    right = min((i for i in (text.find(". ", end), text.find(line_break, end)) if i >= 0), default=len(text))
    return left + len(text[left:start]) - len(text[left:start].lstrip()), right


def anniversaries(
    doc_id: str,
    text: str,
    sections: list[Section],
    resolver: Resolver,
    rules: FactRules,
    numbers: NumberReader,
) -> tuple[list[Anniversary], list[Problem]]:
    """One row per (body, years): a heading line and a sentence naming the same anniversary
    are one fact. A name that resolves to nothing falls back to the ISCM of its section."""
    found: dict[tuple[str | None, int], Anniversary] = {}
    problems: list[Problem] = []
    for pattern in rules.anniversaries:
        for match in pattern.finditer(text):
            years = numbers.ordinal(re.findall(r"\w+|-", match["ordinal"]))
            if years is None:
                continue
            name = match["name"]
            lead = len(name) - len(re.sub(r"^(?i:the)\s+", "", name))
            # The body is named at the start ("of the Almaty Process") or at the end ("... RCM's").
            named = [i for s, e, i in resolver.find_mentions(name) if s == lead or e == len(name)]
            if named:
                iscm_id: str | None = named[0]
            else:
                section = next((s for s in sections if s.char_start <= match.start() < s.char_end), None)
                iscm_id = section.iscm_id if section and section.kind == "iscm" else None
                if iscm_id is None:
                    problems.append(
                        Problem(
                            doc_id,
                            "anniversaries",
                            "warning",
                            f"anniversary of {name!r}: body not in the registry",
                            match.start(),
                        )
                    )
            start, end = _sentence(text, match.start(), match.end())
            found.setdefault(
                (iscm_id, years),
                Anniversary(iscm_id, years, text[start:end].strip(), match.start(), match.end()),
            )
    return sorted(found.values(), key=lambda a: a.char_start), problems


def headline_stats(sections: list[Section], rules: FactRules) -> list[HeadlineStat]:
    """In statistics and global-meeting sections, the first match of each metric's patterns."""
    found: list[HeadlineStat] = []
    for section in sections:
        if section.kind not in HEADLINE_SECTIONS:
            continue
        text = " ".join(section.text.split("\n"))  # a line break inside a figure's phrase
        for metric in rules.metrics:
            match = next((m for p in metric.patterns if (m := p.search(text))), None)
            if match is None:
                continue
            start, end = _sentence(section.text, match.start(), match.end(), "\n\n")
            found.append(
                HeadlineStat(
                    section.section_id,
                    metric.name,
                    number_value(match["n"], rules.numbers),
                    metric.unit,
                    " ".join(text[start:end].split()),
                    section.char_start + match.start("n"),
                    section.char_start + match.end(),
                )
            )
    return sorted(found, key=lambda s: s.char_start)


def _person_test(rules: Rules) -> annexes.PersonTest:
    """spaCy NER as evidence: does a PERSON entity cover the name at the line's start?"""
    from iscm_extract.facts import nlp  # spaCy: imported only when a report needs it

    pipeline = nlp.load_pipeline(rules.meetings)

    def is_person(line: str, name_length: int) -> bool:
        return any(
            e.label_ == "PERSON" and e.start_char == 0 and e.end_char == name_length
            for e in pipeline(line).ents
        )

    return is_person


def extract_facts(
    document: Document, info: DocumentInfo, sections: list[Section], resolver: Resolver, rules: Rules
) -> tuple[Facts, list[Problem]]:
    """Everything besides meetings: newsletters give themes, publications, anniversaries and
    headline figures; reports and surveys give their annexes and reference lists."""
    found = Facts()
    problems: list[Problem] = []
    doc_id, text = document.doc_id, document.text
    if info.kind == "newsletter":
        found.themes, theme_problems = ThemeExtractor(rules.themes, rules.facts).extract(
            doc_id, sections, resolver
        )
        chart_labels = {row.theme.casefold() for row in found.themes}
        for section in sections:
            if section.kind == "publications":
                found.publications += publications.newsletter_publications(
                    section, resolver, rules.facts, chart_labels
                )
        found.anniversaries, anniversary_problems = anniversaries(
            doc_id, text, sections, resolver, rules.facts, NumberReader(rules.meetings.numbers)
        )
        found.headline_stats = headline_stats(sections, rules.facts)
        problems += theme_problems + anniversary_problems
    elif info.kind in {"meeting_report", "survey_summary"}:
        for section in sections:
            found.publications += publications.report_publications(section, resolver, rules.facts)
        found.participants, participant_problems = annexes.participants(doc_id, text, resolver, rules.facts)
        found.speakers = annexes.speakers(text, resolver, rules.facts, _person_test(rules))
        found.survey_respondents, survey_problems = annexes.survey_respondents(
            doc_id, text, resolver, rules.facts
        )
        problems += participant_problems + survey_problems
    return found, problems
