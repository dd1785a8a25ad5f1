"""Word templates: built from a form model with python-docx, checked against it.

A template is a docxtpl template. Each field is a label | value table row whose value cell holds a
tagged content control wrapped in its bookmark; each table is captioned with its pointer and has
one `{%tr for %}` row. Pre-fill slots are Jinja expressions over the render context built by
`pepforms.word.render.context_for` (with `return_to`, `return_by` and `asked` from the form's
content). Sections are numbered, each with one heading; a table too wide for portrait gets a
landscape page; a question asked only of some children is inside a Jinja `if`. How it all looks
is `pepforms.word.layout`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.shared import Pt
from lxml import etree

from pepforms.schema import Field, FormModel, Section, Table
from pepforms.word.controls import build_control
from pepforms.word.identity import CUSTOM_PROPS_CONTENT_TYPE, custom_properties_xml
from pepforms.word.layout import (
    BOX_FILL,
    BOX_STYLE,
    GUIDANCE_STYLE,
    HEADER_FILL,
    LABEL_FILL,
    LABEL_STYLE,
    LABEL_WIDTH,
    LANDSCAPE_WIDTH,
    PORTRAIT_WIDTH,
    QUIET,
    ROLE_STYLE,
    apply_styles,
    cell_properties,
    column_widths,
    field_row_height,
    header_row,
    keep_with_next,
    needs_landscape,
    row_height,
    set_portrait,
    start_section,
    table_properties,
    table_row_height,
)
from pepforms.word.ooxml import el, parse_untrusted, qn

JINJA_TAG = re.compile(r"\{\{.*?\}\}")
# A section title that starts with the authority's own code ("A1 About the child", "E13 SMART
# targets") is numbered already.
_CODED_TITLE = re.compile(r"^([A-Z]\d{0,2})\s")


@dataclass(frozen=True)
class TemplateText:
    """The words around the form that are not fields: from the authority, passed in as text."""

    organisation: str
    header: str = ""
    footer: str = ""
    role_labels: Mapping[str, str] = field(default_factory=dict)
    # A table's pointer → a line printed under its heading (e.g. who must attend the meeting).
    table_notes: Mapping[str, str] = field(default_factory=dict)


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


def asked_expr(pointer: str) -> str:
    """The Jinja test of whether this child's form asks a conditional question."""
    return f"asked['{pointer}']"


def _needs_slot(f: Field) -> bool:
    return bool(f.prefill) or f.carry_forward


def _wrap_in_bookmark(paragraph: etree._Element, name: str, ids: _Ids,
                      *content: etree._Element) -> None:
    bid = ids.next_bookmark()
    paragraph.append(el("w:bookmarkStart", {"w:id": bid, "w:name": name}))
    for node in content:
        paragraph.append(node)
    paragraph.append(el("w:bookmarkEnd", {"w:id": bid}))


def section_numbers(model: FormModel, asked: Mapping[str, bool] | None = None) -> dict[str, str]:
    """Each section's number as printed (section pointer → number): the authority's own codes
    when its titles carry them (Sutton's "A1", "E13"), else 1, 2, 3, ... counting only the
    sections this child's form asks (`asked`, see pepforms.asking), so there is no gap."""
    coded = [_CODED_TITLE.match(s.title) for s in model.sections]
    if model.sections and all(coded):
        return {s.pointer: m.group(1) for s, m in zip(model.sections, coded, strict=True) if m}
    out, n = {}, 0
    for section in model.sections:
        if asked is not None and not asked.get(section.pointer, True):
            out[section.pointer] = ""
            continue
        n += 1
        out[section.pointer] = str(n)
    return out


def section_heading(section: Section, number: str, gap: str = "  ") -> str:
    """A section's heading: its number and title, the number once."""
    if not number or section.title.startswith(number + " "):
        return section.title
    return f"{number}{gap}{section.title}"


def _role_label(role: str, role_labels: Mapping[str, str]) -> str:
    return role_labels.get(role, role.replace("-", " ").capitalize())


def who_completes(model: FormModel, role_labels: Mapping[str, str],
                  asked: Mapping[str, bool] | None = None) -> dict[str, str]:
    """Each role's label and the sections it completes ("1 About the child; 2 Care details"),
    in form order, leaving out sections this child's form does not ask."""
    numbers = section_numbers(model, asked)
    out: dict[str, list[str]] = {}
    for section in model.sections:
        if not section.role:
            continue
        entries = out.setdefault(_role_label(section.role, role_labels), [])
        if asked is None or asked.get(section.pointer, True):
            entries.append(section_heading(section, numbers[section.pointer], gap=" "))
    return {who: "; ".join(entries) for who, entries in out.items()}


