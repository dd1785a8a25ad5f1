"""Reading a returned Word form back into an instance: one lxml pass over word/document.xml.

Each field is found by its control's tag, else by its `_f_` bookmark, else by its label row; each
table by its caption, else its `_t_` bookmark, else its header row. Table rows are read by column
position, so rows a school inserted with Word's "insert row" (no controls in them) are items too;
empty rows are not. Typed text is coerced by the field's kind the way people type it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from pepforms import pointers
from pepforms.coercion import coerce_text, normalise_label, table_item, value_not_understood
from pepforms.findings import Finding
from pepforms.schema import Field, FormModel, Table
from pepforms.values import ValueNotUnderstood, parse_date
from pepforms.word.controls import KNOWN_PLACEHOLDERS, ControlValue, control_tag, read_control
from pepforms.word.locate import ancestor as _ancestor
from pepforms.word.locate import find_table as _find_table
from pepforms.word.locate import header_row_index as _header_row_index
from pepforms.word.ooxml import parse_untrusted, qn, text_of


@dataclass
class DocumentScan:
    """What one pass over the document found."""

    controls: dict[str, etree._Element] = field(default_factory=dict)  # tag → sdt
    bookmarks: dict[str, etree._Element] = field(default_factory=dict)  # name → bookmarkStart
    captions: dict[str, etree._Element] = field(default_factory=dict)  # caption → tbl
    tables: list[etree._Element] = field(default_factory=list)
    label_rows: dict[str, etree._Element] = field(default_factory=dict)  # label → value cell


def scan(root: etree._Element) -> DocumentScan:
    found = DocumentScan()
    sdt, bm, tbl, tr = qn("w:sdt"), qn("w:bookmarkStart"), qn("w:tbl"), qn("w:tr")
    tc, caption = qn("w:tc"), f"{qn('w:tblPr')}/{qn('w:tblCaption')}"
    for node in root.iter(sdt, bm, tbl, tr):
        tag = node.tag
        if tag == sdt:
            key = control_tag(node)
            if key and key not in found.controls:
                found.controls[key] = node
        elif tag == bm:
            name = node.get(qn("w:name"))
            if name and name not in found.bookmarks:
                found.bookmarks[name] = node
        elif tag == tbl:
            found.tables.append(node)
            cap = node.find(caption)
            if cap is not None and cap.get(qn("w:val")):
                found.captions.setdefault(cap.get(qn("w:val")), node)
        else:
            cells = node.findall(tc)
            if len(cells) >= 2:
                first = cells[0].find(qn("w:p"))
                label = normalise_label(text_of(first)) if first is not None else ""
                if label and label not in found.label_rows:
                    found.label_rows[label] = cells[1]
    return found




def _from_cell(cell: etree._Element) -> ControlValue | str:
    control = cell.find(f".//{qn('w:sdt')}")
    if control is not None:
        return read_control(control)
    return text_of(cell)


def _from_bookmark(start: etree._Element) -> ControlValue | str:
    holder = _ancestor(start, qn("w:sdt"))
    if holder is not None:
        return read_control(holder)
    cell = _ancestor(start, qn("w:tc"))
    if cell is not None:
        return _from_cell(cell)
    for sibling in start.itersiblings():
        if sibling.tag == qn("w:sdt"):
            return read_control(sibling)
        if sibling.tag == qn("w:bookmarkEnd"):
            break
    paragraph = start.getparent()
    return text_of(paragraph) if paragraph is not None else ""


def coerce(f: Field, raw: ControlValue | str) -> Any:
    """The typed value of what was entered, or None when nothing was.

    Raises ValueNotUnderstood (saying what was expected) when it cannot be understood."""
    if isinstance(raw, ControlValue):
        if f.kind == "checkbox" and raw.checked is not None:
            return raw.checked
        if f.kind == "date" and raw.full_date:
            try:
                return parse_date(raw.full_date).isoformat()
            except ValueNotUnderstood:
                pass  # fall back to the visible text
        text = raw.text
    else:
        text = raw
    return coerce_text(f, text, KNOWN_PLACEHOLDERS)


@dataclass
class FormRead:
    """An instance read from a Word form, and how it was read."""

    instance: dict[str, Any]
    methods: Counter[str]
    findings: list[Finding]
    missing: list[str]  # pointers of fields the form no longer has

    @property
    def method(self) -> str:
        for way in ("labels", "bookmarks"):
            if self.methods.get(way):
                return way
        return "tags"







def _read_table(model: FormModel, table: Table, node: etree._Element,
                findings: list[Finding]) -> list[dict[str, Any]]:
    rows = node.findall(qn("w:tr"))
    header = _header_row_index(rows, table)
    items: list[dict[str, Any]] = []
    for row in rows[header + 1:]:
        cells = row.findall(qn("w:tc"))
        # Cells can hide inside row- or cell-level content controls (LibreOffice, Word).
        if not cells:
            cells = row.findall(f".//{qn('w:tc')}")
        item, problems = table_item(
            model, table, len(items),
            ((col, _from_cell(cell), text_of(cell)) for col, cell in
             zip(table.columns, cells, strict=False)),
            coerce)
        if item is not None:
            items.append(item)
            findings.extend(problems)
    return items


def read_document(model: FormModel, document: bytes) -> FormRead:
    """Read word/document.xml against a form model."""
    root = parse_untrusted(document)
    found = scan(root)
    instance: dict[str, Any] = {}
    for section in model.sections:
        if not section.is_table:
            instance[section.key] = {}
    methods: Counter[str] = Counter()
    findings: list[Finding] = []
    missing: list[str] = []
    for f in model.fields():
        raw: ControlValue | str | None = None
        if f.pointer in found.controls:
            raw, way = read_control(found.controls[f.pointer]), "tags"
        elif f.bookmark in found.bookmarks:
            raw, way = _from_bookmark(found.bookmarks[f.bookmark]), "bookmarks"
        elif normalise_label(f.display_label) in found.label_rows:
            raw, way = _from_cell(found.label_rows[normalise_label(f.display_label)]), "labels"
        if raw is None:
            missing.append(f.pointer)
            continue
        methods[way] += 1
        try:
            value = coerce(f, raw)
        except ValueNotUnderstood as exc:
            note = raw if isinstance(raw, str) else (raw.text or "")
            findings.append(value_not_understood(model, f.pointer, str(exc), note))
            continue
        if value is not None:
            pointers.put(instance, f.pointer, value)
    for table in model.tables():
        node, way = _find_table(table, found)
        if node is None:
            missing.append(table.pointer)
            pointers.put(instance, table.pointer, [])
            continue
        methods[way] += 1
        pointers.put(instance, table.pointer, _read_table(model, table, node, findings))
    return FormRead(instance=instance, methods=methods, findings=findings, missing=missing)


def document_labels(document: bytes) -> set[str]:
    """Normalised labels of every label | value row (for recognising a form without identity)."""
    return set(scan(parse_untrusted(document)).label_rows)


