"""Recording in the register and the state of a term, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from pepforms.register import (
    STATES,
    Register,
    RegisterError,
    UnknownForm,
    find_form_id,
    issued_values,
    record_finalised,
    record_issued,
    record_qa,
    record_sent_back,
    record_version,
    term_status,
)
from pepforms.register.tables import findings, issued, versions

from .conftest import finding, issued_form, received

D = dt.date


def _count(reg: Register, table: object) -> int:
    with reg.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def _state(reg: Register, on: D, form_id: str) -> str:
    status = term_status(reg, "spring-2027", on=on)
    return next(f.state for f in status.forms if f.form_id == form_id)


def test_issued_forms_are_recorded_once_and_a_reissue_supersedes(reg: Register) -> None:
    a, b = issued_form("C1"), issued_form("C2", urn="100002")
    assert record_issued(reg, [a, b]) == 2
    assert record_issued(reg, [a, b]) == 0  # the same files again: nothing new
    assert _count(reg, issued) == 2
    reissue = issued_form("C1", version=2, prefill={"/child/child_id": "C1", "/pep/term": "x"})
    assert record_issued(reg, [reissue]) == 1
    assert issued_values(reg, a.form_id) == {"/child/child_id": "C1", "/pep/term": "x"}
    status = term_status(reg, on=D(2027, 1, 10))
    assert [f.form_id for f in status.forms] == [b.form_id, a.form_id]  # one row per form
    assert status.term == "spring-2027" and status.totals.forms == 2


def test_personal_data_is_kept_as_given(reg: Register) -> None:
    form = issued_form("C1", date_entered_care=D(2020, 2, 3))
    record_issued(reg, [form])
    with reg.reading() as conn:
        row = conn.execute(select(issued)).one()
    assert (row.first_name, row.last_name, row.date_of_birth) == ("FictionalC1", "Testchild",
                                                                  D(2016, 5, 17))
    assert (row.school_name, row.school_urn, row.dt_email) == ("Oakfield Primary", "100001",
                                                               "dt@oakfield.example")
    assert row.prefill_digest == form.prefill_digest and row.sha256 == form.sha256
    assert row.date_entered_care == D(2020, 2, 3) and row.recorded_by == "business.support"
    assert "FictionalC1" not in repr(form) and "2016" not in repr(form)


def test_issued_values_and_form_lookup(reg: Register) -> None:
    form = issued_form("C7")
    record_issued(reg, [form])
    assert issued_values(reg, form.form_id) == dict(form.prefill)
    assert issued_values(reg, "CWAC-SPRING2027-NOPE") is None
    assert find_form_id(reg, "C7", "Spring 2027") == form.form_id
    assert find_form_id(reg, "C7", "summer-2027") is None


def test_the_same_file_twice_is_one_version(reg: Register) -> None:
    form = issued_form("C1")
    record_issued(reg, [form])
    file = received(form, "c1-v1", D(2027, 2, 1), "fail",
                    findings=(finding("attendance-not-explained"), finding("x", "warning")))
    first = record_version(reg, file)
    again = record_version(reg, file)
    assert first.new and first.matched and first.number == 1
    assert not again.new and again.version_id == first.version_id and again.number == 1
    assert _count(reg, versions) == 1 and _count(reg, findings) == 2
    second = record_version(reg, received(form, "c1-v2", D(2027, 2, 5)))
    assert second.new and second.number == 2 and second.form_id == form.form_id
    with reg.reading() as conn:
        row = conn.execute(select(versions).where(versions.c.id == first.version_id)).one()
    assert (row.errors, row.warnings, row.status, row.read_by) == (1, 1, "fail", "tags")


def test_a_file_matching_no_form_is_recorded_unmatched_with_its_findings(reg: Register) -> None:
    record_issued(reg, [issued_form("C1")])
    stray = received(None, "stray", D(2027, 2, 2), "unreadable", read_by="",
                     findings=(finding("not-a-pep-form", pointer=""),), child_id="C99",
                     term="spring-2027")
    result = record_version(reg, stray)
    assert not result.matched and result.number == 0
    assert record_version(reg, stray).version_id == result.version_id
    status = term_status(reg, on=D(2027, 2, 3))
    unmatched = [f for f in status.forms if f.state == "unmatched"]
    assert len(unmatched) == 1
    assert unmatched[0].path == "returned/stray.docx" and unmatched[0].child_id == "C99"
    assert unmatched[0].reasons == ("not-a-pep-form",)
    assert status.totals.states["unmatched"] == 1 and status.totals.forms == 1


def test_a_form_that_lost_its_id_is_matched_by_child_and_term(reg: Register) -> None:
    form = issued_form("C3")
    record_issued(reg, [form])
    result = record_version(reg, received(form, "c3", D(2027, 2, 1), form_id="", read_by="labels"))
    assert result.form_id == form.form_id


def test_events_need_an_issued_form_and_are_idempotent(reg: Register) -> None:
    form = issued_form("C1")
    record_issued(reg, [form])
    with pytest.raises(UnknownForm):
        record_sent_back(reg, "CWAC-SPRING2027-NOPE", D(2027, 2, 1), "coordinator")
    assert record_sent_back(reg, form.form_id, D(2027, 2, 1), "coordinator")
    assert not record_sent_back(reg, form.form_id, D(2027, 2, 1), "someone else")
    assert record_qa(reg, form.form_id, "good", "QA officer", "", D(2027, 2, 2))
    assert not record_qa(reg, form.form_id, "Good", "QA officer", "", D(2027, 2, 2))
    with pytest.raises(RegisterError, match="Requires improvement"):
        record_qa(reg, form.form_id, "Brilliant", "QA officer")
    assert record_finalised(reg, form.form_id, "f" * 64, D(2027, 2, 3), "coordinator")
    assert not record_finalised(reg, form.form_id, "f" * 64, D(2027, 2, 9), "coordinator")
    status = term_status(reg, on=D(2027, 2, 10))
    assert status.forms[0].qa_grade == "Good"  # as the framework spells it


def test_a_form_goes_through_every_state(reg: Register) -> None:
    """All facts recorded first; --on dates then show the form as it stood on each day."""
    late, prompt = issued_form("C1"), issued_form("C2")
    record_issued(reg, [late, prompt])
    # Cheshire West: meeting by half-term (14 February 2027), back 5 working days later (19th).
    record_version(reg, received(late, "c1-v1", D(2027, 2, 22), "fail",
                                 findings=(finding("attendance-not-explained"),)))
    record_sent_back(reg, late.form_id, D(2027, 2, 24), "coordinator")
    record_version(reg, received(late, "c1-v2", D(2027, 3, 1), "pass"))
    record_version(reg, received(prompt, "c2-v1", D(2027, 2, 10), "pass", meeting="2027-02-08"))
    record_qa(reg, prompt.form_id, "Good", "QA officer", on=D(2027, 2, 12))
    record_finalised(reg, prompt.form_id, "a" * 64, D(2027, 2, 15), "coordinator")
    expected = [
        (D(2027, 1, 3), "not-issued", "not-issued"),
        (D(2027, 1, 10), "issued", "issued"),
        (D(2027, 2, 11), "issued", "passed"),
        (D(2027, 2, 13), "issued", "qa-graded"),
        (D(2027, 2, 16), "overdue", "finalised"),  # half-term passed with nothing from C1
        (D(2027, 2, 23), "needs-changes", "finalised"),
        (D(2027, 2, 25), "sent-back", "finalised"),
        (D(2027, 3, 2), "received-late", "finalised"),  # passed, but the first came in late
    ]
    for on, late_state, prompt_state in expected:
        assert (_state(reg, on, late.form_id), _state(reg, on, prompt.form_id)) == \
            (late_state, prompt_state), on
    record_qa(reg, late.form_id, "Requires improvement", "QA officer", "no wellbeing target",
              D(2027, 3, 3))
    assert _state(reg, D(2027, 3, 2), late.form_id) == "received-late"  # history unchanged
    assert _state(reg, D(2027, 3, 4), late.form_id) == "qa-graded"
    status = term_status(reg, on=D(2027, 3, 4))
    c1 = next(f for f in status.forms if f.form_id == late.form_id)
    assert (c1.received, c1.last_received, c1.versions) == (D(2027, 2, 22), D(2027, 3, 1), 2)
    assert (c1.on_time, c1.passed_first_time, c1.sent_back_on) == (False, False, D(2027, 2, 24))
    assert c1.reasons == ("attendance-not-explained",)
    c2 = next(f for f in status.forms if f.form_id == prompt.form_id)
    assert c2.return_by == D(2027, 2, 13)  # "within 5 days" of the meeting written in the form
    assert c2.finalised_on == D(2027, 2, 15) and c2.qa_on == D(2027, 2, 12)


def test_lateness_counts_from_the_meeting_date_in_the_form(reg: Register) -> None:
    form = issued_form("C5")
    record_issued(reg, [form])
    # Meeting 20 January; "within 5 days" is the 25th; returned on the 29th: late.
    record_version(reg, received(form, "c5", D(2027, 1, 29), "pass", meeting="2027-01-20"))
    state = term_status(reg, on=D(2027, 1, 30)).forms[0]
    assert (state.state, state.return_by, state.on_time) == ("received-late", D(2027, 1, 25), False)


def test_totals_per_school_and_overall(reg: Register) -> None:
    forms = [issued_form(f"C{i}", urn="100001" if i <= 4 else "100002") for i in range(1, 7)]
    record_issued(reg, forms)
    c1, c2, c3, c4, c5, c6 = forms
    record_version(reg, received(c1, "c1", D(2027, 2, 1), "pass"))  # on time, first-time pass
    record_version(reg, received(c2, "c2a", D(2027, 2, 1), "fail",
                                 findings=(finding("attendance-not-explained"),
                                           finding("wellbeing-target-missing"))))
    record_version(reg, received(c2, "c2b", D(2027, 2, 5), "pass"))
    record_version(reg, received(c3, "c3", D(2027, 2, 25), "fail",
                                 findings=(finding("attendance-not-explained"),)))  # late
    record_version(reg, received(c5, "c5", D(2027, 2, 3), "pass"))
    record_qa(reg, c1.form_id, "Good", "QA", on=D(2027, 2, 6))
    record_qa(reg, c5.form_id, "Requires improvement", "QA", on=D(2027, 2, 6))
    status = term_status(reg, on=D(2027, 3, 1))
    t = status.totals
    assert t.forms == 6
    assert {k: v for k, v in t.states.items() if v} == {
        "qa-graded": 2, "passed": 1, "needs-changes": 1, "overdue": 2}
    # Due or in by 1 March: all six; on time: C1, C2, C5.
    assert (t.returned_on_time.count, t.returned_on_time.of, t.returned_on_time.percent) == \
        (3, 6, 50.0)
    assert (t.passed_first_time.count, t.passed_first_time.of) == (2, 4)
    assert (t.good_or_better.count, t.good_or_better.of, t.good_or_better.percent) == (1, 2, 50.0)
    assert [(r.code, r.title, r.forms) for r in t.reasons] == [
        ("attendance-not-explained", "Low attendance not explained", 2),
        ("wellbeing-target-missing", "No wellbeing target", 1)]
    oak, birch = sorted(status.schools, key=lambda s: s.urn)
    assert (oak.name, oak.totals.forms, birch.totals.forms) == ("Oakfield Primary", 4, 2)
    assert birch.totals.states["overdue"] == 1 and birch.totals.good_or_better.of == 1
    assert oak.totals.states["overdue"] == 1 and oak.totals.returned_on_time.of == 4
    only = term_status(reg, school="birchwood academy", on=D(2027, 3, 1))
    assert {f.form_id for f in only.forms} == {c5.form_id, c6.form_id}
    with pytest.raises(RegisterError, match="No forms for the school"):
        term_status(reg, school="Nowhere School", on=D(2027, 3, 1))


def test_good_or_better_follows_each_authoritys_grades(reg: Register) -> None:
    sutton = [issued_form(f"S{i}", authority="sutton") for i in range(3)]
    record_issued(reg, sutton)
    for form, grade in zip(sutton, ("Outstanding", "Good", "Inadequate"), strict=True):
        record_qa(reg, form.form_id, grade, "QA", on=D(2027, 2, 1))
    t = term_status(reg, on=D(2027, 2, 2)).totals
    assert (t.good_or_better.count, t.good_or_better.of) == (2, 3)


def test_status_json_has_the_documented_shape(reg: Register) -> None:
    form = issued_form("C1")
    record_issued(reg, [form, issued_form("C1", term="autumn-2026", issued_on=D(2026, 9, 2))])
    record_version(reg, received(form, "c1", D(2027, 2, 1), "pass"))
    record_version(reg, received(None, "stray", D(2027, 2, 1), "unreadable", term="spring-2027"))
    data = json.loads(json.dumps(term_status(reg, on=D(2027, 2, 2)).as_dict()))
    assert list(data) == ["version", "term", "on", "totals", "schools", "forms"]
    assert data["version"] == 1 and data["term"] == "spring-2027"  # the newest term by default
    assert set(data["totals"]) == {"forms", "states", "returned_on_time", "passed_first_time",
                                   "good_or_better", "reasons"}
    assert list(data["totals"]["states"]) == list(STATES)
    assert list(data["schools"][0]) == ["urn", "name", "totals"]
    required = {"form_id", "child_id", "school_urn", "phase", "state", "meeting_by", "return_by",
                "received", "versions"}
    for entry in data["forms"]:
        assert required <= set(entry) and entry["state"] in STATES
    assert [f["state"] for f in data["forms"]] == ["passed", "unmatched"]
    assert data["forms"][0]["received"] == "2027-02-01" and data["forms"][0]["versions"] == 1
    autumn = term_status(reg, "autumn-2026", on=D(2027, 2, 2))
    assert [f.state for f in autumn.forms] == ["overdue"]
    with pytest.raises(RegisterError):
        term_status(reg, "winter-2027")


def test_an_empty_register_says_so(reg: Register) -> None:
    with pytest.raises(RegisterError, match="no issued forms"):
        term_status(reg)


def test_a_first_pep_brings_the_meeting_forward(reg: Register) -> None:
    new = issued_form("C1", authority="sutton", date_entered_care=D(2027, 1, 11))
    moved = issued_form("C2", authority="sutton", date_joined_school=D(2027, 1, 4))
    settled = issued_form("C3", authority="sutton", date_entered_care=D(2024, 6, 1),
                          date_joined_school=D(2026, 9, 1))
    record_issued(reg, [new, moved, settled])
    states = {f.child_id: f for f in term_status(reg, on=D(2027, 1, 12)).forms}
    assert states["C1"].first_pep_by == D(2027, 2, 8) == states["C1"].meeting_by
    assert states["C2"].first_pep_by == D(2027, 2, 1)
    assert states["C3"].first_pep_by is None and states["C3"].meeting_by == D(2027, 3, 26)
    assert states["C1"].return_by == D(2027, 2, 15)  # Sutton: 7 calendar days after
    assert _state(reg, D(2027, 2, 9), new.form_id) == "overdue"
    assert _state(reg, D(2027, 2, 9), settled.form_id) == "issued"


def test_the_latest_qa_decision_is_the_one_a_finalised_record_shows(reg: Register) -> None:
    from pepforms.recording import qa_decision

    form = issued_form("C1")
    record_issued(reg, [form])
    assert qa_decision(reg, form.form_id) is None and qa_decision(reg, "") is None
    record_qa(reg, form.form_id, "Requires improvement", "A. Officer", "Targets vague",
              D(2027, 2, 2))
    record_qa(reg, form.form_id, "good", "B. Officer", "Targets now SMART", D(2027, 2, 9))
    decision = qa_decision(reg, form.form_id)
    assert decision is not None
    assert (decision.grade, decision.by, decision.on, decision.reason) == (
        "Good", "B. Officer", D(2027, 2, 9), "Targets now SMART")
