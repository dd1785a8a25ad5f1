"""Reading the roster CSV (one row per child in care) into checked Child records."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pepforms.calendar import (
    PEP_MAX_YEAR_GROUP,
    PEP_MIN_YEAR_GROUP,
    Term,
    parse_year_group,
    phase_for,
    year_group,
    year_group_label,
)
from pepforms.errors import PepformsError
from pepforms.values import ValueNotUnderstood, parse_date

__all__ = [
    "ALL_COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Child",
    "Roster",
    "RosterError",
    "RosterProblem",
    "read_roster",
]

REQUIRED_COLUMNS = (
    "child_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "upn",
    "gender",
    "legal_status",
    "date_entered_care",
    "school_name",
    "school_urn",
    "designated_teacher_name",
    "designated_teacher_email",
    "social_worker_name",
    "social_worker_email",
    "carer_name",
)
OPTIONAL_COLUMNS = ("year_group", "curriculum")
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# How each column is named in messages to business support officers.
_COLUMN_TITLES = {
    "child_id": "child id",
    "first_name": "first name",
    "last_name": "last name",
    "date_of_birth": "date of birth",
    "upn": "UPN (unique pupil number)",
    "gender": "gender",
    "legal_status": "legal status",
    "date_entered_care": "date the child entered care",
    "school_name": "school or setting",
    "school_urn": "school URN",
    "designated_teacher_name": "designated teacher's name",
    "designated_teacher_email": "designated teacher's email",
    "social_worker_name": "social worker's name",
    "social_worker_email": "social worker's email",
    "carer_name": "carer's name",
    "year_group": "year group",
    "curriculum": "curriculum",
}

# Common spellings of each column in local authority systems and spreadsheets. Headers are
# compared after _normalise_header, so "Date of Birth", "date_of_birth" and "DATE-OF-BIRTH"
# are one spelling.
_ALIASES: dict[str, tuple[str, ...]] = {
    "child_id": (
        "id", "childid", "lacid", "claid", "personid", "childref", "childreference",
        "clientid", "lachildid", "childnumber", "personnumber",
    ),
    "first_name": ("firstname", "forename", "forenames", "givenname", "givennames", "firstnames"),
    "last_name": ("lastname", "surname", "familyname", "lastnames", "surnames"),
    "date_of_birth": ("dob", "dateofbirth", "birthdate", "dateborn", "birthday"),
    "upn": ("upn", "uniquepupilnumber", "pupilnumber"),
    "gender": ("gender", "sex"),
    "legal_status": ("legalstatus", "legalstatuscode", "lacstatus", "clastatus"),
    "date_entered_care": (
        "dateenteredcare", "datebecamelookedafter", "datelookedafter", "dateintocare",
        "dateofentrytocare", "lacstartdate", "clastartdate", "caredate", "datecarestarted",
        "startofcare", "periodofcarestart", "dateoflookedafter",
    ),
    "school_name": (
        "schoolname", "school", "setting", "settingname", "schoolorsetting", "educationsetting",
        "establishment", "establishmentname", "provision",
    ),
    "school_urn": ("urn", "schoolurn", "settingurn", "establishmenturn"),
    "designated_teacher_name": (
        "dtname", "dt", "designatedteacher", "designatedteachername",
    ),
    "designated_teacher_email": (
        "dtemail", "dtemailaddress", "designatedteacheremail", "designatedteacheremailaddress",
    ),
    "social_worker_name": (
        "sw", "swname", "socialworker", "socialworkername", "allocatedsocialworker",
        "allocatedworker",
    ),
    "social_worker_email": (
        "swemail", "swemailaddress", "socialworkeremail", "socialworkeremailaddress",
        "allocatedsocialworkeremail",
    ),
    "carer_name": (
        "carer", "carers", "carername", "carersname", "fostercarer", "fostercarers",
        "fostercarername", "placementcarer", "placementcarers",
    ),
    "year_group": (
        "yeargroup", "ncy", "year", "ncyear", "nationalcurriculumyear", "yeargroupoverride",
        "schoolyear",
    ),
    "curriculum": ("curriculum", "curriculumtype"),
}

# Words an MIS often puts in front of a column name ("Pupil Forename", "Legal Surname").
_PREFIXES = ("pupil", "childs", "child", "student", "youngpersons", "youngperson", "legal",
             "current")

_EXACT = {re.sub(r"[\W_]+", "", column): column for column in ALL_COLUMNS}
_ALIAS_LOOKUP = {alias: column for column, aliases in _ALIASES.items() for alias in aliases}

_UPN = re.compile(r"[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z]")
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
# DfE codes meaning "UPN not known" (UN1 to UN5), used in returns such as the SSDA903.
_UPN_UNKNOWN = re.compile(r"UN[1-5]")
_EMAIL = re.compile(r"[^@\s<>(),;:\"']+@[^@\s<>(),;:\"']+\.[A-Za-z]{2,}")

_SNIFF_BYTES = 8192
_PEP_MIN_AGE = 2


class RosterError(PepformsError):
    """The roster cannot be used at all: missing, unreadable, not a CSV, columns missing, empty."""


@dataclass(frozen=True)
class Child:
    """One child from the roster. The repr shows no personal details, only ids and year group."""

    child_id: str
    first_name: str = field(repr=False)
    last_name: str = field(repr=False)
    date_of_birth: dt.date = field(repr=False)
    upn: str = field(repr=False)
    gender: str = field(repr=False)
    legal_status: str = field(repr=False)
    date_entered_care: dt.date | None = field(repr=False)
    school_name: str = field(repr=False)
    school_urn: str
    designated_teacher_name: str = field(repr=False)
    designated_teacher_email: str = field(repr=False)
    social_worker_name: str = field(repr=False)
    social_worker_email: str = field(repr=False)
    carer_name: str = field(repr=False)
    year_group: int
    curriculum: str
    phase: str
    line: int

    @property
    def year_group_label(self) -> str:
        """For people: "Reception", "Year 5"."""
        return year_group_label(self.year_group)


@dataclass(frozen=True)
class RosterProblem:
    """Something wrong with the roster. An "error" row was skipped; a "warning" row was kept.

    line is the row number a spreadsheet shows (the header is row 1), or None for the whole
    file; column is our column name. The message never contains a name or a date of birth.
    """

    line: int | None
    child_id: str
    column: str | None
    severity: str
    code: str
    message: str


@dataclass
class Roster:
    """The children read from a roster, the problems found, and how the file was read.

    columns_used maps each of our column names to the header it was read from.
    """

    children: list[Child]
    problems: list[RosterProblem]
    columns_used: dict[str, str]
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def errors(self) -> list[RosterProblem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def warnings(self) -> list[RosterProblem]:
        return [problem for problem in self.problems if problem.severity == "warning"]


# --- reading the file ------------------------------------------------------------------------


def _normalise_header(text: str) -> str:
    """Lower case, with spaces, underscores, hyphens and punctuation removed."""
    return re.sub(r"[\W_]+", "", text.casefold())


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise RosterError(f"The {what} {path} was not found. Check the file name.") from None
    except IsADirectoryError:
        raise RosterError(f"{path} is a folder, not a {what}. Give the CSV file.") from None
    except PermissionError:
        raise RosterError(
            f"The {what} {path} could not be opened: permission denied. If it is open in "
            "Excel, close it and try again."
        ) from None
    except OSError as error:
        raise RosterError(f"The {what} {path} could not be read ({error.strerror}).") from None


def _decode(data: bytes, path: Path, what: str) -> tuple[str, str]:
    """The text of a CSV file and the encoding used: UTF-8 (with or without Excel's byte order
    mark), UTF-16 with a byte order mark, else Windows-1252 (Excel's plain "CSV")."""
    save_as = 'In Excel choose File > Save As and pick "CSV UTF-8 (Comma delimited)".'
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterError(f"The {what} {path} is an Excel workbook, not a CSV file. {save_as}")
    if data.startswith(b"%PDF"):
        raise RosterError(f"The {what} {path} is a PDF, not a CSV file. {save_as}")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if b"\x00" in data:
        raise RosterError(f"The {what} {path} is not a text (CSV) file. {save_as}")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Five byte values are undefined in cp1252; replacing them beats refusing the file.
        return data.decode("cp1252", errors="replace"), "cp1252"


def _sniff_delimiter(text: str) -> str:
    sample = text[:_SNIFF_BYTES]
    if len(text) > _SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _parse_rows(text: str, delimiter: str, path: Path, what: str) -> list[list[str]]:
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


def _recognised(header: list[str], column_map: dict[str, tuple[str, str | None]]) -> int:
    """How many cells of a header row name one of our columns."""
    return sum(
        1
        for cell in header
        if (key := _normalise_header(cell)) in column_map
        or key in _EXACT
        or key in _ALIAS_LOOKUP
    )


def _first_non_blank(rows: list[list[str]]) -> int | None:
    return next((index for index, row in enumerate(rows) if any(row)), None)


def _rows_and_delimiter(
    text: str, column_map: dict[str, tuple[str, str | None]], path: Path, what: str
) -> tuple[list[list[str]], int, str]:
    """The rows, the index of the heading row, and the delimiter.

    csv.Sniffer proposes the delimiter; it can be fooled (by commas inside names, or a short
    file), so another of , ; or tab is used instead only if it makes the heading row name
    more of our columns.
    """
    delimiter = _sniff_delimiter(text)
    rows = _parse_rows(text, delimiter, path, what)
    header_index = _first_non_blank(rows)
    if header_index is None:
        raise RosterError(
            f"The roster {path} is empty. It needs a heading row and a row per child."
        )
    score = _recognised(rows[header_index], column_map)
    for other in (",", ";", "\t"):
        if other == delimiter:
            continue
        try:
            other_rows = _parse_rows(text, other, path, what)
        except RosterError:
            continue
        other_index = _first_non_blank(other_rows)
        if other_index is None:
            continue
        other_score = _recognised(other_rows[other_index], column_map)
        if other_score > score:
            rows, header_index, delimiter, score = other_rows, other_index, other, other_score
    return rows, header_index, delimiter


# --- the column map --------------------------------------------------------------------------


def _our_column(name: str, their_header: str) -> str | None:
    if name.strip() == "":
        return None
    key = _normalise_header(name)
    for column in ALL_COLUMNS:
        if _normalise_header(column) == key:
            return column
    raise RosterError(
        f'The column map says the roster heading "{their_header}" is "{name}", but there is no '
        f"column called that. Use one of: {', '.join(ALL_COLUMNS)}."
    )


def _load_column_map(path: Path) -> dict[str, tuple[str, str | None]]:
    """{normalised their header: (their header, our column or None to ignore it)}."""
    what = "column map"
    data = _read_bytes(path, what)
    text, _ = _decode(data, path, what)
    pairs: list[tuple[str, str | None]] = []
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as error:
            raise RosterError(
                f"The column map {path} is not valid JSON (line {error.lineno}): write it like "
                '{"Their heading": "date_of_birth"}.'
            ) from None
        if not isinstance(loaded, dict) or not all(
            isinstance(value, str) or value is None for value in loaded.values()
        ):
            raise RosterError(
                f"The column map {path} must be one JSON object of headings to column names, "
                'like {"Birth Date": "date_of_birth"}.'
            )
        pairs = list(loaded.items())
    else:
        rows = [row for row in _parse_rows(text, _sniff_delimiter(text), path, what) if any(row)]
        if rows and len(rows[0]) >= 2 and _normalise_header(rows[0][1]) == "ourcolumn":
            rows = rows[1:]  # the optional header row their_header,our_column
        for row in rows:
            if len(row) < 2 or not row[0]:
                raise RosterError(
                    f"Each line of the column map {path} needs two values: the roster's "
                    "heading, then our column name, like: Birth Date,date_of_birth"
                )
            pairs.append((row[0], row[1]))
    return {
        _normalise_header(their): (their, None if our is None else _our_column(our, their))
        for their, our in pairs
    }


def _match_columns(
    header: list[str], column_map: dict[str, tuple[str, str | None]]
) -> tuple[dict[str, int], list[RosterProblem]]:
    """{our column: index in the row}, and problems with the column map.

    A column map entry beats our own column name, which beats an alias, which beats an alias
    found after dropping a prefix such as "Pupil". Two headings equally good for one column
    are a RosterError: choosing one would be a guess.
    """
    candidates: dict[str, list[tuple[int, int]]] = {}
    used_map_keys: set[str] = set()
    for index, cell in enumerate(header):
        key = _normalise_header(cell)
        if not key:
            continue
        match: tuple[str | None, int] | None = None
        if key in column_map:
            used_map_keys.add(key)
            match = (column_map[key][1], 3)
        elif key in _EXACT:
            match = (_EXACT[key], 2)
        elif key in _ALIAS_LOOKUP:
            match = (_ALIAS_LOOKUP[key], 1)
        else:
            for prefix in _PREFIXES:
                rest = key[len(prefix) :]
                if key.startswith(prefix) and (rest in _EXACT or rest in _ALIAS_LOOKUP):
                    match = (_EXACT.get(rest) or _ALIAS_LOOKUP[rest], 0)
                    break
        if match is not None and match[0] is not None:
            candidates.setdefault(match[0], []).append((match[1], index))

    columns: dict[str, int] = {}
    for column, found in candidates.items():
        best = max(priority for priority, _ in found)
        top = [index for priority, index in found if priority == best]
        if len(top) > 1:
            headings = " and ".join(f'"{header[index]}"' for index in top)
            raise RosterError(
                f"The roster has more than one column that could be the "
                f"{_COLUMN_TITLES[column]}: {headings}. Give a column map saying which to use, "
                f'like {{"{header[top[0]]}": "{column}"}}.'
            )
        columns[column] = top[0]

    problems = [
        RosterProblem(
            line=None,
            child_id="",
            column=our,
            severity="warning",
            code="column-map-entry-not-used",
            message=(
                f'The column map mentions the heading "{their}", but the roster has no column '
                "with that heading. Check the spelling in the column map."
            ),
        )
        for key, (their, our) in column_map.items()
        if key not in used_map_keys
    ]
    return columns, problems


# --- checking each row -----------------------------------------------------------------------


def upn_check_letter(upn: str) -> str:
    """The DfE check letter for the last 12 characters of a UPN (weights 2 to 13, modulo 23)."""
    if not _UPN.fullmatch("A" + upn[-12:].upper()):
        raise ValueError("A UPN ends with 11 digits and then a digit or a letter")
    total = 0
    for weight, character in enumerate(upn[-12:].upper(), start=2):
        value = int(character) if character.isdigit() else _UPN_LETTERS.index(character)
        total += weight * value
    return _UPN_LETTERS[total % 23]


def _age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Age in whole years; a 29 February birthday falls on 1 March in other years."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


class _RowChecker:
    """Collects the problems of one roster row, worded for business support officers."""

    def __init__(self, line: int, child_id: str, headings: dict[str, str]) -> None:
        self.line = line
        self.child_id = child_id
        self.headings = headings
        self.problems: list[RosterProblem] = []

    def where(self) -> str:
        if self.child_id:
            return f"Line {self.line}, child {self.child_id}"
        return f"Line {self.line}"

    def column(self, column: str) -> str:
        """E.g. 'date of birth (column "Birth Date")'."""
        return f'{_COLUMN_TITLES[column]} (column "{self.headings.get(column, column)}")'

    def add(self, severity: str, code: str, column: str | None, message: str) -> None:
        tail = " This row was skipped." if severity == "error" else ""
        self.problems.append(
            RosterProblem(
                line=self.line,
                child_id=self.child_id,
                column=column,
                severity=severity,
                code=code,
                message=f"{self.where()}: {message}{tail}",
            )
        )

    def error(self, code: str, column: str | None, message: str) -> None:
        self.add("error", code, column, message)

    def warning(self, code: str, column: str | None, message: str) -> None:
        self.add("warning", code, column, message)

    @property
    def has_errors(self) -> bool:
        return any(problem.severity == "error" for problem in self.problems)

    def date(self, column: str, text: str) -> dt.date | None:
        try:
            return parse_date(text)
        except ValueNotUnderstood:
            self.error(
                "impossible-date",
                column,
                f"the {self.column(column)} is not a date that exists or is not written day "
                "first. Write it like 14/01/2016.",
            )
            return None


def _curriculum(text: str) -> str | None:
    key = _normalise_header(text)
    if key in ("", "mainstream"):
        return "mainstream"
    if key in ("targeted", "targetedcurriculum"):
        return "targeted"
    return None


def _check_row(
    values: dict[str, str],
    check: _RowChecker,
    term: Term,
    today: dt.date,
    first_seen: dict[str, int],
) -> Child | None:
    """The child on one row, or None if the row has errors (all of them reported)."""
    child_id = values["child_id"]

    # Errors: the row is skipped, but every error on it is reported so all can be fixed at once.
    if not child_id:
        check.error(
            "missing-child-id",
            "child_id",
            f"the {check.column('child_id')} is blank. Every child needs their id from the "
            "case management system; fill it in or delete the row.",
        )
    else:
        key = child_id.casefold()
        if key in first_seen:
            check.error(
                "duplicate-child-id",
                "child_id",
                f"this child id is already used on line {first_seen[key]}. Each child must "
                "appear once: delete the repeated row or correct the id.",
            )
        else:
            first_seen[key] = check.line

    for column in ("first_name", "last_name"):
        if not values[column]:
            check.error(
                "missing-name", column, f"the {check.column(column)} is blank. Fill it in."
            )

    date_of_birth: dt.date | None = None
    if not values["date_of_birth"]:
        check.error(
            "missing-date-of-birth",
            "date_of_birth",
            f"the {check.column('date_of_birth')} is blank. Fill it in, day first, like "
            "14/01/2016.",
        )
    else:
        date_of_birth = check.date("date_of_birth", values["date_of_birth"])

    curriculum = _curriculum(values.get("curriculum", ""))
    if curriculum is None:
        check.error(
            "bad-curriculum",
            "curriculum",
            f'the {check.column("curriculum")} must be "mainstream", "targeted" or blank '
            "(blank means mainstream).",
        )

    override: int | None = None
    if values.get("year_group", ""):
        try:
            override = parse_year_group(values["year_group"])
        except ValueError:
            check.error(
                "bad-year-group",
                "year_group",
                f"the {check.column('year_group')} is not a year group. Write R for Reception, "
                "N for Nursery, or a number like 5 or Year 5; leave it blank to work it out "
                "from the date of birth.",
            )

    date_entered_care: dt.date | None = None
    if values["date_entered_care"]:
        date_entered_care = check.date("date_entered_care", values["date_entered_care"])

    group: int | None = None
    if date_of_birth is not None:
        age = _age_on(date_of_birth, term.start_date)
        computed = year_group(date_of_birth, term.academic_year_start)
        if age < _PEP_MIN_AGE:
            check.error(
                "too-young-for-pep",
                "date_of_birth",
                f"this child is under {_PEP_MIN_AGE} at the start of the {term.label}, too young "
                "for a PEP. Check the date of birth, or leave the child off this term's roster.",
            )
        else:
            # A two-year-old born after 31 August is below "age 2-3" by the 1 September rule
            # but is in pre-school all the same, so the lowest PEP year group applies.
            computed = max(computed, PEP_MIN_YEAR_GROUP)
            group = computed if override is None else override
            if group > PEP_MAX_YEAR_GROUP:
                check.error(
                    "too-old-for-pep",
                    "year_group" if override is not None else "date_of_birth",
                    f"this child would be in Year {group} in {term.academic_year}, past Year "
                    f"{PEP_MAX_YEAR_GROUP}, too old for a PEP. Check the date of birth and year "
                    "group, or leave the child off the roster.",
                )
            elif override is not None and abs(override - computed) > 1:
                check.warning(
                    "year-group-far-from-age",
                    "year_group",
                    f"the {check.column('year_group')} says {year_group_label(override)}, but "
                    f"the date of birth gives {year_group_label(computed)}. The roster's year "
                    "group is used; check it is right.",
                )
        if date_entered_care is not None and date_entered_care < date_of_birth:
            check.error(
                "date-entered-care-before-birth",
                "date_entered_care",
                f"the {check.column('date_entered_care')} is before the date of birth. Check "
                "both dates.",
            )

    if check.has_errors or date_of_birth is None or group is None or curriculum is None:
        return None

    phase = phase_for(group, curriculum)
    early_years = group <= 0

    # Warnings: the child is kept.
    if date_entered_care is not None and date_entered_care > today:
        check.warning(
            "date-entered-care-in-future",
            "date_entered_care",
            f"the {check.column('date_entered_care')} is in the future. Check it.",
        )

    upn = values["upn"].upper()
    if _UPN_UNKNOWN.fullmatch(upn) or not upn:
        recorded = " is recorded as not known" if upn else " is blank"
        upn = ""
        if not early_years:
            check.warning(
                "missing-upn",
                "upn",
                f"the {check.column('upn')}{recorded}. Ask the school for it; the form will go "
                "out without it.",
            )
    elif not _UPN.fullmatch(upn):
        check.warning(
            "bad-upn",
            "upn",
            f"the {check.column('upn')} is not in the right form: 13 characters, a letter, "
            "then 11 digits, then a digit or a letter. Check it with the school.",
        )
    elif upn_check_letter(upn) != upn[0]:
        check.warning(
            "bad-upn-check-letter",
            "upn",
            f"the {check.column('upn')} has a first letter that does not match the rest of "
            "the number, so it has probably been mistyped. Check it with the school.",
        )

    has_setting = bool(values["school_name"])
    if not has_setting and not early_years:
        check.warning(
            "no-setting",
            "school_name",
            f"the {check.column('school_name')} is blank. A child of school age needs a school "
            "or college for the form to go to; fill it in.",
        )

    for column in ("designated_teacher_email", "social_worker_email"):
        if values[column] and not _EMAIL.fullmatch(values[column]):
            check.warning(
                "bad-email",
                column,
                f"the {check.column(column)} does not look like an email address "
                "(name@example.org). Correct it.",
            )

    setting_columns = ("school_urn", "designated_teacher_name", "designated_teacher_email")
    for column in REQUIRED_COLUMNS:
        if values[column] or column in ("child_id", "first_name", "last_name", "date_of_birth",
                                        "upn", "school_name"):
            continue
        if column in setting_columns and not has_setting:
            continue  # no setting: already reported above, or normal in the early years
        check.warning(
            "missing-value", column, f"the {check.column(column)} is blank. Fill it in."
        )

    return Child(
        child_id=child_id,
        first_name=values["first_name"],
        last_name=values["last_name"],
        date_of_birth=date_of_birth,
        upn=upn,
        gender=values["gender"],
        legal_status=values["legal_status"],
        date_entered_care=date_entered_care,
        school_name=values["school_name"],
        school_urn=values["school_urn"],
        designated_teacher_name=values["designated_teacher_name"],
        designated_teacher_email=values["designated_teacher_email"],
        social_worker_name=values["social_worker_name"],
        social_worker_email=values["social_worker_email"],
        carer_name=values["carer_name"],
        year_group=group,
        curriculum=curriculum,
        phase=phase,
        line=check.line,
    )


# --- the whole roster ------------------------------------------------------------------------


def read_roster(
    path: str | os.PathLike[str],
    term: Term,
    column_map: str | os.PathLike[str] | None = None,
    *,
    today: dt.date | None = None,
) -> Roster:
    """Read and check a roster CSV for a term.

    Rows with errors are left out and every problem is listed in Roster.problems; only a
    roster that cannot be used at all raises RosterError. The column map (JSON
    {"Their heading": "our_column"}, or a CSV of their_header,our_column lines) adds to the
    built-in header spellings; mapping a heading to null (JSON) or blank (CSV) ignores it.
    today (for "date entered care is in the future") defaults to the real date.
    """
    path = Path(path)
    what = "roster"
    today = today or dt.date.today()
    mapping = _load_column_map(Path(column_map)) if column_map is not None else {}

    text, encoding = _decode(_read_bytes(path, what), path, what)
    rows, header_index, delimiter = _rows_and_delimiter(text, mapping, path, what)
    header = rows[header_index]

    columns, problems = _match_columns(header, mapping)
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        found = ", ".join(f'"{cell}"' for cell in header if cell) or "none"
        raise RosterError(
            f"The roster {path} is missing these columns: {', '.join(missing)}. The headings "
            f"found were: {found}. If a column is there under another heading, give a column "
            'map: a JSON file like {"Birth Date": "date_of_birth"} saying which of your '
            "headings is which of our columns."
        )

    children: list[Child] = []
    first_seen: dict[str, int] = {}
    headings = {column: header[columns[column]] for column in ALL_COLUMNS if column in columns}
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        if not any(row):
            continue  # blank rows are skipped silently
        values = {
            column: row[position] if position < len(row) else ""
            for column, position in columns.items()
        }
        check = _RowChecker(index + 1, values["child_id"], headings)
        child = _check_row(values, check, term, today, first_seen)
        problems.extend(check.problems)
        if child is not None:
            children.append(child)

    if not any(any(row) for row in rows[header_index + 1 :]):
        problems.append(
            RosterProblem(
                line=None,
                child_id="",
                column=None,
                severity="warning",
                code="no-children",
                message="The roster has a heading row but no children. Add a row per child.",
            )
        )

    return Roster(
        children=children,
        problems=problems,
        columns_used=headings,
        encoding=encoding,
        delimiter=delimiter,
    )
