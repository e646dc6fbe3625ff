"""Metamorphic variants of the gold newsletters: the same facts in another layout, style or wording.

A `Sample` is a document text with its gold tables (sections, meetings, themes). Each transform
is a small named function `Sample -> Sample` that rewrites the text and, where the text's own
words change (a heading printed in capitals, a theme renamed), the gold with it, so that
`iscm-extract eval` scores the variant against gold that still says what the text says. Offsets
are not compared, so moving text around needs no gold change.

    >>> sample = load_sample("iscm-highlights-2023")
    >>> capitals = headings_in_capitals(sample)
    >>> "ALMATY PROCESS" in capitals.text.splitlines()
    True

To add a transform: write a function `Sample -> Sample` here that keeps the facts (and changes
the gold only where the printed words change), give it a unit test in tests/test_variants.py,
and add it to TRANSFORMS; the scoring test runs it on every gold newsletter.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pyphen

from iscm_extract import pipeline
from iscm_extract.rules import Rules
from iscm_extract.tools.evaluate import Score, evaluate

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold"
TABLES = ("sections", "meetings", "themes")


@dataclass(frozen=True)
class Sample:
    doc_id: str
    text: str
    gold: dict[str, pd.DataFrame]
    year: int

    def with_gold(self, table: str, frame: pd.DataFrame) -> Sample:
        return replace(self, gold={**self.gold, table: frame})


def load_sample(doc_id: str, folder: Path = ROOT / "raw", gold: Path = GOLD) -> Sample:
    text = (folder / f"{doc_id}.txt").read_text(encoding="utf-8")
    frames = {
        t: pd.read_csv(gold / doc_id / f"{t}.csv", dtype=str, keep_default_na=False)
        for t in TABLES
        if (gold / doc_id / f"{t}.csv").exists()
    }
    year = int(re.search(r"(?:19|20)\d\d", doc_id)[0])  # type: ignore[index]
    return Sample(doc_id, text, frames, year)


# --- helpers ---------------------------------------------------------------------------------------


def _heading_rows(sample: Sample, kinds: tuple[str, ...] = ("iscm",)) -> pd.DataFrame:
    sections = sample.gold["sections"]
    return sections[sections["kind"].isin(kinds) & (sections["heading"] != "")]


def _find_line(text: str, heading: str, start: int = 0) -> re.Match[str]:
    """The first line at or after `start` that reads `heading` (possibly split over two lines in
    the source, letter-spaced or marked bold)."""
    letters = r"\s*".join(re.escape(c) for c in heading if not c.isspace())  # also "G L O B A L"
    pattern = rf"(?m)^[ \t]*(?:\*\*)?{letters}(?:\*\*)?[ \t]*$"
    found = re.compile(pattern).search(text, start)
    assert found is not None, f"heading {heading!r} not found"
    return found


def _rename_headings(sample: Sample, rename: Callable[[int, str], str], kinds: tuple[str, ...]) -> Sample:
    """Headings of these section kinds printed as `rename(n, heading)`; headings are found in
    reading order, so a heading's words printed earlier in a list line are not taken for it."""
    text, cursor = sample.text, 0
    sections = sample.gold["sections"].copy()
    for n, (index, row) in enumerate(_heading_rows(sample, kinds).iterrows()):
        new = rename(n, row["heading"])
        found = _find_line(text, row["heading"], cursor)
        text = text[: found.start()] + new + text[found.end() :]
        cursor = found.start() + len(new)
        sections.loc[index, "heading"] = new
    return replace(sample, text=text).with_gold("sections", sections)


_BRACKET = re.compile(r"^(?P<name>.*?)\s*\((?P<acronym>[^()]+)\)$")


# --- layout ----------------------------------------------------------------------------------------


def flattened(sample: Sample) -> Sample:
    """The whole issue as one paragraph, as some PDF converters give it: every line break a space,
    words hyphenated at line ends joined, headings run into the text."""
    text = re.sub(r"(\w)-[ \t]*\n\s*(?=[a-z])", r"\1", sample.text)
    text = re.sub(r"\s+", " ", text).strip()
    return replace(sample, text=text + "\n")


def rewrapped(width: int) -> Callable[[Sample], Sample]:
    """Every paragraph re-wrapped at `width` columns, long words hyphenated at the line end.
    Headings and list entries keep their own lines; in a text already wrapped, a short line ends
    its paragraph."""
    hyphenator = pyphen.Pyphen(lang="en_GB")

    def transform(sample: Sample) -> Sample:
        headings = {" ".join(h.split()) for h in sample.gold["sections"]["heading"]}
        paragraphs = _paragraphs(sample)
        # Headings wrap but are not hyphenated, as typesetting programs set them; a letter-spaced
        # heading is one line.
        wrapped = [
            p
            if p in headings and re.search(r"\b\w \w \w\b", p)
            else _wrap(p, width, None if p in headings else hyphenator)
            for p in paragraphs
        ]
        return replace(sample, text="\n".join(wrapped))

    transform.__name__ = f"rewrapped_{width}"
    return transform


