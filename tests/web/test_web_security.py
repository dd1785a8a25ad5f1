"""The web page's security, against the real server over HTTP (as a script or an attacker would
reach it): no token, no entry; CSRF on every change; upload limits; hostile files; ten uploads
at once; downloads only of what the register knows; a password for remote use; a clean log."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pepforms.cli import main
from pepforms.generating import generate
from pepforms.register import open_register

from .conftest import (
    TERM,
    Reply,
    Server,
    csrf,
    multipart,
    post_files,
    request,
    returned,
    roster_csv,
    sign_in,
    start_server,
    status_json,
    stop_server,
)

TEN = {f"C3{n:04d}": (f"Kid{chr(65 + n)}", "900101" if n % 2 else "900201") for n in range(10)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("serve-secure"), "--max-upload-mb", "2")
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def forms(server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Ten children's forms issued into the server's register, filled in as returned."""
    work = tmp_path_factory.mktemp("ten")
    roster = work / "roster.csv"
    roster.write_text(roster_csv(TEN), encoding="utf-8")
    with open_register(server.register_url) as reg:
        generate("cheshire-west", TERM, roster, work / "pack", register=reg)
    return {cid: returned(next((work / "pack").rglob(f"*-{cid}-*.docx")), work / "returned")
            for cid in TEN}


def batches(server: Server) -> list[Path]:
    return sorted((server.files / "batches").iterdir())


def test_without_the_token_everything_is_refused(server: Server) -> None:
    for method, path in (("GET", "/"), ("GET", "/form/CWAC-X"), ("GET", "/reports/status.json"),
                         ("GET", "/version/1/file"), ("POST", "/check")):
        reply = request(server, method, path, cookie=False)
        assert reply.status == 403, (method, path)
        assert "You cannot use this page yet" in reply.text
    assert request(server, "GET", "/?token=wrong", cookie=False).status == 403
    forged = request(server, "GET", "/", cookie=False,
                     headers={"Cookie": "pepforms-session=forged"})
    assert forged.status == 403
    assert request(server, "GET", "/static/app.css", cookie=False).status == 200


def test_the_token_sets_a_strict_httponly_cookie(server: Server) -> None:
    reply = sign_in(server)
    assert reply.status == 303 and reply.headers["Location"] == "/"
    [cookie] = [c for c in reply.headers.get_all("Set-Cookie") or []
                if c.startswith("pepforms-session=")]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert server.cookie == server.token
    assert request(server, "GET", "/").status == 200


def test_security_headers(server: Server) -> None:
    sign_in(server)
    reply = request(server, "GET", "/")
    csp = reply.headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'self'") and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "script-src" not in csp
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Server"] == "pepforms"


def test_a_post_without_the_csrf_token_is_refused(server: Server, forms: dict[str, Path]) -> None:
    sign_in(server)
    before = batches(server)
    form = forms["C30000"]
    files = [("forms", form.name, form.read_bytes())]
    refused = post_files(server, "/check", files, token="")
    assert refused.status == 403 and "nothing was changed" in refused.text
    assert post_files(server, "/check", files, token="0" * 64).status == 403
    other_site = post_files(server, "/check", files,
                            headers={"Origin": "http://evil.example"})
    assert other_site.status == 403
    assert batches(server) == before
    assert status_json(server)["totals"]["states"]["overdue"] == len(TEN)
    qa = request(server, "POST", f"/form/{form_id(server, 'C30000')}/qa",
                 body=b"grade=Good&by=X", headers={
                     "Content-Type": "application/x-www-form-urlencoded"})
    assert qa.status == 403


def form_id(server: Server, child_id: str) -> str:
    return next(f["form_id"] for f in status_json(server)["forms"] if f["child_id"] == child_id)


