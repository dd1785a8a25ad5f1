"""Rendering a template into a child's form: prepared once per batch, then render + zip splice.

docxtpl re-opens the template, re-runs its regex preprocessing and recompiles the Jinja template on
every render. A `PreparedTemplate` runs docxtpl's own preprocessing (`patch_xml`) once, compiles
the body and header/footer parts once, and deflates the parts no form changes once. Per form it
only renders, applies docxtpl's own post-processing (`resolve_listing`, and only when a value
holds a tab or a line break: otherwise that pass changes nothing) and writes the zip, copying the
untouched parts' compressed bytes as they are.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, Template

from pepforms.errors import TemplateError
from pepforms.schema import Field, FormModel
from pepforms.values import clean_text
from pepforms.word.controls import PLACEHOLDER_STYLE, VALUE_STYLE, display_text
from pepforms.word.identity import custom_properties_xml
from pepforms.word.ooxml import CHECKED_GLYPH, UNCHECKED_GLYPH
from pepforms.word.ziparchive import ONCE, Member, build_zip, deflate

_XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
_BODY = re.compile(r"<w:body\b[^>]*>.*</w:body>", re.DOTALL)
_SDT_ID = re.compile(r'<w:id w:val="-?\d+"/>')
_PART = re.compile(r"^word/(header|footer)\d*\.xml$")
_NEWLINE_P = re.compile(r"\n<w:p([ >])")
# What docxtpl's resolve_listing turns into Word markup; text without any of them it leaves alone.
_LISTING = ("\n", "\t", "\a", "\f")
CUSTOM_PART = "docProps/custom.xml"


def jinja_environment() -> Environment:
    return Environment(autoescape=True, undefined=StrictUndefined)


# --------------------------------------------------------------------------------------------
# The render context


class Slot(NamedTuple):
    """What one control shows: its text, placeholder state, style and lock.

    The template reads these as attributes (`{{ p['/child/first_name'].text }}`). An object, not
    a dict: Jinja tries an attribute first, and a dict's missing attribute costs an exception per
    lookup — hundreds per form.
    """

    text: str
    ph: str
    style: str
    lock: str
    iso: str
    checked: str


def slot(f: Field, value: Any, locked: bool = False) -> Slot:
    """What one control shows for `value`."""
    empty = value is None or value == ""
    if f.kind == "checkbox":
        return Slot(text=CHECKED_GLYPH if value else UNCHECKED_GLYPH, ph="0", style=VALUE_STYLE,
                    lock="sdtLocked", iso="", checked="1" if value else "0")
    if empty:
        return Slot(text=f.placeholder, ph="1", style=PLACEHOLDER_STYLE, lock="sdtLocked", iso="",
                    checked="0")
    return Slot(
        text=clean_text(display_text(f, value)),
        ph="0",
        style=VALUE_STYLE,
        lock="sdtContentLocked" if locked else "sdtLocked",
        iso=f"{value}T00:00:00Z" if f.kind == "date" else "",
        checked="0",
    )


@dataclass(frozen=True)
class FormContent:
    """Everything one child's form is rendered from."""

    values: Mapping[str, Any]  # scalar pointer → typed value (pre-filled or carried forward)
    tables: Mapping[str, list[Mapping[str, Any]]]  # table pointer → rows
    properties: Mapping[str, str]  # identity custom properties, without the `pepforms.` prefix
    form_id: str
    term_label: str
    schema_label: str
    header_line: str
    extra: Mapping[str, Any] = field(default_factory=dict)


def context_for(model: FormModel, content: FormContent) -> dict[str, Any]:
    p = {}
    for f in model.fields():
        if f.prefill or f.carry_forward:
            p[f.pointer] = slot(f, content.values.get(f.pointer), locked=f.locked)
    t = {}
    for table in model.tables():
        rows = list(content.tables.get(table.pointer, []))
        spare = max(table.blank_rows - len(rows), min(2, table.blank_rows))
        rows += [{}] * spare
        t[table.pointer] = [
            {col.key: slot(col, row.get(col.key)) for col in table.columns} for row in rows
        ]
    return {
        "p": p,
        "t": t,
        "form_id": content.form_id,
        "term_label": content.term_label,
        "schema_label": content.schema_label,
        "header_line": content.header_line,
        **content.extra,
    }


# --------------------------------------------------------------------------------------------
# Prepared template