def numbering(model: FormModel, role_labels: Mapping[str, str],
              asked: Mapping[str, bool]) -> dict[str, Any]:
    """The render context's section numbers (`num`: pointer → number) and who-completes lines
    (`who`: one per role, in the box's order) for one child's form (the template uses them when
    some sections are asked only of some children)."""
    return {"num": section_numbers(model, asked),
            "who": list(who_completes(model, role_labels, asked).values())}


def _has_conditional_sections(model: FormModel) -> bool:
    return any(s.asked_when is not None for s in model.sections)


def _jinja_paragraph(doc, tag: str) -> None:  # type: ignore[no-untyped-def]
    """A paragraph holding only a docxtpl `{%p %}` tag (removed when the form is rendered)."""
    doc.add_paragraph(tag)


def _jinja_row(table, tag: str) -> None:  # type: ignore[no-untyped-def]
    """A row holding only a docxtpl `{%tr %}` tag (removed when the form is rendered)."""
    table.add_row().cells[0].paragraphs[0].add_run(tag)


def _label_cell(cell, label: str, guidance: str | None) -> None:  # type: ignore[no-untyped-def]
    # The label is the cell's first paragraph: a form read by its labels finds it there.
    p = cell.paragraphs[0]
    p.style = LABEL_STYLE
    p.add_run(label)
    if guidance:
        cell.add_paragraph(guidance, style=GUIDANCE_STYLE)


def _add_fields(doc, fields: list[Field], ids: _Ids, width: float) -> None:  # type: ignore[no-untyped-def]
    conditions = [f.pointer for f in fields if f.asked_when is not None]
    whole = len(conditions) == len(fields)
    if whole:  # every row may be left out: so may the table (Word wants a row in a table)
        _jinja_paragraph(doc, "{%p if " + " or ".join(asked_expr(c) for c in conditions) + " %}")
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for f in fields:
        if f.asked_when is not None:
            _jinja_row(table, "{%tr if " + asked_expr(f.pointer) + " %}")
        row = table.add_row()
        row_height(row, field_row_height(f))
        _label_cell(row.cells[0], f.display_label, f.guidance)
        slot = slot_expr(f.pointer) if _needs_slot(f) else None
        control = build_control(f, tag=f.pointer, sdt_id=ids.next_sdt(), slot=slot,
                                locked=f.locked)
        _wrap_in_bookmark(row.cells[1].paragraphs[0]._p, f.bookmark, ids, control)
        if f.asked_when is not None:
            _jinja_row(table, "{%tr endif %}")
    value_width = width - LABEL_WIDTH
    table_properties(table, [LABEL_WIDTH, value_width])
    for row in table.rows:
        cell_properties(row.cells[0], LABEL_WIDTH, LABEL_FILL)
    _spacer(doc)
    if whole:
        _jinja_paragraph(doc, "{%p endif %}")


def _spacer(doc) -> None:  # type: ignore[no-untyped-def]
    # Two tables with nothing between them are merged into one by Word and LibreOffice.
    doc.add_paragraph().paragraph_format.space_after = Pt(4)


def _add_table(doc, table: Table, section: Section, ids: _Ids, text: TemplateText,  # type: ignore[no-untyped-def]
               width: float) -> None:
    if table.asked_when is not None:
        _jinja_paragraph(doc, "{%p if " + asked_expr(table.pointer) + " %}")
    # One heading per section: a table that is the whole section is not titled again, nor is
    # its guidance printed twice.
    if table.label != section.title:
        heading = doc.add_paragraph(table.label, style=LABEL_STYLE)
        heading.paragraph_format.space_before = Pt(4)
        keep_with_next(heading._p)
    if table.guidance and table.guidance != section.guidance:
        doc.add_paragraph(table.guidance, style=GUIDANCE_STYLE)
    if table.pointer in text.table_notes:
        doc.add_paragraph(text.table_notes[table.pointer], style=GUIDANCE_STYLE)
    cols = len(table.columns)
    grid = doc.add_table(rows=4, cols=cols)
    grid.style = "Table Grid"
    widths = column_widths(table, width)
    table_properties(grid, widths, caption=table.pointer, description=table.label)
    header = grid.rows[0]
    header_row(header)
    for i, col in enumerate(table.columns):
        cell = header.cells[i]
        cell_properties(cell, widths[i], HEADER_FILL)
        p = cell.paragraphs[0]
        p.style = LABEL_STYLE
        if i == 0:
            run = el("w:r", None, el("w:t", None, text=col.label))
            _wrap_in_bookmark(p._p, table.bookmark, ids, run)
        else:
            p.add_run(col.label)
    rows = f"t['{table.pointer}']"
    grid.rows[1].cells[0].paragraphs[0].add_run("{%tr for row in " + rows + " %}")
    grid.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    body = grid.rows[2]
    row_height(body, table_row_height(table))
    for i, col in enumerate(table.columns):
        tag = f"{table.pointer}/{{{{ loop.index0 }}}}/{col.key}"
        control = build_control(col, tag=tag, sdt_id=ids.next_sdt(), slot=f"row['{col.key}']")
        body.cells[i].paragraphs[0]._p.append(control)
    _spacer(doc)
    if table.asked_when is not None:
        _jinja_paragraph(doc, "{%p endif %}")


