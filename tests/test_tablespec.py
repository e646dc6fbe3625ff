"""Each table is declared once (tables.yaml, loaded into TableSpecs): adding a column is one edit
there, and the Parquet schema, the pandera schema, the data dictionary and the keys follow."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from pandera.errors import SchemaErrors

from iscm_extract.rules import Rules
from iscm_extract.tables import catalog, dictionary
from iscm_extract.tables.catalog import TableDeclarationError, load_tables
from iscm_extract.tables.tablespec import DICTIONARY_TYPE, arrow_schema, disk_schema, pandera_schema
from iscm_extract.tools import diff

DECLARATION = (Path(catalog.__file__).parent / "tables.yaml").read_text(encoding="utf-8")
# The one edit: a column of headline_stats, declared where it stands in the Parquet file.
NEW_COLUMN = """      - name: scope
        type: string
        nullable: true
        vocabulary: true
        checks: [{one_of: [global, regional]}]
        description: "Whether the figure is about all ISCMs or one region."
"""


def _with_scope(text: str) -> str:
    """tables.yaml with the new column after headline_stats' `unit`, and `scope` in its key."""
    table = text.index("\n  headline_stats:\n")
    unit = text.index("      - name: unit\n", table)
    after_unit = text.index("      - ", unit + 1)
    edited = text[:after_unit] + NEW_COLUMN + text[after_unit:]
    return edited.replace("key: [section_id, metric]\n", "key: [section_id, metric, scope]\n", 1)


def test_a_column_added_in_one_place_reaches_every_derived_schema(rules: Rules, tmp_path: Path) -> None:
    before = load_tables(DECLARATION)["headline_stats"]
    spec = load_tables(_with_scope(DECLARATION))["headline_stats"]
    assert spec.names == [*before.names[:5], "scope", *before.names[5:]]

    # Arrow and Parquet: a nullable string, dictionary-encoded on disk, described in its metadata.
    field = arrow_schema(spec).field("scope")
    assert (field.type, field.nullable) == (pa.string(), True)
    assert field.metadata == {b"description": b"Whether the figure is about all ISCMs or one region."}
    assert disk_schema(spec).field("scope").type == DICTIONARY_TYPE
    assert spec.vocabulary_columns == ("metric", "unit", "scope")

    # pandera: the column is checked, nulls allowed, and a value off the list fails by name.
    schema = pandera_schema(spec, rules.vocabulary)
    assert schema.columns["scope"].nullable
    row = {"doc_id": "d", "section_id": "d/stats", "metric": "meetings_total", "value": 3, "unit": "count"}
    frame = pd.DataFrame([{**row, "scope": "galactic", "evidence": "e", "char_start": 0, "char_end": 1}])
    frame = frame.astype({"value": "Int32", "char_start": "Int64", "char_end": "Int64"})
    with pytest.raises(SchemaErrors) as failed:
        schema.validate(frame, lazy=True)
    assert list(failed.value.failure_cases["column"]) == ["scope"]
    schema.validate(frame.assign(scope="regional"))

    # The data dictionary: a row with its type, checks and meaning.
    page = dictionary.render(tmp_path, {"headline_stats": spec})
    assert (
        "| `scope` | dictionary<string> | nullable; one of `global`, `regional` | "
        "Whether the figure is about all ISCMs or one region. |  |"
    ) in page

    # The keys: diff's key is the declaration's.
    assert spec.key == ("section_id", "metric", "scope")
    assert all(diff.KEYS[name] == list(s.key) for name, s in catalog.TABLES.items())


def test_the_declared_tables_are_the_written_ones() -> None:
    assert list(catalog.TABLES) == list(catalog.SCHEMAS) == list(catalog.DISK_SCHEMAS)
    assert catalog.DERIVED_TABLES == ("meeting_counts", "iscms", "reconciliation")
    for name, spec in catalog.TABLES.items():
        assert catalog.SCHEMAS[name].names == spec.names


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("    key: [doc_id]\n", "    key: [doc_id]\n    sorted: true\n"), "documents: unknown sorted"),
        (("        type: int32\n", "        type: int31\n"), "unknown type 'int31'"),
        (("checks: [{at_least: 1}]", "checks: [{at_lest: 1}]"), "unknown check 'at_lest'"),
        (("row_checks: [year_within_period]", "row_checks: [year_in_period]"), "unknown row check"),
    ],
)
def test_a_declaration_this_code_does_not_know_is_an_error(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(TableDeclarationError, match=message):
        load_tables(DECLARATION.replace(*edit, 1))
