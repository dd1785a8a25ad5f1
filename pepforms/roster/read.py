"""Reading a roster file into rows of text: a CSV as Excel saves it, or an Excel workbook (.xlsx)."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pepforms.roster.model import RosterError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old Office formats, and Office's password-protected files
# An Office file encrypted with a password is an OLE container holding this stream.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_SNIFF_BYTES = 8192
_SAVE_AS_CSV = 'In Excel choose File > Save As and pick "CSV UTF-8 (Comma delimited)".'
_SAVE_AS_XLSX = ('In Excel choose File > Save As and pick "Excel Workbook (.xlsx)" or "CSV UTF-8 '
                 '(Comma delimited)".')
# Excel writes a character XML cannot hold as _xHHHH_ (and a literal "_x" as _x005F_x).
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass(frozen=True)
class Table:
    """The rows of a roster file, each cell stripped; rows[i] is the row a spreadsheet shows as
    row i + 1 (for a CSV, the record i + 1). file_format is "csv" or "xlsx"."""

    rows: list[list[str]]
    file_format: str
    header_index: int = 0  # the heading row: the first with anything in it
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    sheet_names: tuple[str, ...] = field(default=())


def read_bytes(path: Path, what: str) -> bytes:
    """The file's bytes; a file that cannot be opened is a RosterError saying what to do."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise RosterError(f"The {what} {path} was not found. Check the file name.") from None
    except IsADirectoryError:
        raise RosterError(f"{path} is a folder, not a {what}. Give the file itself.") from None
    except PermissionError:
        raise RosterError(
            f"The {what} {path} could not be opened: permission denied. If it is open in "
            "Excel, close it and try again."
        ) from None
    except OSError as error:
        raise RosterError(f"The {what} {path} could not be read ({error.strerror}).") from None


def decode_text(data: bytes, path: Path, what: str) -> tuple[str, str]:
    """The text of a CSV (or JSON) file and the encoding used: UTF-8 (with or without Excel's
    byte order mark), UTF-16 with a byte order mark, else Windows-1252 (Excel's plain "CSV")."""
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC):
        raise RosterError(f"The {what} {path} is an Excel workbook, not a CSV file. {_SAVE_AS_CSV}")
    if data.startswith(b"%PDF"):
        raise RosterError(f"The {what} {path} is a PDF, not a CSV file. {_SAVE_AS_CSV}")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if b"\x00" in data:
        raise RosterError(f"The {what} {path} is not a text (CSV) file. {_SAVE_AS_CSV}")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Five byte values are undefined in cp1252; replacing them beats refusing the file.
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(text: str) -> str:
    sample = text[:_SNIFF_BYTES]
    if len(text) > _SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def parse_csv(text: str, delimiter: str, path: Path, what: str) -> list[list[str]]:
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=True,
        strict=False,
    )
    try:
        return [[cell.strip() for cell in row] for row in reader]
    except csv.Error as error:
        raise RosterError(
            f"The {what} {path} could not be read as a CSV file ({error}). Save it from Excel "
            'as "CSV UTF-8 (Comma delimited)" and try again.'
        ) from None


def first_non_blank(rows: list[list[str]]) -> int | None:
    """The index of the first row with anything in it: the heading row."""
    return next((index for index, row in enumerate(rows) if any(row)), None)


def read_table(path: Path, score: Callable[[list[str]], int], sheet: str | None = None) -> Table:
    """The rows of the roster at `path`: an .xlsx workbook's first sheet that is not hidden (or
    the sheet named `sheet`), or a CSV. `score` says how many of a heading row's cells name one
    of our columns; it settles the CSV delimiter. Raises RosterError for a file that cannot be a
    roster."""
    data = read_bytes(path, "roster")
    if data.startswith(ZIP_MAGIC):
        table = _read_workbook(data, path, sheet)
    elif data.startswith(OLE_MAGIC):
        raise _ole_error(data, path)
    elif sheet is not None:
        raise RosterError(
            f'A sheet ("{sheet}") was asked for, but the roster {path} is not an Excel workbook '
            "(.xlsx), so it has no sheets. Leave out the sheet, or give the workbook."
        )
    else:
        text, encoding = decode_text(data, path, "roster")
        rows, delimiter = _csv_rows(text, score, path)
        table = Table(rows, "csv", encoding=encoding, delimiter=delimiter)
    header_index = first_non_blank(table.rows)
    if header_index is None:
        where = f'The sheet "{table.sheet}" of the roster' if table.sheet else "The roster"
        raise RosterError(f"{where} {path} is empty. It needs a heading row and a row per child.")
    return dataclasses.replace(table, header_index=header_index)


# --- CSV -------------------------------------------------------------------------------------


