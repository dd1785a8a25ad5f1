"""Tests for pepforms.roster: reading and checking the roster CSV."""

from __future__ import annotations

import codecs
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from pepforms.calendar import PHASES, Term
from pepforms.errors import PepformsError
from pepforms.findings import CATALOGUE, Finding
from pepforms.roster import (
    ALL_COLUMNS,
    REQUIRED_COLUMNS,
    Child,
    Roster,
    RosterError,
    read_roster,
    upn_check_letter,
)

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SPRING_2027 = Term.parse("spring-2027")
TODAY = dt.date(2026, 11, 22)

# A Year 5 child in 2026/27 with nothing wrong.
GOOD = {
    "child_id": "C1",
    "first_name": "Testy",
    "last_name": "Specimen",
    "date_of_birth": "10/03/2017",
    "upn": "B801200005001",
    "gender": "Female",
    "legal_status": "C2",
    "date_entered_care": "01/06/2020",
    "school_name": "Exampleton Primary School",
    "school_urn": "900101",
    "designated_teacher_name": "Anna Exemplar",
    "designated_teacher_email": "dt@example.org",
    "social_worker_name": "Sam Trialworth",
    "social_worker_email": "sw@example.org",
    "carer_name": "Pat Fictional",
    "year_group": "",
    "curriculum": "",
    "date_joined_school": "",
}
# Born 15/11/2022: Nursery in 2026/27.
EARLY_YEARS = {**GOOD, "child_id": "C2", "date_of_birth": "15/11/2022", "upn": "",
               "date_entered_care": "20/11/2022"}


def write_csv(
    directory: Path,
    rows: list[dict[str, str]],
    *,
    columns: tuple[str, ...] = ALL_COLUMNS,
    headings: list[str] | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8",
    name: str = "roster.csv",
) -> Path:
    """A roster CSV with the given rows; values must not need quoting."""
    lines = [delimiter.join(headings or list(columns))]
    lines += [delimiter.join(row.get(column, "") for column in columns) for row in rows]
    path = directory / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def read(path: Path, column_map: Path | None = None) -> Roster:
    return read_roster(path, SPRING_2027, column_map, today=TODAY)


def column(finding: Finding) -> str | None:
    """Our column a roster finding is about (it points at /child/<column>), or None."""
    return finding.pointer.removeprefix("/child/") or None


def codes(roster: Roster) -> list[tuple[str, int | None, str | None, str]]:
    return [(p.code, p.line, column(p), p.severity) for p in roster.problems]


def only_problem(roster: Roster) -> Finding:
    assert len(roster.problems) == 1, roster.problems
    return roster.problems[0]


# --- the bundled samples ---------------------------------------------------------------------


def test_sample_roster_gives_thirty_children_and_the_four_planned_errors() -> None:
    roster = read(SAMPLES / "roster.csv")
    assert len(roster.children) == 30
    assert codes(roster) == [
        ("roster-missing-child-id", 32, "child_id", "error"),
        ("roster-impossible-date", 33, "date_of_birth", "error"),
        ("roster-too-young-for-pep", 34, "date_of_birth", "error"),
        ("roster-duplicate-child-id", 35, "child_id", "error"),
    ]
    assert roster.problems[3].child_id == "C10012"
    assert "line 13" in roster.problems[3].message


def test_sample_roster_spans_every_phase_and_year_group() -> None:
    roster = read(SAMPLES / "roster.csv")
    assert {child.phase for child in roster.children} == set(PHASES)
    assert set(range(-2, 14)) <= {child.year_group for child in roster.children}
    assert sum(child.curriculum == "targeted" for child in roster.children) == 2
    schools = Counter(child.school_name for child in roster.children if child.year_group in
                      range(1, 12) and child.curriculum == "mainstream")
    assert sum(2 <= count <= 6 for count in schools.values()) >= 5
    assert all(child.school_urn.startswith("9") and len(child.school_urn) == 6
               for child in roster.children if child.school_urn)
    assert all(child.designated_teacher_email.endswith("example.org")
               for child in roster.children if child.designated_teacher_email)
    assert len({child.child_id for child in roster.children}) == 30


def test_sample_roster_has_one_child_out_of_year_group() -> None:
    roster = read(SAMPLES / "roster.csv")
    child = next(child for child in roster.children if child.child_id == "C10010")
    assert child.year_group == 2  # the roster says Year 2; the date of birth gives Year 3
    assert child.phase == "y1-11"


def test_sample_upns_have_correct_check_letters() -> None:
    roster = read(SAMPLES / "roster.csv")
    upns = [child.upn for child in roster.children if child.upn]
    assert len(upns) >= 25
    assert all(upn_check_letter(upn) == upn[0] for upn in upns)


