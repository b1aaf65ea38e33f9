"""Ingestion of the landing folder's source extracts into DuckDB.

`ingest_source` reads every file of one source (.csv in UTF-8/GBK/GB18030,
.xlsx, .parquet), parses it against the contract and writes `raw.<source>`
(valid rows, latest per key) and `quarantine.<source>` (rejected rows).
"""

from .errors import ExtractError
from .load import IngestReport, ingest_source, landing_files

__all__ = ["ExtractError", "IngestReport", "ingest_source", "landing_files"]
