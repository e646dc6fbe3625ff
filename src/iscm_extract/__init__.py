"""iscm-extract: a staged pipeline from ISCM Highlights newsletters to Parquet tables."""

__version__ = "0.1.0"