def _paragraphs(sample: Sample) -> list[str]:
    """The text's paragraphs ("" for a blank line): blank lines, headings, theme list entries,
    lines with a link and short lines end them."""
    alone: set[int] = {i for i, _ in _theme_lines(sample)} if "themes" in sample.gold else set()
    lines = sample.text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    for heading in sample.gold["sections"]["heading"]:
        if heading:
            found = _find_line(sample.text, heading)
            alone |= {i for i, o in enumerate(offsets[:-1]) if found.start() <= o < found.end()}
    paragraphs: list[str] = []
    current: list[str] = []
    for i, line in enumerate(lines):
        if i in alone or not line.strip() or re.search(r"https?://|www\.", line):
            paragraphs += [" ".join(current)] if current else []
            paragraphs.append(" ".join(line.split()))
            current = []
            continue
        current.append(line.strip())
        if len(line.strip()) < 50:
            paragraphs.append(" ".join(current))
            current = []
    return paragraphs + ([" ".join(current)] if current else [])


def _wrap(paragraph: str, width: int, hyphenator: pyphen.Pyphen | None) -> str:
    words = paragraph.split()
    lines: list[str] = []
    line = ""
    for word in words:
        if len(line) + 1 + len(word) <= width or not line:
            line = f"{line} {word}".strip()
            continue
        room = width - len(line) - 2
        pairs = hyphenator.iterate(word) if hyphenator else []
        head_tail = next((pair for pair in pairs if len(pair[0]) <= room and pair[0].isalpha()), None)
        if head_tail and len(head_tail[0]) >= 3 and len(head_tail[1]) >= 3:
            lines.append(f"{line} {head_tail[0]}-")
            line = head_tail[1]
        else:
            lines.append(line)
            line = word
    return "\n".join([*lines, line])


def ligatures_dropped(sample: Sample) -> Sample:
    """The letters of "ti", "ft", "fi", "ffi" and "fl" ligatures lost, as from a PDF text layer
    without their glyph mapping: "Meeting" reads "Meeng", "migration" "migraon". Ingest puts them
    back, as it turns a ligature glyph into its letters, so the gold keeps the words whole."""
    text = re.sub(r"(?<=[a-z])(?:ffi|ti|ft|fi|fl)(?=[a-z])", "", sample.text)
    return replace(sample, text=text)


def iscm_sections_shuffled(sample: Sample) -> Sample:
    """The ISCM sections in another order (each moves with its whole text)."""
    text, cursor, starts = sample.text, 0, []
    for heading in _heading_rows(sample)["heading"]:
        cursor = _find_line(text, heading, cursor).start()
        starts.append(cursor)
    # The last ISCM section ends where the next heading of another kind starts.
    others = _heading_rows(sample, ("global_meeting", "global_initiatives", "themes", "publications"))
    after = [m.start() for h in others["heading"] if (m := _find_line(text, h)).start() > starts[-1]]
    end = min(after, default=len(text))
    blocks = [text[a:b].rstrip() + "\n\n" for a, b in zip(starts, [*starts[1:], end], strict=True)]
    random.Random(sample.year).shuffle(blocks)
    return replace(sample, text=text[: starts[0]] + "".join(blocks) + text[end:])


# --- headings --------------------------------------------------------------------------------------


def headings_in_capitals(sample: Sample) -> Sample:
    return _rename_headings(sample, lambda _, h: h.upper(), ("iscm",))


def headings_acronym_only(sample: Sample) -> Sample:
    """ "Abu Dhabi Dialogue (ADD)" is printed "ADD"; a heading without an acronym stays."""

    def rename(_: int, heading: str) -> str:
        match = _BRACKET.match(heading)
        return match["acronym"].split(" or ")[0].strip() if match else heading

    return _rename_headings(sample, rename, ("iscm",))


def headings_acronym_first(sample: Sample) -> Sample:
    """ "Abu Dhabi Dialogue (ADD)" is printed "ADD - Abu Dhabi Dialogue"."""

    def rename(_: int, heading: str) -> str:
        match = _BRACKET.match(heading)
        return f"{match['acronym'].split(' or ')[0].strip()} - {match['name']}" if match else heading

    return _rename_headings(sample, rename, ("iscm",))


def headings_numbered(sample: Sample) -> Sample:
    return _rename_headings(sample, lambda n, h: f"{n + 1}. {h}", ("iscm",))


