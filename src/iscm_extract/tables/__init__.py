"""Tables: the output tables, declared once, built, validated and written.

tables.yaml      every table's columns, types, checks, keys and meanings
catalog.py       tables.yaml loaded into TableSpecs (tablespec.py, checks.py)
rows.py          rows from the extraction's records; derived.py the derived tables
isolate.py       failing rows dropped per document, with a problems row
arrow_tables.py  Arrow tables with their declared schemas, written as Parquet
validate.py      pandera checks built from the declarations
document.py      one document's validated tables: the unit a run streams and caches
cache.py         a JSON cache of those tables; assemble.py the final tables from the parts
write.py         manifest and write; output_folder.py lock, staging, one atomic swap
dictionary.py    docs/tables.md from the declarations
"""
