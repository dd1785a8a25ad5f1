"""How `pepforms serve` is set up: where it listens, its limits, its sign-in secrets, its own folder.

Everything is checked before the server starts: a host other than this computer is refused
unless remote use is asked for and a password is configured.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from pepforms.errors import PepformsError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one request may bring: uploads are hostile until checked."""

    request_bytes: int = 100 * MB  # one request, all files together
    file_bytes: int = 25 * MB  # one file, or one form inside a zip
    files: int = 200  # files in one request, the forms inside a zip counted
    unzipped_bytes: int = 400 * MB  # everything taken out of the zips of one request

    @property
    def request_mb(self) -> int:
        return self.request_bytes // MB

    @property
    def file_mb(self) -> int:
        return self.file_bytes // MB


@dataclass(frozen=True)
class WebConfig:
    """One running web page: the register it shows, its folder, its sign-in token."""

    register_url: str | None
    files: Path  # the page's own folder: uploads, annotated copies, packs, finalised PDFs
    host: str = "127.0.0.1"
    port: int = 8765
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    password: str | None = field(default=None, repr=False)  # remote use only
    limits: Limits = field(default_factory=Limits)
    threads: int = 8

    @property
    def remote(self) -> bool:
        return not is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """True for this computer only: 127.0.0.0/8, ::1 or localhost."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_password(path: Path) -> str:
    """The password in a file's first line (never given on the command line)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise PepformsError(f"The password file {path} could not be read ({exc}).") from None
    password = lines[0].strip() if lines else ""
    if len(password) < 12:
        raise PepformsError(f"The password in {path} is too short: use at least 12 characters.")
    return password


def check_host(host: str, allow_remote: bool, password: str | None) -> list[str]:
    """Refuse a non-loopback host without --allow-remote and a password; the warnings to show."""
    if is_loopback(host):
        return []
    if not allow_remote or not password:
        raise PepformsError(
            f"--host {host} would let other computers reach this page, which holds children's "
            "personal data. It needs --allow-remote and --password-file, and must sit behind "
            "the authority's HTTPS proxy. Without them, leave --host out (this computer only).")
    return [f"Warning: listening on {host}, not just this computer. This page holds children's "
            "personal data: it must sit behind the authority's HTTPS proxy, and only that proxy "
            "should be able to reach it."]


def default_files_folder(register_path: Path | None) -> Path:
    """Beside a SQLite register (its folder is private already), else the user's data folder."""
    if register_path is not None:
        return register_path.parent / "web"
    from platformdirs import user_data_dir

    return Path(user_data_dir("pepforms", appauthor=False)) / "web"


def private_folder(path: Path) -> Path:
    """Create the folder readable by this user alone (0700), and its parents as needed."""
    path.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        path.chmod(0o700)
    return path
