"""`iscm-extract review`: static HTML pages that show each document's text with every extracted
row highlighted at its character offsets, so that a reviewer can check the tables against the
text row by row.

One page per document plus an index. A page lists the document's problems at the top, each
linked to its place in the text, then its rows by table (each linking to its highlight), a filter
by table, and the text with one colour per table; hovering over or clicking a highlight shows the
fields of its rows in a side panel. The page's script comes after the panel in the page, so the
panel exists when the script runs.

Source text. The text is read again from the source file and checked against
`documents.text_sha256`, so the offsets are the ones the tables were written with. `source_path`
is relative to the folder `extract` ran in, so it is looked for (`source_candidates`) as written
when absolute, then beside the output folder (`outputs/../raw/x.txt`: `make extract`'s layout),
in the output folder, and in the working folder; the first whose text has the right sha256 wins.
A document whose text is found nowhere is an error (`MissingSource`; the command exits 1), not a
page without highlights. A document that could not be read at all (no text_sha256) has a page
with its problems only.

Safety: every text is HTML-escaped; the rows' JSON inside the page's <script> has <, > and &
written as \u003c, \u003e and \u0026, so no field ("<!--", "</script>") can end or change the
script. A document's page is named `doc-<safe stem>-<hash of doc_id>.html` (`page_name`): two
doc_ids never share a page and none is `index.html`; links are URL-encoded.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from iscm_extract.reading import ingest
from iscm_extract.tables.values import json_value

# Tables whose rows have char offsets, in the order of the legend, with their colours.
HIGHLIGHTED: dict[str, str] = {
    "meetings": "#ffd166",
    "themes": "#9ad1d4",
    "publications": "#c3b1e1",
    "anniversaries": "#f4a3a8",
    "headline_stats": "#b5e48c",
    "participants": "#ffcb77",
    "speakers": "#a0c4ff",
    "survey_respondents": "#caffbf",
    "reconciliation": "#ffadad",
}


class MissingSource(LookupError):
    """The source text of a document could not be found again, or it changed since extraction."""


@dataclass(frozen=True)
class Highlight:
    record_id: str  # meeting_id for meetings, "<table>-<row>" otherwise
    table: str
    start: int
    end: int
    fields: dict[str, Any]


def load_highlights(tables: dict[str, pd.DataFrame], doc_id: str) -> list[Highlight]:
    found = []
    for table in HIGHLIGHTED:
        frame = tables.get(table)
        if frame is None:
            continue
        for index, row in frame[frame["doc_id"] == doc_id].iterrows():
            fields = {k: json_value(v) for k, v in row.items()}
            record_id = str(row["meeting_id"]) if table == "meetings" else f"{table}-{index}"
            found.append(Highlight(record_id, table, int(row["char_start"]), int(row["char_end"]), fields))
    return found


def render_text(text: str, highlights: list[Highlight], anchors: dict[int, list[str]]) -> str:
    """The text as HTML: each stretch covered by highlights is one <mark> naming all of them
    (highlights may nest or overlap), coloured by the narrowest; anchors are empty <span id>s."""
    cuts = {0, len(text), *anchors}
    for h in highlights:
        cuts |= {max(0, min(h.start, len(text))), max(0, min(h.end, len(text)))}
    bounds = sorted(cuts)
    parts = []
    for start, end in zip(bounds, [*bounds[1:], None], strict=False):
        for anchor in anchors.get(start, []):
            parts.append(f'<span class="anchor" id="{anchor}"></span>')
        if end is None or start == end:
            continue
        chunk = html.escape(text[start:end])
        covering = [h for h in highlights if h.start <= start and end <= h.end]
        if not covering:
            parts.append(chunk)
            continue
        narrowest = min(covering, key=lambda h: h.end - h.start)
        ids = " ".join(h.record_id for h in covering)
        tables = " ".join(dict.fromkeys(h.table for h in covering))
        parts.append(
            f'<mark class="t-{narrowest.table}" data-ids="{ids}" data-tables="{tables}">{chunk}</mark>'
        )
    return "".join(parts)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; display: flex; }
main { flex: 1; padding: 1rem 2rem; max-width: 60rem; }
aside { width: 26rem; position: sticky; top: 0; height: 100vh; overflow: auto; padding: 1rem;
        background: #f7f7f7; border-left: 1px solid #ddd; font-size: 0.85rem; }
pre.text { white-space: pre-wrap; font-family: Georgia, serif; font-size: 0.95rem; line-height: 1.5; }
mark { cursor: pointer; border-radius: 2px; }
mark.selected { outline: 2px solid #333; }
mark.dim { background: none !important; }
section.rows ol { font-size: 0.85rem; max-height: 16rem; overflow: auto; }
.legend span { display: inline-block; padding: 0 0.4rem; margin-right: 0.3rem; border-radius: 2px; }
.problems li.error { color: #b00020; }
table.fields { border-collapse: collapse; margin-bottom: 1rem; }
table.fields td { border-top: 1px solid #ddd; padding: 2px 4px; vertical-align: top; }
"""

