"""CSV exports (the queue, an incident's payouts): Excel-friendly and formula-safe."""

from __future__ import annotations

import csv
import unicodedata

BOM = "\ufeff"  # Excel reads UTF-8 only with it


_FORMULA_STARTS = frozenset("=+-@|\u2212")


def csv_text(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection).

    A cell is quoted with a leading apostrophe when it starts with a formula character,
    its full-width form (＝ ＋ － ＠, which Japanese Excel also reads as one) or any white
    space (a space, an ideographic space, tab, CR or LF before one still starts a formula).
    """
    value = value or ""
    first = unicodedata.normalize("NFKC", value[:1])
    if first[:1] in _FORMULA_STARTS or value[:1].isspace():
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write() returns the line: csv.writer for streaming."""

    def write(self, value):
        return value


def csv_lines(header, rows):
    """The CSV text line by line, BOM first, for a StreamingHttpResponse."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)
