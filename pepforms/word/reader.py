"""Reading a returned Word form back into an instance: one lxml pass over word/document.xml.

Each field is found by its control's tag, else by its `_f_` bookmark, else by its label row; each
table by its caption, else its `_t_` bookmark, else its header row. Table rows are read by column
position, so rows a school inserted with Word's "insert row" (no controls in them) are items too;
empty rows (and rows of only stand-ins like "-" or "N/A") are not. Typed text is coerced by the
field's kind the way people type it. What is visible wins: a control showing text other than a
known placeholder holds that answer whatever its placeholder flag says; `FormRead.trusted` says
where the reader had to choose.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from pepforms import pointers
from pepforms.coercion import (
    StandIn,
    coerce_text,
    form_language,
    normalise_label,
    table_item,
    value_not_understood,
)
from pepforms.findings import Finding
from pepforms.schema import Field, FormModel, Table
from pepforms.standins import DEFAULT_LANGUAGE, is_stand_in
from pepforms.values import ValueNotUnderstood, parse_date
from pepforms.word.controls import (
    KNOWN_PLACEHOLDERS,
    W14_CHECKBOX,
    ControlValue,
    checkboxes,
    control_tag,
    read_control,
)
from pepforms.word.locate import ancestor as _ancestor
from pepforms.word.locate import find_table as _find_table
from pepforms.word.locate import header_row_index as _header_row_index
from pepforms.word.ooxml import (
    W_P,
    W_VAL,
    parse_untrusted,
    qn,
    text_by_paragraphs,
    text_of,
    walk_text,
)


@dataclass
class DocumentScan:
    """What one pass over the document found."""

    root: etree._Element  # the document scanned
    controls: dict[str, etree._Element] = field(default_factory=dict)  # tag → sdt
    captions: dict[str, etree._Element] = field(default_factory=dict)  # caption → tbl
    tables: list[etree._Element] = field(default_factory=list)
    # control → the first checkbox inside it (see `controls.checkboxes`)
    boxes: dict[etree._Element, etree._Element] = field(default_factory=dict)
    _labels: dict[str, etree._Element] | None = field(default=None, repr=False)
    _bookmarks: dict[str, etree._Element] | None = field(default=None, repr=False)

    @property
    def bookmarks(self) -> dict[str, etree._Element]:
        """name → bookmarkStart, the first of each name; found when first asked for (a form
        read by its tags and captions never needs them)."""
        if self._bookmarks is None:
            self._bookmarks = {}
            for node in self.root.iter(W_BOOKMARK):
                name = node.get(W_NAME)
                if name and name not in self._bookmarks:
                    self._bookmarks[name] = node
        return self._bookmarks

    @property
    def label_rows(self) -> dict[str, etree._Element]:
        """label → value cell of every label | value row; read from the rows when first asked
        for (a form read by its tags never needs them)."""
        if self._labels is None:
            self._labels = {}
            for row in self.root.iter(W_TR):
                _label_row(row, self._labels)
        return self._labels


W_SDT, W_BOOKMARK, W_TBL, W_TR, W_TC = (qn(f"w:{n}")
                                       for n in ("sdt", "bookmarkStart", "tbl", "tr", "tc"))
W_TBLPR, W_CAPTION, W_NAME, W_BOOKMARK_END = (qn(f"w:{n}")
                                              for n in ("tblPr", "tblCaption", "name", "bookmarkEnd"))


def _caption(table: etree._Element) -> str | None:
    for props in table.iterchildren(W_TBLPR):
        for cap in props.iterchildren(W_CAPTION):
            return cap.get(W_VAL)
    return None


def _label_row(row: etree._Element, labels: dict[str, etree._Element]) -> None:
    cells = list(row.iterchildren(W_TC))
    if len(cells) >= 2:
        first = next(cells[0].iterchildren(W_P), None)
        label = normalise_label(text_of(first)) if first is not None else ""
        if label and label not in labels:
            labels[label] = cells[1]


W_SDTPR, W_TAG = qn("w:sdtPr"), qn("w:tag")


def _controls_in_order(root: etree._Element) -> dict[str, etree._Element]:
    """tag → control (`w:sdt`), the first control in document order winning."""
    controls: dict[str, etree._Element] = {}
    for node in root.iter(W_SDT):
        key = control_tag(node)
        if key and key not in controls:
            controls[key] = node
    return controls


def scan(root: etree._Element) -> DocumentScan:
    """Controls by tag, tables (by caption), checkboxes: one walk over the tree (bookmarks and
    label rows are found when first asked for).

    A control is found by its tag (`w:sdt/w:sdtPr/w:tag`, a control's first tag being its tag),
    so that the walk meets a few hundred tags rather than every control's children."""
    found = DocumentScan(root=root)
    controls = found.controls
    seen: set[etree._Element] = set()
    boxes: list[etree._Element] = []
    clash = False
    for node in root.iter(W_TAG, W_TBL, W14_CHECKBOX):
        tag = node.tag
        if tag == W_TAG:
            props = node.getparent()
            sdt = props.getparent() if props is not None and props.tag == W_SDTPR else None
            if sdt is None or sdt.tag != W_SDT or sdt is root or sdt in seen:
                continue  # not a control's tag (within the document), or not its first
            seen.add(sdt)
            key = node.get(W_VAL)
            if key:
                clash = clash or key in controls
                controls.setdefault(key, sdt)
        elif tag == W_TBL:
            found.tables.append(node)
            cap = _caption(node)
            if cap:
                found.captions.setdefault(cap, node)
        else:
            boxes.append(node)
    found.boxes = checkboxes(boxes)
    if clash:
        # Two controls with one tag: the first control in document order wins, and a
        # control's properties need not come before what it holds.
        found.controls = _controls_in_order(root)
    return found


def _from_cell(cell: etree._Element, boxes: Mapping[etree._Element, etree._Element]
               ) -> ControlValue | str:
    return _cell_raw(cell, boxes)[0]


def _cell_raw(cell: etree._Element, boxes: Mapping[etree._Element, etree._Element]
              ) -> tuple[ControlValue | str, str | Callable[[], str]]:
    """What a table cell holds (its first control's value, else its text), and its text (for a
    control, read only if asked for)."""
    text, _, control = walk_text(cell, stop_at=W_SDT)
    if text is None and control is None:  # the walk stopped early: search the whole cell
        control = next(cell.iter(W_SDT), None)
    if control is not None:
        return read_control(control, boxes), lambda: text_of(cell)
    if text is None:
        text = text_by_paragraphs(cell)
    return text, text


def _from_bookmark(start: etree._Element, boxes: Mapping[etree._Element, etree._Element]
                   ) -> ControlValue | str:
    holder = _ancestor(start, W_SDT)
    if holder is not None:
        return read_control(holder, boxes)
    cell = _ancestor(start, W_TC)
    if cell is not None:
        return _from_cell(cell, boxes)
    for sibling in start.itersiblings():
        if sibling.tag == W_SDT:
            return read_control(sibling, boxes)
        if sibling.tag == W_BOOKMARK_END:
            break
    paragraph = start.getparent()
    return text_of(paragraph) if paragraph is not None else ""


def coerce(f: Field, raw: ControlValue | str, language: str = DEFAULT_LANGUAGE) -> Any:
    """The typed value of what was entered, or None when nothing was (a `StandIn` when only a
    stand-in was typed where a date, number or choice was wanted).

    Raises ValueNotUnderstood (saying what was expected) when it cannot be understood."""
    if isinstance(raw, ControlValue):
        if f.kind == "checkbox" and raw.checked is not None:
            return raw.checked
        # A picked date (w:fullDate) is that date, unless what shows is a stand-in typed over
        # it ("TBC"): then the date under it is stale, and what is visible wins.
        if f.kind == "date" and raw.full_date and not is_stand_in(raw.text, language):
            try:
                return parse_date(raw.full_date).isoformat()
            except ValueNotUnderstood:
                pass  # fall back to the visible text
        text = raw.text
    else:
        text = raw
    return coerce_text(f, text, KNOWN_PLACEHOLDERS, language)


def trusted(f: Field, raw: ControlValue | str, value: Any) -> str | None:
    """Where the control's parts disagreed, which one the reader believed (for `-v`)."""
    if not isinstance(raw, ControlValue):
        return None
    if raw.glyph_disagrees:
        return "the box's ticked state, not the ☒/☐ glyph beside it"
    if raw.stale_full_date:
        return "the placeholder shown, not the date (w:fullDate) still stored under it"
    if f.kind == "date" and raw.full_date and isinstance(value, StandIn):
        return f"the “{value}” shown, not the date (w:fullDate) still stored under it"
    if f.kind == "date" and raw.full_date and isinstance(value, str):
        shown = _shown_date(raw.text)
        if shown is not None and shown != value:
            # Never the dates themselves: this one may be a date of birth.
            return "the picked date (w:fullDate), not the different date shown"
    if raw.flagged_placeholder:
        return "the text shown, although the control is marked as showing its placeholder"
    return None


def _shown_date(text: str | None) -> str | None:
    try:
        return parse_date(text).isoformat() if text else None
    except ValueNotUnderstood:
        return None


@dataclass
class FormRead:
    """An instance read from a Word form, and how it was read."""

    instance: dict[str, Any]
    methods: Counter[str]
    findings: list[Finding]
    missing: list[str]  # pointers of fields the form no longer has
    # Stand-ins ("TBC", "N/A") typed where a date, number or choice was wanted: pointer → text.
    stand_ins: dict[str, str] = field(default_factory=dict)
    # Where a control's parts disagreed, what the reader believed: pointer → explanation.
    trusted: dict[str, str] = field(default_factory=dict)

    @property
    def method(self) -> str:
        for way in ("labels", "bookmarks"):
            if self.methods.get(way):
                return way
        return "tags"







def _column_cells(table: Table, header: etree._Element | None) -> list[int | None]:
    """Which cell of a row holds each column: by position for a form as issued; by the header
    row's labels for a form issued with other columns (an older version of the form), where a
    column whose label is not in the header is not on the form (None)."""
    wanted = [normalise_label(c.label) for c in table.columns]
    cells = list(header.iterchildren(W_TC)) if header is not None else []
    labels = [normalise_label(text_of(c)) for c in cells]
    if labels[: len(wanted)] == wanted or not any(w in labels for w in wanted):
        return list(range(len(wanted)))
    out: list[int | None] = []
    for i, label in enumerate(wanted):
        if label in labels:
            out.append(labels.index(label))
        elif i < len(labels) and labels[i] not in wanted:
            out.append(i)  # a header cell renamed by hand: the column stays where it was
        else:
            out.append(None)
    return out


def _read_table(model: FormModel, table: Table, node: etree._Element, read: FormRead,
                language: str, boxes: Mapping[etree._Element, etree._Element]
                ) -> list[dict[str, Any]]:
    rows = list(node.iterchildren(W_TR))
    header = _header_row_index(rows, table)
    where = _column_cells(table, rows[header] if rows else None)
    read.missing.extend(c.pointer for c, i in zip(table.columns, where, strict=True) if i is None)
    items: list[dict[str, Any]] = []
    for row in rows[header + 1:]:
        cells = list(row.iterchildren(W_TC))
        # Cells can hide inside row- or cell-level content controls (LibreOffice, Word).
        if not cells:
            cells = list(row.iter(W_TC))
        raws = [(col, *_cell_raw(cells[i], boxes)) for col, i in zip(table.columns, where, strict=True)
                if i is not None and i < len(cells)]
        got = table_item(model, table, len(items), raws,
                         lambda f, raw: coerce(f, raw, language), language)
        if got.item is None:
            continue
        for col, raw, _ in raws:
            note = trusted(col, raw, got.item.get(col.key))
            if note:
                read.trusted[col.at(len(items))] = note
        items.append(got.item)
        read.findings.extend(got.findings)
        read.stand_ins.update(got.stand_ins)
    return items


def _raw_of(f: Field, found: DocumentScan) -> tuple[ControlValue | str | None, str]:
    """A field's raw answer and how it was found: by tag, by bookmark, else by its label."""
    if f.pointer in found.controls:
        return read_control(found.controls[f.pointer], found.boxes), "tags"
    if f.bookmark in found.bookmarks:
        return _from_bookmark(found.bookmarks[f.bookmark], found.boxes), "bookmarks"
    label = normalise_label(f.display_label)
    if label in found.label_rows:
        return _from_cell(found.label_rows[label], found.boxes), "labels"
    return None, ""


def _read_field(model: FormModel, f: Field, found: DocumentScan, read: FormRead,
                language: str) -> None:
    raw, way = _raw_of(f, found)
    if raw is None:
        read.missing.append(f.pointer)
        return
    read.methods[way] += 1
    try:
        value = coerce(f, raw, language)
    except ValueNotUnderstood as exc:
        note = raw if isinstance(raw, str) else (raw.text or "")
        read.findings.append(value_not_understood(model, f.pointer, str(exc), note))
        return
    explained = trusted(f, raw, value)
    if explained:
        read.trusted[f.pointer] = explained
    if isinstance(value, StandIn):
        read.stand_ins[f.pointer] = str(value)
    elif value is not None:
        pointers.put(read.instance, f.pointer, value)


def read_document(model: FormModel, document: bytes) -> FormRead:
    """Read word/document.xml against a form model."""
    root = parse_untrusted(document)
    found = scan(root)
    language = form_language(model)
    instance: dict[str, Any] = {s.key: {} for s in model.sections if not s.is_table}
    read = FormRead(instance=instance, methods=Counter(), findings=[], missing=[])
    for f in model.fields():
        _read_field(model, f, found, read, language)
    for table in model.tables():
        node, way = _find_table(table, found)
        if node is None:
            read.missing.append(table.pointer)
            pointers.put(instance, table.pointer, [])
            continue
        read.methods[way] += 1
        pointers.put(instance, table.pointer, _read_table(model, table, node, read, language,
                                                                  found.boxes))
    return read


def document_labels(document: bytes) -> set[str]:
    """Normalised labels of every label | value row (for recognising a form without identity)."""
    return set(scan(parse_untrusted(document)).label_rows)


