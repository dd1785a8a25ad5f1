"""The checks on each roster row, one small named rule each, and the Child a good row gives."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from pepforms.calendar import (
    PEP_MAX_YEAR_GROUP,
    PEP_MIN_YEAR_GROUP,
    Term,
    parse_year_group,
    phase_for,
    year_group,
    year_group_label,
)
from pepforms.findings import ERROR, Finding, make
from pepforms.roster.columns import normalise_header
from pepforms.roster.model import COLUMN_TITLES, REQUIRED_COLUMNS, ROLE, SECTION, Child, pointer_for
from pepforms.values import ValueNotUnderstood, parse_date

_UPN = re.compile(r"[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z]")
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
# DfE codes meaning "UPN not known" (UN1 to UN5), used in returns such as the SSDA903.
_UPN_UNKNOWN = re.compile(r"UN[1-5]")
_EMAIL = re.compile(r"[^@\s<>(),;:\"']+@[^@\s<>(),;:\"']+\.[A-Za-z]{2,}")
# C0 controls other than tab and newline (a carriage return is made a newline first), lone
# surrogates, U+FFFE and U+FFFF: XML 1.0 cannot hold them, so a form holding one is malformed.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")
_PEP_MIN_AGE = 2
# Blank values in these columns have rules of their own (an error, or a warning of its own).
_OWN_BLANK_RULE = ("child_id", "first_name", "last_name", "date_of_birth", "upn", "school_name")
_SETTING_COLUMNS = ("school_urn", "designated_teacher_name", "designated_teacher_email")


def upn_check_letter(upn: str) -> str:
    """The DfE check letter for the last 12 characters of a UPN (weights 2 to 13, modulo 23)."""
    if not _UPN.fullmatch("A" + upn[-12:].upper()):
        raise ValueError("A UPN ends with 11 digits and then a digit or a letter")
    total = 0
    for weight, character in enumerate(upn[-12:].upper(), start=2):
        value = int(character) if character.isdigit() else _UPN_LETTERS.index(character)
        total += weight * value
    return _UPN_LETTERS[total % 23]


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Age in whole years; a 29 February birthday falls on 1 March in other years."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


@dataclass
class RowCheck:
    """One roster row being checked: its findings, worded for business support officers.

    row_word is "Line" for a CSV and "Row" for a workbook, as people would look for it.
    """

    line: int
    child_id: str
    headings: dict[str, str]
    row_word: str = "Line"
    findings: list[Finding] = field(default_factory=list)

    def column(self, column: str) -> str:
        """E.g. 'date of birth (column "Birth Date")'."""
        return f'{COLUMN_TITLES[column]} (column "{self.headings.get(column, column)}")'

    def add(self, code: str, column: str, **values: Any) -> None:
        where = f"{self.row_word} {self.line}"
        if self.child_id:
            where += f", child {self.child_id}"
        finding = make(code, pointer=pointer_for(column), section=SECTION, role=ROLE, where=where,
                       column=self.column(column), label=COLUMN_TITLES[column], **values)
        self.findings.append(dataclasses.replace(finding, line=self.line, child_id=self.child_id))

    @property
    def has_errors(self) -> bool:
        return any(finding.severity == ERROR for finding in self.findings)

    def date(self, column: str, text: str) -> dt.date | None:
        try:
            return parse_date(text)
        except ValueNotUnderstood:
            self.add("roster-impossible-date", column)
            return None


@dataclass(frozen=True)
class RowContext:
    """What a row is checked against: the term, today, and the child ids already seen."""

    term: Term
    today: dt.date
    first_seen: dict[str, int]  # casefolded child id -> the line it was first on


def _newlines(text: str) -> str:
    """Windows and old Mac line ends inside a cell made newlines: they are not problems."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def without_control_characters(text: str) -> str:
    """The text with line ends made newlines and the characters a Word form cannot hold removed."""
    return CONTROL_CHARACTERS.sub("", _newlines(text)).strip()


