"""Ingestion of the landing folder's source extracts into DuckDB.

`ingest_source` reads and parses every new or changed file of one source against the
contract (`source_extracts.yml`) once: its typed rows are kept in `landed` under the
digest of its bytes (and of the contract). The check that depends on the time of the
run (a timestamp in the future) is applied when the files are put together. Then
`raw.<source>` (valid rows, the latest per key) is brought up to date key by key (the
keys of new, changed and removed files), `quarantine.<source>` (rejected rows, with the
first failing column and a reason code) rewritten, and the months the changed rows
touch recorded (`dagster_kpi.changes`), in one transaction.

Rules beyond the contract's header comment:
- Files: `.csv` (UTF-8, UTF-8 with BOM, else GBK/GB18030 or Big5, told apart by
  which reading of the file's start gives common characters, see `encoding`; a
  file that reads well both ways is an error pointing to the setting `encodings`,
  which names the encoding of a source's CSVs that are not UTF-8), `.xlsx` (every
  sheet whose header carries the required columns, stacked; the others are ignored),
  `.parquet`, in the source folder and its sub-folders (`calls/2026-10/…`; a file's
  `_source_file` is its path below the source folder). Hidden files and folders,
  `~$` Excel lock files and README files that are not data (`README.md`, never a
  `.csv`, `.xlsx` or `.parquet` such as `Readme_calls_2026-12.csv`) are ignored;
  any other file is an error rather than silently skipped. A link leading out of
  the landing folder is refused (setting `allow_outside_links`); a folder of the
  landing folder that is no source is an error naming the closest source
  (setting `ignored_folders`). An
  absent source folder is an error when something beside it looks meant for it
  (`calls.csv` or a file `calls` in the landing folder, a folder `Calls/`).
- The header is the first of a file's (or sheet's) first 10 non-blank rows that
  carries the source's required and key columns: title rows (`2026年9月 话务明细报表`)
  and blank rows above it are skipped. Without such a row, the row naming the most
  columns is taken as the header, and its missing columns are named. A header that
  looks merged over two rows is an error asking to unmerge it: two adjacent rows
  carry the columns together, the row above the header names a column over a
  blank header cell, or the row below it (its key cells blank, as no data row's
  are) names one under a blank cell or a group label (`headers.locate_header`).
- A file without a header row (empty, or blank lines only), a CSV that is not
  comma-separated, a row with more or fewer fields than the header (empty fields
  past the header's width are ignored), undecodable bytes, UTF-16 text and a
  workbook without a worksheet are errors naming the file. So is content of
  another format than the extension says (told by its first bytes: a workbook
  saved as `.csv`, a text file as `.xlsx`, an `.xls` or HTML export as `.xlsx`),
  and a header of more than 500 columns (refused before the rows are read).
- `_source_row`: CSV and Parquet, the n-th record after the header (title rows
  above it are not counted; error messages name lines of the file); .xlsx, the
  n-th sheet row below the header row (blank rows are skipped but keep their
  number) plus 10,000,000 times the sheet's tab position (0 for the first tab).
- Timestamps: date part `YYYY-MM-DD` or `YYYY/MM/DD` (one- or two-digit month
  and day), a space or `T`, then `HH:MM`, `HH:MM:SS` or `HH:MM:SS.ffffff`; no
  zone. Dates also accept a midnight time (Excel date cells). Months accept
  `YYYY-MM`, `YYYY/MM` or the first day of the month as a date.
- Identifiers (string columns named `..._id`): full-width letters and digits read as
  ASCII, zero-width characters removed, trimmed; case is kept (`kf1004` and `KF1004`
  are two identifiers). One of invisible characters only is a missing value.
- Headers match after NFKC, with zero-width characters removed and a trailing unit
  in brackets dropped (`通话时长(秒)`, `推荐意愿（NPS）`). The report names, per file, the
  headers that match no column but come close to a name of a column the file lacks
  (`headers.NEAR_MISS_RATIO`; they stay extra columns) and the optional columns the
  file lacks (empty in all its rows).
- Ints accept `12` and `12.0`, not `12.5`, `1e3` or `0x10`; floats must be finite.
- Quarantine reasons are fixed codes (`missing_value`, `unparsable_<type>`,
  `not_in_values`, `below_min`, `above_max`, `timestamp_out_of_range`, and the
  contract's `row_rules`); `_column` and `_value` carry the detail.
- Timestamps must lie in [2000-01-01, `now`]; dates are not range-checked
  (planned dates may lie in the future, hire dates before 2000).
"""

from .errors import ExtractError
from .load import IngestReport, ingest_source, landing_files, source_file_name, unexpected_folders

__all__ = ["ExtractError", "IngestReport", "ingest_source", "landing_files", "source_file_name", "unexpected_folders"]
