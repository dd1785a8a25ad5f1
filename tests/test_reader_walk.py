"""The reader's one-walk shortcuts give exactly what the general rules give.

`walk_text` reads a control's or a cell's text in one walk for the usual shapes, and says when a
shape needs `text_of`'s general way; the document's checkboxes are found once, not searched for
in every control. Both are checked here against the general way on every element of real forms
and of forms changed the ways people and programs change them (tracked changes, tabs, breaks,
symbols, extra and nested paragraphs, runs in insertions, placeholder styles, moved properties).
"""

from __future__ import annotations

import io
import random
import zipfile
from collections import Counter

import pytest
from lxml import etree

from pepforms.cases import discover, returned_form
from pepforms.word.controls import PLACEHOLDER_STYLE, W14_CHECKBOX, checkboxes, read_control
from pepforms.word.ooxml import W_RSTYLE, W_VAL, parse_untrusted, qn, text_by_paragraphs, walk_text

W_SDT, W_TC, W_SDTCONTENT, W_P, W_R = (qn(f"w:{n}") for n in ("sdt", "tc", "sdtContent", "p", "r"))


def E(tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.Element(qn(f"w:{tag}"))
    for key, value in attrs.items():
        node.set(qn(f"w:{key}"), value)
    node.text = text
    return node


def _wrap(run: etree._Element, tag: str) -> None:
    holder = E(tag, id="9", author="A Reviewer")
    run.addprevious(holder)
    holder.append(run)


def _change(rng: random.Random, root: etree._Element) -> None:  # noqa: C901 - one kind per branch
    """One change of the kinds Word, LibreOffice and people make to a form."""
    sdts, cells = list(root.iter(W_SDT)), list(root.iter(W_TC))
    runs, paragraphs = list(root.iter(W_R)), list(root.iter(W_P))
    kind = rng.randrange(12)
    if kind == 0 and runs:
        _wrap(rng.choice(runs), rng.choice(["del", "ins", "hyperlink", "smartTag"]))
    elif kind == 1 and runs:
        rng.choice(runs).append(rng.choice([E("tab"), E("br"), E("cr"), E("delText", "gone"),
                                            E("sym", char=rng.choice(["F0FE", "F0A8", "0041",
                                                                      "zz", "F123"]))]))
    elif kind == 2 and paragraphs:
        paragraph = rng.choice(paragraphs)
        props = paragraph.find(qn("w:pPr"))
        if props is None:
            props = E("pPr")
            paragraph.insert(0, props)
        tabs = E("tabs")
        tabs.append(E("tab", val="left", pos="720"))
        props.append(tabs)
    elif kind == 3 and paragraphs:
        extra = E("p")
        if rng.random() < 0.6:
            extra_run = E("r")
            extra_run.append(E("t", rng.choice(["More text", "  ", "TBC", "N/A"])))
            extra.append(extra_run)
        (rng.choice(paragraphs).addnext if rng.random() < 0.5
         else rng.choice(paragraphs).addprevious)(extra)
    elif kind == 4 and cells:
        cell = rng.choice(cells)  # a paragraph inside a run: a text box's, say
        inner, inner_run, holder = E("p"), E("r"), E("r")
        inner_run.append(E("t", "inner"))
        inner.append(inner_run)
        holder.append(inner)
        first = cell.find(qn("w:p"))
        if first is not None:
            first.append(holder)
    elif kind == 5 and sdts:
        content = rng.choice(sdts).find(qn("w:sdtContent"))
        for content_run in content.iter(W_R) if content is not None else ():
            props = content_run.find(qn("w:rPr"))
            if props is None:
                props = E("rPr")
                content_run.insert(0, props)
            props.append(E("rStyle", val=PLACEHOLDER_STYLE))
            break
    elif kind == 6 and sdts:
        for t in rng.choice(sdts).iter(qn("w:t")):
            t.text = rng.choice(["", " ", "Click or tap here to enter text.", "12/03/2025",
                                 "TBC", "☒", "☐", "x\ty"])
            break
    elif kind == 7 and sdts:
        sdt = rng.choice(sdts)
        if len(sdt):
            part = sdt[rng.randrange(len(sdt))]
            part.addnext(etree.fromstring(etree.tostring(part)))  # a second sdtPr or content
    elif kind == 8 and sdts:
        sdt = rng.choice(sdts)
        props = sdt.find(qn("w:sdtPr"))
        if props is not None:
            sdt.remove(props)
            sdt.append(props)
    elif kind == 9 and cells:
        cell = rng.choice(cells)  # a run straight in the cell, outside any paragraph
        loose = E("r")
        loose.append(E("t", "loose"))
        cell.insert(rng.randrange(len(cell) + 1), loose)
    elif kind == 10 and cells and sdts:
        rng.choice(cells).append(etree.fromstring(etree.tostring(rng.choice(sdts))))
    elif kind == 11 and sdts:
        props = E("rPr")  # a checkbox where none is expected, deep in a control
        etree.SubElement(props, W14_CHECKBOX)
        rng.choice(sdts).append(props)


def _documents() -> list[tuple[str, etree._Element]]:
    rng = random.Random(20261202)
    good = {}
    for case in discover():
        if case.name == "good" or case.typed_in == "libreoffice":
            good.setdefault(case.id, returned_form(case)[1])
    docs = []
    for name, data in good.items():
        xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
        docs.append((name, parse_untrusted(xml)))
        for i in range(3):
            root = parse_untrusted(xml)
            for _ in range(rng.randint(3, 30)):
                _change(rng, root)
            docs.append((f"{name} changed {i}", root))
    return docs


DOCUMENTS = _documents()


@pytest.mark.parametrize("name", [n for n, _ in DOCUMENTS])
def test_walk_text_agrees_with_the_general_rules(name: str) -> None:
    root = dict(DOCUMENTS)[name]
    for element in root.iter(W_TC, W_SDTCONTENT, W_SDT, qn("w:body"), qn("w:tbl")):
        text, styled, control = walk_text(element, PLACEHOLDER_STYLE, stop_at=W_SDT)
        first_control = next(element.iter(W_SDT), None)  # (a control is its own first)
        if control is not None:
            assert control is first_control
            continue
        text, styled, _ = walk_text(element, PLACEHOLDER_STYLE)
        if text is not None:
            assert text == text_by_paragraphs(element)
            assert styled == any(s.get(W_VAL) == PLACEHOLDER_STYLE
                                 for s in element.iter(W_RSTYLE))


@pytest.mark.parametrize("name", [n for n, _ in DOCUMENTS])
def test_controls_read_alike_with_the_checkboxes_found_once(name: str) -> None:
    root = dict(DOCUMENTS)[name]
    boxes = checkboxes(root.iter(W14_CHECKBOX))
    for sdt in root.iter(W_SDT):
        assert boxes.get(sdt) is next(sdt.iter(W14_CHECKBOX), None)
        assert read_control(sdt, boxes) == read_control(sdt)


def test_the_walk_reads_the_usual_shapes_itself() -> None:
    """The shortcut is taken for nearly every cell and control of forms as issued and filled
    (otherwise the tests above would compare the general way with itself)."""
    ways: Counter[str] = Counter()
    for name, root in DOCUMENTS:
        if "changed" in name:
            continue
        for element in root.iter(W_TC, W_SDTCONTENT):
            text, _, control = walk_text(element, stop_at=W_SDT)
            ways["walked" if text is not None or control is not None else "general"] += 1
    assert ways["walked"] >= 0.95 * sum(ways.values()), ways