def remove_control_characters(values: dict[str, str], check: RowCheck) -> dict[str, str]:
    """The values without characters a Word form cannot hold, each column that had any reported."""
    cleaned: dict[str, str] = {}
    for column, value in values.items():
        count = len(CONTROL_CHARACTERS.findall(_newlines(value)))
        if count:
            check.add("roster-control-characters", column, count=count)
        cleaned[column] = without_control_characters(value)
    return cleaned


# --- errors: the row is skipped, but every error on it is reported so all can be fixed at once


def check_child_id(values: dict[str, str], check: RowCheck, context: RowContext) -> None:
    child_id = values["child_id"]
    if not child_id:
        check.add("roster-missing-child-id", "child_id")
        return
    key = child_id.casefold()
    if key in context.first_seen:
        first = f"{check.row_word.lower()} {context.first_seen[key]}"
        check.add("roster-duplicate-child-id", "child_id", first_seen=first)
    else:
        context.first_seen[key] = check.line


def check_names(values: dict[str, str], check: RowCheck) -> None:
    for column in ("first_name", "last_name"):
        if not values[column]:
            check.add("roster-missing-name", column)


def date_of_birth(values: dict[str, str], check: RowCheck) -> dt.date | None:
    if not values["date_of_birth"]:
        check.add("roster-missing-date-of-birth", "date_of_birth")
        return None
    return check.date("date_of_birth", values["date_of_birth"])


def date_entered_care(values: dict[str, str], check: RowCheck) -> dt.date | None:
    """The date, or None when it is blank (a warning, later) or not a date (an error)."""
    if not values["date_entered_care"]:
        return None
    return check.date("date_entered_care", values["date_entered_care"])


def date_joined_school(values: dict[str, str], check: RowCheck) -> dt.date | None:
    """The optional date the child joined the school (None when the roster has no such date)."""
    if not values.get("date_joined_school", ""):
        return None
    return check.date("date_joined_school", values["date_joined_school"])


def check_joined_after_birth(born: dt.date, joined: dt.date | None, check: RowCheck) -> None:
    if joined is not None and joined < born:
        check.add("roster-date-joined-school-before-birth", "date_joined_school")


def curriculum(values: dict[str, str], check: RowCheck) -> str | None:
    key = normalise_header(values.get("curriculum", ""))
    if key in ("", "mainstream"):
        return "mainstream"
    if key in ("targeted", "targetedcurriculum"):
        return "targeted"
    check.add("roster-bad-curriculum", "curriculum")
    return None


def year_group_override(values: dict[str, str], check: RowCheck) -> int | None:
    """The roster's own year group, or None when it is blank (then the date of birth decides)."""
    if not values.get("year_group", ""):
        return None
    try:
        return parse_year_group(values["year_group"])
    except ValueError:
        check.add("roster-bad-year-group", "year_group")
        return None


def pep_year_group(born: dt.date, override: int | None, check: RowCheck,
                   context: RowContext) -> int | None:
    """The year group the form is for, or None when the child is too young or too old."""
    term = context.term
    if age_on(born, term.start_date) < _PEP_MIN_AGE:
        check.add("roster-too-young-for-pep", "date_of_birth", min_age=_PEP_MIN_AGE,
                  term=term.label)
        return None
    # A two-year-old born after 31 August is below "age 2-3" by the 1 September rule but is in
    # pre-school all the same, so the lowest PEP year group applies.
    computed = max(year_group(born, term.academic_year_start), PEP_MIN_YEAR_GROUP)
    group = computed if override is None else override
    if group > PEP_MAX_YEAR_GROUP:
        check.add("roster-too-old-for-pep", "year_group" if override is not None else "date_of_birth",
                  group=group, academic_year=term.academic_year, max_group=PEP_MAX_YEAR_GROUP)
        return None
    if override is not None and abs(override - computed) > 1:
        check.add("roster-year-group-far-from-age", "year_group",
                  stated=year_group_label(override), computed=year_group_label(computed))
    return group


def check_care_after_birth(born: dt.date, entered_care: dt.date | None, check: RowCheck) -> None:
    if entered_care is not None and entered_care < born:
        check.add("roster-date-entered-care-before-birth", "date_entered_care")