def test_sample_with_other_headings_needs_and_uses_the_column_map() -> None:
    with pytest.raises(RosterError, match="child_id, carer_name") as caught:
        read(SAMPLES / "roster-other-headers.csv")
    assert "column map" in str(caught.value)

    roster = read(SAMPLES / "roster-other-headers.csv", SAMPLES / "roster-column-map.json")
    assert roster.problems == []
    assert roster.encoding == "cp1252"
    assert roster.delimiter == ";"
    assert len(roster.children) == 5
    assert any(child.first_name == "Zoé" for child in roster.children)
    assert roster.columns_used["child_id"] == "Looked After ID"
    assert roster.columns_used["first_name"] == "Pupil Forename"
    assert roster.columns_used["last_name"] == "Legal Surname"
    assert roster.columns_used["date_of_birth"] == "Birth Date"
    assert [child.phase for child in roster.children] == [
        "early-years", "y1-11", "y1-11", "targeted-curriculum", "post-16"
    ]


# --- the Child record ------------------------------------------------------------------------


def test_child_fields_and_types(tmp_path: Path) -> None:
    child = read(write_csv(tmp_path, [GOOD])).children[0]
    assert child == Child(
        child_id="C1",
        first_name="Testy",
        last_name="Specimen",
        date_of_birth=dt.date(2017, 3, 10),
        upn="B801200005001",
        gender="Female",
        legal_status="C2",
        date_entered_care=dt.date(2020, 6, 1),
        school_name="Exampleton Primary School",
        school_urn="900101",
        designated_teacher_name="Anna Exemplar",
        designated_teacher_email="dt@example.org",
        social_worker_name="Sam Trialworth",
        social_worker_email="sw@example.org",
        carer_name="Pat Fictional",
        year_group=5,
        curriculum="mainstream",
        phase="y1-11",
        line=2,
    )
    assert child.year_group_label == "Year 5"


def test_child_repr_hides_personal_details(tmp_path: Path) -> None:
    child = read(write_csv(tmp_path, [GOOD])).children[0]
    shown = repr(child) + str(child)
    assert "C1" in shown and "year_group=5" in shown
    for secret in ("Testy", "Specimen", "2017", "10/03", "B801200005001", "Pat Fictional",
                   "Anna Exemplar", "Sam Trialworth", "Female", "C2"):
        assert secret not in shown


# --- errors: the row is skipped, the rest are read -------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code", "changed"),
    [
        ({"child_id": ""}, "roster-missing-child-id", "child_id"),
        ({"first_name": ""}, "roster-missing-name", "first_name"),
        ({"last_name": ""}, "roster-missing-name", "last_name"),
        ({"date_of_birth": ""}, "roster-missing-date-of-birth", "date_of_birth"),
        ({"date_of_birth": "31/02/2016"}, "roster-impossible-date", "date_of_birth"),
        ({"date_of_birth": "03/14/2016"}, "roster-impossible-date", "date_of_birth"),
        ({"date_of_birth": "soon"}, "roster-impossible-date", "date_of_birth"),
        ({"date_of_birth": "02/01/2025", "date_entered_care": ""}, "roster-too-young-for-pep",
         "date_of_birth"),
        ({"date_of_birth": "01/01/2030", "date_entered_care": ""}, "roster-too-young-for-pep",
         "date_of_birth"),
        ({"date_of_birth": "31/08/2008"}, "roster-too-old-for-pep", "date_of_birth"),
        ({"year_group": "Year 14"}, "roster-too-old-for-pep", "year_group"),
        ({"year_group": "Year five"}, "roster-bad-year-group", "year_group"),
        ({"curriculum": "special"}, "roster-bad-curriculum", "curriculum"),
        ({"date_entered_care": "30/02/2020"}, "roster-impossible-date", "date_entered_care"),
        ({"date_entered_care": "09/03/2017"}, "roster-date-entered-care-before-birth",
         "date_entered_care"),
    ],
)
def test_row_errors_skip_the_row_only(
    tmp_path: Path, changes: dict[str, str], code: str, changed: str
) -> None:
    bad = {**GOOD, "child_id": "C9", **changes}
    after = {**GOOD, "child_id": "C10"}
    roster = read(write_csv(tmp_path, [GOOD, bad, after]))
    assert [child.child_id for child in roster.children] == ["C1", "C10"]
    assert [child.line for child in roster.children] == [2, 4]
    problem = only_problem(roster)
    assert (problem.code, problem.line, column(problem), problem.severity) == (
        code, 3, changed, "error"
    )
    assert problem.child_id == bad["child_id"]
    assert problem.message.startswith("Line 3")
    assert "skipped" in problem.message
    if bad["child_id"]:
        assert f"child {bad['child_id']}" in problem.message


