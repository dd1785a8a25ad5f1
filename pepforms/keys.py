"""Each authority's identity key: the secret behind the digests of a form's locked values.

The digests are keyed (HMAC-SHA-256), so a school that edits a locked value cannot recompute
them. The key is kept outside the forms, in the user's data folder (or `PEPFORMS_KEYS`), one
file per authority, created on first use with permissions for its owner only. Coordinators who
check forms on more than one computer share the folder (or copy the key file); a form issued
with another key is reported, never silently passed.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from functools import cache
from pathlib import Path

from pepforms.errors import PepformsError

ENV = "PEPFORMS_KEYS"


def keys_dir() -> Path:
    configured = os.environ.get(ENV)
    if configured:
        return Path(configured)
    # Looked up on every form checked: worked out once for each home and data folder.
    return _user_keys_dir(os.environ.get("HOME"), os.environ.get("XDG_DATA_HOME"))


@cache
def _user_keys_dir(home: str | None, data_home: str | None) -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("pepforms", appauthor=False)) / "keys"


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(path.parent, 0o700)
    except OSError:  # a shared folder the user does not own: leave its permissions
        pass
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")


@cache
def _key_at(path: str) -> bytes:
    file = Path(path)
    if not file.exists():
        _create(file)
    try:
        text = file.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, ValueError, UnicodeDecodeError):
        raise PepformsError(f"The identity key {file} cannot be read: restore it from a backup "
                            "(forms issued with it can only be checked with it).") from None
    if len(key) < 16:
        raise PepformsError(f"The identity key {file} is too short: restore it from a backup.")
    return key


def authority_key(authority: str) -> bytes:
    """The authority's key, created on first use."""
    return _key_at(str(keys_dir() / f"{authority}.key"))


def key_id(key: bytes) -> str:
    """A short public name for a key, written in each form so a mismatch can be told apart
    from a tampered value."""
    return hashlib.sha256(b"pepforms key id\x1f" + key).hexdigest()[:12]
