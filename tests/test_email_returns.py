"""Returns straight from email: saved .eml and Outlook .msg files, checked in memory.

The .eml files are built with the standard library as a mail program writes them; the .msg files
are real Outlook compound files written by aspose-email-foss and read back by extract-msg.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import zipfile
from datetime import date, datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from pepforms.cases import Case, discover, returned_form
from pepforms.checking import CheckOptions, validate
from pepforms.cli import main
from pepforms.demo import distinct_children
from pepforms.emails import uk_date

CASES = {c.name: c for c in discover("cheshire-west") if c.phase == "y1-11"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def good() -> list[Case]:
    names = ("good", "attendance-unexplained", "target-without-who")
    cases = distinct_children([CASES[n] for n in names])
    out = []
    for case, first in zip(cases, ("Mia", "Noor", "Ossian"), strict=True):  # names of their own
        instance = copy.deepcopy(case.instance)
        instance["child"]["first_name"] = first
        out.append(dataclasses.replace(case, instance=instance))
    return out


def _eml(path: Path, attachments: list[tuple[str, bytes]], *, subject: str = "PEP returned",
         sent: datetime | None = None, received: datetime | None = None) -> Path:
    message = EmailMessage()
    message["From"] = "designated.teacher@school.example"
    message["To"] = "virtual.school@authority.example"
    message["Subject"] = subject
    if received is not None:
        message["Received"] = ("from mail.school.example by mx.authority.example; "
                               + format_datetime(received))
    message["Date"] = format_datetime(sent or datetime(2027, 2, 3, 9, 0, tzinfo=timezone.utc))
    message.set_content("Please find the PEP attached.\n")
    for name, data in attachments:
        maintype, subtype = ("image", "png") if name.endswith(".png") else DOCX.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    path.write_bytes(bytes(message))
    return path


def _msg(path: Path, attachments: list[tuple[str, bytes]], *, subject: str = "PEP returned",
         delivered: datetime | None = None) -> Path:
    from aspose.email_foss import msg

    message = msg.MapiMessage.create(subject, "Please find the PEP attached.")
    message.set_property(msg.PropertyId.SENDER_EMAIL_ADDRESS, "designated.teacher@school.example")
    message.set_property(msg.PropertyId.MESSAGE_DELIVERY_TIME,
                         delivered or datetime(2027, 2, 4, 10, 0, tzinfo=timezone.utc))
    for name, data in attachments:
        message.add_attachment(name, data, mime_type=DOCX)
    message.save(str(path))
    return path


def _form(case: Case) -> tuple[str, bytes]:
    return returned_form(case)


def test_an_eml_attachment_is_checked_as_a_return_received_when_the_email_arrived(
        tmp_path: Path, good: list[Case]) -> None:
    name, data = _form(good[0])
    arrived = datetime(2027, 2, 5, 16, 0, tzinfo=timezone.utc)
    email = _eml(tmp_path / "from school.eml", [(name, data), ("logo.png", b"\x89PNG....")],
                 received=arrived, sent=datetime(2027, 2, 1, 8, 0, tzinfo=timezone.utc))
    before = email.read_bytes()
    report = validate([tmp_path])
    assert len(report.forms) == 1
    result = report.forms[0]
    assert result.status == "pass", [f.code for f in result.findings]
    assert result.email == str(email)
    assert result.path == str(email / name)
    assert result.received == date(2027, 2, 5)  # the Received line, not the sender's Date
    assert result.child_id == good[0].instance["child"]["child_id"]
    assert email.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["from school.eml"]  # nothing written


def test_the_email_date_counts_and_a_received_option_still_wins(tmp_path: Path,
                                                                 good: list[Case]) -> None:
    email = _eml(tmp_path / "a.eml", [_form(good[0])],
                 sent=datetime(2027, 2, 3, 23, 30, tzinfo=timezone.utc))
    assert validate([email]).forms[0].received == date(2027, 2, 3)
    given = date(2027, 1, 20)
    assert validate([email], CheckOptions(received=given)).forms[0].received == given


def test_a_late_evening_email_in_summer_arrived_the_next_day_in_england() -> None:
    assert uk_date(datetime(2027, 6, 30, 23, 30, tzinfo=timezone.utc)) == date(2027, 7, 1)
    assert uk_date(datetime(2027, 1, 31, 23, 30, tzinfo=timezone.utc)) == date(2027, 1, 31)


def test_an_email_with_several_forms_gives_one_result_each(tmp_path: Path,
                                                           good: list[Case]) -> None:
    forms = [_form(c) for c in good]
    same_name = [("PEP.docx", forms[0][1]), ("PEP.docx", forms[1][1]), (forms[2][0], forms[2][1])]
    email = _eml(tmp_path / "three.eml", same_name)
    report = validate([email])
    assert len(report.forms) == 3
    assert len({r.path for r in report.forms}) == 3  # two attachments of the same name
    by_child = {r.child_id: r for r in report.forms}
    assert by_child[good[0].instance["child"]["child_id"]].status == "pass"
    assert by_child[good[1].instance["child"]["child_id"]].status == "fail"
    assert {r.child_id for r in report.forms} == {c.instance["child"]["child_id"] for c in good}


def test_an_email_without_a_form_is_a_finding_for_that_email(tmp_path: Path,
                                                             good: list[Case]) -> None:
    _eml(tmp_path / "nothing.eml", [("photo.png", b"\x89PNG....")])
    _eml(tmp_path / "empty.eml", [])
    (tmp_path / "junk.msg").write_bytes(b"this is not an Outlook message")
    (tmp_path / "noise.eml").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "torn.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(3000))
    _eml(tmp_path / "ok.eml", [_form(good[0])])
    report = validate([tmp_path])
    by_name = {Path(r.email or r.path).name: r for r in report.forms}
    assert set(by_name) == {"nothing.eml", "empty.eml", "junk.msg", "noise.eml", "torn.msg",
                            "ok.eml"}
    assert [f.code for f in by_name["nothing.eml"].findings] == ["email-no-form"]
    assert "photo.png" in by_name["nothing.eml"].findings[0].message
    assert "no attachments" in by_name["empty.eml"].findings[0].message
    for name in ("junk.msg", "noise.eml", "torn.msg"):
        assert [f.code for f in by_name[name].findings] == ["email-unreadable"], name
    assert by_name["ok.eml"].status == "pass"
    assert report.exit_code == 1


def test_an_email_naming_one_child_with_another_childs_form_is_an_error(
        tmp_path: Path, good: list[Case], sample_roster_path: Path) -> None:
    ours, theirs = good[0].instance["child"], good[1].instance["child"]
    email = _eml(tmp_path / "mixup.eml", [_form(good[1])],
                 subject=f"PEP for {ours['first_name']} {ours['last_name']}")
    right = _eml(tmp_path / "right.eml", [_form(good[0])],
                 subject=f"Re: PEP {ours['child_id']} returned")
    unknown = _eml(tmp_path / "unknown.eml", [_form(good[0])],
                   subject="PEP for Someone Else Entirely")
    # Without a roster, the children the batch's own forms are for are the ones known by name.
    report = validate([email, right, unknown])
    by_email = {Path(r.email).name: r for r in report.forms}
    wrong = by_email["mixup.eml"]
    assert wrong.status == "fail"
    finding = next(f for f in wrong.findings if f.code == "email-other-child")
    assert ours["child_id"] in finding.message and theirs["child_id"] in finding.message
    assert ours["first_name"] not in finding.message  # the message names IDs, never names
    assert not any(f.code == "email-other-child" for f in by_email["right.eml"].findings)
    assert not any(f.code == "email-other-child" for f in by_email["unknown.eml"].findings)


def test_another_word_file_in_the_email_is_named_not_reported_as_a_form(
        tmp_path: Path, good: list[Case]) -> None:
    from docx import Document

    letter = tmp_path / "letter.docx"
    document = Document()
    document.add_paragraph("Dear colleague, our attendance letter.")
    document.save(str(letter))
    folder = tmp_path / "in"
    folder.mkdir()
    _eml(folder / "two.eml", [_form(good[0]), ("Attendance letter.docx", letter.read_bytes())])
    report = validate([folder])
    assert len(report.forms) == 1
    result = report.forms[0]
    note = next(f for f in result.findings if f.code == "email-other-attachments")
    assert "Attendance letter.docx" in note.message and note.severity == "warning"


def test_an_outlook_msg_is_read_like_an_eml(tmp_path: Path, good: list[Case]) -> None:
    name, data = _form(good[1])
    email = _msg(tmp_path / "outlook.msg", [(name, data)],
                 delivered=datetime(2027, 2, 4, 10, 0, tzinfo=timezone.utc))
    report = validate([tmp_path])
    assert len(report.forms) == 1
    result = report.forms[0]
    assert result.email == str(email) and result.received == date(2027, 2, 4)
    assert result.child_id == good[1].instance["child"]["child_id"]
    assert result.status == "fail"  # the attendance-unexplained case
    assert result.findings


def test_validate_command_annotates_an_attachment_without_saving_it(tmp_path: Path,
                                                                    good: list[Case]) -> None:
    name, data = _form(good[1])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _eml(inbox / "from school.eml", [(name, data)])
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["validate", str(inbox), "--annotate", str(out),
                                       "--json", str(tmp_path / "r.json"), "--no-register"])
    assert result.exit_code == 1, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    form = report["forms"][0]
    assert form["email"].endswith("from school.eml") and form["received"] == "2027-02-03"
    copies = list(out.rglob("*.docx"))
    assert len(copies) == 1 and copies[0].name == name
    with zipfile.ZipFile(copies[0]) as zf:
        assert "word/comments.xml" in zf.namelist()
    assert sorted(p.name for p in inbox.iterdir()) == ["from school.eml"]


def test_an_email_with_very_many_attachments_is_checked_within_bounds(
        tmp_path: Path, good: list[Case]) -> None:
    from docx import Document

    from pepforms.emails import MAX_EMAIL_FORMS

    document = Document()
    document.add_paragraph("A letter, not a PEP.")
    document.save(str(tmp_path / "letter.docx"))
    letter = (tmp_path / "letter.docx").read_bytes()
    junk = [(f"file-{n}.docx", letter) for n in range(MAX_EMAIL_FORMS + 30)]
    email = _eml(tmp_path / "flood.eml", [_form(good[0]), *junk])
    report = validate([email])
    assert len(report.forms) == 1 and report.forms[0].child_id
    # A damaged Word file in an email may be the form itself: it is reported, not passed over.
    damaged = _eml(tmp_path / "torn.eml", [("PEP.docx", b"PK\x03\x04 torn in transit")])
    [torn] = validate([damaged]).forms
    assert torn.status == "unreadable" and torn.findings[0].code == "damaged-file"
    [many] = [f.message for f in report.forms[0].findings if f.code == "email-too-many-files"]
    assert f"only the first {MAX_EMAIL_FORMS}" in many and "file-49.docx" in many
    assert "and 21 more" in many
    [letters] = [f.message for f in report.forms[0].findings
                 if f.code == "email-other-attachments"]
    assert "file-0.docx" in letters and "and 39 more" in letters


def test_the_register_knows_the_child_an_email_names(tmp_path: Path, good: list[Case]) -> None:
    """One email checked on its own, with no roster: the children issued forms that term (in
    the term register) are the ones its subject is read for."""
    from pepforms.checking import ValidateJob, run_validate
    from pepforms.register import open_register, record_issued

    from .register.conftest import issued_form

    (tmp_path / "in").mkdir()
    email = _eml(tmp_path / "in" / "one.eml", [_form(good[1])], subject="PEP for Rowan Quill")
    with open_register(f"sqlite:///{tmp_path / 'register.sqlite'}") as reg:
        record_issued(reg, [issued_form("C77777", first_name="Rowan", last_name="Quill")])
        [result] = run_validate(ValidateJob((email.parent,)), register=reg).report.forms
        other = next(f for f in result.findings if f.code == "email-other-child")
        assert "C77777" in other.message and result.status == "fail"
        [unnamed] = run_validate(ValidateJob((email.parent,))).report.forms  # no register
        assert not any(f.code == "email-other-child" for f in unnamed.findings)