def test_every_error_on_a_row_is_reported(tmp_path: Path) -> None:
    bad = {**GOOD, "child_id": "", "first_name": "", "date_of_birth": "31/02/2016",
           "curriculum": "x"}
    roster = read(write_csv(tmp_path, [bad]))
    assert roster.children == []
    assert [p.code for p in roster.problems] == [
        "roster-missing-child-id", "roster-missing-name", "roster-impossible-date", "roster-bad-curriculum"
    ]


def test_duplicate_child_id_keeps_the_first_and_names_its_line(tmp_path: Path) -> None:
    second = {**GOOD, "first_name": "Other"}
    roster = read(write_csv(tmp_path, [GOOD, {**GOOD, "child_id": "C5"}, second]))
    assert [child.line for child in roster.children] == [2, 3]
    problem = only_problem(roster)
    assert (problem.code, problem.line, problem.child_id) == ("roster-duplicate-child-id", 4, "C1")
    assert "line 2" in problem.message


def test_duplicate_child_ids_differing_only_in_case_are_duplicates(tmp_path: Path) -> None:
    roster = read(write_csv(tmp_path, [GOOD, {**GOOD, "child_id": "c1"}]))
    assert only_problem(roster).code == "roster-duplicate-child-id"


@pytest.mark.parametrize(
    ("born", "accepted"),
    [("01/01/2025", True), ("02/01/2025", False), ("29/02/2024", True)],
)
def test_too_young_means_under_two_on_the_terms_reference_start(
    tmp_path: Path, born: str, accepted: bool
) -> None:
    row = {**EARLY_YEARS, "date_of_birth": born, "date_entered_care": "01/03/2025",
           "school_name": "", "school_urn": "", "designated_teacher_name": "",
           "designated_teacher_email": ""}
    roster = read(write_csv(tmp_path, [row]))
    assert bool(roster.children) is accepted
    if accepted:
        # Two-year-olds born after 31 August are in pre-school even though the 1 September rule
        # puts them a year below it.
        assert roster.children[0].year_group == -2
        assert roster.children[0].phase == "early-years"
        assert roster.problems == []
    else:
        assert only_problem(roster).code == "roster-too-young-for-pep"


def test_leap_day_two_year_old_turns_two_on_first_of_march(tmp_path: Path) -> None:
    row = {**EARLY_YEARS, "date_of_birth": "29/02/2024", "date_entered_care": "01/03/2024"}
    summer = read_roster(write_csv(tmp_path, [row]), Term.parse("summer-2026"), today=TODAY)
    assert summer.children and summer.children[0].year_group == -2  # 2 by 1 April 2026
    autumn_2025 = read_roster(write_csv(tmp_path, [row]), Term.parse("autumn-2025"), today=TODAY)
    assert only_problem(autumn_2025).code == "roster-too-young-for-pep"


def test_year_13_is_the_last_pep_year(tmp_path: Path) -> None:
    row = {**GOOD, "date_of_birth": "01/09/2008"}
    child = read(write_csv(tmp_path, [row])).children[0]
    assert (child.year_group, child.phase) == (13, "post-16")


# --- warnings: the row is kept ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code", "changed"),
    [
        ({"upn": ""}, "roster-missing-upn", "upn"),
        ({"upn": "UN2"}, "roster-missing-upn", "upn"),
        ({"upn": "B80120000500"}, "roster-bad-upn", "upn"),
        ({"upn": "I801200005001"}, "roster-bad-upn", "upn"),
        ({"upn": "B8012000050011"}, "roster-bad-upn", "upn"),
        ({"upn": "C801200005001"}, "roster-bad-upn-check-letter", "upn"),
        ({"designated_teacher_email": "anna.example.org"}, "roster-bad-email",
         "designated_teacher_email"),
        ({"social_worker_email": "Sam <sam@example>"}, "roster-bad-email", "social_worker_email"),
        ({"school_name": ""}, "roster-no-setting", "school_name"),
        ({"date_entered_care": "01/12/2026"}, "roster-date-entered-care-in-future",
         "date_entered_care"),
        ({"gender": ""}, "roster-missing-value", "gender"),
        ({"legal_status": ""}, "roster-missing-value", "legal_status"),
        ({"date_entered_care": ""}, "roster-missing-value", "date_entered_care"),
        ({"school_urn": ""}, "roster-missing-value", "school_urn"),
        ({"designated_teacher_name": ""}, "roster-missing-value", "designated_teacher_name"),
        ({"social_worker_email": ""}, "roster-missing-value", "social_worker_email"),
        ({"carer_name": ""}, "roster-missing-value", "carer_name"),
        ({"year_group": "Year 8"}, "roster-year-group-far-from-age", "year_group"),
        ({"year_group": "R"}, "roster-year-group-far-from-age", "year_group"),
    ],
)
def test_row_warnings_keep_the_child(
    tmp_path: Path, changes: dict[str, str], code: str, changed: str
) -> None:
    roster = read(write_csv(tmp_path, [{**GOOD, **changes}, {**GOOD, "child_id": "C2"}]))
    assert [child.child_id for child in roster.children] == ["C1", "C2"]
    problem = only_problem(roster)
    assert (problem.code, problem.line, column(problem), problem.severity, problem.child_id) == (
        code, 2, changed, "warning", "C1"
    )
    assert problem.message.startswith("Line 2, child C1: ")
    assert "skipped" not in problem.message