def _finish(xml: str, template: DocxTemplate) -> str:
    """docxtpl's own post-render steps (render_xml_part), with the same result.

    docxtpl puts a line break before every paragraph so that Jinja's errors name a line, and takes
    them out after rendering; the prepared template never puts them in. Its resolve_listing pass
    (a regex over every paragraph, run and text) only rewrites tabs, line breaks, bells and form
    feeds inside text, so it runs only when the rendered part holds one of them.
    """
    xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    if not any(ch in xml for ch in _LISTING):  # `in` is a fast scan; a regex class is not
        return xml
    return template.resolve_listing(_NEWLINE_P.sub(r"<w:p\1", xml))


def _renumber_ids(xml: str) -> str:
    # docxtpl's row loops clone control ids; Word wants them unique.
    counter = iter(range(1_000_000, 9_000_000))
    return _SDT_ID.sub(lambda _m: f'<w:id w:val="{next(counter)}"/>', xml)


class PreparedTemplate:
    """A template read, preprocessed and compiled once; `render` is then cheap."""

    def __init__(self, path: Path, env: Environment | None = None) -> None:
        self.path = path
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TemplateError(f"The template {path} cannot be read: {exc.strerror}.") from exc
        self._env = env or jinja_environment()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = [(info, zf.read(info)) for info in zf.infolist()]
        blobs = {info.filename: blob for info, blob in members}
        if CUSTOM_PART not in blobs:
            raise TemplateError(f"{path} has no custom properties part: rebuild the template.")
        template = DocxTemplate(io.BytesIO(data))
        template.init_docx()
        self._docxtpl = template
        self._body = self._compile(template.patch_xml(template.get_xml()))
        text = blobs["word/document.xml"].decode("utf-8")
        match = _BODY.search(text)
        if match is None:
            raise TemplateError(f"{path}: word/document.xml has no body.")
        self._head, self._tail = text[: match.start()], text[match.end():]
        self._parts: dict[str, Template] = {}
        for name, blob in blobs.items():
            if _PART.match(name) and (b"{{" in blob or b"{%" in blob):
                xml = template.patch_xml(template.xml_to_string(parse_xml(blob)))
                self._parts[name] = self._compile(xml)
        rendered = {"word/document.xml", CUSTOM_PART, *self._parts}
        # The order of the template's parts, each either deflated now (it is the same in every
        # form) or a name, to be deflated per form.
        self._layout: list[Member | str] = [
            info.filename if info.filename in rendered else deflate(info.filename, blob,
                                                                    info.date_time, ONCE)
            for info, blob in members]
        self._dates = {info.filename: info.date_time for info, _ in members}

    def _compile(self, source: str) -> Template:
        try:
            return self._env.from_string(source)
        except Exception as exc:  # jinja2.TemplateSyntaxError and friends
            raise TemplateError(f"{self.path} has a broken template tag: {exc}") from exc

    def render_parts(self, context: Mapping[str, Any]) -> dict[str, bytes]:
        """The rendered parts that differ from the template."""
        try:
            body = _finish(self._body.render(context), self._docxtpl)
            parts = {
                name: (_XML_DECLARATION + _finish(t.render(context), self._docxtpl)).encode()
                for name, t in self._parts.items()
            }
        except Exception as exc:  # an undefined name in a restyled template, say
            raise TemplateError(f"{self.path} could not be filled in: {exc}") from exc
        # A filled control must not carry showingPlcHdr at all: LibreOffice drops the "0" and
        # keeps the element, which would turn the value back into a placeholder.
        body = _renumber_ids(body).replace(' w:fullDate=""', "").replace(
            '<w:showingPlcHdr w:val="0"/>', "")
        parts["word/document.xml"] = (self._head + body + self._tail).encode("utf-8")
        return parts

    def render(self, context: Mapping[str, Any], properties: Mapping[str, str]) -> bytes:
        """One child's .docx, as bytes."""
        parts = self.render_parts(context)
        parts[CUSTOM_PART] = custom_properties_xml(
            {f"pepforms.{k}": v for k, v in properties.items()})
        return build_zip(
            deflate(item, parts[item], self._dates[item]) if isinstance(item, str) else item
            for item in self._layout)


def render_with_docxtpl(path: Path, context: Mapping[str, Any]) -> bytes:
    """The plain way: docxtpl opens, preprocesses, compiles and renders the template each time.

    Kept for the benchmark and for the test that the prepared render gives the same body.
    """
    template = DocxTemplate(path)
    template.render(dict(context), jinja_env=jinja_environment(), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
