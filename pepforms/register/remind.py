"""Reminder emails: one per school, to its designated teacher, listing what is due for its children.

Children are named only as the authority allows (`"reminders": {"names": "initials"}` in
authority.json: none, initials, first-name or full; initials when unset), always with their child
id; no date of birth ever. Drafts are .eml files (Outlook opens them ready to send); sending
goes through the authority's own mail server, always over STARTTLS.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import smtplib
import ssl
import stat
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from pepforms.errors import OutputExistsError, PepformsError
from pepforms.fileio import atomic_write, safe_name
from pepforms.register import authority as authorities
from pepforms.register.models import DueItem


class MailError(PepformsError):
    """Reminders could not be sent (server unreachable, no STARTTLS, refused credentials)."""


@dataclass(frozen=True)
class Reminder:
    school_urn: str
    school_name: str
    to: str
    message: EmailMessage

    @property
    def filename(self) -> str:
        return safe_name(f"{self.school_name} {self.school_urn}", "school") + ".eml"


def _long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _line(item: DueItem) -> str:
    mode = authorities.reminder_names(item.authority)
    name = authorities.child_name(mode, item.first_name, item.last_name)
    who = f"{item.child_id} ({name})" if name else item.child_id
    late = " (overdue)" if item.overdue else ""
    return f"- {who}, form {item.form_id}: {item.what} by {_long_date(item.due)}{late}"


def _body(school: str, items: Sequence[DueItem], on: dt.date, signature: str) -> str:
    overdue = sum(1 for i in items if i.overdue)
    lines = [
        "Dear designated teacher,",
        "",
        f"These Personal Education Plans for children at {school} are due soon or overdue "
        f"(as of {_long_date(on)}{f'; {overdue} overdue' if overdue else ''}):",
        "",
        *(_line(item) for item in items),
        "",
        "Please hold each PEP meeting in time and return the completed Word form by secure "
        "email within the return window. If you have already sent a form, thank you: please "
        "reply to let us know.",
        "",
        signature,
    ]
    return "\n".join(lines) + "\n"


def reminders(items: Sequence[DueItem], *, sender: str, on: dt.date) -> list[Reminder]:
    """One email per school (designated teacher) over the items, schools in name order."""
    by_school: dict[str, list[DueItem]] = defaultdict(list)
    for item in items:
        by_school[item.school_urn].append(item)
    out = []
    for urn, group in by_school.items():
        first = group[0]
        signature = str(authorities.settings(first.authority).get("virtual_school", "Virtual School"))
        message = EmailMessage()
        message["From"] = sender
        message["To"] = first.dt_email
        message["Subject"] = (f"PEPs due: {first.school_name} ({first.term}), "
                              f"{len({i.form_id for i in group})} child(ren)")
        message["Date"] = format_datetime(dt.datetime.combine(on, dt.time(9),
                                                              tzinfo=dt.timezone.utc))
        message["Message-ID"] = make_msgid(domain="pepforms.invalid")
        message["X-Unsent"] = "1"  # Outlook opens the file as a draft, ready to send
        message.set_content(_body(first.school_name, group, on, signature))
        out.append(Reminder(urn, first.school_name, first.dt_email, message))
    return sorted(out, key=lambda r: (r.school_name.casefold(), r.school_urn))


def write_drafts(items: Sequence[Reminder], out_dir: Path, *, force: bool = False) -> list[Path]:
    """Each reminder as an .eml file in out_dir (atomically; existing files need force)."""
    for reminder in items:  # all refused before any is written
        if (out_dir / reminder.filename).exists() and not force:
            raise OutputExistsError(f"{out_dir / reminder.filename} already exists; use --force "
                                    "to replace it.")
    paths = []
    for reminder in items:
        path = out_dir / reminder.filename
        atomic_write(path, reminder.message.as_bytes(), force=force)
        paths.append(path)
    return paths


def read_credentials(path: Path) -> tuple[str, str]:
    """A user name (first line) and password (second line) from a file only its owner can read."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise MailError(f"The credentials file {path} could not be read: {exc.strerror}.") from None
    if os.name == "posix" and mode & 0o077:
        raise MailError(f"The credentials file {path} can be read by other users: "
                        f"run `chmod 600 {path}` first.")
    if len(lines) < 2 or not lines[0].strip():
        raise MailError(f"The credentials file {path} must hold the user name on the first line "
                        "and the password on the second.")
    return lines[0].strip(), lines[1]


@dataclass(frozen=True)
class SendResult:
    sent: tuple[str, ...]  # school URNs
    skipped: tuple[str, ...]  # schools without a designated teacher's email


def send(items: Sequence[Reminder], host: str, port: int, *,
         credentials: tuple[str, str] | None = None, cafile: Path | None = None,
         timeout: float = 30.0) -> SendResult:
    """Send the reminders through the authority's mail server, over STARTTLS (never in clear)."""
    context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    sendable = [r for r in items if r.to.strip()]
    skipped = tuple(r.school_urn for r in items if not r.to.strip())
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise MailError(f"The mail server {host}:{port} does not offer STARTTLS; "
                                "pepforms sends personal data only over an encrypted connection.")
            smtp.starttls(context=context)
            smtp.ehlo()
            if credentials is not None:
                smtp.login(*credentials)
            for reminder in sendable:
                message = copy.deepcopy(reminder.message)
                del message["X-Unsent"]  # a sent message is no longer a draft
                smtp.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise MailError(f"The mail server {host}:{port} refused the user name or password.") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"Could not send through {host}:{port}: {exc}") from None
    return SendResult(tuple(r.school_urn for r in sendable), skipped)