def _add_section(doc, section: Section, number: str, ids: _Ids,  # type: ignore[no-untyped-def]
                 text: TemplateText) -> None:
    """One section: `number` is its number, or a Jinja expression printing it."""
    tables = [b for b in section.blocks() if isinstance(b, Table)]
    landscape = needs_landscape(tables)
    if section.asked_when is not None:
        _jinja_paragraph(doc, "{%p if " + asked_expr(section.pointer) + " %}")
    if landscape:  # a table too wide for portrait gets a landscape page of its own
        start_section(doc, landscape=True)
    doc.add_heading(section_heading(section, number), 1)
    if section.role:
        doc.add_paragraph(f"Completed by: {_role_label(section.role, text.role_labels)}",
                          style=ROLE_STYLE)
    if section.guidance:
        doc.add_paragraph(section.guidance, style=GUIDANCE_STYLE)
    width = LANDSCAPE_WIDTH if landscape else PORTRAIT_WIDTH
    for block in section.blocks():
        if isinstance(block, Table):
            _add_table(doc, block, section, ids, text, width)
        else:
            _add_fields(doc, list(block), ids, width)
    if landscape:
        start_section(doc, landscape=False)
    if section.asked_when is not None:
        _jinja_paragraph(doc, "{%p endif %}")


def _first_page_box(doc, model: FormModel, text: TemplateText) -> None:  # type: ignore[no-untyped-def]
    """Where the form goes back to and by when, and who completes which part."""
    box = doc.add_table(rows=1, cols=1)
    box.style = "Table Grid"
    table_properties(box, [PORTRAIT_WIDTH])
    cell = box.rows[0].cells[0]
    cell_properties(cell, PORTRAIT_WIDTH, BOX_FILL)

    def line(lead: str, rest: str, first: bool = False) -> None:
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        p.style = BOX_STYLE
        p.add_run(lead).bold = True
        p.add_run(rest)

    line("Return this form to: ", "{{ return_to }}", first=True)
    line("By: ", "{{ return_by }}")
    line("Who completes which part", "")
    lines = who_completes(model, text.role_labels)
    for i, (who, sections) in enumerate(lines.items()):
        # With sections asked only of some children, each form lists its own.
        line(f"{who}: ", "{{ who[" + str(i) + "] }}" if _has_conditional_sections(model)
             else sections)
    line("How to fill it in: ", "type in the boxes with grey text, and pick dates and choices "
         "from their lists. What the Virtual School already knows is filled in and locked: if "
         "any of it is wrong, tell the Virtual School. To add a row to a table, use Word's "
         "Insert Row.")
    _spacer(doc)


def _footer(doc, text: TemplateText) -> None:  # type: ignore[no-untyped-def]
    section = doc.sections[0]
    footer = section.footer
    p = footer.paragraphs[0]
    run = p.add_run("Form {{ form_id }} · {{ term_label }} · {{ schema_label }} · page ")
    run.font.size = Pt(8)
    run.font.color.rgb = QUIET
    page = el("w:fldSimple", {"w:instr": " PAGE "}, el("w:r", None, el("w:t", None, text="1")))
    p._p.append(page)
    if text.footer:
        small = footer.add_paragraph().add_run(text.footer)
        small.font.size = Pt(7.5)
        small.font.color.rgb = QUIET
    header = section.header.paragraphs[0]
    hrun = header.add_run((text.header + " · " if text.header else "") + "{{ header_line }}")
    hrun.font.size = Pt(8)
    hrun.font.color.rgb = QUIET


def build_template(model: FormModel, text: TemplateText) -> bytes:
    """The docxtpl template for a form, as .docx bytes."""
    doc = Document()
    apply_styles(doc)
    set_portrait(doc.sections[0])
    _footer(doc, text)
    doc.add_paragraph(model.title, style="Title")
    intro = doc.add_paragraph()
    intro.add_run(text.organisation).bold = True
    intro.add_run(" · {{ header_line }}")
    _first_page_box(doc, model, text)
    ids = _Ids()
    numbers = section_numbers(model)
    for section in model.sections:
        number = numbers[section.pointer]
        if _has_conditional_sections(model) and not number[:1].isalpha():
            number = "{{ num['" + section.pointer + "'] }}"
        _add_section(doc, section, number, ids, text)
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
