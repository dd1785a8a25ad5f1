"""Word forms pepforms did not make, for the drafting tests: built with python-docx (and lxml for
content controls and legacy form fields), and pepforms' own forms with their tags, aliases,
bookmarks, table captions and identity stripped; and how much of a known form a draft recovers."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from typing import Any

from docx import Document
from docx.shared import Cm
from lxml import etree

from pepforms.schema import FormModel

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
NSDECL = f'xmlns:w="{W}" xmlns:w14="{W14}"'


def _xml(text: str) -> etree._Element:
    return etree.fromstring(text)


def date_control() -> etree._Element:
    return _xml(f'<w:sdt {NSDECL}><w:sdtPr><w:date><w:dateFormat w:val="dd/MM/yyyy"/>'
                '<w:lid w:val="en-GB"/></w:date></w:sdtPr><w:sdtContent><w:r><w:t>Click or tap '
                'to enter a date.</w:t></w:r></w:sdtContent></w:sdt>')


def dropdown_control(options: Iterable[str]) -> etree._Element:
    items = "".join(f'<w:listItem w:displayText="{o}" w:value="{o}"/>' for o in options)
    return _xml(f'<w:sdt {NSDECL}><w:sdtPr><w:dropDownList><w:listItem w:displayText="Choose an '
                f'item." w:value=""/>{items}</w:dropDownList></w:sdtPr><w:sdtContent><w:r><w:t>'
                'Choose an item.</w:t></w:r></w:sdtContent></w:sdt>')


def checkbox_control() -> etree._Element:
    return _xml(f'<w:sdt {NSDECL}><w:sdtPr><w14:checkbox><w14:checked w14:val="0"/>'
                '</w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:t>\u2610</w:t></w:r>'
                '</w:sdtContent></w:sdt>')


def text_control(multiline: bool = False) -> etree._Element:
    kind = '<w:text w:multiLine="1"/>' if multiline else "<w:richText/>"
    return _xml(f'<w:sdt {NSDECL}><w:sdtPr>{kind}</w:sdtPr><w:sdtContent><w:r><w:t>Click or '
                'tap here to enter text.</w:t></w:r></w:sdtContent></w:sdt>')


def legacy_field(kind: str, options: Iterable[str] = ()) -> list[etree._Element]:
    """The runs of a legacy form field (FORMTEXT, FORMCHECKBOX, FORMDROPDOWN)."""
    if kind == "checkbox":
        ff, code = "<w:checkBox><w:sizeAuto/><w:default w:val=\"0\"/></w:checkBox>", "FORMCHECKBOX"
    elif kind == "dropdown":
        entries = "".join(f'<w:listEntry w:val="{o}"/>' for o in options)
        ff, code = f"<w:ddList>{entries}</w:ddList>", "FORMDROPDOWN"
    else:
        inner = {"date": '<w:type w:val="date"/><w:format w:val="dd/MM/yyyy"/>',
                 "number": '<w:type w:val="number"/>'}.get(kind, "")
        ff, code = f"<w:textInput>{inner}</w:textInput>", "FORMTEXT"
    runs = [f'<w:r {NSDECL}><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="F1"/>'
            f'<w:enabled/>{ff}</w:ffData></w:fldChar></w:r>',
            f'<w:r {NSDECL}><w:instrText xml:space="preserve"> {code} </w:instrText></w:r>',
            f'<w:r {NSDECL}><w:fldChar w:fldCharType="separate"/></w:r>',
            f'<w:r {NSDECL}><w:t>\u2002\u2002\u2002\u2002\u2002</w:t></w:r>',
            f'<w:r {NSDECL}><w:fldChar w:fldCharType="end"/></w:r>']
    return [_xml(r) for r in runs]


def put(cell: Any, *elements: etree._Element) -> None:
    """Content controls or field runs into a python-docx cell's first paragraph."""
    p = cell.paragraphs[0]._p
    for element in elements:
        p.append(element)


def tall(row: Any, cm: float = 2.5) -> None:
    row.height = Cm(cm)


def to_bytes(doc: Any) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def document_xml(docx: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")


def new_document() -> Any:
    return Document()


def stripped(docx: bytes) -> bytes:
    """A pepforms form as if pasted into a new document: no tags, aliases, bookmarks, table
    captions or custom properties (the form's identity)."""
    zin = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "docProps/custom.xml":
                continue
            if item.filename == "word/document.xml":
                root = etree.fromstring(data)
                names = ("tag", "alias", "bookmarkStart", "bookmarkEnd", "tblCaption",
                         "tblDescription")
                for e in list(root.iter(*[f"{{{W}}}{n}" for n in names])):
                    e.getparent().remove(e)
                data = etree.tostring(root)
                assert b"w:tag " not in data and b"_f_" not in data
            zout.writestr(item, data)
    return out.getvalue()


# ------------------------------------------------------------------------------------------
# How much of a known form a draft recovers

SAME_KIND = {"integer": "number"}


def _entries(model: FormModel, skipped: Iterable[str] = ()) -> list[tuple[frozenset[str], str,
                                                                         str]]:
    left_out = tuple(skipped)

    def asked(pointer: str) -> bool:
        return not any(pointer == p or pointer.startswith(p + "/") for p in left_out)

    out = [(frozenset(), f.display_label, f.kind) for f in model.fields() if asked(f.pointer)]
    for table in model.tables():
        if asked(table.pointer):
            context = frozenset(c.label for c in table.columns)
            out += [(context, c.label, c.kind) for c in table.columns]
    return out


def recovered_share(known: FormModel, draft: FormModel,
                    skipped: Iterable[str] = ()) -> tuple[float, list[str]]:
    """The share of the known form's fields and table columns (those its form asked: not
    `skipped`) the draft has, by label, with the same kind (integer and number count as one);
    and what it missed."""
    have = {(c, label): kind for c, label, kind in _entries(draft)}
    entries = _entries(known, skipped)
    missed = []
    for context, label, kind in entries:
        got = have.get((context, label))
        if got is None or SAME_KIND.get(got, got) != SAME_KIND.get(kind, kind):
            missed.append(f"{label}: {kind} drafted as {got}")
    return 1 - len(missed) / len(entries), missed