def test_an_upload_over_the_limit_gets_a_clear_page(server: Server) -> None:
    sign_in(server)
    before = batches(server)
    big = post_files(server, "/check", [("forms", "huge.docx", b"\0" * (3 * 2**20))])
    assert big.status == 413
    assert "The files are too large" in big.text and "at most 2 MB" in big.text
    assert "Nothing was checked or kept" in big.text
    assert batches(server) == before
    many = post_files(server, "/check", [("forms", f"f{n}.docx", b"x") for n in range(201)])
    assert many.status == 400
    assert "There is a problem" in many.text and "At most 200 files" in many.text
    assert batches(server) == before
    assert request(server, "GET", "/").status == 200


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_hostile_files_are_findings_and_the_server_stays_up(server: Server,
                                                           tmp_path: Path) -> None:
    sign_in(server)
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (8 * 2**20)})
    archive = _zip({"../../escape-1.docx": b"not a form", "/tmp/escape-2.docx": b"nor this",
                    "folder/..\\..\\escape-3.docx": bomb, "notes.txt": b"skipped",
                    "__MACOSX/._x.docx": b"skipped"})
    files = [("forms", "../../../escape-0.docx", b"PK\x03\x04 truncated"),
             ("forms", "bomb.docx", bomb), ("forms", "returns.zip", archive),
             ("forms", "broken.zip", b"PK\x05\x06 no archive"),
             ("forms", "<b>bold & x.docx", b"\x00\x01")]
    reply = post_files(server, "/check", files)
    assert reply.status == 303, reply.text[:300]
    page = request(server, "GET", reply.headers["Location"])
    text = page.text
    assert page.status == 200
    assert "7 form(s) checked" in text and "0 pass" in text and "7 could not be read" in text
    assert "compressed suspiciously well" in text or "far larger inside" in text
    assert "it is not a zip file that can be opened" in text
    assert "returns.zip: notes.txt" in text  # listed as not a form, not checked
    assert "<b>bold" not in text and "&lt;b&gt;bold &amp; x.docx" in text
    # Nothing was written outside the page's own folder, whatever the names said.
    root = server.files.parent
    assert not [p for p in root.rglob("escape-*") if server.files not in p.parents]
    for p in server.files.rglob("*"):
        assert p.resolve().is_relative_to(server.files.resolve())
    assert not Path("/tmp/escape-2.docx").exists()
    assert request(server, "GET", "/").status == 200


def test_ten_uploads_at_once_are_all_recorded(server: Server, forms: dict[str, Path]) -> None:
    sign_in(server)
    token = csrf(server)
    replies: dict[str, int] = {}

    def upload(child_id: str) -> None:
        form = forms[child_id]
        body, kind = multipart({"csrf_token": token}, [("forms", form.name, form.read_bytes())])
        replies[child_id] = request(server, "POST", "/check", body=body,
                                    headers={"Content-Type": kind}).status

    threads = [threading.Thread(target=upload, args=(cid,)) for cid in TEN]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert replies == dict.fromkeys(TEN, 303)
    by_child = {f["child_id"]: f for f in status_json(server)["forms"]}
    for cid in TEN:
        assert by_child[cid]["versions"] == 1, cid
        assert by_child[cid]["state"] in ("passed", "received-late"), by_child[cid]
    assert status_json(server)["totals"]["states"]["overdue"] == 0


def test_downloads_only_of_what_the_register_knows(server: Server) -> None:
    sign_in(server)
    for path in ("/version/999999/file", "/version/999999/annotated", "/version/abc/file",
                 "/check/../../register.sqlite", "/check/" + "0" * 32, "/check/not-an-id",
                 "/check/" + "0" * 32 + "/report.html", "/pack/" + "0" * 32 + "/pack.zip",
                 "/form/NO-SUCH-FORM", "/form/NO-SUCH-FORM/finalised/" + "0" * 64 + ".pdf",
                 "/static/../register.sqlite", "/school/000000"):
        reply = request(server, "GET", path)
        assert reply.status == 404, path
        assert b"SQLite" not in reply.body


def test_the_log_holds_no_personal_data_and_no_token(server: Server) -> None:
    log = server.log.read_text(encoding="utf-8")
    assert "GET / " in log and "POST /check " in log
    assert server.token not in log and "token" not in log and "?" not in log
    for first, _ in TEN.values():
        assert first not in log
    assert "Specimen" not in log and "2016" not in log
    assert "Traceback" not in log


