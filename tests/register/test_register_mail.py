"""Reminder emails: drafts parsed back, and sending to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from pepforms.cli_register import add_register_commands
from pepforms.register import open_register, record_issued, record_version

from .conftest import issued_form, received

D = dt.date
SENDER = "virtual.school@cheshire.example"
USER, PASSWORD = "vs-mailer", "correct horse battery"


@click.group()
def cli() -> None:
    """A stand-in for the pepforms group."""


add_register_commands(cli)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _fill(url: str) -> None:
    with open_register(url) as reg:
        forms = [issued_form("C1"), issued_form("C2"), issued_form("C3", urn="100002"),
                 issued_form("C4", urn="100002")]
        record_issued(reg, forms)
        record_version(reg, received(forms[3], "c4", D(2027, 2, 1), "pass"))


def _parse(path: Path) -> EmailMessage:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_one_draft_per_school_without_dates_of_birth(register_url: str, tmp_path: Path) -> None:
    _fill(register_url)
    out = tmp_path / "reminders"
    result = run("remind", "--register", register_url, "--out", str(out), "--from", SENDER,
                 "--on", "2027-02-16")
    assert result.exit_code == 0, result.output
    assert "Wrote 2 reminder draft(s)" in result.output
    drafts = sorted(out.iterdir())
    assert [p.name for p in drafts] == ["Birchwood Academy 100002.eml",
                                        "Oakfield Primary 100001.eml"]
    birch, oak = (_parse(p) for p in drafts)
    assert (oak["To"], oak["From"], oak["X-Unsent"]) == ("dt@oakfield.example", SENDER, "1")
    assert oak["Subject"] == "PEPs due: Oakfield Primary (spring-2027), 2 child(ren)"
    body = oak.get_content()
    assert "- C1 (F.T.), form CWAC-SPRING2027-C1: PEP meeting by Sunday 14 February 2027 " \
           "(overdue)" in body
    assert "- C2 (F.T.), form CWAC-SPRING2027-C2: Form returned by Friday 19 February 2027" in body
    assert "Cheshire West and Chester Virtual School" in body
    assert "C4" not in birch.get_content()  # received: nothing due
    for path in drafts:
        raw = path.read_bytes().decode("utf-8")
        for date_of_birth in ("2016-05-17", "17/05/2016", "17 May 2016", "17.05.2016"):
            assert date_of_birth not in raw
        assert "FictionalC" not in raw and "Testchild" not in raw  # initials only
    again = run("remind", "--register", register_url, "--out", str(out), "--from", SENDER,
                "--on", "2027-02-16")
    assert again.exit_code == 2 and "already exists" in again.output


def test_nothing_due_writes_nothing(register_url: str, tmp_path: Path) -> None:
    _fill(register_url)
    result = run("remind", "--register", register_url, "--out", str(tmp_path / "r"),
                 "--from", SENDER, "--on", "2026-12-01", "--within", "1d")
    assert result.exit_code == 0 and "no reminders written" in result.output
    assert not (tmp_path / "r").exists()


# --- a real SMTP server on 127.0.0.1 ---------------------------------------------------------


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the test's own CA, trusted with --smtp-cafile)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    port: int
    cafile: Path
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
              and auth_data.password == PASSWORD.encode())
        if ok:
            self.logins.append(USER)
        return AuthResult(success=ok, handled=False)


def _server(tmp_path: Path, *, tls: bool) -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    cert, key = _certificate(tmp_path)
    box = Mailbox(_free_port(), cert)
    context = None
    if tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
    controller = Controller(box, hostname="127.0.0.1", port=box.port, tls_context=context,
                            require_starttls=tls, authenticator=box.authenticate,
                            auth_require_tls=True, auth_required=tls)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def mail_server(tmp_path: Path) -> Iterator[Mailbox]:
    yield from _server(tmp_path, tls=True)


@pytest.fixture
def plain_mail_server(tmp_path: Path) -> Iterator[Mailbox]:
    yield from _server(tmp_path, tls=False)


def _credentials(tmp_path: Path, mode: int = 0o600) -> Path:
    path = tmp_path / "mail-login"
    path.write_text(f"{USER}\n{PASSWORD}\n", encoding="utf-8")
    path.chmod(mode)
    return path


def test_reminders_are_sent_over_starttls(register_url: str, tmp_path: Path,
                                          mail_server: Mailbox) -> None:
    _fill(register_url)
    result = run("remind", "--register", register_url, "--out", str(tmp_path / "r"),
                 "--from", SENDER, "--on", "2027-02-16",
                 "--smtp", f"127.0.0.1:{mail_server.port}",
                 "--smtp-credentials", str(_credentials(tmp_path)),
                 "--smtp-cafile", str(mail_server.cafile))
    assert result.exit_code == 0, result.output
    assert f"Sent 2 reminder(s) through 127.0.0.1:{mail_server.port}" in result.output
    assert mail_server.logins == [USER]
    assert sorted(r[0] for r in mail_server.recipients) == ["dt@birchwood.example",
                                                            "dt@oakfield.example"]
    for message in mail_server.messages:
        assert message["X-Unsent"] is None  # sent, so no longer a draft
        assert "2016" not in message.as_string()
    assert {m["Subject"] for m in mail_server.messages} == {
        "PEPs due: Birchwood Academy (spring-2027), 1 child(ren)",
        "PEPs due: Oakfield Primary (spring-2027), 2 child(ren)"}
    drafts = [_parse(p) for p in sorted((tmp_path / "r").iterdir())]
    assert all(d["X-Unsent"] == "1" for d in drafts)  # the drafts on disk are unchanged


def test_wrong_credentials_are_a_plain_error(register_url: str, tmp_path: Path,
                                             mail_server: Mailbox) -> None:
    _fill(register_url)
    login = tmp_path / "bad-login"
    login.write_text(f"{USER}\nwrong\n", encoding="utf-8")
    login.chmod(0o600)
    result = run("remind", "--register", register_url, "--out", str(tmp_path / "r"),
                 "--from", SENDER, "--on", "2027-02-16",
                 "--smtp", f"127.0.0.1:{mail_server.port}", "--smtp-credentials", str(login),
                 "--smtp-cafile", str(mail_server.cafile))
    assert result.exit_code == 2 and "refused the user name or password" in result.output
    assert PASSWORD not in result.output and mail_server.messages == []


def test_an_untrusted_certificate_is_refused(register_url: str, tmp_path: Path,
                                             mail_server: Mailbox) -> None:
    _fill(register_url)
    result = run("remind", "--register", register_url, "--out", str(tmp_path / "r"),
                 "--from", SENDER, "--on", "2027-02-16",
                 "--smtp", f"127.0.0.1:{mail_server.port}",
                 "--smtp-credentials", str(_credentials(tmp_path)))
    assert result.exit_code == 2 and "CERTIFICATE_VERIFY_FAILED" in result.output
    assert mail_server.messages == []


def test_a_server_without_starttls_gets_nothing(register_url: str, tmp_path: Path,
                                                plain_mail_server: Mailbox) -> None:
    _fill(register_url)
    result = run("remind", "--register", register_url, "--out", str(tmp_path / "r"),
                 "--from", SENDER, "--on", "2027-02-16",
                 "--smtp", f"127.0.0.1:{plain_mail_server.port}")
    assert result.exit_code == 2 and "does not offer STARTTLS" in result.output
    assert plain_mail_server.messages == []


def test_a_credentials_file_others_can_read_is_refused(register_url: str,
                                                       tmp_path: Path) -> None:
    _fill(register_url)
    result = run("remind", "--register", register_url, "--out", str(tmp_path / "r"),
                 "--from", SENDER, "--smtp", "127.0.0.1:1",
                 "--smtp-credentials", str(_credentials(tmp_path, 0o644)))
    assert result.exit_code == 2 and "can be read by other users" in result.output
    assert not (tmp_path / "r").exists()
