"""Filling a form's controls from an instance, as a person would in Word (MIS exports, samples, tests).

Locked pre-filled values are never changed: a different value in the data is reported instead.
Tables take exactly the data's rows: rows are added (copies of the last row, controls re-tagged)
or left empty as needed.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from pepforms import pointers
from pepforms.schema import Field, FormModel, Table
from pepforms.values import ValueNotUnderstood, parse_date
from pepforms.word.controls import display_text, read_control, runs_for, set_control
from pepforms.word.ooxml import el, parse_untrusted, qn
from pepforms.word.reader import (
    _find_table,
    _header_row_index,
    coerce,
    scan,
)

_ROW_TAG = re.compile(r"^(?P<table>.*)/(?P<index>\d+)/(?P<key>[^/]+)$")


@dataclass
class FillResult:
    data: bytes
    notes: list[str] = field(default_factory=list)  # what could not be filled, in plain words



def _set_cell(cell: etree._Element, col: Field, value: Any, tag: str) -> None:
    control = cell.find(f".//{qn('w:sdt')}")
    if control is not None:
        tag_el = control.find(f"{qn('w:sdtPr')}/{qn('w:tag')}")
        if tag_el is not None:
            tag_el.set(qn("w:val"), tag)
        set_control(control, col, value)
        return
    # A row inserted by hand has no controls: write the text as a person would.
    paragraphs = cell.findall(qn("w:p"))
    if not paragraphs:
        paragraphs = [el("w:p")]
        cell.append(paragraphs[0])
    for extra in paragraphs[1:]:
        cell.remove(extra)
    p = paragraphs[0]
    for child in list(p):
        if child.tag != qn("w:pPr"):
            p.remove(child)
    if value is None or value == "":
        return
    text = ("\u2612" if value else "\u2610") if col.kind == "checkbox" else \
        display_text(col, value)
    for run in runs_for(text, None):
        p.append(run)


def _fill_table(table: Table, node: etree._Element, rows: list[dict[str, Any]]) -> None:
    trs = node.findall(qn("w:tr"))
    header = _header_row_index(trs, table)
    body = trs[header + 1:]
    if not body:
        raise ValueError(f"the table {table.label} has no rows to fill")
    template_row = body[-1]
    while len(body) < len(rows):
        new = copy.deepcopy(template_row)
        template_row.addnext(new)
        template_row = new
        body.append(new)
    for index, row in enumerate(body):
        data = rows[index] if index < len(rows) else {}
        cells = row.findall(qn("w:tc"))
        for col, cell in zip(table.columns, cells, strict=False):
            _set_cell(cell, col, data.get(col.key), col.at(index))


def fill_document(model: FormModel, document: bytes, instance: dict[str, Any]) -> tuple[bytes, list[str]]:
    """word/document.xml with the instance's values put in."""
    root = parse_untrusted(document)
    found = scan(root)
    notes: list[str] = []
    for f in model.fields():
        value = pointers.get(instance, f.pointer)
        control = found.controls.get(f.pointer)
        if control is None and f.bookmark in found.bookmarks:
            start = found.bookmarks[f.bookmark]
            sibling = start.getnext()
            control = sibling if sibling is not None and sibling.tag == qn("w:sdt") else None
        if control is None:
            if value is not None:
                notes.append(f"“{f.display_label}” is not in this form, so it was not filled.")
            continue
        current = read_control(control)
        if current.locked:
            try:
                existing = coerce(f, current)
            except ValueNotUnderstood:
                existing = None
            if value is not None and value != existing:
                notes.append(f"“{f.display_label}” is pre-filled and locked, so it was left as "
                             "it is.")
            continue
        if value is None and f.kind == "checkbox":
            value = False
        set_control(control, f, value)
    for table in model.tables():
        rows = pointers.get(instance, table.pointer)
        if rows is None:
            continue
        node, _ = _find_table(table, found)
        if node is None:
            notes.append(f"The table “{table.label}” is not in this form, so it was not filled.")
            continue
        _fill_table(table, node, list(rows))
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return xml, notes


