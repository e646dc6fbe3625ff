"""Texts and helpers shared by the test modules: a test module imports from here or from
conftest.py, never from another test module.

- A made-up newsletter issue: `HEAD` (its period, number and title) and `OPENING` (an ISCM
  section, so that what follows is read inside an issue); `extract_text` writes a text to a file
  and runs every stage on it: extract_text(tmp_path, rules, HEAD + OPENING + body, "issue-2031.txt").
- A made-up meeting report: `REPORT_HEAD` and its `PARTICIPANT_TABLE`.
- PDFs: `SMALL_NEWSLETTER` (to render in any number of columns), `image_only_pdf` (a scan), and
  `PAGES`, one small page per failure class of issue 13, printed by `chromium_page`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from tests.html_render import print_pdf

from iscm_extract import pipeline
from iscm_extract.model import DocumentResult
from iscm_extract.rules import Rules

# --- made-up documents, read as text ---------------------------------------------------------------

HEAD = "January - December 2031\n\nIssue XIV\n\nISCM 2031 Highlights\n\n"
OPENING = "Bali Process\n\nTwo Senior Officials' Meetings (3 March and 9 October).\n\n"


def extract_text(folder: Path, rules: Rules, text: str, name: str) -> DocumentResult:
    """Every stage run on `text`, written as folder/name (its doc_id is the name's stem)."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return pipeline.extract_document(path, rules)


REPORT_HEAD = (
    "Report of the Eleventh Global Meeting of Chairs and Secretariats of ISCMs (GRCP 11)\n\n"
    "Summary Report\n\nThe meeting was held online on 4-5 May 2031.\n\n"
)


PARTICIPANT_TABLE = (
    "Participant List\n\nI. Participants from ISCMs\n\n"
    "#\tISCM\tName\tPosition\n"
    "1.\tMigration Dialogue for Central African States (MIDCAS) Chair\tMs Ana Bello\t"
    "Director of Migration, Ministry of Interior of Chad\n"
    "2.\tColombo Process Secretariat and Abu Dhabi Dialogue Secretariat\tMr Li Wei\tHead of the joint\n\n"
    "#\tISCM\tName\tPosition\n"
    "\t\t\tSecretariat of the Colombo Process and the ADD\n"
    "3.\tRegional Conference on Migration (RCM)\tMr Juan Perez\tVice-Minister, RCM Chair\n"
    "4.\tAndean Migration Forum Secretariat\tMs Eva Ruiz\tCoordinator\n\n"
    "II. Host and Organizers (IOM)\n\n"
    "#\tOrganization\tName\tPosition\n"
    "5.\tIOM Headquarters\tMs Ada Okoro\tMigration Policy Officer\n\n"
    "ANNEX VII: Materials\n"
)


# --- PDFs --------------------------------------------------------------------------------------------

SMALL_NEWSLETTER = (
    "\n\n".join(
        [
            "ISCM 2031 Highlights",
            "Migration Dialogue for Central Asia (MIDCAS)",
            (
                "The 3rd Ministerial Conference (12-14 November) in Tashkent, Uzbekistan adopted the "
                "Tashkent Declaration on labour mobility and skills partnerships. Two expert workshops "
                "(March and June) on data exchange and return, and a webinar on climate mobility with the "
                "participation of national statistical offices from the region."
            ),
            "Mediterranean Transit Migration Dialogue (MTM)",
            (
                "Senior Officials Meeting (4-5 February), Valletta, Malta, discussed border management, "
                "protection at sea and legal pathways. Four thematic meetings on readmission and "
                "sustainable reintegration were held online during the year with partner countries of "
                "origin and transit."
            ),
            "Colombo Process",
            (
                "Senior Officials Meeting (22 May) on the future of work and skills recognition for migrant "
                "workers, and a regional consultation on ethical recruitment that adopted a set of "
                "recommendations for member states."
            ),
        ]
    )
    + "\n"
)


def image_only_pdf(path: Path) -> None:
    """A scan: shapes, no text layer."""
    canvas = Canvas(str(path), pagesize=A4)
    canvas.rect(50, 50, 400, 600, fill=1)
    canvas.showPage()
    canvas.save()


# --- one page per failure class of issue 13, printed by Chromium ----------------------------------

_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 20mm; }}
body {{ font: 9pt "DejaVu Serif"; line-height: 1.3; margin: 0; }}
.flow {{ columns: {columns}; column-gap: 16pt; column-rule: 0.6pt solid #777; }}
p {{ text-align: justify; hyphens: manual; margin: 0 0 4pt 0; }}
.bar {{ column-span: all; background: #1f4e79; color: #fff; font: bold 9.5pt "DejaVu Sans";
        padding: 3pt 6pt; }}
.box {{ background: #e8eef5; border: 0.8pt solid #9fb3c8; padding: 4pt 5pt; }}
.big {{ column-span: all; font: bold 15pt "DejaVu Sans"; margin: 4pt 0; }}
h2 {{ font: bold 9.5pt "DejaVu Sans"; margin: 6pt 0 2pt 0; }}
table {{ border-collapse: collapse; width: 100%; }} td {{ border: 0.6pt solid #000; padding: 2pt; }}
</style></head><body>{body}</body></html>"""


def _sentences(label: str, count: int) -> str:
    """Numbered sentences, so that reading order can be checked: "Alpha 1 ...", "Alpha 2 ..." """
    return " ".join(
        f"{label} {n} reports on labour mobility and regional cooperation." for n in range(1, count + 1)
    )


def _boxed(boxed: str, plain: str) -> str:
    """A shaded, bordered box of sentences, then a paragraph of others."""
    return f'<div class="box"><p>{_sentences(boxed, 6)}</p></div><p>{_sentences(plain, 12)}</p>'


@dataclass(frozen=True)
class ChromiumPage:
    body: str  # HTML inside <body>
    columns: int = 2  # of the .flow blocks


_SHY = "\u00ad"
# The pages of the failure classes, by name (tests/test_pdf_producers.py reads each as printed;
# tests/test_pdf_readers.py with both readers).
PAGES: dict[str, ChromiumPage] = {
    "soft-hyphen": ChromiumPage(
        f"<p>The{_SHY}mat{_SHY}ic con{_SHY}sul{_SHY}ta{_SHY}tions "
        f"(16 Feb{_SHY}ru{_SHY}ary) and work{_SHY}shops.</p>",
        columns=1,
    ),
    "line-end-hyphen": ChromiumPage(
        "<p>"
        + " ".join(
            f"meet{_SHY}ings con{_SHY}sul{_SHY}ta{_SHY}tions in{_SHY}ter{_SHY}na{_SHY}tion{_SHY}al"
            for _ in range(30)
        )
        + "</p>",
        columns=3,
    ),
    "banners-between-columns": ChromiumPage(
        f'<div class="flow"><p>{_sentences("Alpha", 16)}</p></div>'
        '<div class="bar">SHORT BANNER</div>'
        f'<div class="flow"><p>{_sentences("Beta", 16)}</p></div>'
        '<div class="big">Large Print</div>'
        f'<div class="flow"><p>{_sentences("Gamma", 16)}</p></div>'
    ),
    "banner-and-heading": ChromiumPage(
        "<p>ISCM 2031 Highlights</p>"
        '<div class="bar" style="padding: 1pt 0 0 0">MAIN EVENTS IN 2031</div>'
        '<div class="flow"><h2 style="margin-top: 0">Migration Dialogue for West Africa (MIDWA)</h2>'
        f"<p>The Ministerial Conference (12 March) adopted a declaration. {_sentences('Delta', 10)}</p></div>"
    ),
    "rules-bars-and-a-table": ChromiumPage(
        '<div class="bar">ADDRESSED AT ISCM EVENTS AND THEMATIC AREAS ADDRESSED IN 2031</div>'
        f'<div class="flow">{_boxed("Alpha", "Beta")}</div>'
        '<div class="bar">2031 PUBLICATIONS</div>'
        f'<div class="flow">{_boxed("Gamma", "Delta")}</div>'
        '<div class="bar">ANNEX</div>'
        "<table><tr><td>#</td><td>ISCM</td><td>Name</td></tr>"
        "<tr><td>1</td><td>MIDWA</td><td>A. Person</td></tr>"
        "<tr><td>2</td><td>RCM</td><td>B. Person</td></tr></table>"
    ),
    "short-soft-hyphens": ChromiumPage(
        f"<p>The{_SHY}mat{_SHY}ic con{_SHY}sul{_SHY}ta{_SHY}tions</p>", columns=1
    ),
}


def chromium_page(name: str, folder: Path, render_cache: Path) -> Path:
    """The failure-class page `name` printed by Chromium into `folder`."""
    page = PAGES[name]
    return print_pdf(
        _PAGE.format(columns=page.columns, body=page.body), folder / "page.pdf", "chromium", render_cache
    )
