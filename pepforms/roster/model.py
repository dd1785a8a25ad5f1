"""The roster's columns and records: Child, Roster and RosterError."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pepforms.calendar import year_group_label
from pepforms.errors import PepformsError
from pepforms.findings import ERROR, WARNING, Finding

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
OPTIONAL_COLUMNS = ("year_group", "curriculum", "date_joined_school")
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# How each column is named in messages to business support officers.
COLUMN_TITLES = {
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
    "date_joined_school": "date the child joined the school",
}

# Every roster finding sits in this section, for these people, at /child/<column>.
SECTION = "Roster"
ROLE = "business-support"


def pointer_for(column: str | None) -> str:
    """The finding pointer for one of our columns ("" for the whole roster)."""
    return f"/child/{column}" if column else ""


class RosterError(PepformsError):
    """The roster cannot be used at all: missing, unreadable, not a roster, columns missing."""


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
    line: int  # the row a spreadsheet shows; the heading is row 1
    # When the child joined this school, if the roster says: a new school needs a PEP soon.
    date_joined_school: dt.date | None = field(default=None, repr=False)

    @property
    def year_group_label(self) -> str:
        """For people: "Reception", "Year 5"."""
        return year_group_label(self.year_group)


@dataclass
class Roster:
    """The children read from a roster, the findings about it, and how the file was read.

    A row with an error finding was left out; a row with only warnings was kept. Each row's
    findings carry its `line` (the row a spreadsheet shows) and `child_id`, and point at
    `/child/<column>`. columns_used maps each of our column names to the heading it was read from.
    file_format is "csv" or "xlsx"; encoding and delimiter are set for a CSV, sheet for a workbook.
    """

    children: list[Child]
    problems: list[Finding]
    columns_used: dict[str, str]
    encoding: str = "utf-8"
    delimiter: str = ","
    file_format: str = "csv"
    sheet: str = ""

    @property
    def errors(self) -> list[Finding]:
        return [problem for problem in self.problems if problem.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [problem for problem in self.problems if problem.severity == WARNING]