def test_a_password_signs_in_when_one_is_configured(tmp_path: Path) -> None:
    secret = tmp_path / "password.txt"
    secret.write_text("correct horse battery staple\n", encoding="utf-8")
    secured = start_server(tmp_path / "serve", "--password-file", str(secret))
    try:
        first = request(secured, "GET", "/", cookie=False)
        assert first.status == 303 and first.headers["Location"].startswith("/login")
        page = request(secured, "GET", "/login?next=/reports", cookie=False)
        login_cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        nonce = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = "application/x-www-form-urlencoded"

        def attempt(password: str, token: str = nonce) -> Reply:
            return request(secured, "POST", "/login", cookie=False, body=(
                f"csrf_token={token}&password={password}&next=//evil.example").encode(),
                headers={"Content-Type": form, "Cookie": login_cookie})

        wrong = attempt("guess")
        assert wrong.status == 400 and "The password is not right" in wrong.text
        assert attempt("correct horse battery staple", token="x").status == 403
        right = attempt("correct%20horse%20battery%20staple")
        assert right.status == 303 and right.headers["Location"] == "/"
        cookie = [c for c in right.headers.get_all("Set-Cookie") or []
                  if c.startswith("pepforms-session=")][0]
        secured.cookie = cookie.split(";", 1)[0].split("=", 1)[1]
        assert request(secured, "GET", "/").status == 200
    finally:
        stop_server(secured)


def test_a_remote_host_needs_allow_remote_and_a_password(tmp_path: Path) -> None:
    runner = CliRunner()
    refused = runner.invoke(main, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert refused.exit_code == 2 and "--allow-remote" in refused.output
    assert "HTTPS proxy" in refused.output
    no_password = runner.invoke(main, ["serve", "--host", "192.0.2.10", "--allow-remote"])
    assert no_password.exit_code == 2 and "--password-file" in no_password.output
    short = tmp_path / "short.txt"
    short.write_text("abc\n", encoding="utf-8")
    weak = runner.invoke(main, ["serve", "--host", "192.0.2.10", "--allow-remote",
                                "--password-file", str(short)])
    assert weak.exit_code == 2 and "too short" in weak.output


def test_a_port_in_use_is_a_plain_message(server: Server) -> None:
    port = server.base.rsplit(":", 1)[1]
    # In a process of its own, as people run it (waitress leaves its half-made socket behind).
    taken = subprocess.run([sys.executable, "-m", "pepforms", "serve", "--port", port,
                            "--register", server.register_url, "--files", str(server.files)],
                           capture_output=True, text=True, timeout=60)
    assert taken.returncode == 2 and taken.stdout == ""
    assert "could not listen" in taken.stderr and "--port 0" in taken.stderr
    assert server.alive()


def test_the_answers_reports_come_from_the_register(server: Server,
                                                    forms: dict[str, Path]) -> None:
    # After the ten uploads (above): the export, the PP+ summary and the Head's report, each
    # read from the register the page records in.
    import io

    import openpyxl
    from pypdf import PdfReader

    sign_in(server)
    if not any(f["versions"] for f in status_json(server)["forms"]):
        test_ten_uploads_at_once_are_all_recorded(server, forms)
    workbook = request(server, "GET", f"/reports/export.xlsx?term={TERM}")
    assert workbook.status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.body)).worksheets[0]
    assert sheet.title == "forms" and sheet.max_row == 2 + len(TEN)  # two header rows
    page = request(server, "GET", f"/reports/pp-plus.html?term={TERM}")
    assert page.status == 200 and "Pupil Premium Plus" in page.text
    head = request(server, "GET", f"/reports/head.html?term={TERM}")
    assert head.status == 200 and "not known without the term register" not in head.text
    pdf = request(server, "GET", f"/reports/head.pdf?term={TERM}")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body)).pages)
    assert str(len(TEN)) in text
    assert request(server, "GET", "/reports").text.count("/reports/head.") >= 1


