"""One form's history (the web page's child page): versions with their findings in the order they
came, events, a child's forms term by term, one version by id; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from pepforms.register import Register, record_issued, record_qa, record_sent_back, record_version
from pepforms.register.history import child_forms, child_names, form_history, version_record

from .conftest import finding, issued_form, received


def test_a_forms_history(reg: Register) -> None:
    autumn = issued_form("C1", term="autumn-2026", issued_on=dt.date(2026, 9, 7))
    spring = issued_form("C1")
    other = issued_form("C2", urn="100002")
    record_issued(reg, [autumn, spring, other])
    # The second version arrives first in the file but is dated later: versions are by date.
    later = record_version(reg, received(spring, "v2", dt.date(2027, 2, 10), "pass",
                                         grade="Good"))
    first = record_version(reg, received(spring, "v1", dt.date(2027, 1, 20), "fail", findings=(
        finding("attendance-not-explained"), finding("voice-missing", "warning", "/voice"))))
    record_sent_back(reg, spring.form_id, on=dt.date(2027, 1, 21), by="coordinator")
    record_qa(reg, spring.form_id, "good", "Q. Officer", "Clear targets", on=dt.date(2027, 2, 11))

    history = form_history(reg, spring.form_id)
    assert history is not None
    assert (history.child_id, history.term, history.school_urn) == ("C1", "spring-2027", "100001")
    assert history.first_name == "FictionalC1" and "FictionalC1" not in repr(history)
    assert [v.id for v in history.versions] == [first.version_id, later.version_id]
    assert [v.number for v in history.versions] == [1, 2]
    v1, v2 = history.versions
    assert v1.status == "fail" and v1.errors == 1 and v1.warnings == 1
    assert [(f.code, f.severity, f.role) for f in v1.findings] == [
        ("attendance-not-explained", "error", "designated-teacher"),
        ("voice-missing", "warning", "designated-teacher")]
    assert v2.findings == () and v2.quality_grade == "Good"
    assert [(e.kind, e.grade, e.reason) for e in history.events] == [
        ("sent-back", None, None), ("qa", "Good", "Clear targets")]

    assert child_forms(reg, "C1") == [("autumn-2026", autumn.form_id),
                                      ("spring-2027", spring.form_id)]
    assert child_forms(reg, "nobody") == []
    assert child_names(reg, "spring-2027") == {spring.form_id: ("FictionalC1", "Testchild"),
                                               other.form_id: ("FictionalC2", "Testchild")}
    one = version_record(reg, first.version_id)
    assert one is not None and one.sha256 == v1.sha256 and len(one.findings) == 2
    assert form_history(reg, "NO-SUCH-FORM") is None
    assert version_record(reg, 987654) is None


def test_an_unmatched_version_by_id(reg: Register) -> None:
    recorded = record_version(reg, received(None, "stray", dt.date(2027, 1, 5), "unreadable",
                                            findings=(finding("damaged-file", pointer=""),)))
    stray = version_record(reg, recorded.version_id)
    assert stray is not None and stray.form_id is None and stray.status == "unreadable"
    assert [f.code for f in stray.findings] == ["damaged-file"]
