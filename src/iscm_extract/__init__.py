"""iscm-extract: a staged pipeline from ISCM Highlights newsletters to Parquet tables.

The command line (`iscm-extract extract raw --out outputs`) is the usual way in. From Python:

    from pathlib import Path
    import iscm_extract

    rules = iscm_extract.load_rules()  # the rules shipped with the package
    one = iscm_extract.extract_tables(Path("raw/iscm-highlights-2023.txt"), rules)
    one.tables["meetings"].to_pandas()  # one document's validated rows, as Arrow tables
    one.failure  # None, or the problem that stopped it (it never raises for a bad input)

    result = iscm_extract.extract_document(Path("raw/iscm-highlights-2023.txt"), rules)
    result.meetings  # the extraction's own records (raises IngestError for a bad input)

    iscm_extract.run([Path("raw")], Path("outputs"), rules)  # what `iscm-extract extract` runs
    tables = iscm_extract.read_tables(Path("outputs"))  # {"meetings": DataFrame, ...}

`extract_document` runs the stages on one input and returns its records (`DocumentResult`);
`extract_tables` is the per-document function every engine runs (in this process, in local worker
processes, on a Dask cluster); `run` streams each document's tables to disk as it is done and
assembles the final tables from them.
"""

__version__ = "0.1.0"

from iscm_extract.pipeline import RunOptions, RunResult, extract_document, run
from iscm_extract.rules import load_rules
from iscm_extract.tables.document import DocumentTables, extract_tables
from iscm_extract.tables.write import read_tables

__all__ = [
    "DocumentTables",
    "RunOptions",
    "RunResult",
    "__version__",
    "extract_document",
    "extract_tables",
    "load_rules",
    "read_tables",
    "run",
]
