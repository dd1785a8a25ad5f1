"""An existing Word form as an outline: headings, text, answer spaces with their labels, and grids.

For drafting an authority from the form it already uses (`pepforms.drafting`), which knows no XML.
Answer spaces are Word's content controls, legacy form fields, typed check boxes (☐), lines of
underscores and empty cells beside a label. A table is read as label | value rows (two or four
cells a row), as a grid (a header row, then blank rows), or as a question above an empty box.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from pepforms.word.ooxml import parse_untrusted, qn

GLYPHS = {"\u2610": False, "\u25a1": False, "\u2612": True, "\u2611": True}  # ☐ □ ☒ ☑
_LINE = re.compile(r"_{3,}|\.{6,}|…{3,}")
_HINTS = re.compile(r"^\s*(dd\s*/\s*mm\s*/\s*(yy){1,2}|£|%|click (or tap )?(here )?to enter .*|"
                    r"choose an item\.?|enter text)\s*$", re.IGNORECASE)
TALL_ROW = 850  # twips (1.5 cm): a row at least this high is a box for a long answer
_HEADING_STYLE = re.compile(r"^(heading|title|subtitle|berschrift)\s*(\d*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Slot:
    """A space to answer in: its kind as the form shows it, and how the form makes it."""

    kind: str  # text | multiline | date | choice | checkbox | number | blank (nothing tells)
    how: str  # content control | legacy form field | typed check boxes | underscores | empty cell
    options: tuple[str, ...] = ()
    hint: str = ""  # what the space says ("dd/mm/yyyy", "£", a placeholder)


@dataclass(frozen=True)
class Block:
    """One thing on the form, in order."""

    kind: str  # heading | text | field | table
    text: str  # the heading, the text, the field's label or the table's title
    where: str
    level: int = 0
    slot: Slot | None = None
    guidance: str = ""
    columns: tuple[tuple[str, Slot], ...] = ()
    blank_rows: int = 0


@dataclass
class _Piece:
    text: str = ""
    slot: Slot | None = None
    checked: bool | None = None  # a typed check box


@dataclass
class _Cell:
    paragraphs: list[list[_Piece]] = field(default_factory=list)
    tall: bool = False
    band: bool = False  # spans columns and is shaded or bold: a section's heading in a table

    @property
    def lines(self) -> list[str]:
        return [_plain(p) for p in self.paragraphs if _plain(p)]

    @property
    def has_slot(self) -> bool:
        return any(x.slot or x.checked is not None for p in self.paragraphs for x in p)

    @property
    def is_space(self) -> bool:
        """Nothing but a space to answer in (and perhaps a hint like "dd/mm/yyyy")."""
        texts = [x.text for p in self.paragraphs for x in p if x.slot is None and x.checked is None]
        words = "".join(texts).strip()
        return (not words or bool(_HINTS.match(words))) and not self._glyph_labels()

    def _glyph_labels(self) -> bool:
        return any(x.checked is not None for p in self.paragraphs for x in p) and \
            any(x.text.strip() for p in self.paragraphs for x in p if x.slot is None
                and x.checked is None)

    def typed_choice(self) -> Slot | None:
        """A cell of nothing but typed check boxes with their options ("☐ Yes ☐ No")."""
        if not self._glyph_labels() or any(x.slot for p in self.paragraphs for x in p):
            return None
        pieces = [x for p in self.paragraphs for x in [*p, _Piece(" ")]]
        if pieces[0].checked is None and _plain(pieces[:1]):
            return None  # words before the first box: a label and its options, read as fields
        boxes = [i for i, x in enumerate(pieces) if x.checked is not None]
        options = [_plain(pieces[a + 1:b]) for a, b in zip(boxes, [*boxes[1:], len(pieces)],
                                                           strict=True)]
        options = [o for o in options if o]
        if len(options) < 2 or len(options) != len(boxes):
            return None
        return Slot("choice", "typed check boxes", tuple(options))

    def slot(self) -> Slot:
        for p in self.paragraphs:
            for x in p:
                if x.slot is not None:
                    if x.slot.kind == "text" and self.tall:  # a tall box: a long answer
                        return Slot("multiline", x.slot.how, x.slot.options, x.slot.hint)
                    return x.slot
        hint = " ".join(self.lines)
        if any(x.checked is not None for p in self.paragraphs for x in p):
            return Slot("checkbox", "typed check boxes")
        empty_paragraphs = sum(1 for p in self.paragraphs if not _plain(p))
        kind = "multiline" if self.tall or empty_paragraphs >= 3 else "blank"
        return Slot(kind, "empty cell", hint=hint)


def _plain(pieces: list[_Piece]) -> str:
    return re.sub(r"\s+", " ", "".join(x.text for x in pieces if x.slot is None
                                       and x.checked is None)).strip()


# ------------------------------------------------------------------------------------------
# Answer spaces inside a paragraph


def _control_slot(sdt: etree._Element) -> Slot:
    props = sdt.find(qn("w:sdtPr"))
    props = props if props is not None else etree.Element("none")
    content = "".join(sdt.itertext()).strip()
    hint = content if _HINTS.match(content or "x") else ""
    if props.find(qn("w:date")) is not None:
        return Slot("date", "content control", hint=hint)
    for name in ("w:dropDownList", "w:comboBox"):
        listing = props.find(qn(name))
        if listing is not None:
            options = [i.get(qn("w:displayText")) or i.get(qn("w:value")) or ""
                       for i in listing.findall(qn("w:listItem"))]
            options = [o for o in options if o.strip() and not _HINTS.match(o)]
            return Slot("choice", "content control", tuple(dict.fromkeys(options)), hint)
    if props.find(qn("w14:checkbox")) is not None:
        return Slot("checkbox", "content control")
    text = props.find(qn("w:text"))
    if text is not None and text.get(qn("w:multiLine")) in ("1", "true", "on"):
        return Slot("multiline", "content control", hint=hint)
    return Slot("text", "content control", hint=hint)


def _legacy_slot(ff: etree._Element) -> Slot:
    if ff.find(qn("w:checkBox")) is not None:
        return Slot("checkbox", "legacy form field")
    listing = ff.find(qn("w:ddList"))
    if listing is not None:
        options = tuple(e.get(qn("w:val")) or "" for e in listing.findall(qn("w:listEntry")))
        return Slot("choice", "legacy form field", tuple(o for o in options if o.strip()))
    kind = ff.find(f"{qn('w:textInput')}/{qn('w:type')}")
    value = kind.get(qn("w:val")) if kind is not None else "regular"
    if value in ("date", "currentDate"):
        return Slot("date", "legacy form field")
    if value == "number":
        return Slot("number", "legacy form field")
    return Slot("text", "legacy form field")


def _split_text(text: str, out: list[_Piece]) -> None:
    """Typed check boxes and lines of underscores out of a run's text."""
    rest = ""
    for ch in text:
        if ch in GLYPHS:
            if rest:
                out.append(_Piece(rest))
                rest = ""
            out.append(_Piece(checked=GLYPHS[ch]))
        else:
            rest += ch
    pos = 0
    for m in _LINE.finditer(rest):
        out.append(_Piece(rest[pos:m.start()]))
        out.append(_Piece(slot=Slot("blank", "underscores")))
        pos = m.end()
    if rest[pos:]:
        out.append(_Piece(rest[pos:]))


