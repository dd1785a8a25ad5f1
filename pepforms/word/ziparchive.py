"""A .docx zip written from members compressed ahead of time: the parts a form shares with its
template are deflated once per template, and each form only deflates the parts it changes.

`zipfile` cannot take bytes that are already compressed, and re-deflating the template's unchanged
parts (styles.xml alone is 350 KB) was most of the time a form took. The format is plain
PKZIP 2.0 — local headers without data descriptors, one central directory, no zip64, no extra
fields — which is what `zipfile`, Word and LibreOffice all read. Output depends only on the
members, so the same form gives the same bytes on every platform.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

# The same formats `zipfile` uses (APPNOTE.TXT 4.3.7, 4.3.12, 4.3.16).
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_VERSION = 20  # 2.0: deflate
_MSDOS = 0  # "made by" MS-DOS: external attributes are DOS attributes, as Word writes them
_UTF8 = 0x800  # general-purpose flag: the file name is UTF-8 (set only when it is not ASCII)
DEFLATED = 8
ONCE = 9  # parts deflated once per template: worth the smallest output
PER_FORM = 3  # parts deflated for every form: a quarter of level 6's time, ~15% larger
_MAX = 0xFFFF_FFFF


@dataclass(frozen=True)
class Member:
    """One part of the archive, already compressed (raw deflate)."""

    name: str
    crc: int
    size: int
    compressed: bytes
    date_time: tuple[int, int, int, int, int, int] = (2026, 1, 1, 0, 0, 0)


def deflate(name: str, data: bytes,
            date_time: tuple[int, int, int, int, int, int] = (2026, 1, 1, 0, 0, 0),
            level: int = PER_FORM) -> Member:
    """A member from its uncompressed bytes."""
    if len(data) >= _MAX:
        raise ValueError(f"{name} is too large for a zip without zip64")
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    compressed = packer.compress(data) + packer.flush()
    return Member(name, zlib.crc32(data), len(data), compressed, date_time)


def _dos(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


def build_zip(members: Iterable[Member]) -> bytes:
    """The archive of `members`, in the order given."""
    chunks: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    count = 0
    for m in members:
        name = m.name.encode("utf-8")
        flags = 0 if m.name.isascii() else _UTF8
        dostime, dosdate = _dos(m.date_time)
        local = _LOCAL.pack(b"PK\x03\x04", _VERSION, 0, flags, DEFLATED, dostime, dosdate,
                            m.crc, len(m.compressed), m.size, len(name), 0)
        directory.append(_CENTRAL.pack(
            b"PK\x01\x02", _VERSION, _MSDOS, _VERSION, 0, flags, DEFLATED, dostime, dosdate,
            m.crc, len(m.compressed), m.size, len(name), 0, 0, 0, 0, 0, offset) + name)
        chunks += (local, name, m.compressed)
        offset += len(local) + len(name) + len(m.compressed)
        count += 1
    central = b"".join(directory)
    if offset + len(central) >= _MAX or count >= 0xFFFF:
        raise ValueError("the archive is too large for a zip without zip64")
    end = _END.pack(b"PK\x05\x06", 0, 0, count, count, len(central), offset, 0)
    return b"".join([*chunks, central, end])