# --- warnings: the child is kept ---------------------------------------------------------------


def check_care_not_in_future(entered_care: dt.date | None, check: RowCheck,
                             context: RowContext) -> None:
    if entered_care is not None and entered_care > context.today:
        check.add("roster-date-entered-care-in-future", "date_entered_care")


def upn(values: dict[str, str], early_years: bool, check: RowCheck) -> str:
    """The UPN in capitals, or "" when blank or recorded as not known (UN1 to UN5)."""
    text = values["upn"].upper()
    if not text or _UPN_UNKNOWN.fullmatch(text):
        if not early_years:  # children below school age often have no UPN yet
            recorded = "is recorded as not known" if text else "is blank"
            check.add("roster-missing-upn", "upn", recorded=recorded)
        return ""
    if not _UPN.fullmatch(text):
        check.add("roster-bad-upn", "upn")
    elif upn_check_letter(text) != text[0]:
        check.add("roster-bad-upn-check-letter", "upn")
    return text


def check_setting(values: dict[str, str], early_years: bool, check: RowCheck) -> None:
    if not values["school_name"] and not early_years:
        check.add("roster-no-setting", "school_name")


def check_emails(values: dict[str, str], check: RowCheck) -> None:
    for column in ("designated_teacher_email", "social_worker_email"):
        if values[column] and not _EMAIL.fullmatch(values[column]):
            check.add("roster-bad-email", column)


def check_blank_values(values: dict[str, str], check: RowCheck) -> None:
    has_setting = bool(values["school_name"])
    for column in REQUIRED_COLUMNS:
        if values[column] or column in _OWN_BLANK_RULE:
            continue
        if column in _SETTING_COLUMNS and not has_setting:
            continue  # no setting: already reported, or normal in the early years
        check.add("roster-missing-value", column)


# --- the row -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    date_of_birth: dt.date
    date_entered_care: dt.date | None
    year_group: int
    curriculum: str
    date_joined_school: dt.date | None = None


def _parse(values: dict[str, str], check: RowCheck, context: RowContext) -> _Parsed | None:
    """The row's dates, year group and curriculum, or None after reporting every error."""
    check_child_id(values, check, context)
    check_names(values, check)
    born = date_of_birth(values, check)
    the_curriculum = curriculum(values, check)
    override = year_group_override(values, check)
    entered_care = date_entered_care(values, check)
    joined = date_joined_school(values, check)
    group: int | None = None
    if born is not None:
        group = pep_year_group(born, override, check, context)
        check_care_after_birth(born, entered_care, check)
        check_joined_after_birth(born, joined, check)
    if check.has_errors or born is None or group is None or the_curriculum is None:
        return None
    return _Parsed(born, entered_care, group, the_curriculum, joined)


def check_row(values: dict[str, str], check: RowCheck, context: RowContext) -> Child | None:
    """The child on one row, or None if the row has errors. Findings go to `check`."""
    parsed = _parse(values, check, context)
    if parsed is None:
        return None
    early_years = parsed.year_group <= 0
    check_care_not_in_future(parsed.date_entered_care, check, context)
    the_upn = upn(values, early_years, check)
    check_setting(values, early_years, check)
    check_emails(values, check)
    check_blank_values(values, check)
    return Child(
        child_id=values["child_id"],
        first_name=values["first_name"],
        last_name=values["last_name"],
        date_of_birth=parsed.date_of_birth,
        upn=the_upn,
        gender=values["gender"],
        legal_status=values["legal_status"],
        date_entered_care=parsed.date_entered_care,
        school_name=values["school_name"],
        school_urn=values["school_urn"],
        designated_teacher_name=values["designated_teacher_name"],
        designated_teacher_email=values["designated_teacher_email"],
        social_worker_name=values["social_worker_name"],
        social_worker_email=values["social_worker_email"],
        carer_name=values["carer_name"],
        year_group=parsed.year_group,
        curriculum=parsed.curriculum,
        phase=phase_for(parsed.year_group, parsed.curriculum),
        line=check.line,
        date_joined_school=parsed.date_joined_school,
    )
