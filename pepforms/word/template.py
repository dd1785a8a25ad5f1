"""Word templates: built from a form model with python-docx, checked against it.

A template is a docxtpl template. Each field is a label | value table row whose value cell holds a
tagged content control wrapped in its bookmark; each table is captioned with its pointer and has
one `{%tr for %}` row. Pre-fill slots are Jinja expressions over the render context built by
`pepforms.word.render.context_for`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from pepforms.schema import Field, FormModel, Table
from pepforms.word.controls import build_control
from pepforms.word.identity import CUSTOM_PROPS_CONTENT_TYPE, custom_properties_xml
from pepforms.word.ooxml import el, parse_untrusted, qn

JINJA_TAG = re.compile(r"\{\{.*?\}\}")


@dataclass(frozen=True)
class TemplateText:
    """The words around the form that are not fields: from the authority, passed in as text."""

    organisation: str
    header: str = ""
    footer: str = ""
    role_labels: Mapping[str, str] = field(default_factory=dict)


class _Ids:
    def __init__(self) -> None:
        self.sdt = 1000
        self.bookmark = 0

    def next_sdt(self) -> int:
        self.sdt += 1
        return self.sdt

    def next_bookmark(self) -> int:
        self.bookmark += 1
        return self.bookmark


def slot_expr(pointer: str) -> str:
    return f"p['{pointer}']"


def _needs_slot(f: Field) -> bool:
    return bool(f.prefill) or f.carry_forward


def _wrap_in_bookmark(paragraph: etree._Element, name: str, ids: _Ids,
                      *content: etree._Element) -> None:
    bid = ids.next_bookmark()
    paragraph.append(el("w:bookmarkStart", {"w:id": bid, "w:name": name}))
    for node in content:
        paragraph.append(node)
    paragraph.append(el("w:bookmarkEnd", {"w:id": bid}))


def _styles(doc) -> None:  # type: ignore[no-untyped-def]
    styles = doc.styles
    if "Placeholder Text" not in [s.name for s in styles]:
        style = styles.add_style("Placeholder Text", WD_STYLE_TYPE.CHARACTER)
        style.font.color.rgb = RGBColor(0x80, 0x80, 0x80)
    # python-docx derives the style id from the name; Word's own id is PlaceholderText.
    styles["Placeholder Text"].element.set(qn("w:styleId"), "PlaceholderText")
    normal = styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)


def _label_cell(cell, label: str, guidance: str | None, required: bool) -> None:  # type: ignore[no-untyped-def]
    cell.width = Cm(6.2)
    p = cell.paragraphs[0]
    run = p.add_run(label)
    run.bold = True
    if guidance:
        g = cell.add_paragraph().add_run(guidance)
        g.italic = True
        g.font.size = Pt(8)
        g.font.color.rgb = RGBColor(0x55, 0x55, 0x55)


def _add_fields(doc, fields: list[Field], ids: _Ids) -> None:  # type: ignore[no-untyped-def]
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for f in fields:
        row = table.add_row()
        _label_cell(row.cells[0], f.display_label, f.guidance, f.required)
        value = row.cells[1]
        value.width = Cm(11.2)
        slot = slot_expr(f.pointer) if _needs_slot(f) else None
        control = build_control(f, tag=f.pointer, sdt_id=ids.next_sdt(), slot=slot,
                                locked=f.locked)
        _wrap_in_bookmark(value.paragraphs[0]._p, f.bookmark, ids, control)
    _spacer(doc)


def _spacer(doc) -> None:  # type: ignore[no-untyped-def]
    # Two tables with nothing between them are merged into one by Word and LibreOffice.
    doc.add_paragraph().paragraph_format.space_after = Pt(2)


def _add_table(doc, table: Table, ids: _Ids) -> None:  # type: ignore[no-untyped-def]
    heading = doc.add_paragraph()
    heading.add_run(table.label).bold = True
    if table.guidance:
        g = doc.add_paragraph().add_run(table.guidance)
        g.italic = True
        g.font.size = Pt(8)
    cols = len(table.columns)
    grid = doc.add_table(rows=4, cols=cols)
    grid.style = "Table Grid"
    tbl_pr = grid._tbl.tblPr
    tbl_pr.append(el("w:tblCaption", {"w:val": table.pointer}))
    tbl_pr.append(el("w:tblDescription", {"w:val": table.label}))
    header = grid.rows[0]
    header._tr.get_or_add_trPr().append(el("w:tblHeader"))
    for i, col in enumerate(table.columns):
        p = header.cells[i].paragraphs[0]
        if i == 0:
            run = el("w:r", None, el("w:rPr", None, el("w:b")), el("w:t", None, text=col.label))
            _wrap_in_bookmark(p._p, table.bookmark, ids, run)
        else:
            p.add_run(col.label).bold = True
    rows = f"t['{table.pointer}']"
    grid.rows[1].cells[0].paragraphs[0].add_run("{%tr for row in " + rows + " %}")
    grid.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    body = grid.rows[2]
    for i, col in enumerate(table.columns):
        tag = f"{table.pointer}/{{{{ loop.index0 }}}}/{col.key}"
        control = build_control(col, tag=tag, sdt_id=ids.next_sdt(), slot=f"row['{col.key}']")
        body.cells[i].paragraphs[0]._p.append(control)
    _spacer(doc)


def _footer(doc, text: TemplateText) -> None:  # type: ignore[no-untyped-def]
    section = doc.sections[0]
    footer = section.footer
    p = footer.paragraphs[0]
    run = p.add_run("Form {{ form_id }} · {{ term_label }} · {{ schema_label }} · page ")
    run.font.size = Pt(8)
    page = el("w:fldSimple", {"w:instr": " PAGE "}, el("w:r", None, el("w:t", None, text="1")))
    p._p.append(page)
    if text.footer:
        small = footer.add_paragraph().add_run(text.footer)
        small.font.size = Pt(7)
    header = section.header.paragraphs[0]
    hrun = header.add_run((text.header + " · " if text.header else "") + "{{ header_line }}")
    hrun.font.size = Pt(8)


def build_template(model: FormModel, text: TemplateText) -> bytes:
    """The docxtpl template for a form, as .docx bytes."""
    doc = Document()
    _styles(doc)
    sect = doc.sections[0]
    sect.page_width, sect.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sect, side, Cm(1.8))
    _footer(doc, text)
    doc.add_heading(model.title, 0)
    intro = doc.add_paragraph()
    intro.add_run(text.organisation).bold = True
    doc.add_paragraph(
        "Please complete every section in this form. Grey text shows where to type; pre-filled "
        "details are locked, so if any of them is wrong, tell the Virtual School. To add rows "
        "to a table, use Word's Insert Row."
    )
    ids = _Ids()
    for section in model.sections:
        doc.add_heading(section.title, 1)
        if section.role:
            who = text.role_labels.get(section.role, section.role.replace("-", " ").capitalize())
            p = doc.add_paragraph()
            r = p.add_run(f"Completed by: {who}")
            r.italic = True
        if section.guidance:
            g = doc.add_paragraph().add_run(section.guidance)
            g.font.size = Pt(8)
            g.italic = True
        for block in section.blocks():
            if isinstance(block, Table):
                _add_table(doc, block, ids)
            else:
                _add_fields(doc, list(block), ids)
    doc.core_properties.title = model.title
    doc.core_properties.author = "pepforms"
    doc.core_properties.comments = f"{model.authority}/{model.phase} schema {model.version}"
    package = doc.part.package
    blob = custom_properties_xml({"pepforms.template": f"{model.authority}/{model.phase}",
                                  "pepforms.schema_version": model.version})
    part = Part(PackURI("/docProps/custom.xml"), CUSTOM_PROPS_CONTENT_TYPE, blob, package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)
    _drop_unneeded_parts(doc)
    out = io.BytesIO()
    doc.save(out)
    return _reproducible(out.getvalue())


# Parts of python-docx's default document that Word does not need and every form would carry:
# stylesWithEffects.xml (438 KB, only for Word 2010), the thumbnail, and an empty bibliography.
_UNNEEDED = frozenset({
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
    RT.THUMBNAIL,
    RT.CUSTOM_XML,
})


def _drop_unneeded_parts(doc) -> None:  # type: ignore[no-untyped-def]
    # A part nothing relates to is not saved, and its content type goes with it.
    for rels in (doc.part.rels, doc.part.package.rels):
        for rid in [rid for rid, rel in rels.items() if rel.reltype in _UNNEEDED]:
            rels.pop(rid)


APP_XML = (
    b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    b"<Application>pepforms</Application></Properties>"
)


def _reproducible(docx: bytes) -> bytes:
    """The same template bytes for the same schema: fixed zip timestamps (python-docx uses now),
    and pepforms named as the producer (python-docx's default names a Word for Mac), so that
    "last saved by" in a report is only ever what a person saved the form with."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            blob = APP_XML if info.filename == "docProps/app.xml" else src.read(info)
            dst.writestr(fixed, blob)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Checking a template against its schema


def _generic(tag: str) -> str:
    return JINJA_TAG.sub("*", tag)


def template_tags(data: bytes) -> tuple[list[str], list[str]]:
    """The control tags (Jinja row indexes as `*`) and table captions in a template."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = parse_untrusted(zf.read("word/document.xml"))
    tags = []
    for tag in root.iter(qn("w:tag")):
        value = tag.get(qn("w:val"))
        if value:
            tags.append(_generic(value))
    captions = [c.get(qn("w:val")) or "" for c in root.iter(qn("w:tblCaption"))]
    return tags, captions


def check_template(model: FormModel, path: Path) -> list[str]:
    """What is wrong with a template, in plain words; empty when it matches its schema."""
    if not path.is_file():
        return [f"The template {path} is missing: run `pepforms template build "
                f"{model.authority}`."]
    try:
        tags, captions = template_tags(path.read_bytes())
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ValueError) as exc:
        return [f"The template {path} cannot be opened as a Word document ({exc})."]
    problems = []
    expected = {f.pointer for f in model.fields()}
    for table in model.tables():
        expected |= {c.pointer for c in table.columns}
    found = set(tags)
    for pointer in sorted(expected - found):
        problems.append(f"no control for the field {pointer}")
    for pointer in sorted(found - expected):
        problems.append(f"a control tagged {pointer}, which the schema does not know")
    duplicates = sorted({t for t in tags if tags.count(t) > 1})
    for pointer in duplicates:
        problems.append(f"more than one control for {pointer}")
    tables = {t.pointer for t in model.tables()}
    for pointer in sorted(tables - set(captions)):
        problems.append(f"no table captioned {pointer}")
    for pointer in sorted(set(captions) - tables):
        problems.append(f"a table captioned {pointer}, which the schema does not know")
    return problems
