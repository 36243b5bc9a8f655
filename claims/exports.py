"""CSV exports (the queue, an incident's payouts): Excel-friendly and formula-safe."""

from __future__ import annotations

import csv

BOM = "\ufeff"  # Excel reads UTF-8 only with it


def csv_text(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


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