class _Walker:
    def __init__(self) -> None:
        self.pieces: list[_Piece] = []
        self.in_field = False

    def walk(self, node: etree._Element) -> None:
        tag = node.tag
        if tag == qn("w:sdt"):
            self.pieces.append(_Piece(slot=_control_slot(node)))
            return
        if tag == qn("w:fldChar"):
            kind = node.get(qn("w:fldCharType"))
            ff = node.find(qn("w:ffData"))
            if kind == "begin" and ff is not None:
                self.pieces.append(_Piece(slot=_legacy_slot(ff)))
                self.in_field = True
            elif kind == "end":
                self.in_field = False
            return
        if tag in (qn("w:delText"), qn("w:instrText")):
            return
        if tag == qn("w:t") and not self.in_field:
            _split_text(node.text or "", self.pieces)
        elif tag in (qn("w:tab"), qn("w:br"), qn("w:cr")) and not self.in_field:
            self.pieces.append(_Piece(" "))
        for child in node:
            self.walk(child)


def _pieces(paragraph: etree._Element) -> list[_Piece]:
    walker = _Walker()
    for child in paragraph:
        walker.walk(child)
    return walker.pieces


def _fields_in(pieces: list[_Piece], where: str) -> list[Block]:
    """The label | space pairs of a paragraph: "Name: [control]", "PEP type: ☐ Initial ☐ Termly",
    "☐ Social worker invited", "Date: ______"."""
    boxes = [i for i, x in enumerate(pieces) if x.checked is not None]
    if boxes:
        label = _plain(pieces[:boxes[0]]).rstrip(":").strip()
        options = [_plain(pieces[a + 1:b]) for a, b in zip(boxes, [*boxes[1:], len(pieces)],
                                                           strict=True)]
        options = [o for o in options if o]
        if len(boxes) == 1 and not label and options:  # "☐ Carer invited"
            return [Block("field", options[0], where, slot=Slot("checkbox", "typed check boxes"))]
        if len(boxes) == 1 and label and not options:  # "Carer invited ☐"
            return [Block("field", label, where, slot=Slot("checkbox", "typed check boxes"))]
        if label and len(options) >= 2:
            return [Block("field", label, where,
                          slot=Slot("choice", "typed check boxes", tuple(options)))]
    out: list[Block] = []
    label_parts: list[_Piece] = []
    for x in pieces:
        if x.slot is None:
            label_parts.append(x)
            continue
        label = _plain(label_parts).rstrip(":").strip()
        label_parts = []
        if label:
            out.append(Block("field", label, where, slot=x.slot))
        elif out and x.slot.kind == "blank":  # a second line of underscores: a longer answer
            last = out[-1]
            out[-1] = Block("field", last.text, where, slot=Slot("multiline", "underscores"))
        else:
            out.append(Block("field", "", where, slot=x.slot))
    return out


