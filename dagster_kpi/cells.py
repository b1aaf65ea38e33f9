"""Text from the marts made safe for people: spreadsheet cells (CSV, Excel) and the terminal.

The marts keep names and identifiers exactly as the source systems sent them: an agent may be
called `=HYPERLINK("http://…","点我")`, a team `=1+1`. Nothing changes that data; what changes is how
it is handed to people.

**Spreadsheet cells** (`spreadsheet_text`, for every text cell of a CSV or Excel file the product
writes). A spreadsheet reads a cell that begins with `=`, `+`, `-` or `@` as a formula, and some read
a leading tab or carriage return the same way (OWASP, "CSV Injection"). Such text gets a single quote
in front: `=1+1` is written `'=1+1`, which every spreadsheet shows as text. The rule looks at the
text only, as OWASP advises: the text `-3` in a text column becomes `'-3` too (a text column holds
no numbers to lose). Numbers are not text: a cell holding the number -3 is written as the number -3,
so numeric columns stay numeric in Excel and unquoted in CSV. Control characters other than tab, line
feed and carriage return are dropped first (an Excel workbook cannot hold them, and CSV and Excel
then show the same text); the quote is decided on what remains.

**Terminal text** (`terminal_text`, for what `kpi show` prints). Control characters would let a name
move the cursor, recolour or clear the screen (ANSI escape sequences) or reorder what follows
(bidirectional overrides). Line breaks and tabs become a space; every other control character and the
bidirectional embedding, override and isolate marks are dropped, so `\\x1b[2J` prints as the harmless
`[2J`.
"""

from __future__ import annotations

import re
import unicodedata

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""A text cell beginning with one of these is read as a formula by some spreadsheet."""

QUOTE = "'"

# Characters XML 1.0 (an .xlsx file) cannot hold: C0 controls but tab, line feed and carriage return.
_NOT_IN_CELLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Bidirectional embeddings, overrides (U+202A-U+202E) and isolates (U+2066-U+2069).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_CONTROLS = frozenset("\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet read `text` as a formula (it begins with `=`, `+`, `-`, `@`, tab or CR)?"""
    return text.startswith(FORMULA_PREFIXES)


def spreadsheet_text(text: str) -> str:
    """`text` as a CSV or Excel cell: control characters a workbook cannot hold dropped, and a single quote
    in front when what remains would be read as a formula.

    >>> spreadsheet_text('=HYPERLINK("http://evil.example/x","点我")')
    '\\'=HYPERLINK("http://evil.example/x","点我")'
    >>> spreadsheet_text("-3"), spreadsheet_text("T1"), spreadsheet_text("\\x07@x")
    ("'-3", 'T1', "'@x")
    """
    text = _NOT_IN_CELLS.sub("", text)
    return QUOTE + text if is_formula_like(text) else text


def spreadsheet_cell(value: object) -> object:
    """A value for a spreadsheet cell: text through `spreadsheet_text`; numbers, dates, booleans and None as they are."""
    return spreadsheet_text(value) if isinstance(value, str) else value


def terminal_text(text: str) -> str:
    """`text` safe to print on a terminal: line breaks and tabs as a space, other control characters and
    bidirectional controls dropped.

    >>> terminal_text("\\x1b[31mred\\x1b[0m\\nname")
    '[31mred[0m name'
    """
    if text.isprintable():
        return text
    return "".join(
        " " if ch in _LINE_CONTROLS else ch
        for ch in text
        if ch in _LINE_CONTROLS or (unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS)
    )
