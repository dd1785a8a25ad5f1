"""A child's fillable PDF as an incremental update of a blank one: the layout is made once.

Laying a form out with reportlab (twice, for "Page N of M") and re-writing it with pypdf took about
half a second per child. What differs between two children's forms of the same layout is small:
the field values, which pre-filled fields are locked, the ticked boxes, the running header and
footer, and the document information. So the blank form of a layout is built once
(`prepare_base` finishes it and takes it apart, once), and each child's form is that PDF with an
incremental update appended (ISO 32000-1, 7.5.6): new versions of the fields it fills, of each
page's running text (a form XObject the blank form draws on every page), of the information
dictionary, and a cross-reference section pointing back to the blank form's. Every PDF reader
reads the newest version of each object; the update is a few kilobytes and takes milliseconds.

A filled text field gets an appearance drawn here (the box, and its text in Helvetica) when its
text is in the font's encoding; otherwise the field keeps the empty box and viewers draw the value
themselves (`NeedAppearances` is set, as for every pepforms fillable form).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.pdfbase.pdfmetrics import stringWidth

RUNNING_FONT = "Helvetica"  # a standard font: any text in its encoding needs no embedded glyphs
RUNNING_ENCODING = "cp1252"  # reportlab gives the standard fonts WinAnsiEncoding
FIELD_FONT_SIZE = 9.0
READ_ONLY = 1
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


@dataclass(frozen=True)
class BaseField:
    number: int  # object number of the field (reportlab merges field and widget)
    entries: DictionaryObject  # its dictionary in the blank form
    width: float
    height: float
    multiline: bool


@dataclass(frozen=True)
class Base:
    """The blank form of one layout, taken apart once."""

    data: bytes
    size: int  # the blank form's /Size: new objects are numbered from here
    startxref: int
    root: int
    info: int
    info_entries: DictionaryObject
    fields: Mapping[str, BaseField]
    running: tuple[tuple[int, DictionaryObject], ...]  # per page: its running-text XObject
    running_font: str  # that XObject's resource name for RUNNING_FONT
    field_font: int  # the object number of the AcroForm's /Helv


def _number(ref: object) -> int:
    if not isinstance(ref, IndirectObject):
        raise ValueError("the blank form has a direct object where a reference was expected")
    return int(ref.idnum)


def _running_font(resources: DictionaryObject) -> str:
    fonts = resources.get("/Font")
    fonts = fonts.get_object() if fonts is not None else {}
    for name, ref in fonts.items():
        if ref.get_object().get("/BaseFont") == f"/{RUNNING_FONT}":
            return str(name)
    raise ValueError(f"the running text is not set in {RUNNING_FONT}")


def _fields(reader: PdfReader) -> Iterator[BaseField]:
    for page in reader.pages:
        for ref in page.get("/Annots", []):
            annotation: Any = ref.get_object()
            if "/T" not in annotation:
                continue
            left, bottom, right, top = (float(v) for v in annotation["/Rect"])
            yield BaseField(_number(ref), DictionaryObject(annotation), right - left, top - bottom,
                            bool(int(annotation.get("/Ff", 0)) & (1 << 12)))


def _startxref(data: bytes) -> int:
    match = _STARTXREF.search(data[-64:])
    if match is None:
        raise ValueError("the PDF has no startxref")
    return int(match.group(1))


def _running(reader: PdfReader, running_name: str) -> tuple[list[tuple[int, DictionaryObject]], str]:
    """Each page's running-text XObject (page 1 draws `running_name + "1"`), and the resource
    name of its font."""
    running = []
    font = ""
    for index, page in enumerate(reader.pages, start=1):
        resources: Any = page["/Resources"]
        xobjects: Any = resources.get_object()["/XObject"].get_object()
        key = next(k for k in xobjects if str(k).endswith(f"{running_name}{index}"))
        ref = xobjects.raw_get(key)
        stream: Any = ref.get_object()
        font = _running_font(stream["/Resources"].get_object())
        entries = DictionaryObject({k: v for k, v in stream.items()
                                    if k not in {"/Length", "/Filter", "/DecodeParms"}})
        running.append((_number(ref), entries))
    return running, font


def prepare_base(data: bytes, running_name: str, *, file_id: bytes,
                 fill: tuple[float, float, float], border: tuple[float, float, float]) -> Base:
    """reportlab's laid-out form made the blank form of its layout, and taken apart (one parse).

    The blank form is reportlab's PDF with an incremental update: `NeedAppearances` set, and
    every combo box emptied (reportlab can only make one showing its first option).
    """
    reader = PdfReader(io.BytesIO(data))
    trailer: Any = reader.trailer
    update = _Update(data, size=int(trailer["/Size"]), root=_number(trailer.raw_get("/Root")),
                     info=_number(trailer.raw_get("/Info")), startxref=_startxref(data))
    root = trailer["/Root"]
    acroform = DictionaryObject(root["/AcroForm"].get_object())
    acroform[NameObject("/NeedAppearances")] = BooleanObject(True)
    resources: Any = acroform["/DR"]
    font = _number(resources["/Font"].raw_get("/Helv"))
    if isinstance(root.raw_get("/AcroForm"), IndirectObject):
        update.put(_number(root.raw_get("/AcroForm")), acroform)
    else:
        catalog = DictionaryObject(root)
        catalog[NameObject("/AcroForm")] = acroform
        update.put(update.root, catalog)
    fields = {}
    for field in _fields(reader):
        if field.entries.get("/FT") == "/Ch":
            entries = DictionaryObject(field.entries)
            entries[NameObject("/V")] = TextStringObject("")
            entries[NameObject("/DV")] = TextStringObject("")
            _put_appearance(update, entries, field, appearance(field, "", fill, border), font)
            update.put(field.number, entries)
            field = BaseField(field.number, entries, field.width, field.height, field.multiline)
        fields[str(field.entries["/T"])] = field
    running, running_font = _running(reader, running_name)
    blank = update.finish(file_id)
    return Base(
        data=blank, size=update.next_number, startxref=update.xref_offset, root=update.root,
        info=update.info, info_entries=DictionaryObject(trailer["/Info"].get_object()),
        fields=fields, running=tuple(running), running_font=running_font, field_font=font)


def _put_appearance(update: _Update, entries: DictionaryObject, field: BaseField,
                    content: bytes | None, font: int) -> None:
    if content is None:
        return
    number = update.new_number()
    update.put(number, _appearance_entries(field, font), content)
    entries[NameObject("/AP")] = DictionaryObject(
        {NameObject("/N"): IndirectObject(number, 0, None)})  # type: ignore[arg-type]


def can_run(*texts: str) -> bool:
    """Whether running text can be set in RUNNING_FONT."""
    try:
        for text in texts:
            text.encode(RUNNING_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _literal(data: bytes) -> bytes:
    return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


@dataclass(frozen=True)
class RunningText:
    """Where the running header and footer go (the same as the record's)."""

    page_width: float
    left: float
    right: float
    header_y: float
    footer_y: float
    grey: tuple[float, float, float]

    def content(self, font: str, header: str, footer: str, page: int, pages: int) -> bytes:
        number = f"Page {page} of {pages}"
        width = stringWidth(number, RUNNING_FONT, 7.5)
        grey = " ".join(f"{c:.3f}" for c in self.grey).encode()
        lines = [
            b"q " + grey + b" rg",
            b"BT " + font.encode() + b" 8.5 Tf " + f"{self.left:.2f} {self.header_y:.2f}".encode()
            + b" Td " + _literal(header.encode(RUNNING_ENCODING)) + b" Tj ET",
            b"BT " + font.encode() + b" 7.5 Tf " + f"{self.left:.2f} {self.footer_y:.2f}".encode()
            + b" Td " + _literal(footer.encode(RUNNING_ENCODING)) + b" Tj ET",
            b"BT " + font.encode() + b" 7.5 Tf "
            + f"{self.page_width - self.right - width:.2f} {self.footer_y:.2f}".encode()
            + b" Td " + _literal(number.encode(RUNNING_ENCODING)) + b" Tj ET",
            b"Q",
        ]
        return b"\n".join(lines) + b"\n"


def _field_text(text: str) -> bytes | None:
    """`text` in the field font's encoding (its printable Latin-1 part), or None."""
    if any(not (32 <= ord(c) < 127 or 0xA1 <= ord(c) <= 0xFF) or c == "\xad"
           for c in text.replace("\n", "")):
        return None
    return text.encode("latin-1")


def _wrap(text: str, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and stringWidth(candidate, RUNNING_FONT, FIELD_FONT_SIZE) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def _colour(rgb: Iterable[float]) -> bytes:
    return " ".join(f"{c:.3f}" for c in rgb).encode()


def appearance(field: BaseField, text: str, fill: tuple[float, float, float],
               border: tuple[float, float, float]) -> bytes | None:
    """The content of a filled text field's appearance: its box and its text."""
    encoded = _field_text(text)
    if encoded is None:
        return None
    w, h = field.width, field.height
    out = [b"q", f"0 0 {w:.3f} {h:.3f} re".encode(), _colour(fill) + b" rg", b"f",
           f"0.6 0.6 {w - 1.2:.3f} {h - 1.2:.3f} re".encode(), b"0.6 w",
           _colour(border) + b" RG", b"s", b"Q", b"/Tx BMC", b"q",
           f"2 0.6 {w - 4:.3f} {h - 1.2:.3f} re W n".encode(), b"BT",
           f"/Helv {FIELD_FONT_SIZE:g} Tf 0 0 0 rg".encode()]
    if field.multiline:
        lines = _wrap(text, w - 6)
        out.append(f"2 {h - 2 - FIELD_FONT_SIZE:.3f} Td {FIELD_FONT_SIZE * 1.15:.2f} TL".encode())
        out += [_literal(line.encode("latin-1")) + b" Tj T*" for line in lines]
    else:
        out.append(f"2 {(h - FIELD_FONT_SIZE * 0.72) / 2:.3f} Td".encode())
        out.append(_literal(encoded) + b" Tj")
    out += [b"ET", b"Q", b"EMC"]
    return b"\n".join(out) + b"\n"


class _Update:
    """The objects of one incremental update, and its cross-reference section."""

    def __init__(self, data: bytes, *, size: int, root: int, info: int, startxref: int) -> None:
        self.root, self.info, self.startxref = root, info, startxref
        self.out = io.BytesIO()
        self.out.write(data if data.endswith(b"\n") else data + b"\n")
        self.offsets: dict[int, int] = {}
        self.next_number = size
        self.xref_offset = 0  # where this update's cross-reference section starts

    def new_number(self) -> int:
        self.next_number += 1
        return self.next_number - 1

    def put(self, number: int, entries: DictionaryObject, stream: bytes | None = None) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(f"{number} 0 obj\n".encode())
        if stream is not None:
            entries = DictionaryObject(entries)
            entries[NameObject("/Length")] = NumberObject(len(stream))
        entries.write_to_stream(self.out)
        if stream is not None:
            self.out.write(b"\nstream\n" + stream + b"\nendstream")
        self.out.write(b"\nendobj\n")

    def finish(self, file_id: bytes) -> bytes:
        start = self.xref_offset = self.out.tell()
        numbers = sorted(self.offsets)
        lines = [b"xref"]
        run: list[int] = []
        for number in numbers:  # one subsection per run of consecutive numbers
            if run and number != run[-1] + 1:
                lines += self._subsection(run)
                run = []
            run.append(number)
        if run:
            lines += self._subsection(run)
        hex_id = file_id.hex().encode()
        lines += [b"trailer",
                  f"<< /Size {self.next_number} /Root {self.root} 0 R /Info "
                  f"{self.info} 0 R /Prev {self.startxref}".encode()
                  + b" /ID [<" + hex_id + b"> <" + hex_id + b">] >>",
                  b"startxref", str(start).encode(), b"%%EOF", b""]
        self.out.write(b"\n".join(lines))
        return self.out.getvalue()

    def _subsection(self, run: list[int]) -> list[bytes]:
        return [f"{run[0]} {len(run)}".encode()] + \
            [f"{self.offsets[n]:010d} 00000 n\r".encode() for n in run]


@dataclass(frozen=True)
class Filled:
    """What one child's form puts into the blank form."""

    text: Mapping[str, str]  # field name → text (text fields and combo boxes)
    ticked: frozenset[str]  # checkboxes ticked
    locked: frozenset[str]  # fields made read-only
    info: Mapping[str, str]  # document information entries to add, e.g. "/Pepforms_form_id"
    header: str
    footer: str


def stamp(base: Base, filled: Filled, running: RunningText, *, file_id: bytes,
          locked_fill: tuple[float, float, float], open_fill: tuple[float, float, float],
          border: tuple[float, float, float]) -> bytes:
    """The blank form with one child's values, lock states and running text."""
    update = _Update(base.data, size=base.size, root=base.root, info=base.info,
                     startxref=base.startxref)
    names = set(filled.text) | filled.ticked | filled.locked
    for name in sorted(names):
        field = base.fields.get(name)
        if field is None:
            continue
        entries = DictionaryObject(field.entries)
        locked = name in filled.locked
        if locked:
            entries[NameObject("/Ff")] = NumberObject(int(entries.get("/Ff", 0)) | READ_ONLY)
            mk = DictionaryObject(entries.get("/MK", DictionaryObject()))
            mk[NameObject("/BG")] = ArrayObject(FloatObject(c) for c in locked_fill)
            entries[NameObject("/MK")] = mk
        if entries.get("/FT") == "/Btn":
            state = NameObject("/Yes" if name in filled.ticked else "/Off")
            entries[NameObject("/V")] = state
            entries[NameObject("/AS")] = state
        else:
            text = filled.text.get(name, "")
            entries[NameObject("/V")] = TextStringObject(text)
            if text or locked:
                _put_appearance(update, entries, field,
                                appearance(field, text, locked_fill if locked else open_fill,
                                           border), base.field_font)
        update.put(field.number, entries)
    pages = len(base.running)
    for page, (number, entries) in enumerate(base.running, start=1):
        update.put(number, entries, running.content(base.running_font, filled.header,
                                                    filled.footer, page, pages))
    info = DictionaryObject(base.info_entries)
    for key, value in filled.info.items():
        info[NameObject(key)] = TextStringObject(value)
    update.put(base.info, info)
    return update.finish(file_id)


def _appearance_entries(field: BaseField, font: int) -> DictionaryObject:
    font_ref = IndirectObject(font, 0, None)  # type: ignore[arg-type]
    return DictionaryObject({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0),
                                          FloatObject(field.width), FloatObject(field.height)]),
        NameObject("/Resources"): DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/Helv"): font_ref})}),
    })