_SCRIPT = """
const records = JSON.parse(document.getElementById('records').textContent);
const panel = document.getElementById('panel');
function show(mark) {
  document.querySelectorAll('mark.selected').forEach(m => m.classList.remove('selected'));
  mark.classList.add('selected');
  panel.innerHTML = '';
  for (const id of mark.dataset.ids.split(' ')) {
    const record = records[id];
    if (!record) continue;
    const title = document.createElement('h3');
    title.className = 'panel-table';
    title.textContent = record.table;
    const table = document.createElement('table');
    table.className = 'fields';
    for (const [key, value] of Object.entries(record.fields)) {
      const row = table.insertRow();
      row.dataset.field = key;
      row.insertCell().textContent = key;
      row.insertCell().textContent = value === null ? '' : JSON.stringify(value);
    }
    panel.append(title, table);
  }
}
// The filter: only the chosen table's highlights keep their colour, only its rows are listed.
const filter = document.getElementById('filter');
filter.addEventListener('change', () => {
  const chosen = filter.value;
  document.querySelectorAll('mark').forEach(m => {
    m.classList.toggle('dim', chosen !== '' && !m.dataset.tables.split(' ').includes(chosen));
  });
  document.querySelectorAll('section.rows').forEach(s => {
    s.hidden = chosen !== '' && s.dataset.table !== chosen;
  });
});
document.querySelectorAll('mark').forEach(m => {
  m.addEventListener('mouseenter', () => show(m));
  m.addEventListener('click', () => show(m));
});
const shown = new Set();
document.querySelectorAll('mark').forEach(m => m.dataset.ids.split(' ').forEach(id => shown.add(id)));
const summary = document.getElementById('summary');
summary.textContent = shown.size + ' of ' + Object.keys(records).length + ' rows highlighted';
summary.dataset.highlighted = shown.size;
"""


def _legend(counts: dict[str, int]) -> str:
    return " ".join(
        f'<span class="t-{t}">{t} {counts.get(t, 0)}</span>' for t in HIGHLIGHTED if counts.get(t)
    )


def _page(title: str, body: str, panel: bool = True, scripts: str = "") -> str:
    """A whole page; `scripts` come last, after the panel, so that they find every element."""
    colours = "\n".join(f"mark.t-{t}, .legend .t-{t} {{ background: {c}; }}" for t, c in HIGHLIGHTED.items())
    aside = '<aside id="panel"><p>Point at a highlight to see its rows.</p></aside>' if panel else ""
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}{colours}</style></head>\n<body><main>{body}</main>{aside}{scripts}</body></html>\n"
    )


# What a row is called in the list of rows: its first non-empty column among these.
_LABELS = ("name", "title", "theme", "member", "metric", "alias", "evidence")


def _row_label(highlight: Highlight) -> str:
    fields = highlight.fields
    label = next((str(fields[c]) for c in _LABELS if fields.get(c)), highlight.record_id)
    when = fields.get("start_date") or ""
    who = fields.get("iscm_id") or ""
    return " · ".join(str(part) for part in (who, label[:90], when) if part)


def row_anchor(record_id: str) -> str:
    return "row-" + re.sub(r"[^A-Za-z0-9_-]", "_", record_id)


def _rows_by_table(highlights: list[Highlight]) -> str:
    """Each table's rows, in text order, each a link to its place in the text."""
    parts = []
    for table in HIGHLIGHTED:
        rows = sorted((h for h in highlights if h.table == table), key=lambda h: (h.start, h.end))
        if not rows:
            continue
        items = "".join(
            f'<li><a href="#{row_anchor(h.record_id)}">{html.escape(_row_label(h))}</a></li>' for h in rows
        )
        parts.append(
            f'<section class="rows" data-table="{table}"><details><summary>{table} ({len(rows)})</summary>'
            f"<ol>{items}</ol></details></section>"
        )
    return "".join(parts)


def _filter(counts: dict[str, int]) -> str:
    options = "".join(f'<option value="{t}">{t}</option>' for t in HIGHLIGHTED if counts.get(t))
    return (
        '<p><label>Show table <select id="filter"><option value="">all tables</option>'
        f"{options}</select></label></p>"
    )


