"""Documentation that is generated from the code: it must match what the code generates now."""

from __future__ import annotations

from tests.conftest import ROOT

from iscm_extract.rules import Rules
from iscm_extract.tables import catalog, dictionary
from iscm_extract.tables.tablespec import pandera_schema


def test_data_dictionary_is_current() -> None:
    """docs/tables.md is what `iscm-extract dictionary` makes from the schemas, the validation
    models and the committed tables: run `make dictionary` after changing any of them."""
    committed = (ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    assert dictionary.render(ROOT / "outputs") == committed


def test_every_table_and_column_is_described_and_validated(rules: Rules) -> None:
    assert set(catalog.TABLES) == set(catalog.SCHEMAS)
    for table, schema in catalog.SCHEMAS.items():
        model_columns = set(pandera_schema(catalog.TABLES[table], rules.vocabulary).columns)
        assert set(schema.names) == model_columns, table
        for column in schema.names:
            assert dictionary.describe(table, column), (table, column)
