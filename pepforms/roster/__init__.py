"""The roster (one row per child in care, CSV or .xlsx) read into checked Child records and findings."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from pepforms.calendar import Term
from pepforms.findings import make
from pepforms.roster.columns import (
    load_column_map,
    match_columns,
    missing_columns_error,
    recognised,
    required_missing,
)
from pepforms.roster.model import (
    ALL_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ROLE,
    SECTION,
    Child,
    Roster,
    RosterError,
)
from pepforms.roster.read import read_table
from pepforms.roster.rules import (
    RowCheck,
    RowContext,
    check_row,
    remove_control_characters,
    upn_check_letter,
    without_control_characters,
)

__all__ = [
    "ALL_COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Child",
    "Roster",
    "RosterError",
    "read_roster",
    "upn_check_letter",
]


def read_roster(
    path: str | os.PathLike[str],
    term: Term,
    column_map: str | os.PathLike[str] | None = None,
    *,
    sheet: str | None = None,
    today: dt.date | None = None,
) -> Roster:
    """Read and check a roster (a CSV, or an .xlsx workbook's first sheet or `sheet`) for a term.

    Rows with errors are left out and every problem is a finding in Roster.problems; only a
    roster that cannot be used at all raises RosterError. The column map (JSON
    {"Their heading": "our_column"}, or a CSV of their_header,our_column lines) adds to the
    built-in header spellings; mapping a heading to null (JSON) or blank (CSV) ignores it.
    today (for "date entered care is in the future") defaults to the real date.
    """
    path = Path(path)
    today = today or dt.date.today()
    mapping = load_column_map(Path(column_map)) if column_map is not None else {}

    table = read_table(path, lambda header: recognised(header, mapping), sheet)
    rows, header_index = table.rows, table.header_index
    header = [without_control_characters(cell) for cell in rows[header_index]]

    columns, problems = match_columns(header, mapping)
    missing = required_missing(columns)
    if missing:
        raise missing_columns_error(missing, header, path, table)

    headings = {column: header[columns[column]] for column in ALL_COLUMNS if column in columns}
    context = RowContext(term=term, today=today, first_seen={})
    row_word = "Row" if table.file_format == "xlsx" else "Line"
    children: list[Child] = []
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        if not any(row):
            continue  # blank rows are skipped silently
        raw = {column: row[position] if position < len(row) else ""
               for column, position in columns.items()}
        check = RowCheck(index + 1, without_control_characters(raw["child_id"]), headings, row_word)
        child = check_row(remove_control_characters(raw, check), check, context)
        problems.extend(check.findings)
        if child is not None:
            children.append(child)

    if not any(any(row) for row in rows[header_index + 1 :]):
        problems.append(make("roster-no-children", section=SECTION, role=ROLE))

    return Roster(
        children=children,
        problems=problems,
        columns_used=headings,
        encoding=table.encoding,
        delimiter=table.delimiter,
        file_format=table.file_format,
        sheet=table.sheet,
    )
