"""Finding where a field or table is in a scanned Word document (for the reader and for comments)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from pepforms.coercion import normalise_label
from pepforms.schema import Table
from pepforms.word.ooxml import qn, text_of

W_TBL, W_TR, W_TC = qn("w:tbl"), qn("w:tr"), qn("w:tc")

if TYPE_CHECKING:
    from pepforms.word.reader import DocumentScan


def ancestor(node: etree._Element, tag: str) -> etree._Element | None:
    parent = node.getparent()
    while parent is not None:
        if parent.tag == tag:
            return parent
        parent = parent.getparent()
    return None


def find_table(table: Table, found: DocumentScan) -> tuple[etree._Element | None, str]:
    node = found.captions.get(table.pointer)
    if node is not None:
        return node, "tags"
    start = found.bookmarks.get(table.bookmark)
    if start is not None:
        node = ancestor(start, W_TBL)
        if node is not None:
            return node, "bookmarks"
    wanted = [normalise_label(c.label) for c in table.columns]
    for candidate in found.tables:
        first = next(candidate.iterchildren(W_TR), None)
        if first is None:
            continue
        header = [normalise_label(text_of(c)) for c in first.iterchildren(W_TC)]
        if header[: len(wanted)] == wanted:
            return candidate, "labels"
    return None, ""


def header_row_index(rows: list[etree._Element], table: Table) -> int:
    first_label = normalise_label(table.columns[0].label)
    for i, row in enumerate(rows[:3]):
        cell = next(row.iterchildren(W_TC), None)
        if cell is not None and normalise_label(text_of(cell)) == first_label:
            return i
    return 0
