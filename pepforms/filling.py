"""Filling a blank form from JSON (schools' MIS exports, the samples, the tests)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pepforms.errors import PepformsError
from pepforms.fileio import atomic_write
from pepforms.reading import NotOurs, identify
from pepforms.schema import FormModel
from pepforms.word.fill import fill_docx
from pepforms.word.package import PackageProblem, package_from_bytes

_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


@dataclass
class Filled:
    data: bytes
    model: FormModel
    notes: list[str]


def _stamp_saved(docx: bytes, saved_at: datetime) -> bytes:
    """Set docProps/core.xml's last-modified time, as Word does when a person saves."""
    stamp = saved_at.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info)
            if info.filename == "docProps/core.xml":
                if _MODIFIED.search(blob):
                    blob = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", blob)
                else:
                    blob = blob.replace(
                        b"</cp:coreProperties>",
                        b'<dcterms:modified xsi:type="dcterms:W3CDTF">' + stamp +
                        b"</dcterms:modified></cp:coreProperties>")
            dst.writestr(info, blob)
    return out.getvalue()


def fill_bytes(form: Path | bytes, instance: dict[str, Any],
               saved_at: datetime | None = None) -> Filled:
    """A form's bytes with the instance's values filled in."""
    try:
        data = form if isinstance(form, bytes) else form.read_bytes()
        package = package_from_bytes(data)
        model = identify(package).model
    except OSError as exc:
        raise PepformsError(f"The form cannot be read: {exc.strerror}.") from None
    except (PackageProblem, NotOurs) as exc:
        raise PepformsError(exc.finding.message) from None
    result = fill_docx(model, data, instance)
    filled = _stamp_saved(result.data, saved_at) if saved_at else result.data
    return Filled(filled, model, result.notes)


def fill(form: Path, instance: dict[str, Any], out: Path, *, force: bool = False,
         saved_at: datetime | None = None) -> list[str]:
    """Fill `form` from `instance` into `out`; returns notes on what could not be filled."""
    filled = fill_bytes(form, instance, saved_at)
    atomic_write(out, filled.data, force=force)
    return filled.notes
