"""The one CSV writer: every CSV pepforms writes goes through it.

UTF-8 with a byte-order mark and CRLF line ends, so Excel opens it as UTF-8; and any cell that a
spreadsheet would take as a formula (it begins with `=`, `+`, `-`, `@`, a tab or a carriage return)
is written with a leading apostrophe, so Excel and LibreOffice show it as text and never run it.
File names, form ids and child ids come from schools and rosters: they are untrusted text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell's text, neutralised if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # a number is a number, a minus sign included
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A whole CSV file: the header, then the rows, every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
