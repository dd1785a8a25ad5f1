"""The blank PEP form as a fillable PDF: reportlab lays it out with AcroForm fields named by pointer, and
pypdf puts in the pre-filled values and the form's identity.

Values go in through pypdf, not reportlab: reportlab's own field appearances fail on text beyond
Latin-1 (a ’ or 李 raises), and it cannot make a combo box without a value. pypdf writes any text
as the field value; `NeedAppearances` asks viewers to redraw every field in their own fonts.

Laying a form out is the slow part (about half a second), and children on one roster share a
few layouts (a layout is the form, its tables' row counts and the authority's words). So the blank
form of each layout is built once per process, and a child's form is that blank form with an
incremental update holding its values, locks, running header and footer and identity
(`pepforms.pdf.stamp`). Running text that Helvetica cannot show (a name in another script) takes
the whole way instead, as every form did before.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, TableStyle
from reportlab.platypus import Table as RLTable

from pepforms.pdf.reader import INFO_PREFIX, quiet_pypdf
from pepforms.pdf.record import (
    GREY,
    MARGIN,
    PAGE_SIZE,
    RULE,
    PageText,
    body_width,
    column_widths,
    input_digest,
    register_fonts,
    seeded_canvas,
    shown,
)
from pepforms.pdf.stamp import (
    Base,
    Filled,
    RunningText,
    can_run,
    prepare_base,
    stamp,
)
from pepforms.pdf.story import (
    document,
    grid_style,
    heading_block,
    label_value_style,
    para,
    section_heading,
)
from pepforms.schema import Field, FormModel, Section, Table

__all__ = ["INFO_PREFIX", "build_fillable", "row_count"]

FIELD_FONT = "Helvetica"  # AcroForm appearances need one of the 14 standard fonts
FIELD_FONT_SIZE = 9
FIELD_FILL = colors.HexColor("#EEF4FB")
LOCKED_FILL = colors.HexColor("#ECECEC")
FIELD_BORDER = colors.HexColor("#7F93AD")
FIELD_TEXT = colors.HexColor("#000000")

HEIGHTS = {"multiline": 54.0, "checkbox": 12.0}
CELL_HEIGHTS = {"multiline": 40.0, "text": 28.0, "checkbox": 12.0}
LINE_HEIGHT = 17.0


class _Widget(Flowable):
    """One AcroForm field, drawn where the layout puts this flowable."""

    def __init__(self, f: Field, name: str, tooltip: str, *, height: float, readonly: bool,
                 checked: bool, multiline: bool) -> None:
        super().__init__()
        self.field = f
        self.name = name
        self.tooltip = tooltip
        self.height = height
        self.readonly = readonly
        self.checked = checked
        self.multiline = multiline
        self.width = 0.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.height

    def draw(self) -> None:
        form = self.canv.acroForm
        fill = LOCKED_FILL if self.readonly else FIELD_FILL
        flags = ["readOnly"] if self.readonly else []
        common: dict[str, Any] = dict(name=self.name, tooltip=self.tooltip, x=0, y=0, relative=True,
                                      fillColor=fill, borderColor=FIELD_BORDER, textColor=FIELD_TEXT,
                                      borderWidth=0.6, annotationFlags="print")
        if self.field.kind == "checkbox":
            form.checkbox(checked=self.checked, buttonStyle="check", size=self.height,
                          fieldFlags=" ".join(flags), **common)
            return
        if self.field.kind == "choice":
            labels = [c.label for c in self.field.choices]
            # A blank first option lets a person clear their choice. reportlab cannot build a
            # combo without a value: the real value (or blank) is set afterwards with pypdf.
            form.choice(value=labels[0], options=["", *labels], width=self.width, height=self.height,
                        fieldFlags=" ".join(["combo", *flags]), fontName=FIELD_FONT,
                        fontSize=FIELD_FONT_SIZE, **common)
            return
        if self.multiline:
            flags.append("multiline")
        form.textfield(value="", width=self.width, height=self.height, maxlen=None,
                       fieldFlags=" ".join(flags), fontName=FIELD_FONT, fontSize=FIELD_FONT_SIZE,
                       **common)


def _state(f: Field, value: Any) -> tuple[str, bool]:
    """What a field shows, and whether it is locked: a locked field is read-only once it has a
    value (an empty one is left for the school to fill)."""
    text = shown(f, value)
    return text, f.locked and text != ""


def _table_rows(tables: Mapping[str, list[Mapping[str, Any]]], table: Table) -> list[Mapping[str, Any]]:
    return [r for r in tables.get(table.pointer, []) if isinstance(r, Mapping)]


def _cells(model: FormModel, values: Mapping[str, Any],
           tables: Mapping[str, list[Mapping[str, Any]]],
           blank_rows: int | None) -> Iterator[tuple[Field, str, Any]]:
    """Every field of the fillable form: (field, its name, its value)."""
    for f in model.fields():
        yield f, f.pointer, values.get(f.pointer)
    for table in model.tables():
        rows = _table_rows(tables, table)
        for index in range(row_count(table, len(rows), blank_rows)):
            row = rows[index] if index < len(rows) else {}
            for col in table.columns:
                yield col, col.at(index), row.get(col.key)


def row_count(table: Table, rows: int, blank_rows: int | None = None) -> int:
    """How many rows of fields a table gets: its blank rows, and always two spare after the filled."""
    return max(table.blank_rows if blank_rows is None else blank_rows, rows + 2)


class _Builder:
    def __init__(self, model: FormModel, values: Mapping[str, Any],
                 tables: Mapping[str, list[Mapping[str, Any]]], blank_rows: int | None,
                 role_labels: Mapping[str, str]) -> None:
        self.model = model
        self.values = values
        self.tables = tables
        self.blank_rows = blank_rows
        self.role_labels = role_labels
        self.fill: dict[str, str] = {}  # field name → text to put in with pypdf

    def widget(self, f: Field, name: str, value: Any, tooltip: str, *, in_table: bool) -> _Widget:
        text, readonly = _state(f, value)
        if f.kind != "checkbox":
            self.fill[name] = text
        if in_table:
            height = CELL_HEIGHTS.get(f.kind, LINE_HEIGHT)
        else:
            height = HEIGHTS.get(f.kind, LINE_HEIGHT)
        multiline = f.kind == "multiline" or (in_table and f.kind == "text")
        return _Widget(f, name, tooltip, height=height, readonly=readonly, checked=value is True,
                       multiline=multiline)

    def label_cell(self, f: Field) -> list[Flowable]:
        cell: list[Flowable] = [para(f.display_label, "label")]
        if f.guidance:
            cell.append(para(f.guidance, "guidance"))
        return cell

    def scalar_rows(self, fields: list[Field]) -> RLTable:
        width = body_width()
        rows = [[self.label_cell(f),
                 self.widget(f, f.pointer, self.values.get(f.pointer), f.display_label, in_table=False)]
                for f in fields]
        table = RLTable(rows, colWidths=[width * 0.38, width * 0.62], style=label_value_style(),
                        hAlign="LEFT")
        table.setStyle(TableStyle([("VALIGN", (1, 0), (1, -1), "MIDDLE")]))
        return table

    def table_block(self, table: Table) -> list[Flowable]:
        rows = _table_rows(self.tables, table)
        head = [para(c.label, "cell-head") for c in table.columns]
        body = []
        for index in range(row_count(table, len(rows), self.blank_rows)):
            row = rows[index] if index < len(rows) else {}
            body.append([
                self.widget(col, col.at(index), row.get(col.key),
                            f"{table.label}, row {index + 1}: {col.label}", in_table=True)
                for col in table.columns])
        grid = RLTable([head, *body], colWidths=column_widths(table, body_width()), repeatRows=1,
                       style=grid_style(), hAlign="LEFT")
        top: list[Flowable] = [para(table.label, "table")]
        if table.guidance:
            top.append(para(table.guidance, "guidance"))
        return [CondPageBreak(90), KeepTogether([*top, grid])] if len(body) <= 8 else \
            [CondPageBreak(90), *top, grid]

    def section_story(self, section: Section) -> list[Flowable]:
        story: list[Flowable] = [CondPageBreak(110), *section_heading(section, self.role_labels)]
        if section.guidance:
            story.append(para(section.guidance, "guidance"))
        for block in section.blocks():
            if isinstance(block, Table):
                story.extend(self.table_block(block))
            else:
                story.append(self.scalar_rows(list(block)))
        return story


def _layout(story: Callable[[], list[Flowable]], text: PageText | None, *, title: str,
            author: str, seed: bytes) -> bytes:
    """Build twice: the first pass counts the pages for "Page N of M" (fields need real pages, so
    the held-back-pages canvas of the record cannot be used here). Without `text`, each page
    draws its running text from an empty XObject, for `stamp` to fill."""
    total: list[int | None] = [None]

    def decorate(canv: Any, doc: Any) -> None:
        if text is None:
            _running_placeholder(canv, doc.page)
        else:
            text.draw(canv, doc.page, total[0])

    buffer = io.BytesIO()
    if text is None:  # the page count goes in with the running text: one pass is enough
        document(buffer, title=title, author=author).build(
            story(), onFirstPage=decorate, onLaterPages=decorate, canvasmaker=seeded_canvas(seed))
        return buffer.getvalue()
    first = document(buffer, title=title, author=author)
    first.build(story(), onFirstPage=decorate, onLaterPages=decorate)
    total[0] = first.page
    buffer = io.BytesIO()
    document(buffer, title=title, author=author).build(
        story(), onFirstPage=decorate, onLaterPages=decorate, canvasmaker=seeded_canvas(seed))
    return buffer.getvalue()


RUNNING_NAME = "PepformsRunning"
_RUNNING = RunningText(page_width=PAGE_SIZE[0], left=MARGIN, right=MARGIN,
                       header_y=PAGE_SIZE[1] - 14 * mm, footer_y=10 * mm,
                       grey=(GREY.red, GREY.green, GREY.blue))


def _running_placeholder(canv: Any, page: int) -> None:
    """The rules of the running header and footer (as PageText draws them), and an XObject for
    its text, which only registers the running font here."""
    width, height = PAGE_SIZE
    canv.saveState()
    canv.setStrokeColor(RULE)
    canv.setLineWidth(0.5)
    canv.line(MARGIN, height - 15.5 * mm, width - MARGIN, height - 15.5 * mm)
    canv.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
    canv.restoreState()
    name = f"{RUNNING_NAME}{page}"
    canv.beginForm(name)
    canv.setFont("Helvetica", 8.5)
    canv.drawString(0, 0, " ")
    canv.endForm()
    canv.doForm(name)


def _rgb(colour: Any) -> tuple[float, float, float]:
    return (float(colour.red), float(colour.green), float(colour.blue))


_BASES: dict[tuple[Any, ...], Base] = {}
_MOST_BASES = 64  # layouts kept per process; a roster has a few per form


def _base(model: FormModel, tables: Mapping[str, list[Mapping[str, Any]]], *, organisation: str,
          term_label: str, blank_rows: int | None, role_labels: Mapping[str, str]) -> Base:
    """The blank form of a layout, built the first time it is needed."""
    shape: dict[str, list[Mapping[str, Any]]] = {
        t.pointer: [{}] * len(_table_rows(tables, t)) for t in model.tables()}
    key = (model.schema_id, model.version, tuple(len(r) for r in shape.values()), organisation,
           term_label, blank_rows, tuple(sorted(role_labels.items())))
    if key not in _BASES:
        builder = _Builder(model, {}, shape, blank_rows, role_labels)

        def story() -> list[Flowable]:
            out = heading_block(model, organisation, term_label)
            for section in model.sections:
                out.extend(builder.section_story(section))
            return out

        seed = input_digest("blank", *key)
        laid_out = _layout(story, None, title=model.title, author=organisation, seed=seed)
        if len(_BASES) >= _MOST_BASES:
            _BASES.pop(next(iter(_BASES)))
        _BASES[key] = prepare_base(laid_out, RUNNING_NAME, file_id=seed[:16],
                                   fill=_rgb(FIELD_FILL), border=_rgb(FIELD_BORDER))
    return _BASES[key]


def _stamped(model: FormModel, values: Mapping[str, Any],
             tables: Mapping[str, list[Mapping[str, Any]]], base: Base, *, header: str,
             footer: str, properties: Mapping[str, str], blank_rows: int | None,
             seed: bytes) -> bytes:
    text: dict[str, str] = {}
    ticked: set[str] = set()
    locked: set[str] = set()
    for f, name, value in _cells(model, values, tables, blank_rows):
        shown_text, readonly = _state(f, value)
        if readonly:
            locked.add(name)
        if f.kind == "checkbox":
            if value is True:
                ticked.add(name)
        elif shown_text:
            text[name] = shown_text
    filled = Filled(text=text, ticked=frozenset(ticked), locked=frozenset(locked),
                    info={f"{INFO_PREFIX}{k}": str(v) for k, v in properties.items()},
                    header=header, footer=footer)
    return stamp(base, filled, _RUNNING, file_id=seed[:16], locked_fill=_rgb(LOCKED_FILL),
                 open_fill=_rgb(FIELD_FILL), border=_rgb(FIELD_BORDER))


def _field_name(annotation: Mapping[str, Any]) -> str | None:
    name = annotation.get("/T")
    return str(name) if name is not None else None


def _finish(pdf: bytes, fill: Mapping[str, str], properties: Mapping[str, str]) -> bytes:
    """Put the field values and identity in with pypdf."""
    with quiet_pypdf():  # pypdf's warnings quote field text, which is personal data
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
        for page in writer.pages:
            annotations = [a.get_object() for a in page.get("/Annots", [])]
            names = [n for n in (_field_name(a) for a in annotations) if n is not None]
            values = {n: fill[n] for n in names if n in fill}
            if values:
                writer.update_page_form_field_values(page, values, auto_regenerate=None)
            for annotation in annotations:
                if annotation.get("/FT") == "/Ch":
                    # reportlab's default is its first option; resetting the form means blank.
                    annotation[NameObject("/DV")] = TextStringObject("")
        writer.set_need_appearances_writer(True)
        writer.add_metadata({f"{INFO_PREFIX}{key}": str(value) for key, value in properties.items()})
        out = io.BytesIO()
        writer.write(out)
    return out.getvalue()


def build_fillable(model: FormModel, values: Mapping[str, Any],
                   tables: Mapping[str, list[Mapping[str, Any]]], *, organisation: str,
                   header_line: str, term_label: str, form_id: str, properties: Mapping[str, str],
                   blank_rows: int | None = None,
                   role_labels: Mapping[str, str] | None = None) -> bytes:
    """The form as a fillable PDF, pre-filled, with its identity in the document information.

    Every scalar is an AcroForm field named by its pointer (`/attendance/percentage`); table
    cells are named `/targets/0/who`. A table gets `max(blank_rows, filled rows + 2)` rows, where
    `blank_rows` (when given) overrides each table's own. Locked fields that have a value are
    read-only. Each `properties` item `k → v` becomes the info key `/Pepforms_k`.
    Same input, same bytes: the /ID is a digest of the inputs, and pypdf keeps it.
    """
    register_fonts()
    footer = f"Form {form_id} · {model.authority} {model.phase} schema v{model.version}"
    seed = input_digest(model.schema_id, model.version, dict(values), dict(tables), organisation,
                        header_line, term_label, form_id, dict(properties), blank_rows,
                        dict(role_labels or {}))
    if can_run(header_line, footer):
        base = _base(model, tables, organisation=organisation, term_label=term_label,
                     blank_rows=blank_rows, role_labels=role_labels or {})
        return _stamped(model, values, tables, base, header=header_line, footer=footer,
                        properties=properties, blank_rows=blank_rows, seed=seed)
    builder = _Builder(model, values, tables, blank_rows, role_labels or {})

    def story() -> list[Flowable]:
        out = heading_block(model, organisation, term_label)
        for section in model.sections:
            out.extend(builder.section_story(section))
        return out

    text = PageText(header_line, footer)
    laid_out = _layout(story, text, title=model.title, author=organisation, seed=seed)
    return _finish(laid_out, builder.fill, properties)