SUBTITLES = [
    "Highlights of the year",
    "Regional cooperation on labour mobility",
    "Key Events and Outcomes",
    "Strengthening dialogue among member states",
    "Towards safe and regular migration",
]


def headings_with_subtitle(sample: Sample) -> Sample:
    """Each ISCM heading followed by a bold subtitle line of its own."""
    text, cursor = sample.text, 0
    for n, heading in enumerate(_heading_rows(sample)["heading"]):
        found = _find_line(text, heading, cursor)
        new = f"{found[0]}\n\n**{SUBTITLES[n % len(SUBTITLES)]}**"
        text = text[: found.start()] + new + text[found.end() :]
        cursor = found.start() + len(new)
    return replace(sample, text=text)


GLOBAL_MEETING_NAMES = [
    "Annual Assembly of ISCM Chairs and Secretariats",
    "INTERREGIONAL FORUM OF CONSULTATION MECHANISMS ON MIGRATION",
    "Meeting of the Heads of Inter-State Consultation Mechanisms",
]


def global_meeting_renamed(sample: Sample) -> Sample:
    """The global meeting under a heading no past issue used."""
    return _rename_headings(
        sample, lambda n, _: GLOBAL_MEETING_NAMES[n % len(GLOBAL_MEETING_NAMES)], ("global_meeting",)
    )


# --- dates -----------------------------------------------------------------------------------------

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DAY_RANGE = re.compile(rf"\b(?P<a>\d{{1,2}})\s*[-–]\s*(?P<b>\d{{1,2}})\s+(?P<m>{_MONTH})\b(?!\s+\d{{4}})")


def _date_style(style: str) -> Callable[[Sample], Sample]:
    def transform(sample: Sample) -> Sample:
        def rewrite(m: re.Match[str]) -> str:
            a, b, month = m["a"], m["b"], m["m"]
            if int(a) >= int(b):  # "13-1 June" and the like: keep the text's own mistake as it is
                return m[0]
            return {
                "month_first": f"{month} {a}-{b}",
                "to": f"{a} to {b} {month}",
                "from_to_year": f"from {a} to {b} {month} {sample.year}",
                "repeated_month": f"{a} {month} - {b} {month}",
            }[style]

        return replace(sample, text=_DAY_RANGE.sub(rewrite, sample.text))

    transform.__name__ = f"dates_{style}"
    return transform


dates_month_first = _date_style("month_first")
dates_to = _date_style("to")
dates_from_to_year = _date_style("from_to_year")
dates_repeated_month = _date_style("repeated_month")


# --- theme lists -----------------------------------------------------------------------------------


def _theme_lines(sample: Sample) -> list[tuple[int, str]]:
    """Line numbers and text of the themes lists' entry lines (a theme name, then a colon)."""
    themes = sample.gold["themes"]
    names = sorted(set(themes["theme"]), key=len, reverse=True)
    lines = sample.text.split("\n")
    found = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if any(stripped.startswith(f"{name}:") for name in names):
            found.append((i, stripped))
    return found


def theme_bullets(sample: Sample) -> Sample:
    lines = sample.text.split("\n")
    for i, line in _theme_lines(sample):
        lines[i] = f"• {line}"
    return replace(sample, text="\n".join(lines))


def theme_counts_in_parentheses(sample: Sample) -> Sample:
    """ "[7 ISCMs]" printed "(7 ISCMs)"; a list that printed no counts gets them, in parentheses."""
    themes = sample.gold["themes"].copy()
    lines = sample.text.split("\n")
    listed = themes[themes["iscm_id"] != "*"].groupby(["group", "theme"]).size()
    for i, line in _theme_lines(sample):
        if re.search(r"\[\d+ ISCMs\]", line):
            lines[i] = re.sub(r"\[(\d+ ISCMs)\]", r"(\1)", line)
            continue
        name = line.split(":")[0]
        rows = themes["theme"] == name
        if not rows.any() or (themes.loc[rows, "iscm_id"] == "*").any():
            continue
        n = int(listed.loc[themes.loc[rows, "group"].iloc[0], name])
        members, sep, prose = line.partition(";")
        lines[i] = f"{members.rstrip(' .')} ({n} ISCMs){sep}{prose}"
        themes.loc[rows, "stated_count"] = str(n)
        themes.loc[rows, "count_ok"] = "true"
    return replace(sample, text="\n".join(lines)).with_gold("themes", themes)


