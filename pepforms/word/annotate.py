"""Annotated copies of returned forms: each finding as a Word comment beside the answer it is about.

Comments are anchored on the label cell of the field's row (or a table's first cell), never inside
a content control: LibreOffice empties the text of a comment anchored inside one. A finding about
the whole form is anchored on the form's title.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from pepforms.coercion import normalise_label
from pepforms.schema import FormModel
from pepforms.word.locate import ancestor, find_table, header_row_index
from pepforms.word.ooxml import parse_untrusted, qn
from pepforms.word.reader import DocumentScan, scan

AUTHOR = "pepforms"
INITIALS = "PF"


@dataclass(frozen=True)
class Note:
    """One comment to add: where (a pointer) and what it says."""

    pointer: str
    text: str


def _first_run(cell: etree._Element) -> etree._Element | None:
    for run in cell.iter(qn("w:r")):
        # A run of the cell's own, not inside a content control (LibreOffice would empty it).
        if run.find(qn("w:t")) is not None and ancestor(run, qn("w:sdt")) is None:
            return run
    paragraph = cell.find(qn("w:p"))
    if paragraph is None:
        return None
    # A cell whose text is all inside a control: give it an empty run of its own.
    return Paragraph(paragraph, None).add_run("")._r  # type: ignore[arg-type]


def _row_label_run(node: etree._Element) -> etree._Element | None:
    row = node if node.tag == qn("w:tr") else ancestor(node, qn("w:tr"))
    if row is None:
        return None
    first = row.find(qn("w:tc"))
    return _first_run(first) if first is not None else None


def _anchor(model: FormModel, found: DocumentScan, pointer: str) -> etree._Element | None:
    """The run a note on `pointer` is anchored on, or None for the form's title."""
    if not pointer:
        return None
    field = model.field_map.get(pointer)
    if field is None:  # a group: its first field
        field = next((f for p, f in model.field_map.items()
                      if p.startswith(pointer + "/") and "*" not in p), None)
    if field is not None:
        if field.pointer in found.controls:
            return _row_label_run(found.controls[field.pointer])
        if field.bookmark in found.bookmarks:
            return _row_label_run(found.bookmarks[field.bookmark])
        cell = found.label_rows.get(normalise_label(field.display_label))
        return _row_label_run(cell) if cell is not None else None
    for table in model.tables():
        if pointer == table.pointer or pointer.startswith(table.pointer + "/"):
            node, _ = find_table(table, found)
            if node is None:
                return None
            rows = node.findall(qn("w:tr"))
            header = header_row_index(rows, table)
            rest = pointer[len(table.pointer):].strip("/").split("/")
            index = int(rest[0]) if rest and rest[0].isdigit() else None
            body = rows[header + 1:]
            # Rows are numbered as items (empty rows skipped); anchor on the n-th non-empty row.
            filled = [r for r in body if "".join(r.itertext()).strip()]
            row = filled[index] if index is not None and index < len(filled) else rows[header]
            return _row_label_run(row)
    return None




def _without_dangling_links(docx: bytes) -> bytes:
    """The package with relationships to parts that are not there removed (a part deleted by
    hand or by a tool, such as the identity part): Word repairs them silently, python-docx
    cannot open the document at all."""
    with zipfile.ZipFile(io.BytesIO(docx)) as src:
        names = set(src.namelist())
        changed: dict[str, bytes] = {}
        for name in names:
            if not name.endswith(".rels"):
                continue
            root = parse_untrusted(src.read(name))
            base = posixpath.dirname(posixpath.dirname(name))
            for rel in list(root):
                target = rel.get("Target") or ""
                if rel.get("TargetMode") == "External" or not target:
                    continue
                path = target.lstrip("/") if target.startswith("/") else \
                    posixpath.normpath(posixpath.join(base, target))
                if path not in names:
                    root.remove(rel)
                    changed[name] = etree.tostring(root, xml_declaration=True,
                                                   encoding="UTF-8", standalone=True)
        if not changed:
            return docx
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info, changed.get(info.filename) or src.read(info),
                             compress_type=zipfile.ZIP_DEFLATED)
        return out.getvalue()


def annotate_docx(model: FormModel, docx: bytes, notes: Sequence[Note]) -> bytes:
    """A copy of the form with one comment per note."""
    document = Document(io.BytesIO(_without_dangling_links(docx)))
    found = scan(document.element)
    title = next((p for p in document.paragraphs if p.runs), None)
    for note in notes:
        anchor = _anchor(model, found, note.pointer)
        if anchor is not None:
            paragraph = Paragraph(anchor.getparent(), document.part)  # type: ignore[arg-type]
            run = Run(anchor, paragraph)  # type: ignore[arg-type]
        elif title is not None:
            run = title.runs[0]
        else:
            continue
        document.add_comment(run, text=note.text, author=AUTHOR, initials=INITIALS)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
