"""WordprocessingML vocabulary: namespaces, element builders and the safe XML parser.

Every `w:` name in pepforms is written in `pepforms/word/`; nothing outside this package touches XML.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from lxml import etree

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
    "w15": "http://schemas.microsoft.com/office/word/2012/wordml",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "ep": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
    "op": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
}

CHECKED_GLYPH = "\u2612"  # ☒
UNCHECKED_GLYPH = "\u2610"  # ☐


@cache
def qn(name: str) -> str:
    """`w:tag` → `{namespace}tag` (computed once per name)."""
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


# Qualified names the reader meets on every node, computed once.
W_P, W_R, W_T, W_TAB, W_BR, W_CR, W_SYM = (qn(f"w:{n}")
                                           for n in ("p", "r", "t", "tab", "br", "cr", "sym"))
W_DEL, W_CHAR, W_VAL, W_RSTYLE = qn("w:del"), qn("w:char"), qn("w:val"), qn("w:rStyle")
_INLINE = frozenset({W_T, W_TAB, W_BR, W_CR, W_SYM})


def el(name: str, attrs: dict[str, Any] | None = None, *children: etree._Element,
       text: str | None = None) -> etree._Element:
    """Build an element; attribute names are qualified names like `w:val`."""
    element = etree.Element(qn(name))
    for key, value in (attrs or {}).items():
        element.set(qn(key), str(value))
    for child in children:
        element.append(child)
    if text is not None:
        element.text = text
        if name == "w:t" and (text != text.strip() or "{" in text):
            element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return element


def safe_parser() -> etree.XMLParser:
    """A parser for untrusted XML: no entities, no network, no huge trees."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           remove_comments=False, load_dtd=False)


class MalformedXML(ValueError):
    """A part of an Office document is not well-formed XML, or declares a DTD."""


def parse_untrusted(data: bytes) -> etree._Element:
    """Parse a part of an untrusted document; any problem is a MalformedXML (a ValueError)."""
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise MalformedXML("document type declarations are not allowed in Office documents")
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedXML(f"not well-formed XML (line {exc.lineno})") from None
    # Word never writes a DTD; catch one in any encoding (the byte check above sees only UTF-8).
    if root.getroottree().docinfo.doctype:
        raise MalformedXML("document type declarations are not allowed in Office documents")
    return root


def _piece(child: etree._Element, tag: str) -> tuple[str | None, etree._Element | None]:
    """The text an inline node (`w:t`, a tab, a break, a symbol) adds, None when it adds none,
    and the element holding its run (its grandparent)."""
    run = child.getparent()
    holder = run.getparent() if run is not None else None
    if holder is not None and holder.tag == W_DEL:
        return None, holder  # a tracked deletion: the person removed this break or tab
    if tag == W_T:
        return child.text or "", holder
    if tag == W_TAB:
        # A w:tab under w:pPr/w:tabs is a tab stop, not a character.
        return ("\t" if run is not None and run.tag == W_R else None), holder
    if tag == W_SYM:
        return _symbol(child), holder
    return "\n", holder


def _inline_text(node: etree._Element) -> str:
    out: list[str] = []
    for child in node.iter():  # every node, filtered here: quicker than lxml's tag filter
        tag = child.tag
        if tag in _INLINE:
            piece = _piece(child, tag)[0]
            if piece is not None:
                out.append(piece)
    return "".join(out)


def text_of(element: etree._Element) -> str:
    """The visible text under an element: runs, tabs and line breaks, paragraphs joined by newlines.

    Deleted text of tracked changes is `w:delText` and so is left out; inserted text is kept.
    """
    if element.tag == W_P:
        return _inline_text(element)
    text = walk_text(element)[0]
    return text_by_paragraphs(element) if text is None else text


def text_by_paragraphs(element: etree._Element) -> str:
    """`text_of` for any structure (not a paragraph): each paragraph's text (nested ones too),
    blank lines at either end dropped. For where `walk_text` has said it cannot read a shape."""
    paragraphs = list(element.iter(W_P))
    if not paragraphs:
        return _inline_text(element)
    if len(paragraphs) == 1:
        line = _inline_text(paragraphs[0])
        return line if line.strip() else ""
    return _joined([_inline_text(p) for p in paragraphs])


def _joined(lines: list[str]) -> str:
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def walk_text(element: etree._Element, style: str | None = None, stop_at: str | None = None
              ) -> tuple[str | None, bool, etree._Element | None]:
    """`text_of(element)` (not a paragraph) in one walk over it, for the usual shapes: runs with
    no paragraph, or paragraphs that are the element's own children holding their runs.

    Returns (text, whether a run has the style `style`, None); text is None where the shape
    needs `text_of`'s general way. With `stop_at`, the walk ends at the first element of that
    tag and returns (None, False, that element)."""
    loose: list[str] = []  # pieces before any paragraph (outside them all, if any)
    lines: list[list[str]] = []
    styled = False
    for child in element.iter():
        tag = child.tag
        if tag in _INLINE:
            piece, holder = _piece(child, tag)
            if piece is None:
                continue  # deleted, or a tab stop: nothing on any line
            if lines and (holder is None or holder.tag != W_P):
                return None, False, None  # a run in a hyperlink, an insertion, a nested control
            (lines[-1] if lines else loose).append(piece)
        elif tag == W_P:
            if child.getparent() is not element:
                return None, False, None  # a paragraph in a nested table or a text box
            lines.append([])
        elif tag == stop_at:
            return None, False, child
        elif tag == W_RSTYLE and style is not None and not styled:
            styled = child.get(W_VAL) == style
    if not lines:
        return "".join(loose), styled, None
    if len(lines) == 1:
        line = "".join(lines[0])
        return (line if line.strip() else ""), styled, None
    return _joined(["".join(pieces) for pieces in lines]), styled, None


def _symbol(node: etree._Element) -> str:
    code = node.get(W_CHAR, "")
    try:
        value = int(code, 16)
    except ValueError:
        return ""
    # Wingdings ticks and boxes typed as symbols: map the common ones to Unicode boxes.
    return {0xF0FE: CHECKED_GLYPH, 0xF078: CHECKED_GLYPH, 0xF0A8: UNCHECKED_GLYPH,
            0xF06F: UNCHECKED_GLYPH}.get(value, chr(value) if value < 0xF000 else "")
