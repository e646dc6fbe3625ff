from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from tests import html_render
from tests.pdf_render import RenderInfo, render

from iscm_extract import pipeline
from iscm_extract.rules import Rules, load_rules

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
GOLD = ROOT / "tests" / "gold"
NEWSLETTERS = ["iscm-highlights-2020", "iscm-highlights-2021", "iscm-highlights-2023"]


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()


@pytest.fixture(scope="session")
def corpus_outputs(tmp_path_factory: pytest.TempPathFactory, rules: Rules) -> Path:
    """The committed raw/ corpus extracted once into a temporary folder."""
    out = tmp_path_factory.mktemp("outputs")
    result = pipeline.run([RAW], out, rules)
    assert not result.failed
    return out


@pytest.fixture(scope="session")
def corpus_results(rules: Rules) -> dict[str, pipeline.DocumentResult]:
    return {p.stem: pipeline.extract_document(p, rules) for p in sorted(RAW.glob("*.txt"))}


# --- PDFs rendered from the corpus, shared by the PDF test modules (each rendered and read once) ---

LAYOUTS = [2, 3]  # columns of the reportlab renders of every corpus text
DOCUMENTS = sorted(p.stem for p in RAW.glob("*.txt"))
# Newsletters printed by every producer and held to the text path: one line each. A test-written
# newsletter is added here as ROOT / "tests" / "documents" / "<doc_id>.txt", with its gold under
# tests/gold/<doc_id>/.
PARITY_TEXTS: list[Path] = [
    RAW / "iscm-highlights-2020.txt",
    RAW / "iscm-highlights-2021.txt",
    RAW / "iscm-highlights-2023.txt",
    ROOT / "tests" / "documents" / "highlights-2018-bulletin.txt",
    ROOT / "tests" / "documents" / "highlights-2024-digest.txt",
]
PRODUCERS = [
    ("reportlab", 2),
    ("reportlab", 3),
    ("chromium", 2),
    ("chromium", 3),
    ("weasyprint", 2),
    ("weasyprint", 3),
]


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, dict[str, RenderInfo]]]:
    """Every corpus text rendered by reportlab in each layout: {columns: (folder, {doc_id: info})}."""
    out: dict[int, tuple[Path, dict[str, RenderInfo]]] = {}
    for columns in LAYOUTS:
        folder = tmp_path_factory.mktemp(f"pdf{columns}")
        infos = {
            doc: render((RAW / f"{doc}.txt").read_text(encoding="utf-8"), folder / f"{doc}.pdf", columns)
            for doc in DOCUMENTS
        }
        out[columns] = (folder, infos)
    return out


@dataclass(frozen=True)
class PdfRun:
    out: Path
    results: dict[str, pipeline.DocumentResult]


@pytest.fixture(scope="session")
def pdf_runs(
    rendered: dict[int, tuple[Path, dict[str, RenderInfo]]],
    tmp_path_factory: pytest.TempPathFactory,
    rules: Rules,
) -> dict[int, PdfRun]:
    """Each layout's PDFs extracted once (pdfplumber); the tests read the tables and the documents
    of this run."""
    runs = {}
    for columns, (folder, _) in rendered.items():
        out = tmp_path_factory.mktemp(f"pdf{columns}-outputs")
        result = pipeline.run([folder], out, rules, pipeline.RunOptions(workers=2, keep_results=True))
        assert not result.failed
        runs[columns] = PdfRun(out, {r.document.doc_id: r for r in result.results})
    return runs


@pytest.fixture(scope="session")
def render_cache(request: pytest.FixtureRequest) -> Path:
    """Printed PDFs kept between runs in pytest's cache, keyed by page and producer version."""
    return Path(request.config.cache.mkdir("rendered-pdfs"))


@pytest.fixture(scope="session")
def producer_pdfs(
    tmp_path_factory: pytest.TempPathFactory, render_cache: Path
) -> dict[tuple[str, int], Path]:
    """The parity newsletters printed by each producer in each layout: {(producer, columns): folder}."""
    folders = {}
    for producer, columns in PRODUCERS:
        folder = tmp_path_factory.mktemp(f"parity-{producer}{columns}")
        for path in PARITY_TEXTS:
            text, out = path.read_text(encoding="utf-8"), folder / f"{path.stem}.pdf"
            if producer == "reportlab":
                render(text, out, columns)
            else:
                html_render.render(text, out, producer, columns, render_cache)
        folders[producer, columns] = folder
    return folders


def extract_folder(folder: Path, out: Path, rules: Rules, pdf_reader: str = "pdfplumber") -> Path:
    """The folder's inputs extracted into `out` by two worker processes; no input may fail."""
    result = pipeline.run([folder], out, rules, pipeline.RunOptions(workers=2, pdf_reader=pdf_reader))
    assert not result.failed, result.failed
    return out


@pytest.fixture(scope="session")
def producer_runs(
    producer_pdfs: dict[tuple[str, int], Path], tmp_path_factory: pytest.TempPathFactory, rules: Rules
) -> dict[tuple[str, int], Path]:
    """Each producer's and layout's parity newsletters extracted once (pdfplumber): output folders."""
    return {
        key: extract_folder(folder, tmp_path_factory.mktemp(f"parity-{key[0]}{key[1]}-out"), rules)
        for key, folder in producer_pdfs.items()
    }
