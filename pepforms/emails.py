"""Returned forms straight from saved emails: `.eml` (any mail program) and Outlook's `.msg`.

A school emails the form back, and the date that counts is when the email arrived, not when the
file was last saved. Each email is read in memory: its attachments (including those of an email
forwarded inside it) are handed to the form reader as bytes and never written anywhere. Every
problem with an email is a finding for that email.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pepforms.findings import Finding, make

if TYPE_CHECKING:
    from pepforms.report.model import FormResult

EMAIL_SUFFIXES = {".eml", ".msg"}
MAX_EMAIL_BYTES = 150 * 1024 * 1024  # Outlook's own limit for a message is far lower
MAX_EMAIL_FORMS = 50  # files that could be forms, checked from one email


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes


@dataclass(frozen=True)
class SavedEmail:
    received: date | None  # the day it arrived (UK time), else the day it says it was sent
    subject: str
    attachments: tuple[Attachment, ...]


class EmailProblem(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.code)
        self.finding = finding


def is_email(path: Path) -> bool:
    return path.suffix.lower() in EMAIL_SUFFIXES


def uk_date(moment: datetime | None) -> date | None:
    """The day in England of a moment (an email stamped 23:30 UTC on 31 May arrived on 1 June)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.date()
    try:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo("Europe/London")).date()
    except Exception:  # no time-zone data on this machine: the day in UTC is nearly always it
        return moment.astimezone(timezone.utc).date()


def _header_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(str(value).strip())
    except (TypeError, ValueError, IndexError):
        return None


def _arrived(message: EmailMessage) -> date | None:
    """When the authority's own mail server took the email (the top Received line), else the
    date the sender's program wrote on it."""
    for received in message.get_all("Received", []) or []:
        stamp = _header_time(str(received).rpartition(";")[2])
        if stamp is not None:
            return uk_date(stamp)
    return uk_date(_header_time(message.get("Date")))


def _eml_attachments(message: EmailMessage) -> Iterator[Attachment]:
    for part in message.walk():  # walks into a forwarded email's own attachments too
        if part.is_multipart():
            continue
        name = part.get_filename()
        if not name:
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            yield Attachment(str(name), payload)


def parse_eml(data: bytes) -> SavedEmail:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    if not message.keys():
        raise EmailProblem(make("email-unreadable", detail="it has no email headers"))
    return SavedEmail(_arrived(message), str(message.get("Subject", "") or ""),
                      tuple(_eml_attachments(message)))


def _msg_attachments(message: Any, depth: int = 0) -> Iterator[Attachment]:
    for attachment in getattr(message, "attachments", None) or []:
        data = attachment.data
        if isinstance(data, bytes):
            name = (attachment.longFilename or attachment.shortFilename
                    or getattr(attachment, "name", None) or "attachment")
            yield Attachment(str(name), data)
        elif depth < 5 and hasattr(data, "attachments"):  # an email attached to the email
            yield from _msg_attachments(data, depth + 1)


def parse_msg(data: bytes) -> SavedEmail:
    import extract_msg

    quiet = logging.getLogger("extract_msg")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # its messages could quote the email; nothing is logged
    try:
        message: Any = extract_msg.openMsg(data, delayAttachments=False)
    except Exception as exc:
        raise EmailProblem(make("email-unreadable", detail="it is not an Outlook message",
                                note=type(exc).__name__)) from None
    try:
        arrived = getattr(message, "receivedTime", None) or message.date
        when = arrived if isinstance(arrived, datetime) else None
        return SavedEmail(uk_date(when), str(message.subject or ""),
                          tuple(_msg_attachments(message)))
    except Exception as exc:
        raise EmailProblem(make("email-unreadable", detail="part of it is damaged",
                                note=type(exc).__name__)) from None
    finally:
        message.close()
        quiet.setLevel(level)


def read_email(path: Path, data: bytes) -> SavedEmail:
    """A saved email (already read into memory); EmailProblem when it cannot be read."""
    if len(data) > MAX_EMAIL_BYTES:
        raise EmailProblem(make("email-unreadable", detail=f"it is {len(data) // 2**20} MB"))
    if path.suffix.lower() == ".msg" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return parse_msg(data)
    try:
        return parse_eml(data)
    except EmailProblem:
        raise
    except Exception as exc:
        raise EmailProblem(make("email-unreadable", detail="it is not a saved email",
                                note=type(exc).__name__)) from None


def attached_file(email_path: Path, sha256: str) -> bytes | None:
    """The attachment of a saved email with that SHA-256, read again in memory (None when the
    email no longer holds it or cannot be read)."""
    import hashlib

    from pepforms.reading import Unreadable, read_form_file_bytes

    try:
        saved = read_email(email_path, read_form_file_bytes(email_path, MAX_EMAIL_BYTES))
    except (EmailProblem, Unreadable):
        return None
    for attachment in saved.attachments:
        if hashlib.sha256(attachment.data).hexdigest() == sha256:
            return attachment.data
    return None


_WORD = re.compile(r"[\w-]+")


def names_in(subject: str, children: dict[str, str]) -> set[str]:
    """The child IDs an email's subject names: by ID, or by full name (`children` maps each
    child ID to the child's full name, which may be empty)."""
    words = {w.casefold() for w in _WORD.findall(subject)}
    folded = " ".join(_WORD.findall(subject)).casefold()
    named = set()
    for child_id, name in children.items():
        full = " ".join(_WORD.findall(name)).casefold()
        if child_id.casefold() in words or (len(full.split()) >= 2 and f" {full} " in
                                            f" {folded} "):
            named.add(child_id)
    return named


def check_named_child(result: FormResult, children: Mapping[str, str]) -> None:
    """A form attached to an email whose subject names other children (by ID or full name,
    among `children`) and not this form's child: an error on the form."""
    from pepforms.checking import add_finding

    if not (result.email_subject and result.child_id) or any(
            f.code == "email-other-child" for f in result.findings):
        return
    named = names_in(result.email_subject, dict(children))
    if named and result.child_id not in named:
        add_finding(result, make("email-other-child", pointer="/child/child_id",
                                 section="About the child", detail="child ID " + ", ".join(
                                     sorted(named)), value=result.child_id))
        result.status = "fail"