def test_missing_value_warning_names_the_column(tmp_path: Path) -> None:
    roster = read(write_csv(tmp_path, [{**GOOD, "carer_name": ""}]))
    assert "carer's name" in only_problem(roster).message
    assert '"carer_name"' in only_problem(roster).message


def test_year_group_override_is_used(tmp_path: Path) -> None:
    roster = read(write_csv(tmp_path, [{**GOOD, "year_group": "Year 8"},
                                       {**GOOD, "child_id": "C2", "year_group": "Y4"},
                                       {**GOOD, "child_id": "C3", "year_group": "5"}]))
    assert [child.year_group for child in roster.children] == [8, 4, 5]
    assert [p.child_id for p in roster.problems] == ["C1"]  # one year out is not unusual


def test_override_can_move_a_child_between_phases(tmp_path: Path) -> None:
    row = {**GOOD, "date_of_birth": "15/07/2021", "date_entered_care": "01/08/2021",
           "year_group": "R"}  # Year 1 by age
    child = read(write_csv(tmp_path, [row])).children[0]
    assert (child.year_group, child.phase) == (0, "early-years")


def test_upn_is_read_in_capitals(tmp_path: Path) -> None:
    child = read(write_csv(tmp_path, [{**GOOD, "upn": "b801200005001"}])).children[0]
    assert child.upn == "B801200005001"


def test_early_years_need_no_upn_or_setting(tmp_path: Path) -> None:
    row = {**EARLY_YEARS, "school_name": "", "school_urn": "", "designated_teacher_name": "",
           "designated_teacher_email": ""}
    roster = read(write_csv(tmp_path, [row]))
    assert roster.problems == []
    assert (roster.children[0].year_group, roster.children[0].phase) == (-1, "early-years")
    assert roster.children[0].school_name == ""


def test_school_age_child_without_setting_gets_one_warning_not_four(tmp_path: Path) -> None:
    row = {**GOOD, "school_name": "", "school_urn": "", "designated_teacher_name": "",
           "designated_teacher_email": ""}
    assert only_problem(read(write_csv(tmp_path, [row]))).code == "roster-no-setting"


@pytest.mark.parametrize(
    ("text", "curriculum", "phase"),
    [("", "mainstream", "y1-11"), ("Mainstream", "mainstream", "y1-11"),
     ("targeted", "targeted", "targeted-curriculum"),
     ("Targeted Curriculum", "targeted", "targeted-curriculum")],
)
def test_curriculum(tmp_path: Path, text: str, curriculum: str, phase: str) -> None:
    child = read(write_csv(tmp_path, [{**GOOD, "curriculum": text}])).children[0]
    assert (child.curriculum, child.phase) == (curriculum, phase)


def test_messages_never_contain_names_or_dates_of_birth(tmp_path: Path) -> None:
    rows = [
        {**GOOD, "child_id": "", "first_name": "Zebedee", "last_name": "Quixotic"},
        {**GOOD, "child_id": "C2", "date_of_birth": "31/02/2016", "first_name": "Zebedee"},
        {**GOOD, "child_id": "C3", "date_of_birth": "17/05/2025", "last_name": "Quixotic",
         "date_entered_care": "18/05/2025"},
        {**GOOD, "child_id": "C4", "date_of_birth": "17/05/2004", "last_name": "Quixotic"},
        {**GOOD, "child_id": "C4", "date_of_birth": "17/05/2016", "first_name": "Zebedee"},
        {**GOOD, "child_id": "C6", "date_of_birth": "17/05/2016", "year_group": "Year 11",
         "date_entered_care": "01/01/2030", "upn": "", "school_name": "", "carer_name": "",
         "first_name": "Zebedee"},
        {**GOOD, "child_id": "C7", "date_of_birth": "17/05/2016",
         "date_entered_care": "16/05/2016", "last_name": "Quixotic"},
    ]
    roster = read(write_csv(tmp_path, rows))
    assert len(roster.problems) >= 9
    for problem in roster.problems:
        for secret in ("Zebedee", "Quixotic", "17/05", "17 May", "31/02", "16/05"):
            assert secret not in problem.message, problem