def _csv_rows(text: str, score: Callable[[list[str]], int], path: Path) -> tuple[list[list[str]], str]:
    """The rows and the delimiter.

    csv.Sniffer proposes the delimiter; it can be fooled (by commas inside names, or a short
    file), so another of , ; or tab is used instead only if it makes the heading row name
    more of our columns.
    """
    delimiter = sniff_delimiter(text)
    rows = parse_csv(text, delimiter, path, "roster")
    best = _heading_score(rows, score)
    for other in (",", ";", "\t"):
        if other == delimiter:
            continue
        try:
            other_rows = parse_csv(text, other, path, "roster")
        except RosterError:
            continue
        other_score = _heading_score(other_rows, score)
        if other_score > best:
            rows, delimiter, best = other_rows, other, other_score
    return rows, delimiter


def _heading_score(rows: list[list[str]], score: Callable[[list[str]], int]) -> int:
    index = first_non_blank(rows)
    return -1 if index is None else score(rows[index])


# --- Excel workbooks -------------------------------------------------------------------------


def _password_error(path: Path) -> RosterError:
    return RosterError(
        f"The roster {path} is protected with a password, so it cannot be read. Open it in "
        "Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password, "
        "then clear it), save it and try again."
    )


def _ole_error(data: bytes, path: Path) -> RosterError:
    if _ENCRYPTED_PACKAGE in data[: 4 * 1024 * 1024]:
        return _password_error(path)
    return RosterError(
        f"The roster {path} is an old-style Excel workbook (.xls), which pepforms does not "
        f"read. {_SAVE_AS_XLSX}"
    )


def _damaged(path: Path) -> RosterError:
    return RosterError(
        f"The roster {path} looks like an Excel workbook but could not be opened: it is damaged "
        "or was not fully saved or downloaded. Ask for it again, or open it in Excel and save it "
        'again as "Excel Workbook (.xlsx)" or "CSV UTF-8 (Comma delimited)".'
    )


def _check_is_workbook(data: bytes, path: Path) -> None:
    """Refuse, with the reason, a zip file that is not an .xlsx workbook."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            encrypted = any(info.flag_bits & 0x1 for info in archive.infolist())
            mimetype = archive.read("mimetype")[:80] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise _damaged(path) from None
    if encrypted:
        raise _password_error(path)
    if "xl/workbook.xml" in names:
        return
    if "xl/workbook.bin" in names:
        kind = "an Excel Binary Workbook (.xlsb)"
    elif b"opendocument.spreadsheet" in mimetype:
        kind = "an OpenDocument spreadsheet (.ods)"
    elif "word/document.xml" in names:
        kind = "a Word document"
    else:
        kind = "a zip file"
    raise RosterError(f"The roster {path} is {kind}, not an Excel workbook or CSV file. {_SAVE_AS_XLSX}")


def _read_workbook(data: bytes, path: Path, sheet: str | None) -> Table:
    """The cells of one worksheet as text, read in openpyxl's read-only (streaming) mode."""
    import openpyxl  # only a workbook needs it

    _check_is_workbook(data, path)
    # openpyxl warns about parts it drops (data validation, unknown extensions): not our reader's
    # concern, and a library must not print.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # a damaged workbook raises any of a dozen kinds, from zipfile to lxml
            raise _damaged(path) from None
        try:
            names = tuple(book.sheetnames)
            worksheet = _choose_sheet(book, names, sheet, path)
            # The stored size can be stale or huge: read the cells that are there instead.
            worksheet.reset_dimensions()
            rows = [[_cell_text(value) for value in row]
                    for row in worksheet.iter_rows(values_only=True)]
            title = str(worksheet.title)
        except RosterError:
            raise
        except Exception:  # the sheets are only parsed here, in read-only mode
            raise _damaged(path) from None
        finally:
            book.close()
    return Table(rows, "xlsx", sheet=title, sheet_names=names)


def _choose_sheet(book: Any, names: tuple[str, ...], sheet: str | None, path: Path) -> Any:
    worksheets = list(book.worksheets)  # worksheets only, not chart sheets
    if not worksheets:
        raise RosterError(f"The workbook {path} has no worksheet with the roster in it.")
    if sheet is None:
        # The first sheet people see: a hidden lookup sheet in front is not the roster.
        shown = [worksheet for worksheet in worksheets
                 if getattr(worksheet, "sheet_state", "visible") == "visible"]
        return (shown or worksheets)[0]
    loose = sheet.strip().casefold()
    for same in (lambda title: title == sheet, lambda title: title.strip().casefold() == loose):
        found = [worksheet for worksheet in worksheets if same(str(worksheet.title))]
        if found:
            return found[0]  # an exact match first, else one differing only in case or spaces
    listed = ", ".join(f'"{name}"' for name in names)
    raise RosterError(
        f'The workbook {path} has no sheet called "{sheet}". Its sheets are: {listed}. Give one '
        "of these names."
    )


def _cell_text(value: object) -> str:
    """A cell as text: a real Excel date as an ISO date (read unambiguously later), a whole
    number without ".0" (a URN stored as a number), a string with Excel's _xHHHH_ escapes undone."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return _EXCEL_ESCAPE.sub(lambda match: chr(int(match[1], 16)), value).strip()
    return str(value).strip()
