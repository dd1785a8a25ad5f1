"""Tests for reading a roster from an Excel workbook (.xlsx), written for real with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from msoffcrypto.format.ooxml import OOXMLFile

from pepforms.roster import ALL_COLUMNS, RosterError, read_roster
from tests.test_roster import (
    EARLY_YEARS,
    GOOD,
    OTHER_HEADINGS,
    SPRING_2027,
    TODAY,
    column,
    write_csv,
)

# GOOD as a spreadsheet holds it: real dates, the URN as a number.
GOOD_CELLS: dict[str, object] = {
    **GOOD,
    "date_of_birth": dt.datetime(2017, 3, 10),
    "date_entered_care": dt.date(2020, 6, 1),
    "school_urn": 900101,
}


def write_xlsx(
    directory: Path,
    rows: list[dict[str, object]],
    *,
    headings: list[str] | None = None,
    first_row: int = 1,
    sheet: str = "Sheet1",
    sheets_before: tuple[str, ...] = (),
    name: str = "roster.xlsx",
) -> Path:
    """A workbook with the roster on `sheet` (after any `sheets_before`), its heading on
    `first_row`; a row that is None is left blank."""
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    for index, title in enumerate(sheets_before):
        other = first if index == 0 else book.create_sheet(title)
        other.title = title
        other["A1"] = "Notes for the Virtual School"
    worksheet = book.create_sheet(sheet) if sheets_before else first
    worksheet.title = sheet
    for offset, heading in enumerate(headings or list(ALL_COLUMNS), start=1):
        worksheet.cell(row=first_row, column=offset, value=heading)
    for number, row in enumerate(rows, start=first_row + 1):
        for offset, column_name in enumerate(ALL_COLUMNS, start=1):
            value = row.get(column_name, "") if row is not None else None
            if value not in ("", None):
                worksheet.cell(row=number, column=offset, value=value)
    path = directory / name
    book.save(path)
    return path


def test_a_workbook_reads_like_the_same_csv(tmp_path: Path) -> None:
    as_text = {**GOOD, "child_id": "C2"}  # dates typed as text, the URN as text
    workbook = read_roster(write_xlsx(tmp_path, [GOOD_CELLS, as_text]), SPRING_2027, today=TODAY)
    csv = read_roster(write_csv(tmp_path, [GOOD, as_text]), SPRING_2027, today=TODAY)
    assert workbook.problems == []
    assert (workbook.file_format, workbook.sheet, workbook.encoding) == ("xlsx", "Sheet1", "")
    assert workbook.children == csv.children
    first = workbook.children[0]
    assert (first.date_of_birth, first.date_entered_care) == (dt.date(2017, 3, 10),
                                                              dt.date(2020, 6, 1))
    assert first.school_urn == "900101"  # not "900101.0"
    assert [child.line for child in workbook.children] == [2, 3]


def test_excel_dates_and_text_dates_in_one_column(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {**GOOD_CELLS, "child_id": "C1", "date_of_birth": dt.datetime(2016, 1, 14)},
        {**GOOD_CELLS, "child_id": "C2", "date_of_birth": "14/01/2016"},
        {**GOOD_CELLS, "child_id": "C3", "date_of_birth": "14 January 2016"},
        {**GOOD_CELLS, "child_id": "C4", "date_of_birth": "14/01/2016 00:00"},
    ]
    roster = read_roster(write_xlsx(tmp_path, rows), SPRING_2027, today=TODAY)
    assert roster.problems == []
    assert {child.date_of_birth for child in roster.children} == {dt.date(2016, 1, 14)}


def test_a_bad_row_is_skipped_and_named_by_its_sheet_row(tmp_path: Path) -> None:
    bad = {**GOOD_CELLS, "child_id": "C9", "date_of_birth": "31/02/2016"}
    after = {**GOOD_CELLS, "child_id": "C10"}
    # Heading on row 3 (two blank rows above it), a blank row between the children.
    path = write_xlsx(tmp_path, [GOOD_CELLS, None, bad, after], first_row=3)
    roster = read_roster(path, SPRING_2027, today=TODAY)
    assert [(child.child_id, child.line) for child in roster.children] == [("C1", 4), ("C10", 7)]
    [problem] = roster.problems
    assert (problem.code, problem.line, column(problem), problem.child_id, problem.severity) == (
        "roster-impossible-date", 6, "date_of_birth", "C9", "error"
    )
    assert problem.message.startswith("Row 6, child C9: ")
    assert "skipped" in problem.message and "31/02" not in problem.message


def test_a_repeated_id_names_the_first_row(tmp_path: Path) -> None:
    roster = read_roster(write_xlsx(tmp_path, [GOOD_CELLS, GOOD_CELLS]), SPRING_2027, today=TODAY)
    [problem] = roster.problems
    assert (problem.code, problem.line) == ("roster-duplicate-child-id", 3)
    assert "already used on row 2" in problem.message


def test_header_aliases_in_a_workbook(tmp_path: Path) -> None:
    roster = read_roster(write_xlsx(tmp_path, [GOOD_CELLS], headings=OTHER_HEADINGS), SPRING_2027,
                         today=TODAY)
    assert roster.problems == []
    assert roster.columns_used == dict(zip(ALL_COLUMNS, OTHER_HEADINGS, strict=True))
    assert roster.children[0].carer_name == "Pat Fictional"


def test_the_first_sheet_is_read_unless_a_sheet_is_named(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, [GOOD_CELLS, EARLY_YEARS], sheet="Children in care",
                      sheets_before=("Read me",))
    with pytest.raises(RosterError) as caught:
        read_roster(path, SPRING_2027, today=TODAY)
    message = str(caught.value)
    assert 'The sheet "Read me"' in message and "missing these columns" in message
    assert '"Children in care"' in message  # the other sheet is pointed out

    roster = read_roster(path, SPRING_2027, sheet="Children in care", today=TODAY)
    assert roster.sheet == "Children in care"
    assert [child.child_id for child in roster.children] == ["C1", "C2"]
    # The name as people type it: another case, stray spaces.
    assert read_roster(path, SPRING_2027, sheet=" children in CARE", today=TODAY).children


def test_a_hidden_first_sheet_is_passed_over(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, [GOOD_CELLS], sheet="Children", sheets_before=("Lookups",))
    book = openpyxl.load_workbook(path)
    book["Lookups"].sheet_state = "hidden"
    book.save(path)
    roster = read_roster(path, SPRING_2027, today=TODAY)
    assert (roster.sheet, len(roster.children)) == ("Children", 1)


def test_a_missing_sheet_is_a_clear_error(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, [GOOD_CELLS], sheet="Children", sheets_before=("Read me",))
    with pytest.raises(RosterError) as caught:
        read_roster(path, SPRING_2027, sheet="Spring term", today=TODAY)
    message = str(caught.value)
    assert 'no sheet called "Spring term"' in message
    assert '"Read me", "Children"' in message


def test_a_sheet_for_a_csv_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="not an Excel workbook"):
        read_roster(write_csv(tmp_path, [GOOD]), SPRING_2027, sheet="Children", today=TODAY)


def test_a_workbook_with_only_a_heading_row_warns(tmp_path: Path) -> None:
    roster = read_roster(write_xlsx(tmp_path, []), SPRING_2027, today=TODAY)
    assert [p.code for p in roster.problems] == ["roster-no-children"]


def test_an_empty_sheet_is_a_roster_error(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(RosterError, match='sheet "Sheet" of the roster .* is empty'):
        read_roster(path, SPRING_2027, today=TODAY)


def test_control_characters_in_a_workbook_are_removed_and_reported(tmp_path: Path) -> None:
    # Excel stores a character XML cannot hold as _xHHHH_, and a literal "_x" as "_x005F_x".
    row = {**GOOD_CELLS, "carer_name": "Pat_x0007_ Fictional", "social_worker_name": "Sam_x005F_x0001_"}
    roster = read_roster(write_xlsx(tmp_path, [row]), SPRING_2027, today=TODAY)
    child = roster.children[0]
    assert child.carer_name == "Pat Fictional"
    assert child.social_worker_name == "Sam_x0001_"  # typed that way: kept as typed
    [problem] = roster.problems
    assert (problem.code, problem.line, column(problem), problem.severity) == (
        "roster-control-characters", 2, "carer_name", "warning"
    )
    assert problem.message.startswith("Row 2, child C1: the carer's name")
    assert "Pat" not in problem.message


# --- workbooks that cannot be read -------------------------------------------------------------


def test_a_damaged_workbook_is_a_clear_error(tmp_path: Path) -> None:
    whole = write_xlsx(tmp_path, [GOOD_CELLS]).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])  # a download that stopped half way
    with pytest.raises(RosterError, match="damaged or was not fully saved"):
        read_roster(path, SPRING_2027, today=TODAY)


def test_a_workbook_with_a_broken_sheet_is_a_clear_error(tmp_path: Path) -> None:
    import zipfile

    source = write_xlsx(tmp_path, [GOOD_CELLS])
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # the sheet's XML stops mid-row
            new.writestr(item, data)
    with pytest.raises(RosterError, match="damaged"):
        read_roster(path, SPRING_2027, today=TODAY)


def test_a_password_protected_workbook_is_a_clear_error(tmp_path: Path) -> None:
    plain = io.BytesIO(write_xlsx(tmp_path, [GOOD_CELLS]).read_bytes())
    encrypted = io.BytesIO()
    OOXMLFile(plain).encrypt("fictional-password", encrypted)  # Office's own encryption
    path = tmp_path / "protected.xlsx"
    path.write_bytes(encrypted.getvalue())
    with pytest.raises(RosterError, match="protected with a password") as caught:
        read_roster(path, SPRING_2027, today=TODAY)
    assert "remove the password" in str(caught.value)


def test_an_old_xls_workbook_says_save_as_xlsx_or_csv(tmp_path: Path) -> None:
    path = tmp_path / "roster.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4088)  # an OLE2 (BIFF) file
    with pytest.raises(RosterError) as caught:
        read_roster(path, SPRING_2027, today=TODAY)
    message = str(caught.value)
    assert "old-style Excel workbook (.xls)" in message
    assert "Excel Workbook (.xlsx)" in message and "CSV UTF-8" in message


def test_a_word_document_is_not_a_roster(tmp_path: Path) -> None:
    path = tmp_path / "roster.docx"
    Document().save(str(path))
    with pytest.raises(RosterError, match="is a Word document, not an Excel workbook"):
        read_roster(path, SPRING_2027, today=TODAY)


def test_generate_reads_a_workbook_sheet_named_on_the_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pepforms.cli import main

    bad = {**GOOD_CELLS, "child_id": "C9", "date_of_birth": "31/02/2016"}
    roster = write_xlsx(tmp_path, [GOOD_CELLS, bad], sheet="Children", sheets_before=("Read me",))
    out = tmp_path / "pack"
    result = CliRunner().invoke(main, ["generate", "--authority", "cheshire-west", "--term",
                                       "spring-2027", "--roster", str(roster), "--sheet",
                                       "Children", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 forms for 1 school" in result.stdout
    assert "Row 3, child C9: the date of birth" in result.stderr
    problems = (out / "roster-problems.csv").read_text(encoding="utf-8-sig")
    assert "3,C9,date_of_birth,error,roster-impossible-date," in problems