def test_quoted_values_and_blank_rows(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    good = [GOOD[column] for column in ALL_COLUMNS]
    quoted = ",".join(f'"{value}"' for value in good).replace('"Pat Fictional"',
                                                               '"Fictional, Pat and ""Sam"""')
    second = ",".join(good).replace("C1,", "C2,", 1)
    path.write_text(",".join(ALL_COLUMNS) + "\n" + quoted + "\n\n,,,,\n" + second + "\n",
                    encoding="utf-8")
    roster = read(path)
    assert roster.problems == []
    assert roster.children[0].carer_name == 'Fictional, Pat and "Sam"'
    assert [child.line for child in roster.children] == [2, 5]  # blank rows 3-4 still count


def test_values_are_stripped_and_trailing_empty_columns_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    values = [f"  {GOOD[column]}  " if GOOD[column] else "" for column in ALL_COLUMNS]
    path.write_text(",".join(ALL_COLUMNS) + ",,,\n" + ",".join(values) + ",,,,,\n",
                    encoding="utf-8")
    roster = read(path)
    assert roster.problems == []
    assert roster.children[0].first_name == "Testy"
    assert roster.children[0].school_urn == "900101"


def test_short_rows_are_read_as_blank_cells(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    values = [GOOD[column] for column in REQUIRED_COLUMNS[:-1]]  # no carer, no optional cells
    path.write_text(",".join(ALL_COLUMNS) + "\n" + ",".join(values) + "\n", encoding="utf-8")
    roster = read(path)
    assert [p.code for p in roster.problems] == ["roster-missing-value"]
    assert roster.children[0].carer_name == ""


# --- encodings and delimiters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "prefix", "name"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("cp1252", b"", "cp1252"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
    ],
)
def test_encodings(tmp_path: Path, encoding: str, prefix: bytes, name: str) -> None:
    path = write_csv(tmp_path, [{**GOOD, "first_name": "Zoé", "last_name": "Brontë"}],
                     encoding=encoding)
    path.write_bytes(prefix + path.read_bytes())
    roster = read(path)
    assert roster.encoding == name
    assert roster.columns_used["child_id"] == "child_id"  # the BOM is not part of the heading
    assert (roster.children[0].first_name, roster.children[0].last_name) == ("Zoé", "Brontë")


def test_bytes_undefined_in_cp1252_do_not_crash(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [{**GOOD, "carer_name": "Pat"}])
    path.write_bytes(path.read_bytes().replace(b"Pat", b"P\x81t\xe9"))
    roster = read(path)
    assert roster.encoding == "cp1252"
    assert roster.children[0].carer_name == "P\ufffdté"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters(tmp_path: Path, delimiter: str) -> None:
    # The other two delimiters inside a value must not fool the sniffer.
    other = "; " if delimiter == "," else ", "
    rows = [GOOD, {**GOOD, "child_id": "C2", "carer_name": f"Fictional{other}Pat"}]
    path = write_csv(tmp_path, rows, delimiter=delimiter)
    roster = read(path)
    assert roster.delimiter == delimiter
    assert [child.child_id for child in roster.children] == ["C1", "C2"]


# --- headings and column maps ----------------------------------------------------------------

OTHER_HEADINGS = [
    "Child ID", "Forename", "Surname", "DOB", "UPN", "Sex", "Legal Status",
    "Date became looked after", "School", "URN", "DT name", "DT email", "Social Worker",
    "SW email", "Foster carer", "NCY", "Curriculum", "Date of admission",
]


def test_header_aliases(tmp_path: Path) -> None:
    roster = read(write_csv(tmp_path, [GOOD], headings=OTHER_HEADINGS))
    assert roster.problems == []
    assert roster.columns_used == dict(zip(ALL_COLUMNS, OTHER_HEADINGS, strict=True))
    assert roster.children[0].carer_name == "Pat Fictional"


@pytest.mark.parametrize(
    ("heading", "column"),
    [
        ("DATE_OF_BIRTH", "date_of_birth"), ("Date of Birth", "date_of_birth"),
        ("date-of-birth", "date_of_birth"), ("D.O.B.", "date_of_birth"),
        ("First Name", "first_name"), ("first name", "first_name"),
        ("Last Name", "last_name"), ("Family name", "last_name"), ("ID", "child_id"),
        ("LAC ID", "child_id"), ("Person ID", "child_id"), ("School URN", "school_urn"),
        ("SW", "social_worker_name"), ("Carer", "carer_name"), ("Year", "year_group"),
        ("Pupil Forename", "first_name"), ("Legal Surname", "last_name"),
        ("Child's School", "school_name"), ("Year Group", "year_group"),
    ],
)
def test_more_header_spellings(tmp_path: Path, heading: str, column: str) -> None:
    headings = [heading if name == column else name for name in ALL_COLUMNS]
    roster = read(write_csv(tmp_path, [GOOD], headings=headings))
    assert roster.columns_used[column] == heading
    assert len(roster.children) == 1


