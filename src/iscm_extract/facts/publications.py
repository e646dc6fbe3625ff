"""Stage 6b: publications. In a newsletter's publications section, a title (one or more lines)
followed by its URL; the URL may be in angle brackets, bare, or broken over lines by the PDF
conversion. In a report, the items of a reference list such as "List of Previous GRCP Reports".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iscm_extract.model import Publication, Section
from iscm_extract.rules import FactRules
from iscm_extract.structure.normalise import Resolver, split_name

_URL_START = re.compile(r"<?(?:https?://|www\.)\S+", re.I)
# A URL line ends in one of these when the conversion broke the URL after it.
_URL_OPEN_END = tuple("-/?%_=&#.")
_URL_CHARS = re.compile(r"^[\w\-./?%=&#~+:;,@!$'*()\[\]]+$")


def _clean_url(url: str) -> str:
    return url.strip().lstrip("<").rstrip(">").rstrip(".,;")


def _url_continues(url: str, line: str) -> bool:
    """The next line carries on a broken URL: it has no space, looks like URL characters, and the
    URL so far ends where a break can fall, or the line holds URL-only characters (/ = % ?), or
    it starts in lower case or with a digit (a URL cut at the column edge: "migrati" / "on")."""
    if not line or " " in line or not _URL_CHARS.match(line) or _URL_START.match(line):
        return False
    return (
        url.endswith(_URL_OPEN_END)
        or bool(re.search(r"[/=%?&]|\.(pdf|html?|php|aspx?)$", line))
        or line[0].islower()
        or line[0].isdigit()
    )


def _title_and_iscm(title: str, resolver: Resolver) -> tuple[str, str | None]:
    """'Title (Bali Process)' -> ('Title', 'BALI'); a bracket that names no body stays in the title."""
    name, inner = split_name(title)
    if inner and title.rstrip().endswith(")"):
        ids = {resolver.resolve(part).iscm_id for part in inner}
        if len(ids) == 1 and None not in ids:
            return name, ids.pop()
    mentions = resolver.find_mentions(title)
    return title, (mentions[0][2] if mentions and mentions[0][0] == 0 else None)


@dataclass(frozen=True)
class _TitleLine:
    """A line of a title block, stripped, and where it starts; "" for a paragraph break."""

    text: str
    start: int


def newsletter_publications(
    section: Section, resolver: Resolver, rules: FactRules, chart_labels: set[str]
) -> list[Publication]:
    """Title lines, then URL lines. `chart_labels` are lines that repeat a theme name of the
    document (a chart of themes printed beside the list), never part of a title."""
    found: list[Publication] = []
    title_lines: list[_TitleLine] = []
    url: list[str] = []
    url_end = 0

    def close_url() -> None:
        nonlocal url
        if url and title_lines:
            text = " ".join(t.text for t in title_lines if t.text)
            if not any(p.search(text) for p in rules.not_titles):
                title, iscm_id = _title_and_iscm(text, resolver)
                found.append(
                    Publication(iscm_id, title, _clean_url("".join(url)), None, title_lines[0].start, url_end)
                )
        if url:
            title_lines.clear()
        url = []

    for i, (line, line_start) in enumerate(section.lines()):
        text = line.strip()
        lead = line_start + len(line) - len(line.lstrip())  # where `text` starts
        if i == 0 and section.heading and text == section.heading:
            continue
        if url and _url_continues(url[-1], text):
            url.append(text)
            url_end = lead + len(text)
            continue
        if url and not text:
            continue  # a URL may also be broken across a blank line by the conversion
        close_url()
        if not text:
            if title_lines and title_lines[-1].text != "":
                title_lines.append(_TitleLine("", line_start))  # paragraph break inside the title block
            continue
        inline = _URL_START.search(text)
        if inline:
            before = text[: inline.start()].strip()
            if before:
                title_lines.clear()
                title_lines.append(_TitleLine(before, lead))
            url, url_end = [inline.group()], lead + inline.end()
            continue
        if text.casefold() in chart_labels and not title_lines:
            continue
        title_lines.append(_TitleLine(text, lead))
        # The title is the last paragraph before the URL.
        if any(t.text == "" for t in title_lines[:-1]):
            cut = max(j for j, t in enumerate(title_lines[:-1]) if t.text == "")
            del title_lines[: cut + 1]
    close_url()
    return found


_LIST_ITEM = re.compile(r"^\s*[-•*]\s+(?P<item>.+)$")
_YEAR_TAIL = re.compile(r",\s*(?P<year>(?:19|20)\d\d)\s*[.,;]?\s*$")
_QUOTED = re.compile(r"[\"“](?P<title>.+?)[\"”]")


@dataclass
class _ListItem:
    text: str
    start: int
    end: int
    iscm_id: str | None  # of the list: "List of Previous GRCP Reports" is GRCP's


def _report_list_items(section: Section, resolver: Resolver, rules: FactRules) -> list[_ListItem]:
    """The bullet items under a reference-list heading; an item may wrap over lines."""
    items: list[_ListItem] = []
    in_list, list_iscm, previous_line = False, None, False
    for line, line_start in section.lines():
        text = line.strip()
        if any(p.search(text) for p in rules.report_lists):
            in_list = True
            mentions = resolver.find_mentions(text)
            list_iscm = mentions[0][2] if mentions else None
        elif in_list and (item := _LIST_ITEM.match(text)):
            items.append(_ListItem(item["item"], line_start, line_start + len(line), list_iscm))
        elif in_list and text and items and previous_line:
            items[-1].text += " " + text
            items[-1].end = line_start + len(line)
        elif text:
            in_list = False
        previous_line = bool(text)
    return items


def report_publications(section: Section, resolver: Resolver, rules: FactRules) -> list[Publication]:
    """Items of a reference list ('List of Previous GRCP Reports'): 'IOM, "Title", 2019'."""
    found: list[Publication] = []
    for item in _report_list_items(section, resolver, rules):
        body = item.text
        year_match = _YEAR_TAIL.search(body)
        year = int(year_match["year"]) if year_match else None
        body = body[: year_match.start()] if year_match else body
        publisher, _, rest = body.partition(", ")
        body = rest if rest and len(publisher.split()) <= 3 else body
        quoted = _QUOTED.search(body)
        title = quoted["title"] if quoted else split_name(body)[0]
        found.append(Publication(item.iscm_id, title.strip(), None, year, item.start, item.end))
    return found