def fill_docx(model: FormModel, docx: bytes, instance: dict[str, Any]) -> FillResult:
    """A whole .docx with the instance's values put in; other parts are copied as they are."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src:
        document, notes = fill_document(model, src.read("word/document.xml"), instance)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                blob = document if info.filename == "word/document.xml" else src.read(info)
                dst.writestr(info, blob, compress_type=zipfile.ZIP_DEFLATED)
    return FillResult(out.getvalue(), notes)


def _typed_runs(holder: etree._Element, text: str, placeholder_style: bool) -> None:
    for child in list(holder):
        if child.tag != qn("w:pPr"):
            holder.remove(child)
    rpr = el("w:rPr", None, el("w:rStyle", {"w:val": "PlaceholderText"})) \
        if placeholder_style else None
    for run in runs_for(text, rpr):
        holder.append(run)


def _type_in_control(sdt: etree._Element, text: str, libreoffice: bool) -> None:
    """Replace what a control shows with `text`, as typing does. Word drops the placeholder
    flag and style; LibreOffice (`libreoffice=True`) keeps both, and any w:fullDate."""
    props = sdt.find(qn("w:sdtPr"))
    content = sdt.find(qn("w:sdtContent"))
    if props is None or content is None:
        raise ValueError("not a content control")
    date_el = props.find(qn("w:date"))
    if not libreoffice:
        for name in ("w:showingPlcHdr", "w:rPr"):
            node = props.find(qn(name))
            if node is not None:
                props.remove(node)
        if date_el is not None:
            date_el.attrib.pop(qn("w:fullDate"), None)
    elif date_el is not None:
        # LibreOffice's date picker stores the picked date as well as showing it.
        try:
            date_el.set(qn("w:fullDate"), parse_date(text).isoformat() + "T00:00:00Z")
        except ValueNotUnderstood:
            pass
    paragraph = content.find(qn("w:p"))
    _typed_runs(paragraph if paragraph is not None else content, text, libreoffice)


def _type_in_cell(table: Table, node: etree._Element, index: int, key: str, text: str,
                  libreoffice: bool) -> None:
    trs = node.findall(qn("w:tr"))
    body = trs[_header_row_index(trs, table) + 1:]
    while len(body) <= index:
        # Word's "insert row below" copies the row's look, not its controls.
        new = copy.deepcopy(body[-1])
        for sdt in list(new.iter(qn("w:sdt"))):
            sdt.getparent().remove(sdt)
        body[-1].addnext(new)
        body.append(new)
    cells = body[index].findall(qn("w:tc"))
    column = [c.key for c in table.columns].index(key)
    cell = cells[column]
    control = cell.find(f".//{qn('w:sdt')}")
    if control is not None:
        _type_in_control(control, text, libreoffice)
        return
    paragraph = cell.find(qn("w:p"))
    if paragraph is None:
        paragraph = el("w:p")
        cell.append(paragraph)
    _typed_runs(paragraph, text, False)


def type_text(model: FormModel, docx: bytes, typed: dict[str, str], *,
              libreoffice: bool = False) -> bytes:
    """A form with text typed as a person types it, unchecked: `typed` maps a field's pointer
    (or a table cell's, `/targets/4/area`; rows past the last are inserted without controls, as
    Word's "insert row" does) to the text. Used for sample returns and tests of the reader."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src:
        root = parse_untrusted(src.read("word/document.xml"))
        found = scan(root)
        for pointer, text in typed.items():
            if pointer in found.controls:
                _type_in_control(found.controls[pointer], text, libreoffice)
                continue
            match = _ROW_TAG.match(pointer)
            table = model.table_map.get(match["table"]) if match else None
            node = _find_table(table, found)[0] if table is not None else None
            if match is None or table is None or node is None:
                raise ValueError(f"{pointer} is not a field or table cell of this form")
            _type_in_cell(table, node, int(match["index"]), match["key"], text, libreoffice)
        document = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                blob = document if info.filename == "word/document.xml" else src.read(info)
                dst.writestr(info, blob, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