def test_missing_columns_is_a_roster_error(tmp_path: Path) -> None:
    columns = tuple(c for c in ALL_COLUMNS if c not in ("date_of_birth", "upn"))
    with pytest.raises(RosterError) as caught:
        read(write_csv(tmp_path, [GOOD], columns=columns))
    message = str(caught.value)
    assert "date_of_birth, upn" in message
    assert "column map" in message
    assert '"child_id"' in message  # the headings found are listed


def test_optional_columns_may_be_absent(tmp_path: Path) -> None:
    roster = read(write_csv(tmp_path, [GOOD], columns=REQUIRED_COLUMNS))
    assert roster.problems == []
    assert (roster.children[0].year_group, roster.children[0].curriculum) == (5, "mainstream")
    assert "year_group" not in roster.columns_used


def test_two_headings_for_one_column_is_a_roster_error_a_map_resolves(tmp_path: Path) -> None:
    headings = ["DOB" if c == "date_of_birth" else c for c in ALL_COLUMNS] + ["Birth Date"]
    path = write_csv(tmp_path, [{**GOOD, "extra": "01/01/2017"}],
                     columns=ALL_COLUMNS + ("extra",), headings=headings)
    with pytest.raises(RosterError, match='"DOB" and "Birth Date"'):
        read(path)
    column_map = tmp_path / "map.json"
    column_map.write_text(json.dumps({"DOB": "date_of_birth"}), encoding="utf-8")
    roster = read(path, column_map)
    assert roster.children[0].date_of_birth == dt.date(2017, 3, 10)
    column_map.write_text(json.dumps({"DOB": None}), encoding="utf-8")  # null: ignore it
    assert read(path, column_map).children[0].date_of_birth == dt.date(2017, 1, 1)


def test_our_own_name_beats_an_alias(tmp_path: Path) -> None:
    headings = list(ALL_COLUMNS) + ["ID"]
    path = write_csv(tmp_path, [{**GOOD, "extra": "X1"}], columns=ALL_COLUMNS + ("extra",),
                     headings=headings)
    assert read(path).children[0].child_id == "C1"


@pytest.mark.parametrize("kind", ["json", "csv", "csv-with-heading"])
def test_column_map_files(tmp_path: Path, kind: str) -> None:
    headings = ["Ref" if c == "child_id" else "Born" if c == "date_of_birth" else c
                for c in ALL_COLUMNS]
    path = write_csv(tmp_path, [GOOD], headings=headings)
    if kind == "json":
        column_map = tmp_path / "map.json"
        column_map.write_text('{"Ref": "child_id", "born": "Date of Birth"}', encoding="utf-8")
    else:
        column_map = tmp_path / "map.csv"
        heading = "their_header,our_column\n" if kind == "csv-with-heading" else ""
        column_map.write_text(heading + "Ref,child_id\nBorn,date_of_birth\n", encoding="utf-8")
    roster = read(path, column_map)
    assert roster.problems == []
    assert roster.columns_used["child_id"] == "Ref"
    assert roster.children[0].child_id == "C1"


def test_column_map_overrides_an_alias(tmp_path: Path) -> None:
    headings = ["Surname" if c == "first_name" else "Name" if c == "last_name" else c
                for c in ALL_COLUMNS]
    column_map = tmp_path / "map.json"
    column_map.write_text('{"Surname": "first_name", "Name": "last_name"}', encoding="utf-8")
    roster = read(write_csv(tmp_path, [GOOD], headings=headings), column_map)
    assert roster.columns_used["first_name"] == "Surname"
    assert roster.children[0].first_name == "Testy"


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ('{"Born": "birthday_date"}', "no column called"),
        ('{"Born": 3}', "JSON object"),
        ('["Born", "date_of_birth"]', "JSON object"),
        ('{"Born": "date_of_birth"', "not valid JSON"),
    ],
)
def test_bad_column_maps_are_roster_errors(tmp_path: Path, content: str, match: str) -> None:
    column_map = tmp_path / "map.json"
    column_map.write_text(content, encoding="utf-8")
    with pytest.raises(RosterError, match=match):
        read(write_csv(tmp_path, [GOOD]), column_map)


def test_column_map_entry_not_in_the_roster_is_a_warning(tmp_path: Path) -> None:
    column_map = tmp_path / "map.json"
    column_map.write_text('{"Yeer Group": "year_group"}', encoding="utf-8")
    roster = read(write_csv(tmp_path, [GOOD]), column_map)
    problem = only_problem(roster)
    assert (problem.code, problem.line, problem.severity) == (
        "roster-column-map-entry-not-used", None, "warning"
    )
    assert "Yeer Group" in problem.message
    assert len(roster.children) == 1


