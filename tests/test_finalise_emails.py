"""Finalising forms that came back by email, and the QA officer's decision on the record."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from email.message import EmailMessage
from pathlib import Path

from click.testing import CliRunner
from pypdf import PdfReader

from pepforms.cases import discover, returned_form
from pepforms.checking import check_file, check_one_form
from pepforms.cli import main
from pepforms.register import open_register, record_issued, record_qa
from pepforms.register.history import form_history
from pepforms.report.model import FormResult

from .register.conftest import issued_form

GOOD = next(c for c in discover("cheshire-west") if c.name == "good" and c.phase == "y1-11")
BAD = next(c for c in discover("cheshire-west") if c.name == "attendance-unexplained")


def _text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def _eml(path: Path, attachments: list[tuple[str, bytes]]) -> Path:
    message = EmailMessage()
    message["Subject"] = "PEP returned"
    message["Date"] = "Wed, 03 Feb 2027 09:00:00 +0000"
    message.set_content("Please find the PEP attached.\n")
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="octet-stream",
                               filename=name)
    path.write_bytes(bytes(message))
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_the_one_form_an_email_carries_is_finalised(tmp_path: Path) -> None:
    name, data = returned_form(GOOD)
    email = _eml(tmp_path / "RE PEP.eml", [(name, data), ("logo.png", b"\x89PNG....")])
    before = email.read_bytes()
    code, output = _run("finalise", str(email), "-o", str(tmp_path / "record.pdf"),
                        "--no-register")
    assert code == 0, output
    text = _text((tmp_path / "record.pdf").read_bytes())
    assert "Finalised" in text and GOOD.instance["child"]["child_id"] in text
    assert email.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["RE PEP.eml", "record.pdf"]


def test_an_email_with_several_forms_needs_a_folder_or_a_named_form(tmp_path: Path) -> None:
    email = _eml(tmp_path / "two.eml", [("PEP.docx", returned_form(GOOD)[1]),
                                        ("PEP.docx", returned_form(BAD)[1])])
    code, output = _run("finalise", str(email), "-o", str(tmp_path / "one.pdf"), "--no-register")
    assert code == 2 and "has 2 forms attached (PEP.docx, PEP (2).docx)" in output
    assert not (tmp_path / "one.pdf").exists()
    # Named inside its email, as validate's reports name it, one of them is finalised.
    code, output = _run("finalise", str(email / "PEP.docx"), "-o", str(tmp_path / "one.pdf"),
                        "--no-register")
    assert code == 0, output
    assert GOOD.instance["child"]["child_id"] in _text((tmp_path / "one.pdf").read_bytes())
    code, output = _run("finalise", str(email / "Other.docx"), "-o", str(tmp_path / "x.pdf"),
                        "--no-register")
    assert code == 2 and "has no form called Other.docx attached" in output


def test_a_folder_of_emails_and_forms_is_finalised_form_by_form(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "school").mkdir(parents=True)
    _eml(inbox / "school" / "two.eml", [("PEP.docx", returned_form(GOOD)[1]),
                                        ("PEP.docx", returned_form(BAD)[1])])
    _eml(inbox / "nothing.eml", [("photo.png", b"\x89PNG....")])
    (inbox / "plain.docx").write_bytes(returned_form(GOOD)[1])
    digests = {p: hashlib.sha256(p.read_bytes()).digest() for p in inbox.rglob("*") if p.is_file()}
    out = tmp_path / "finalised"
    code, output = _run("finalise", str(inbox), "--out", str(out), "--no-register")
    assert code == 1, output  # the form with errors and the email without a form
    written = sorted(p.relative_to(out).parts for p in out.rglob("*.pdf"))
    assert written == [("plain.pdf",), ("school", "two", "PEP.pdf")]
    refused = str(Path("school", "two.eml", "PEP (2).docx"))
    assert f"{refused}: has errors, so it was not finalised" in output
    assert "nothing.eml" in output and "photo.png" in output
    assert {p: hashlib.sha256(p.read_bytes()).digest() for p in inbox.rglob("*")
            if p.is_file()} == digests


def _issued_in_register(tmp_path: Path) -> tuple[Path, str, str]:
    """A returned form in a folder of its own, issued in a new register: (form, form id, URL)."""
    (tmp_path / "in").mkdir()
    form = tmp_path / "in" / "returned.docx"
    form.write_bytes(returned_form(GOOD)[1])
    checked = check_file(form)
    url = f"sqlite:///{tmp_path / 'register.sqlite'}"
    with open_register(url) as reg:
        record_issued(reg, [issued_form(checked.child_id, form_id=checked.form_id)])
    return form, checked.form_id, url


def test_the_record_shows_the_qa_officers_decision_from_the_register(tmp_path: Path) -> None:
    form, form_id, url = _issued_in_register(tmp_path)
    with open_register(url) as reg:
        record_qa(reg, form_id, "Good", "Sam Officer", "Clear targets")
    code, output = _run("finalise", str(form), "-o", str(tmp_path / "one.pdf"), "--register", url)
    assert code == 0, output
    one = _text((tmp_path / "one.pdf").read_bytes())
    assert "QA officer's judgement Good" in one and "Sam Officer" in one
    code, output = _run("finalise", str(form.parent), "--out", str(tmp_path / "many"),
                        "--register", url, "--force", "--jobs", "2")
    assert code == 0, output
    assert "Sam Officer" in _text((tmp_path / "many" / "returned.pdf").read_bytes())
    code, output = _run("finalise", str(form), "-o", str(tmp_path / "none.pdf"), "--no-register")
    none = _text((tmp_path / "none.pdf").read_bytes())
    assert "QA officer's judgement Not yet recorded" in none and "Finalised by Not recorded" in none


def test_who_finalised_is_on_the_record_and_in_the_register(tmp_path: Path) -> None:
    form, form_id, url = _issued_in_register(tmp_path)
    code, output = _run("finalise", str(form.parent), "--out", str(tmp_path / "out"),
                        "--by", "Pat Coordinator", "--register", url)
    assert code == 0, output
    text = _text((tmp_path / "out" / "returned.pdf").read_bytes())
    assert f"Finalised by Pat Coordinator, on {date.today().day} {date.today():%B %Y}" in text
    with open_register(url) as reg:
        history = form_history(reg, form_id)
    assert history is not None
    assert [(e.kind, e.by) for e in history.events] == [("finalised", "Pat Coordinator")]


def test_going_through_an_emails_forms_checks_the_email_once(tmp_path: Path) -> None:
    email = _eml(tmp_path / "two.eml", [("PEP.docx", returned_form(GOOD)[1]),
                                        ("PEP.docx", returned_form(BAD)[1])])
    last: dict[Path, list[FormResult]] = {}
    first = check_one_form(email / "PEP.docx", last_email=last)
    checks = last[email]
    second = check_one_form(email / "PEP (2).docx", last_email=last)
    assert last[email] is checks and [first, second] == checks  # the same checks, not again
    assert (first.status, second.status) == ("pass", "fail")
