"""The roster's optional date the child joined the school: read, checked, and the first-PEP
deadline the term register keeps for a child new to a school."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pepforms.calendar import Term
from pepforms.generating import generate
from pepforms.register import open_register, term_status
from pepforms.roster import read_roster

TERM = Term.parse("spring-2027")
HEADER = ("child_id,first_name,last_name,date_of_birth,upn,gender,legal_status,date_entered_care,"
          "school_name,school_urn,designated_teacher_name,designated_teacher_email,"
          "social_worker_name,social_worker_email,carer_name,Date of admission\n")


def _row(child_id: str, joined: str, born: str = "14/01/2016") -> str:
    return (f"{child_id},Ava,Specimen,{born},,Female,C2,01/09/2020,Exampleton Primary School,"
            f"900101,Anna Exemplar,dt@900101.example.org,Sam Trialworth,sw@example.org,Jo Demo,"
            f"{joined}\n")


def test_the_date_joined_school_is_read_and_checked(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(HEADER + _row("C1", "11/01/2027") + _row("C2", "") +
                      _row("C3", "01/01/2010") + _row("C4", "31/02/2027"), encoding="utf-8")
    read = read_roster(roster, TERM)
    joined = {c.child_id: c.date_joined_school for c in read.children}
    assert joined == {"C1": dt.date(2027, 1, 11), "C2": None}
    codes = {(f.child_id, f.code) for f in read.problems}
    assert ("C3", "roster-date-joined-school-before-birth") in codes
    assert any(child == "C4" and "date" in code for child, code in codes)


def test_a_child_new_to_a_school_has_a_first_pep_deadline(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(HEADER + _row("C1", "11/01/2027") + _row("C2", "01/09/2024"),
                      encoding="utf-8")
    with open_register(f"sqlite:///{tmp_path / 'register.sqlite'}") as reg:
        generate("cheshire-west", TERM, roster, tmp_path / "forms", register=reg)
        states = {f.child_id: f for f in term_status(reg, str(TERM), on=dt.date(2027, 1, 12)).forms}
    assert states["C1"].first_pep_by is not None
    assert dt.date(2027, 1, 11) < states["C1"].first_pep_by <= dt.date(2027, 2, 28)
    assert states["C2"].first_pep_by is None