def test_missing_column_map_file_is_a_roster_error(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="column map .* was not found"):
        read(write_csv(tmp_path, [GOOD]), tmp_path / "nope.json")


# --- files that cannot be used ---------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="was not found"):
        read(tmp_path / "nope.csv")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="is a folder"):
        read(tmp_path)


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n", b",,,\n,,\n", codecs.BOM_UTF8])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(content)
    with pytest.raises(RosterError, match="empty"):
        read(path)


@pytest.mark.parametrize(
    ("content", "match"),
    [(b"PK\x03\x04rest of a zip", "Excel workbook"),
     (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel workbook"),
     (b"%PDF-1.7\n", "PDF"),
     (b"child_id\x00\x01\x02", "not a text")],
)
def test_not_a_csv(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(content)
    with pytest.raises(RosterError, match=match):
        read(path)


def test_text_that_is_not_a_roster_reports_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("Dear colleague,\nplease find attached.\n", encoding="utf-8")
    with pytest.raises(RosterError, match="missing these columns"):
        read(path)


def test_heading_row_only_gives_a_warning(tmp_path: Path) -> None:
    roster = read(write_csv(tmp_path, []))
    assert roster.children == []
    assert [p.code for p in roster.problems] == ["roster-no-children"]


def test_roster_error_is_a_pepforms_error() -> None:
    assert issubclass(RosterError, PepformsError)


def test_roster_splits_errors_and_warnings(tmp_path: Path) -> None:
    rows = [{**GOOD, "carer_name": ""}, {**GOOD, "child_id": ""}]
    roster = read(write_csv(tmp_path, rows))
    assert [p.code for p in roster.errors] == ["roster-missing-child-id"]
    assert [p.code for p in roster.warnings] == ["roster-missing-value"]


def test_upn_check_letter() -> None:
    assert upn_check_letter("B801200005001") == "B"
    assert upn_check_letter("801200005001") == "B"
    assert upn_check_letter("X801200005002") != "B"
    assert upn_check_letter("A99921012601A") in "ABCDEFGHJKLMNPQRTUVWXYZ"  # temporary UPN
    with pytest.raises(ValueError):
        upn_check_letter("A8012000050I1")


# --- findings from the one catalogue -----------------------------------------------------------


def test_roster_problems_are_catalogue_findings(tmp_path: Path) -> None:
    rows = [{**GOOD, "carer_name": ""}, {**GOOD, "child_id": "C2", "date_of_birth": "soon"}]
    roster = read(write_csv(tmp_path, rows))
    assert len(roster.problems) == 2
    for problem in roster.problems:
        assert isinstance(problem, Finding)
        assert problem.code in CATALOGUE and problem.code.startswith("roster-")
        assert problem.severity == CATALOGUE[problem.code].severity
        assert (problem.section, problem.role) == ("Roster", "business-support")
    warning, error = roster.problems
    assert (warning.pointer, warning.field, warning.line, warning.child_id) == (
        "/child/carer_name", "carer's name", 2, "C1")
    assert (error.pointer, error.line, error.child_id) == ("/child/date_of_birth", 3, "C2")
    assert warning.as_dict()["line"] == 2 and error.as_dict()["child_id"] == "C2"


def test_a_findings_json_shape_is_unchanged_when_it_has_no_row() -> None:
    from pepforms.findings import make

    finding = make("missing-value", pointer="/voice/views", label="Views")
    assert set(finding.as_dict()) == {"code", "severity", "pointer", "section", "role", "message",
                                      "note", "field"}


# --- control characters ------------------------------------------------------------------------


def test_control_characters_are_removed_and_reported_at_their_row_and_column(
    tmp_path: Path,
) -> None:
    path = tmp_path / "roster.csv"
    values = {**GOOD, "carer_name": "Pat\x07 Fic\x1btional", "school_name": "Exampleton\x0b Primary",
              "social_worker_name": '"Sam\r\nTrialworth"'}  # a line break in a cell is fine
    path.write_text(",".join(ALL_COLUMNS) + "\n" + ",".join(values[c] for c in ALL_COLUMNS) + "\n",
                    encoding="utf-8")
    roster = read(path)
    [child] = roster.children
    assert (child.carer_name, child.school_name) == ("Pat Fictional", "Exampleton Primary")
    assert child.social_worker_name == "Sam\nTrialworth"
    assert codes(roster) == [
        ("roster-control-characters", 2, "school_name", "warning"),
        ("roster-control-characters", 2, "carer_name", "warning"),
    ]
    assert "held 2 hidden control character(s)" in roster.problems[1].message
    for problem in roster.problems:
        assert "Pat" not in problem.message and "Exampleton" not in problem.message


def test_control_characters_in_the_child_id_and_a_skipped_row(tmp_path: Path) -> None:
    roster = read(write_csv(tmp_path, [{**GOOD, "child_id": "C\x011", "date_of_birth": "soon"}]))
    assert roster.children == []
    assert [(p.code, p.child_id) for p in roster.problems] == [
        ("roster-control-characters", "C1"), ("roster-impossible-date", "C1")
    ]


def test_a_form_from_a_roster_with_control_characters_is_well_formed_xml(tmp_path: Path) -> None:
    import zipfile

    from lxml import etree

    from pepforms.generating import generate

    # The child id goes into the form's custom properties and file name too, not only its text.
    row = {**GOOD, "child_id": "C\x021", "first_name": "Tes\x01ty", "carer_name": "Pat\x1f Fictional"}
    result = generate("cheshire-west", SPRING_2027, write_csv(tmp_path, [row]), tmp_path / "out")
    [form] = [f for f in result.forms if f.kind == "blank form"]
    assert form.child_id == "C1" and form.file.endswith("-C1-spring-2027.docx")
    with zipfile.ZipFile(tmp_path / "out" / form.file) as docx:
        parts = {name: etree.fromstring(docx.read(name))  # raises if not well-formed
                 for name in docx.namelist() if name.endswith((".xml", ".rels"))}
    text = "".join(parts["word/document.xml"].itertext())
    assert "Testy" in text and "Pat Fictional" in text
    assert "C1" in "".join(parts["docProps/custom.xml"].itertext())
    assert [p.code for p in result.problems] == ["roster-control-characters"] * 3


# --- the column map: messages that say what to do ----------------------------------------------


@pytest.mark.parametrize(
    ("target", "suggestion"),
    [("date_of_brith", '"date_of_birth"'), ("Date Of Birht", '"date_of_birth"'),
     ("DOB", '"date_of_birth"'), ("carer", '"carer_name"'), ("social_worker", '"social_worker_')],
)
def test_a_mistyped_column_map_target_suggests_the_column(
    tmp_path: Path, target: str, suggestion: str
) -> None:
    column_map = tmp_path / "map.json"
    column_map.write_text(json.dumps({"Born": target}), encoding="utf-8")
    with pytest.raises(RosterError) as caught:
        read(write_csv(tmp_path, [GOOD]), column_map)
    message = str(caught.value)
    assert f'is "{target}", but there is no column called that. Did you mean {suggestion}' in message
    assert "Use one of: child_id," in message


def test_a_column_map_target_like_nothing_gets_no_suggestion(tmp_path: Path) -> None:
    column_map = tmp_path / "map.csv"
    column_map.write_text("Born,zzzz\n", encoding="utf-8")
    with pytest.raises(RosterError, match="no column called that. Use one of") as caught:
        read(write_csv(tmp_path, [GOOD]), column_map)
    assert "Did you mean" not in str(caught.value)


def test_the_missing_columns_message_names_the_column_map_option(tmp_path: Path) -> None:
    columns = tuple(c for c in ALL_COLUMNS if c != "upn")
    with pytest.raises(RosterError, match="missing these columns: upn") as caught:
        read(write_csv(tmp_path, [GOOD], columns=columns))
    assert "--column-map" in str(caught.value)


def test_two_headings_for_one_column_names_the_column_map_option(tmp_path: Path) -> None:
    headings = ["DOB" if c == "date_of_birth" else c for c in ALL_COLUMNS] + ["Birth Date"]
    path = write_csv(tmp_path, [{**GOOD, "extra": "01/01/2017"}],
                     columns=ALL_COLUMNS + ("extra",), headings=headings)
    with pytest.raises(RosterError, match="--column-map"):
        read(path)


# --- the header aliases are data -----------------------------------------------------------------


def test_the_aliases_file_ships_with_the_package_and_is_consistent() -> None:
    from importlib import resources

    from pepforms.roster.columns import normalise_header

    data = json.loads(resources.files("pepforms.roster").joinpath("aliases.json")
                      .read_text(encoding="utf-8"))
    assert set(data["aliases"]) == set(ALL_COLUMNS)
    seen: dict[str, str] = {}
    for column, aliases in data["aliases"].items():
        for alias in aliases:
            assert alias == normalise_header(alias), f"{column}: write {alias!r} normalised"
            assert seen.setdefault(alias, column) == column, f"{alias!r} is in two columns"
            assert normalise_header(alias) not in {normalise_header(c) for c in ALL_COLUMNS
                                                   if c != column}
    assert all(prefix == normalise_header(prefix) for prefix in data["prefixes"])