def theme_members_wrapped(sample: Sample) -> Sample:
    """A long list of members wraps onto a second line after a comma."""
    lines = sample.text.split("\n")
    for i, line in _theme_lines(sample):
        commas = [m.start() for m in re.finditer(", ", line)]
        if len(commas) >= 3:
            cut = commas[len(commas) // 2]
            lines[i] = f"{line[: cut + 1]}\n{line[cut + 2 :]}"
    return replace(sample, text="\n".join(lines))


def theme_members_joined_with_and(sample: Sample) -> Sample:
    """The last two members of each list joined by "and" ("IGC, MIDWA and Rabat Process"), or by
    "&" in every other list."""
    lines = sample.text.split("\n")
    entries = _theme_lines(sample)
    starts = {i for i, _ in entries}
    for n, (i, line) in enumerate(entries):
        if i + 1 < len(lines) and lines[i + 1].strip() and i + 1 not in starts:
            continue  # the list goes on in the next line: its last two members are not here
        name, colon, members = line.partition(":")
        listed = re.split(r"[;\[(]", members)[0]
        last = listed.rfind(", ")
        if last > 0:
            joiner = " and " if n % 2 == 0 else " & "
            members = members[:last] + joiner + members[last + 2 :]
        lines[i] = f"{name}{colon}{members}"
    return replace(sample, text="\n".join(lines))


def theme_entries_numbered(sample: Sample) -> Sample:
    """Each list's entries numbered "1.", "2.", ... (or "a)", "b)", ... in every other list)."""
    lines = sample.text.split("\n")
    entries = _theme_lines(sample)
    number, previous, lists = 0, -2, 0
    for i, line in entries:
        number = number + 1 if i - previous <= 2 else 1
        lists += number == 1
        previous = i
        lines[i] = (
            f"{number}. {line}" if lists % 2 else f"{'abcdefghijklmnopqrstuvwxyz'[(number - 1) % 26]}) {line}"
        )
    return replace(sample, text="\n".join(lines))


def theme_counts_before_the_colon(sample: Sample) -> Sample:
    """The stated count printed after the theme name: "Data (5 ISCMs): IGC, ..."."""
    lines = sample.text.split("\n")
    for i, line in _theme_lines(sample):
        count = re.search(r"\s*\[(\d+ ISCMs)\]", line)
        if count:
            name, colon, members = line[: count.start()].partition(":")
            lines[i] = f"{name} ({count[1]}){colon}{members}{line[count.end() :]}"
    return replace(sample, text="\n".join(lines))


def theme_names_one_word(sample: Sample) -> Sample:
    """Each theme renamed to one word of its name (unique within the issue): "Data", "Border"."""
    themes = sample.gold["themes"].copy()
    names = list(dict.fromkeys(themes["theme"]))
    taken: set[str] = set()
    renamed: dict[str, str] = {}
    for name in names:
        words = [w.strip("'’,()").capitalize() for w in name.split() if len(w.strip("'’,()")) >= 4]
        word = next((w for w in sorted(words, key=len, reverse=True) if w.isalpha() and w not in taken), None)
        if word:
            taken.add(word)
            renamed[name] = word
    lines = sample.text.split("\n")
    for i, line in _theme_lines(sample):
        name = max((n for n in renamed if line.startswith(f"{n}:")), key=len, default=None)
        if name:
            lines[i] = renamed[name] + line[len(name) :]
    themes["theme"] = themes["theme"].map(lambda n: renamed.get(n, n))
    return replace(sample, text="\n".join(lines)).with_gold("themes", themes)


TRANSFORMS: list[Callable[[Sample], Sample]] = [
    flattened,
    ligatures_dropped,
    rewrapped(40),
    rewrapped(90),
    headings_in_capitals,
    headings_acronym_only,
    headings_acronym_first,
    headings_numbered,
    headings_with_subtitle,
    dates_month_first,
    dates_to,
    dates_from_to_year,
    dates_repeated_month,
    theme_bullets,
    theme_names_one_word,
    theme_counts_in_parentheses,
    theme_members_wrapped,
    theme_members_joined_with_and,
    theme_entries_numbered,
    theme_counts_before_the_colon,
    iscm_sections_shuffled,
    global_meeting_renamed,
]


# --- scoring ---------------------------------------------------------------------------------------


def score_samples(samples: list[Sample], rules: Rules, work: Path) -> dict[tuple[str, str], Score]:
    """Extract every sample in one run and score it against its own gold:
    {(table, doc_id): Score}, with table "sections", "meetings:dated", "themes"."""
    raw, gold, out = work / "raw", work / "gold", work / "out"
    raw.mkdir(parents=True)
    for sample in samples:
        (raw / f"{sample.doc_id}.txt").write_text(sample.text, encoding="utf-8")
        (gold / sample.doc_id).mkdir(parents=True)
        for table, frame in sample.gold.items():
            frame.to_csv(gold / sample.doc_id / f"{table}.csv", index=False)
    pipeline.run([raw], out, rules, pipeline.RunOptions(workers=2))
    return {(s.table, s.doc_id): s for s in evaluate(gold, out, list(TABLES))}
