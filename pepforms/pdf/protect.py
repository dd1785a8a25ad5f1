"""Password protection for a finalised record: AES-256 with pypdf, and reading the password from a file.

Encryption is not reproducible: AES-256 (PDF 2.0, /R 6) draws random salts and a random file key
each time, so the same record encrypted twice gives different bytes (the text inside is the same).
"""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from pepforms.errors import PepformsError
from pepforms.pdf.reader import quiet_pypdf

__all__ = ["encrypt", "read_password_file"]


def encrypt(pdf: bytes, password: str) -> bytes:
    """`pdf` encrypted with AES-256; `password` opens it (it is both user and owner password)."""
    if not password:
        raise ValueError("A PDF cannot be protected with an empty password.")
    with quiet_pypdf():
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
        writer.encrypt(user_password=password, owner_password=password, algorithm="AES-256")
        out = io.BytesIO()
        writer.write(out)
    return out.getvalue()


def read_password_file(path: Path) -> str:
    """The password in the first line of `path`, without surrounding spaces.

    Raises PepformsError naming the file (never the password) when it is missing, unreadable
    or has no password on its first line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PepformsError(f"The password file {path} does not exist.") from None
    except IsADirectoryError:
        raise PepformsError(f"The password file {path} is a folder, not a file.") from None
    except PermissionError:
        raise PepformsError(f"The password file {path} cannot be read: permission denied.") from None
    except UnicodeDecodeError:
        raise PepformsError(f"The password file {path} is not a text file (UTF-8).") from None
    except OSError as exc:
        raise PepformsError(f"The password file {path} cannot be read ({exc.strerror}).") from None
    lines = text.splitlines()
    password = lines[0].strip() if lines else ""
    if not password:
        raise PepformsError(f"The password file {path} has no password on its first line.")
    return password
