"""Filling a blank form from JSON (schools' MIS exports, the samples, the tests)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pepforms.checking import NotOurs, identify
from pepforms.errors import PepformsError
from pepforms.fileio import atomic_write
from pepforms.schema import FormModel
from pepforms.word.fill import fill_docx
from pepforms.word.package import PackageProblem, open_package

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
    if isinstance(form, bytes):
        tmp = form
        package_source: Path | None = None
    else:
        package_source = form
        tmp = form.read_bytes()
    try:
        if package_source is not None:
            package = open_package(package_source)
        else:
            with zipfile.ZipFile(io.BytesIO(tmp)) as zf:
                from pepforms.word.package import WordPackage

                package = WordPackage(zf.read("word/document.xml"),
                                      zf.read("docProps/custom.xml") if "docProps/custom.xml"
                                      in zf.namelist() else None, None, None, None)
        model = identify(package).model
    except PackageProblem as exc:
        raise PepformsError(exc.finding.message) from None
    except NotOurs as exc:
        raise PepformsError(exc.finding.message) from None
    result = fill_docx(model, tmp, instance)
    data = _stamp_saved(result.data, saved_at) if saved_at else result.data
    return Filled(data, model, result.notes)


def fill(form: Path, instance: dict[str, Any], out: Path, *, force: bool = False,
         saved_at: datetime | None = None) -> list[str]:
    """Fill `form` from `instance` into `out`; returns notes on what could not be filled."""
    filled = fill_bytes(form, instance, saved_at)
    atomic_write(out, filled.data, force=force)
    return filled.notes