def test_a_saved_email_is_checked_as_the_form_it_carries(server: Server,
                                                        forms: dict[str, Path]) -> None:
    """Dropping a saved email on the page: its form is checked and recorded as received the day
    the email arrived (not today), and the page shows it inside the email's name."""
    import datetime as dt
    import hashlib
    from email.message import EmailMessage
    from email.utils import format_datetime

    from sqlalchemy import select

    from pepforms.filling import fill_bytes
    from pepforms.register.tables import versions

    from .conftest import answers

    sign_in(server)
    child_id = sorted(TEN)[-1]
    form = forms[child_id]
    # A later version of the child's form (its attendance now unexplained), sent by email.
    data = fill_bytes(form.read_bytes(), answers("attendance"), saved_at=dt.datetime.now()).data
    arrived = dt.datetime.combine(dt.date.today() - dt.timedelta(days=3), dt.time(10),
                                  tzinfo=dt.timezone.utc)
    message = EmailMessage()
    message["Subject"] = f"PEP {child_id}"
    message["Date"] = format_datetime(arrived)
    message.set_content("Attached.")
    message.add_attachment(data, maintype="application", subtype="octet-stream",
                           filename=form.name)
    reply = post_files(server, "/check", [("forms", "RE PEP.eml", bytes(message))])
    assert reply.status == 303, reply.text[:300]
    page = request(server, "GET", reply.headers["Location"]).text
    assert "1 form(s) checked" in page and f"RE PEP.eml/{form.name}" in page
    batch = max(batches(server), key=lambda p: p.stat().st_mtime)
    [result] = json.loads((batch / "report.json").read_text(encoding="utf-8"))["forms"]
    assert result["child_id"] == child_id and result["received"] == arrived.date().isoformat()
    assert result["path"] == f"RE PEP.eml/{form.name}" and result["status"] == "fail"
    # The register keeps it as a version received that day, and the page gives the form back
    # from the email (the attachment itself was never saved).
    with open_register(server.register_url) as reg, reg.reading() as conn:
        version = conn.execute(select(versions.c.id, versions.c.received_on).where(
            versions.c.sha256 == hashlib.sha256(data).hexdigest())).one()
    assert version.received_on == arrived.date()
    download = request(server, "GET", f"/version/{version.id}/file")
    assert download.status == 200 and download.body == data
    # The batch kept the email as it came; of the form, only the annotated copy was written.
    kept = sorted(p.name for p in (batch / "files").rglob("*") if p.is_file())
    assert kept == ["RE-PEP.eml"], kept


def test_a_form_that_came_by_email_is_finalised_from_the_stored_email(
        server: Server, forms: dict[str, Path]) -> None:
    """The finalise button works for a passing form that came attached to a saved email: the
    form is taken from the stored email again (it was never saved on its own)."""
    import datetime as dt
    from email.message import EmailMessage

    from pypdf import PdfReader

    from pepforms.filling import fill_bytes

    from .conftest import answers

    sign_in(server)
    child_id = sorted(TEN)[-2]
    data = fill_bytes(forms[child_id].read_bytes(), answers(), saved_at=dt.datetime.now()).data
    message = EmailMessage()
    message["Subject"] = f"PEP {child_id}"
    message.set_content("Attached.")
    message.add_attachment(data, maintype="application", subtype="octet-stream",
                           filename=forms[child_id].name)
    reply = post_files(server, "/check", [("forms", "PEP back.eml", bytes(message))])
    assert reply.status == 303, reply.text[:300]
    form = next(f for f in status_json(server)["forms"] if f["child_id"] == child_id)
    assert form["state"] in {"passed", "received-late"}, form  # it passed (today is late)
    page = f"/form/{form['form_id']}"
    body = f"csrf_token={csrf(server, page)}".encode()
    done = request(server, "POST", page + "/finalise", body=body,
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status == 303, done.text[:500]
    assert next(f for f in status_json(server)["forms"]
                if f["child_id"] == child_id)["state"] == "finalised"
    shown = request(server, "GET", page).text
    link = shown.split(f'{page}/finalised/', 1)[1].split('"', 1)[0]
    pdf = request(server, "GET", f"{page}/finalised/{link}")
    assert pdf.status == 200 and pdf.body.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body)).pages)
    assert form["form_id"] in text