# ------------------------------------------------------------------------------------------
# Paragraphs and tables


def _heading_level(paragraph: etree._Element) -> int:
    props = paragraph.find(qn("w:pPr"))
    if props is None:
        return 0
    style = props.find(qn("w:pStyle"))
    name = style.get(qn("w:val"), "") if style is not None else ""
    m = _HEADING_STYLE.match(name.replace("-", ""))
    if m:
        return int(m.group(2) or 1) if m.group(1).lower() != "title" else 1
    level = props.find(qn("w:outlineLvl"))
    if level is not None and (level.get(qn("w:val")) or "").isdigit():
        return int(level.get(qn("w:val")) or 0) + 1
    return 0


def _paragraph_blocks(paragraph: etree._Element, where: str) -> list[Block]:
    pieces = _pieces(paragraph)
    text = _plain(pieces)
    level = _heading_level(paragraph)
    if level and text:
        return [Block("heading", text, where, level=level)]
    if any(x.slot is not None or x.checked is not None for x in pieces):
        return _fields_in(pieces, where)
    return [Block("text", text, where)] if text else [Block("text", "", where)]


def _cells(row: etree._Element) -> list[_Cell]:
    tall = False
    height = row.find(f"{qn('w:trPr')}/{qn('w:trHeight')}")
    if height is not None and (height.get(qn("w:val")) or "0").isdigit():
        tall = int(height.get(qn("w:val")) or 0) >= TALL_ROW
    cells = []
    for tc in row.xpath("./w:tc | ./w:sdt/w:sdtContent/w:tc", namespaces=_NS):
        cell = _Cell(tall=tall, band=_is_band(tc))
        for p in tc.xpath(".//w:p[not(ancestor::w:tbl[ancestor::w:tc])]", namespaces=_NS):
            cell.paragraphs.append(_pieces(p))
        cells.append(cell)
    return cells


_NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}


def _is_band(tc: etree._Element) -> bool:
    """A cell across two or more columns, shaded or all in bold: forms that are one long table
    head their sections with such a row."""
    span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
    if span is None or not (span.get(qn("w:val")) or "1").isdigit() or \
            int(span.get(qn("w:val")) or 1) < 2:
        return False
    shade = tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}")
    fill = (shade.get(qn("w:fill")) or "auto").lower() if shade is not None else "auto"
    if fill not in ("auto", "ffffff", "none"):
        return True
    runs = [r for r in tc.iter(qn("w:r")) if "".join(r.itertext()).strip()]
    return bool(runs) and all(r.find(f"{qn('w:rPr')}/{qn('w:b')}") is not None and
                              r.find(f"{qn('w:rPr')}/{qn('w:b')}").get(qn("w:val"), "1")
                              not in ("0", "false") for r in runs)


def _grid(rows: list[list[_Cell]], where: str) -> Block | None:
    """A table with a header row of column names, then rows to write in (mostly blank)."""
    title = ""
    if rows and len(rows[0]) == 1 and rows[0][0].lines and len(rows) > 2:
        title, rows = rows[0][0].lines[0], rows[1:]
    if len(rows) < 2 or len(rows[0]) < 2:
        return None
    header = rows[0]
    if not all(c.lines and not c.has_slot for c in header):
        return None
    body = [r for r in rows[1:] if len(r) == len(header)]
    spaces = [r for r in body if all(c.is_space for c in r)]
    if not body or len(spaces) * 5 < len(body) * 3:
        return None
    if len(body) == 1:  # labels above their answers: fields, not a table
        return None
    sample = next((r for r in body if any(c.has_slot for c in r)), body[0])
    columns = tuple((c.lines[0], s.slot()) for c, s in zip(header, sample, strict=True))
    return Block("table", title, where, columns=columns, blank_rows=len(spaces))


