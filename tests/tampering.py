"""Tampering with a returned form as a person who removes a lock could: for the tests only.

Used to make sample returns with a changed pre-filled value (cases with "tamper").
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from lxml import etree

from pepforms import cases
from pepforms.schema import FormModel, form_model
from pepforms.word.controls import set_control
from pepforms.word.ooxml import parse_untrusted
from pepforms.word.reader import scan


def force_values(model: FormModel, docx: bytes, values: dict[str, Any]) -> bytes:
    """Overwrite controls regardless of their locks: what a person who removes a lock can do."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src:
        root = parse_untrusted(src.read("word/document.xml"))
        found = scan(root)
        for pointer, value in values.items():
            set_control(found.controls[pointer], model.field_map[pointer], value)
        document = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                blob = document if info.filename == "word/document.xml" else src.read(info)
                dst.writestr(info, blob, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def returned_form(case: cases.Case) -> tuple[str, bytes]:
    """The form a school would return for this case, tampered with as the case says."""
    name, data = cases.returned_form(case)
    if case.tamper:
        data = force_values(form_model(case.authority, case.phase), data, case.tamper)
    return name, data
