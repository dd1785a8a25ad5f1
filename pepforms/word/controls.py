"""Word content controls (`w:sdt`): building them for templates, reading them, and setting their value.

A control is built for one form-model field. In a template its content and state may be Jinja
slots (`slot` is the Jinja expression of a prepared slot dict, see `render.slot`), so that the same
control renders as a locked pre-filled value or as an empty control with its placeholder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from typing import NamedTuple

from lxml import etree

from pepforms.calendar import term_label
from pepforms.schema import EARLIER_PLACEHOLDERS, PLACEHOLDERS, Field
from pepforms.values import clean_text, format_date, format_money, format_number
from pepforms.word.ooxml import (
    CHECKED_GLYPH,
    UNCHECKED_GLYPH,
    W_RSTYLE,
    W_VAL,
    el,
    qn,
    text_by_paragraphs,
    text_of,
    walk_text,
)

PLACEHOLDER_STYLE = "PlaceholderText"
VALUE_STYLE = "DefaultParagraphFont"

# Placeholder texts that mean "nothing entered": ours, and Word's and LibreOffice's defaults.
KNOWN_PLACEHOLDERS = frozenset(
    {p for p in PLACEHOLDERS.values() if p}
    | EARLIER_PLACEHOLDERS
    | {
        "Click or tap here to enter text.",
        "Click here to enter text.",
        "Click or tap to enter a date.",
        "Click here to enter a date.",
        "Choose an item.",
        "Enter text",
        "Click to enter text.",
    }
)


def _jinja(slot: str, attribute: str) -> str:
    """A Jinja expression printing one attribute of a render slot."""
    return "{{ " + slot + "." + attribute + " }}"


def _type_element(field: Field, slot: str | None) -> etree._Element:
    kind = field.kind
    if kind == "date":
        date_el = el("w:date", None,
                     el("w:dateFormat", {"w:val": "dd/MM/yyyy"}),
                     el("w:lid", {"w:val": "en-GB"}),
                     el("w:storeMappedDataAs", {"w:val": "dateTime"}),
                     el("w:calendar", {"w:val": "gregorian"}))
        if slot:
            date_el.set(qn("w:fullDate"), _jinja(slot, "iso"))
        return date_el
    if kind == "choice":
        items = [el("w:listItem", {"w:displayText": c.label, "w:value": str(c.value)})
                 for c in field.choices]
        return el("w:dropDownList", None, *items)
    if kind == "checkbox":
        checked = _jinja(slot, "checked") if slot else "0"
        return el("w14:checkbox", None,
                  el("w14:checked", {"w14:val": checked}),
                  el("w14:checkedState", {"w14:val": "2612", "w14:font": "MS Gothic"}),
                  el("w14:uncheckedState", {"w14:val": "2610", "w14:font": "MS Gothic"}))
    # Every typed answer is a rich-text control, short ones too: LibreOffice 7.4 draws a
    # plain-text control's placeholder in black (as if filled in) and a rich-text one in grey.
    return el("w:richText")


def build_control(field: Field, *, tag: str, sdt_id: int, slot: str | None = None,
                  locked: bool = False) -> etree._Element:
    """An inline content control for `field`, tagged with `tag` (its pointer, possibly Jinja).

    With `slot`, the control's text, placeholder state, style and lock come from the rendered
    slot; without, it is an empty control showing its placeholder.
    """
    if field.kind == "checkbox":
        glyph = _jinja(slot, "text") if slot else UNCHECKED_GLYPH
        run = el("w:r", None, el("w:rPr", None, el("w:rFonts", {"w:ascii": "MS Gothic",
                                                                 "w:hAnsi": "MS Gothic",
                                                                 "w:eastAsia": "MS Gothic"})),
                 el("w:t", None, text=glyph))
        show = None
    else:
        style = _jinja(slot, "style") if slot else PLACEHOLDER_STYLE
        text = _jinja(slot, "text") if slot else field.placeholder
        run = el("w:r", None, el("w:rPr", None, el("w:rStyle", {"w:val": style})),
                 el("w:t", None, text=text))
        show = _jinja(slot, "ph") if slot else "1"
    lock = (_jinja(slot, "lock")) if (slot and locked) else "sdtLocked"
    # No run properties on the control itself: Word gives them to the text a person types into
    # an empty control, and the placeholder's grey style there would make typed answers grey.
    props = el("w:sdtPr")
    props.append(el("w:alias", {"w:val": field.display_label[:250]}))
    props.append(el("w:tag", {"w:val": tag}))
    props.append(el("w:id", {"w:val": sdt_id}))
    props.append(el("w:lock", {"w:val": lock}))
    if show is not None:
        props.append(el("w:showingPlcHdr", {"w:val": show}))
    props.append(_type_element(field, slot))
    return el("w:sdt", None, props, el("w:sdtContent", None, run))


# ------------------------------------------------------------------------------------------
# Reading a control


class ControlValue(NamedTuple):
    """What a control holds, before coercion by the schema type (immutable; a named tuple, as
    one is made for most controls of every form read)."""

    text: str | None  # None: empty or still the placeholder
    checked: bool | None = None  # checkboxes
    full_date: str | None = None  # date pickers: w:fullDate
    is_dropdown: bool = False
    locked: bool = False
    # The control says it shows its placeholder (w:showingPlcHdr, or the placeholder style)
    # although it shows other text: LibreOffice leaves both on a picked date or drop-down item.
    flagged_placeholder: bool = False
    stale_full_date: bool = False  # a w:fullDate under the placeholder text (ignored)
    glyph_disagrees: bool = False  # a box whose glyph (☒/☐) differs from its state


def _on(value: str | None) -> bool:
    return value is None or value.lower() in {"1", "true", "on"}


W_SDTPR, W_SDTCONTENT, W_TAG, W_LOCK = qn("w:sdtPr"), qn("w:sdtContent"), qn("w:tag"), qn("w:lock")
W_SHOWING, W_DATE, W_FULL_DATE = qn("w:showingPlcHdr"), qn("w:date"), qn("w:fullDate")
W_DROPDOWN, W_COMBO, W_SDT = qn("w:dropDownList"), qn("w:comboBox"), qn("w:sdt")
W14_CHECKBOX, W14_CHECKED, W14_VAL = qn("w14:checkbox"), qn("w14:checked"), qn("w14:val")
_LOCKED = frozenset({"contentLocked", "sdtContentLocked"})
_GLYPHS = frozenset({CHECKED_GLYPH, UNCHECKED_GLYPH})


def control_tag(sdt: etree._Element) -> str | None:
    for props in sdt.iterchildren(W_SDTPR):
        for tag in props.iterchildren(W_TAG):
            return tag.get(W_VAL)
    return None


_PROPERTIES = frozenset({W_LOCK, W_SHOWING, W_DATE, W_DROPDOWN, W_COMBO})


def _parts(sdt: etree._Element) -> tuple[dict[str, etree._Element], etree._Element | None]:
    """The first of each property read (lock, placeholder flag, date, list) in the control's
    first w:sdtPr, and its first w:sdtContent (one walk over the control's children)."""
    first: dict[str, etree._Element] = {}
    props = content = None
    for child in sdt:
        tag = child.tag
        if tag == W_SDTPR:
            if props is None:
                props = child
                for prop in child:
                    kind = prop.tag
                    if kind in _PROPERTIES and kind not in first:
                        first[kind] = prop
        elif tag == W_SDTCONTENT and content is None:
            content = child
    return first, content


def _checkbox_value(checkbox: etree._Element, content: etree._Element | None,
                    locked: bool) -> ControlValue:
    state = next(checkbox.iterchildren(W14_CHECKED), None)
    checked = state is not None and _on(state.get(W14_VAL))
    glyph = text_of(content).strip() if content is not None else ""
    disagrees = glyph in _GLYPHS and (glyph == CHECKED_GLYPH) != checked
    return _box(checked, locked, disagrees)


@cache
def _box(checked: bool, locked: bool, disagrees: bool) -> ControlValue:
    """A checkbox's value (values are immutable, so each kind is made once)."""
    return ControlValue(text=None, checked=checked, locked=locked, glyph_disagrees=disagrees)


@cache
def _nothing(dropdown: bool, locked: bool, stale: bool) -> ControlValue:
    """A control showing its placeholder, or nothing (made once for each kind)."""
    return ControlValue(text=None, is_dropdown=dropdown, locked=locked, stale_full_date=stale)


def read_control(sdt: etree._Element,
                 boxes: Mapping[etree._Element, etree._Element] | None = None) -> ControlValue:
    """What a control holds. What is visible wins: text that is not a known placeholder is an
    answer whatever the placeholder flag and style say; a checkbox's state is its state.

    `boxes`, when given, is the first checkbox inside each control of the document (see
    `checkboxes`), so that each control need not be searched for one."""
    first, content = _parts(sdt)
    lock = first.get(W_LOCK)
    locked = lock is not None and lock.get(W_VAL) in _LOCKED
    # LibreOffice re-emits a checkbox as a block control around an inner checkbox control: the
    # inner one holds the state, so look for a checkbox anywhere inside.
    checkbox = next(sdt.iter(W14_CHECKBOX), None) if boxes is None else boxes.get(sdt)
    if checkbox is not None:
        return _checkbox_value(checkbox, content, locked)
    if content is None:
        text, styled = "", False
    else:
        walked, styled, _ = walk_text(content, PLACEHOLDER_STYLE)
        if walked is None:  # a shape the walk does not read: the general way
            walked = text_by_paragraphs(content)
            styled = any(s.get(W_VAL) == PLACEHOLDER_STYLE for s in content.iter(W_RSTYLE))
        text = walked
    show = first.get(W_SHOWING)
    flagged = show is not None and _on(show.get(W_VAL))
    date_el = first.get(W_DATE)
    full_date = (date_el.get(W_FULL_DATE) or None) if date_el is not None else None
    dropdown = W_DROPDOWN in first or W_COMBO in first
    cleaned = text.strip()
    if cleaned in KNOWN_PLACEHOLDERS:
        # The control shows its placeholder: nothing was entered (a fullDate under it is stale).
        return _nothing(dropdown, locked, full_date is not None)
    if not cleaned:
        # Nothing shows, and nothing contradicts a picked date.
        if full_date is None:
            return _nothing(dropdown, locked, False)
        return ControlValue(text=None, full_date=full_date, is_dropdown=dropdown, locked=locked)
    # The placeholder's style on text typed over it also flags it.
    return ControlValue(text=text, full_date=full_date, is_dropdown=dropdown, locked=locked,
                        flagged_placeholder=flagged or styled)


def checkboxes(found: Iterable[etree._Element]) -> dict[etree._Element, etree._Element]:
    """control (`w:sdt`) → the first checkbox inside it, from a document's checkboxes in
    document order (what `read_control` would find by searching each control)."""
    boxes: dict[etree._Element, etree._Element] = {}
    for box in found:
        parent = box.getparent()
        while parent is not None:
            if parent.tag == W_SDT:
                boxes.setdefault(parent, box)
            parent = parent.getparent()
    return boxes


# ------------------------------------------------------------------------------------------
# Setting a control's value (fill; what Word does when a person types)


def display_text(field: Field, value: object) -> str:
    """The text a person would see in the control for `value` (XML-safe)."""
    return clean_text(_display(field, value))


def _display(field: Field, value: object) -> str:
    if value is None:
        return ""
    if field.kind == "choice":
        return field.label_for(value)
    if field.kind == "term":
        return term_label(str(value))
    if field.kind == "date":
        return format_date(date.fromisoformat(str(value)))
    if field.kind == "money":
        return format_money(float(value))  # type: ignore[arg-type]
    if field.kind == "percentage":
        return format_number(value) + "%"  # type: ignore[arg-type]
    if field.kind in {"number", "integer"}:
        return format_number(value)  # type: ignore[arg-type]
    return str(value)


def runs_for(text: str, rpr: etree._Element | None) -> list[etree._Element]:
    """Runs holding `text`, a line break between lines, each with a copy of `rpr`."""
    runs = []
    for i, line in enumerate(text.split("\n")):
        run = el("w:r")
        if rpr is not None:
            run.append(_copy(rpr))
        if i:
            run.append(el("w:br"))
        t = el("w:t", None, text=line)
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        run.append(t)
        runs.append(run)
    return runs


def _copy(node: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(node))


def _set_checkbox(checkbox: etree._Element, content: etree._Element, value: object) -> None:
    state = checkbox.find(qn("w14:checked"))
    if state is not None:
        state.set(qn("w14:val"), "1" if value else "0")
    for t in content.iter(qn("w:t")):
        t.text = CHECKED_GLYPH if value else UNCHECKED_GLYPH
        break


def _set_placeholder_flag(props: etree._Element, empty: bool) -> None:
    show = props.find(qn("w:showingPlcHdr"))
    if show is not None and not empty:
        props.remove(show)
    elif empty and show is None:
        # Keep the schema order: showingPlcHdr goes before the type element.
        props.insert(len(props) - 1, el("w:showingPlcHdr"))
    elif show is not None:
        show.set(qn("w:val"), "1")


def _set_full_date(props: etree._Element, value: object, empty: bool) -> None:
    date_el = props.find(qn("w:date"))
    if date_el is None:
        return
    if empty:
        date_el.attrib.pop(qn("w:fullDate"), None)
    else:
        date_el.set(qn("w:fullDate"), f"{value}T00:00:00Z")


def _value_run_properties(props: etree._Element, content: etree._Element,
                          empty: bool) -> etree._Element | None:
    """The run properties of the first run, with the placeholder style only while empty."""
    first_rpr = content.find(f".//{qn('w:rPr')}")
    rpr = _copy(first_rpr) if first_rpr is not None else None
    if rpr is not None:
        for style in rpr.findall(qn("w:rStyle")):
            if empty:
                style.set(qn("w:val"), PLACEHOLDER_STYLE)
            else:
                rpr.remove(style)
    props_rpr = props.find(qn("w:rPr"))
    if props_rpr is not None and not empty:
        props.remove(props_rpr)
    return rpr


def _text_holder(content: etree._Element) -> etree._Element:
    """Where the runs go: block-level controls hold paragraphs, so the first paragraph (the
    others removed); else the content itself. Emptied of all but paragraph properties."""
    paragraph = content.find(qn("w:p"))
    holder = content
    if paragraph is not None:
        for extra in content.findall(qn("w:p"))[1:]:
            content.remove(extra)
        holder = paragraph
    for child in list(holder):
        if child.tag != qn("w:pPr"):
            holder.remove(child)
    return holder


def set_control(sdt: etree._Element, field: Field, value: object) -> None:
    """Put `value` into a control the way Word does when a person fills it in."""
    props = sdt.find(qn("w:sdtPr"))
    content = sdt.find(qn("w:sdtContent"))
    if props is None or content is None:
        raise ValueError("not a content control")
    checkbox = sdt.find(f".//{qn('w14:checkbox')}")
    if checkbox is not None:
        _set_checkbox(checkbox, content, value)
        return
    empty = value is None or value == ""
    text = field.placeholder if empty else display_text(field, value)
    _set_placeholder_flag(props, empty)
    _set_full_date(props, value, empty)
    rpr = _value_run_properties(props, content, empty)
    holder = _text_holder(content)
    for run in runs_for(text, rpr):
        holder.append(run)