def _row_blocks(cells: list[_Cell], nxt: list[_Cell] | None, where: str) -> tuple[list[Block], bool]:
    """The blocks of one row of a table read row by row; True when it used the next row too."""
    if len(cells) == 1:
        cell = cells[0]
        if cell.has_slot and cell.lines:
            return [b for p in cell.paragraphs for b in _fields_in(p, where) if b.text], False
        if cell.lines and nxt is not None and len(nxt) == 1 and nxt[0].is_space:
            slot = nxt[0].slot()
            if slot.kind == "blank":
                slot = Slot("multiline", "empty box below the question")
            return [Block("field", cell.lines[0], where, slot=slot,
                          guidance=" ".join(cell.lines[1:]))], True
        if cell.band and len(cell.lines) == 1 and len(cell.lines[0]) <= 120:
            return [Block("heading", cell.lines[0], where, level=2)], False
        return [Block("text", line, where) for line in cell.lines], False
    out: list[Block] = []
    i = 0
    while i < len(cells):
        label, value = cells[i], cells[i + 1] if i + 1 < len(cells) else None
        if label.lines and not label.has_slot and value is not None and value.is_space:
            out.append(Block("field", label.lines[0], where, slot=value.slot(),
                             guidance=" ".join(label.lines[1:])))
            i += 2
            continue
        ticks = value.typed_choice() if label.lines and not label.has_slot and value else None
        if ticks is not None:  # "UPN received | ☐ Yes ☐ No"
            out.append(Block("field", label.lines[0], where, slot=ticks,
                             guidance=" ".join(label.lines[1:])))
            i += 2
            continue
        if label.has_slot:
            out.extend(b for p in label.paragraphs for b in _fields_in(p, where) if b.text)
        elif label.lines:
            out.extend(Block("text", line, where) for line in label.lines)
        i += 1
    return out, False


def _labels_above(rows: list[list[_Cell]], where: str) -> list[Block] | None:
    """Two rows: labels side by side, and under each its answer."""
    if len(rows) != 2 or len(rows[0]) < 2 or len(rows[0]) != len(rows[1]):
        return None
    if not all(c.lines and not c.has_slot for c in rows[0]) or not all(c.is_space for c in rows[1]):
        return None
    return [Block("field", c.lines[0], where, slot=v.slot(), guidance=" ".join(c.lines[1:]))
            for c, v in zip(rows[0], rows[1], strict=True)]


def _table_blocks(tbl: etree._Element, where: str) -> list[Block]:
    rows = [_cells(tr) for tr in tbl.xpath("./w:tr | ./w:sdt/w:sdtContent/w:tr", namespaces=_NS)]
    rows = [r for r in rows if r]
    if len(rows) == 1 and len(rows[0]) == 1 and rows[0][0].is_space:  # a box under a question
        slot = rows[0][0].slot()
        if slot.kind in ("blank", "text"):
            slot = Slot("multiline", "empty box below the question", slot.options, slot.hint)
        return [Block("field", "", where, slot=slot)]
    grid = _grid(rows, where)
    if grid is not None:
        return [grid]
    above = _labels_above(rows, where)
    if above is not None:
        return above
    out: list[Block] = []
    skip = False
    for n, cells in enumerate(rows):
        if skip:
            skip = False
            continue
        blocks, skip = _row_blocks(cells, rows[n + 1] if n + 1 < len(rows) else None,
                                   f"{where}, row {n + 1}")
        out.extend(blocks)
    return out


def _body_items(body: etree._Element) -> Iterator[etree._Element]:
    for child in body:
        if child.tag == qn("w:sdt"):  # a block-level control: its paragraphs and tables
            content = child.find(qn("w:sdtContent"))
            if content is not None and content.find(qn("w:tbl")) is not None:
                yield from _body_items(content)
            else:
                yield child
        elif child.tag in (qn("w:p"), qn("w:tbl")):
            yield child


def outline(document_xml: bytes) -> list[Block]:
    """The blocks of a form's `word/document.xml`, in order."""
    root = parse_untrusted(document_xml)
    body = root.find(qn("w:body"))
    if body is None:
        return []
    out: list[Block] = []
    tables = paragraphs = 0
    for item in _body_items(body):
        if item.tag == qn("w:tbl"):
            tables += 1
            out.extend(_table_blocks(item, f"table {tables}"))
        elif item.tag == qn("w:sdt"):  # a block-level answer box under a question
            paragraphs += 1
            out.append(Block("field", "", f"paragraph {paragraphs}", slot=_control_slot(item)))
        else:
            paragraphs += 1
            out.extend(_paragraph_blocks(item, f"paragraph {paragraphs}"))
    return out
