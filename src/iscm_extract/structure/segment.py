"""Stage 3: split a newsletter into sections, one per ISCM plus the other parts of an issue.

The headings are found in reading order (heading_scan.py, which asks the recognisers of
headings.py: a heading is known by what it says and where it stands, never by its line number;
"3. Bali Process", "MAIN MEETINGS BY ISCMS In 2023, ..."). A section runs from its heading to the
next one, less trailing blank space and "continued" lines:
  - a heading with no text before the next one is a container, not a section;
  - a heading right under an ISCM's heading that names no ISCM ("Budapest Process" / "Main
    Meetings at a Glance") is a subtitle, the first line of that ISCM's section;
  - a rule heading whose text matches none of the rule's text patterns is a section of kind other.
A section's id is the document's, its kind and its ISCM or heading (cut at 40 characters), "-2",
"-3" for repeats: "iscm-highlights-2023/iscm:BALI", "iscm-highlights-2023/stats:main-meetings-by-
inter-state-consultatio".
Any other document is one section: a web page (of the ISCM it names most) or kind other.
"""

from __future__ import annotations

import re
from dataclasses import replace

from iscm_extract.model import Document, DocumentInfo, Problem, Section
from iscm_extract.rules import SectionRules
from iscm_extract.structure.heading_scan import find_headings
from iscm_extract.structure.headings import Heading, Line
from iscm_extract.structure.listing import ListSyntax
from iscm_extract.structure.normalise import Resolver


def _slug(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")[:40]


def segment(
    doc: Document,
    info: DocumentInfo,
    resolver: Resolver,
    rules: SectionRules,
    syntax: ListSyntax | None = None,
) -> tuple[list[Section], list[Problem]]:
    """Sections of a newsletter in reading order; any other document is one section of kind other."""
    text = doc.text
    if info.kind in rules.read_as_page:
        iscm_id = page_iscm(text, info.title, resolver)
        return [Section(f"{doc.doc_id}/page", 0, "page", info.title, iscm_id, 0, len(text), text)], []
    if info.kind != "newsletter":
        return [Section(f"{doc.doc_id}/other", 0, "other", info.title, None, 0, len(text), text)], []
    found = find_headings(doc, resolver, rules, info.title, syntax)
    skipped, problems = found.skipped, list(found.problems)
    starts = _without_subtitles(text, [Heading(0, 0, "front_matter", None, None), *found.headings])
    sections: list[Section] = []
    used_ids: dict[str, int] = {}
    for i, heading in enumerate(starts):
        end = starts[i + 1].start if i + 1 < len(starts) else len(text)
        end = _trim_end(text, heading.start, end, skipped)
        body = text[heading.body_start : end]
        if not body.strip():
            continue  # a container heading, or nothing before the first heading
        if heading.text_patterns and not any(p.search(body) for p in heading.text_patterns):
            heading = replace(heading, kind="other", iscm_id=None)
        key = f"{heading.kind}:{heading.iscm_id or _slug(heading.heading) or heading.kind}"
        used_ids[key] = used_ids.get(key, 0) + 1
        if used_ids[key] > 1:
            key += f"-{used_ids[key]}"
        sections.append(
            Section(
                f"{doc.doc_id}/{key}",
                len(sections),
                heading.kind,
                heading.heading,
                heading.iscm_id,
                heading.start,
                end,
                text[heading.start : end],
            )
        )
    if not any(s.kind == "iscm" for s in sections):
        problems.append(Problem(doc.doc_id, "segment", "warning", "newsletter without any ISCM section", 0))
    return sections, problems


def _without_subtitles(text: str, headings: list[Heading]) -> list[Heading]:
    """Headings less the subtitles: a heading right under an ISCM's heading, with no text between,
    that names no ISCM ("Budapest Process" / "Main Meetings at a Glance", "RCM - Regional
    Conference on Migration" / "Delegates of the Regional Consultation" wrapped in a narrow
    column) is the first line of that ISCM's section, not a section of its own."""
    kept: list[Heading] = []
    for heading in headings:
        previous = kept[-1] if kept else None
        if (
            previous is not None
            and previous.kind == "iscm"
            and previous.iscm_id is not None
            and (
                heading.kind not in {"iscm", "global_meeting"}
                or (heading.kind == "iscm" and heading.iscm_id is None)
            )
            and not text[previous.body_start : heading.start].strip()
        ):
            continue
        kept.append(heading)
    return kept


def page_iscm(text: str, title: str | None, resolver: Resolver) -> str | None:
    """The ISCM a page is about: of those its title names, the one the text names most often;
    without one in the title, the one named most often (the first named on a tie).

    "News | IGAD Regional Consultative Process on Migration (IGAD RCP)" -> IGAD-RCP, even though
    one of its items is about the Khartoum Process.
    """
    named = [iscm_id for _, _, iscm_id in resolver.find_mentions(text)]
    if not named:
        return None
    in_title = {iscm_id for _, _, iscm_id in resolver.find_mentions(title or "")}
    candidates = [i for i in named if i in in_title] or named
    return max(dict.fromkeys(candidates), key=candidates.count)


def _trim_end(text: str, start: int, end: int, skipped: list[Line]) -> int:
    """Drop trailing blank space and 'continued' lines from a section's end."""
    while True:
        end = start + len(text[start:end].rstrip())
        tail = next((s for s in skipped if s.end == end and s.start >= start), None)
        if tail is None:
            return end
        end = tail.start