def document_page(doc: dict[str, Any], text: str | None, tables: dict[str, pd.DataFrame]) -> str:
    doc_id = doc["doc_id"]
    problems = tables["problems"]
    problems = problems[problems["doc_id"] == doc_id]
    anchors: dict[int, list[str]] = {}
    items = []
    for n, problem in enumerate(problems.itertuples()):
        where = ""
        if pd.notna(problem.char_start) and text is not None:
            anchors.setdefault(int(problem.char_start), []).append(f"problem-{n}")
            where = f' <a href="#problem-{n}">at {int(problem.char_start)}</a>'
        items.append(
            f'<li class="{problem.severity}">{problem.severity}, {problem.stage}: '
            f"{html.escape(str(problem.message))}{where}</li>"
        )
    parts = [
        "<p><a href='index.html'>All documents</a></p>",
        f"<h1>{html.escape(str(doc.get('title') or doc_id))}</h1>",
        f"<p>{html.escape(doc_id)} · {doc.get('kind')} · {html.escape(str(doc.get('source_path')))}</p>",
        f"<h2>Problems ({len(items)})</h2>",
        f"<ul class='problems'>{''.join(items) or '<li>none</li>'}</ul>",
    ]
    if text is None:
        parts.append("<p><strong>This input could not be read: no text, no rows.</strong></p>")
        return _page(doc_id, "".join(parts), panel=False)
    highlights = load_highlights(tables, doc_id)
    for h in highlights:
        anchors.setdefault(max(0, min(h.start, len(text))), []).append(row_anchor(h.record_id))
    counts = pd.Series([h.table for h in highlights]).value_counts().to_dict() if highlights else {}
    records = {h.record_id: {"table": h.table, "fields": h.fields} for h in highlights}
    records_json = script_json(records)
    parts += [
        f"<h2>Rows ({len(highlights)})</h2>{_rows_by_table(highlights)}",
        f"<p class='legend'>{_legend(counts)}</p>{_filter(counts)}<p id='summary'></p>",
        f"<pre class='text'>{render_text(text, highlights, anchors)}</pre>",
    ]
    scripts = (
        f"<script type='application/json' id='records'>{records_json}</script><script>{_SCRIPT}</script>"
    )
    return _page(doc_id, "".join(parts), scripts=scripts)


def script_json(value: Any) -> str:
    """JSON that is safe inside <script>: no <, > or & at all (JSON reads the escapes back)."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_name(doc_id: str) -> str:
    """The file of a document's page: never index.html, never another doc_id's."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", doc_id)[:80]
    return f"doc-{safe}-{hashlib.sha256(doc_id.encode()).hexdigest()[:10]}.html"


def source_candidates(source_path: str, outputs: Path) -> list[Path]:
    """Where a document's source may be: as written when absolute; else beside the output folder
    (extract ran in the folder holding outputs/, as `make extract` does), inside it, and in the
    working folder."""
    path = Path(source_path)
    if path.is_absolute():
        return [path]
    return list(
        dict.fromkeys([outputs.absolute().parent / path, outputs.absolute() / path, Path.cwd() / path])
    )


def document_text(doc: dict[str, Any], outputs: Path) -> str | None:
    """The document's text as the tables saw it; None for an input that was never read (no
    text_sha256). Raises MissingSource when no candidate file has that text."""
    if doc.get("text_sha256") is None or pd.isna(doc.get("text_sha256")):
        return None
    tried = []
    for path in source_candidates(str(doc["source_path"]), outputs):
        if not path.is_file():
            continue
        try:
            document, _ = ingest.read(path)
        except ingest.IngestError:
            continue
        if document.text_sha256 == doc["text_sha256"]:
            return document.text
        tried.append(f"{path} (its text changed since extraction)")
    where = "; ".join(tried) or "looked beside and inside the output folder and in the working folder"
    raise MissingSource(f"{doc['doc_id']}: source {doc['source_path']} not found ({where})")


def write_review(outputs: Path, out: Path) -> tuple[list[Path], list[str]]:
    """One page per document of `outputs` and an index; returns the pages written and, per
    document whose source text is missing (no page for it), the reason."""
    tables = {p.stem: pd.read_parquet(p) for p in sorted(outputs.glob("*.parquet"))}
    out.mkdir(parents=True, exist_ok=True)
    pages, rows, missing = [], [], []
    for doc in tables["documents"].to_dict("records"):
        page = out / page_name(str(doc["doc_id"]))
        try:
            text = document_text(doc, outputs)
        except MissingSource as exc:
            missing.append(str(exc))
            continue
        page.write_text(document_page(doc, text, tables), encoding="utf-8")
        pages.append(page)
        counts = {t: int((tables[t]["doc_id"] == doc["doc_id"]).sum()) for t in HIGHLIGHTED if t in tables}
        n_problems = int((tables["problems"]["doc_id"] == doc["doc_id"]).sum())
        rows.append(
            f"<tr><td><a href='{html.escape(quote(page.name))}'>{html.escape(str(doc['doc_id']))}</a></td>"
            f"<td>{html.escape(str(doc.get('kind')))}</td><td>{n_problems}</td>"
            f"<td class='legend'>{_legend(counts)}</td></tr>"
        )
    index = out / "index.html"
    index.write_text(
        _page(
            "iscm-extract review",
            "<h1>Documents</h1><table><tr><th>document</th><th>kind</th><th>problems</th><th>rows</th></tr>"
            + "".join(rows)
            + "</table>",
            panel=False,
        ),
        encoding="utf-8",
    )
    return [index, *pages], missing
