"""Fillable PDFs made from one blank form per layout: the same fields, values, locks and running
text as laying each child's form out in full."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pytest
from pypdf import PdfReader

from pepforms.forms import form_content
from pepforms.pdf import fillable
from pepforms.pdf.reader import read_pdf
from pepforms.roster import Child
from pepforms.schema import form_model

from .conftest import TERM


def _pdf(child: Child, phase: str, *, full: bool, monkeypatch: pytest.MonkeyPatch) -> bytes:
    model = form_model("cheshire-west", phase)
    content = form_content(model, child, TERM)
    with monkeypatch.context() as m:
        if full:
            m.setattr(fillable, "can_run", lambda *texts: False)
        return fillable.build_fillable(
            model, content.values, content.tables, organisation="Cheshire West and Chester",
            header_line=content.header_line, term_label=content.term_label,
            form_id=content.form_id, properties=content.properties)


def _fields(pdf: bytes) -> dict[str, tuple[Any, int]]:
    fields = PdfReader(io.BytesIO(pdf)).get_fields() or {}
    return {name: (f.get("/V"), int(f.get("/Ff", 0))) for name, f in fields.items()}


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("phase", ["early-years", "y1-11", "post-16"])
def test_stamped_form_has_the_fields_and_text_of_the_full_layout(
        phase: str, child_by_phase: dict[str, Child], monkeypatch: pytest.MonkeyPatch) -> None:
    child = child_by_phase[phase]
    stamped = _pdf(child, phase, full=False, monkeypatch=monkeypatch)
    full = _pdf(child, phase, full=True, monkeypatch=monkeypatch)
    assert b"/Prev" in stamped[-400:] and b"/Prev" not in full[-400:]  # an incremental update
    assert _fields(stamped) == _fields(full)
    assert any(flags & 1 for _, flags in _fields(stamped).values())  # some fields are locked
    stamped_pages, full_pages = _text(stamped), _text(full)
    assert len(stamped_pages) == len(full_pages)
    model = form_model("cheshire-west", phase)
    content = form_content(model, child, TERM)
    for number, page in enumerate(stamped_pages, start=1):
        assert content.header_line in page
        assert f"Form {content.form_id}" in page
        assert f"Page {number} of {len(stamped_pages)}" in page
    assert read_pdf(model, stamped).instance == read_pdf(model, full).instance
    assert PdfReader(io.BytesIO(stamped)).metadata == PdfReader(io.BytesIO(full)).metadata


def test_two_children_of_one_layout_differ_only_in_their_own_values(
        children: list[Child], monkeypatch: pytest.MonkeyPatch) -> None:
    pair = [c for c in children if c.phase == "y1-11"][:2]
    first, second = (_pdf(c, "y1-11", full=False, monkeypatch=monkeypatch) for c in pair)
    assert first != second
    assert _fields(first)["/child/child_id"][0] == pair[0].child_id
    assert _fields(second)["/child/child_id"][0] == pair[1].child_id
    assert PdfReader(io.BytesIO(first)).trailer["/ID"] != PdfReader(io.BytesIO(second)).trailer["/ID"]
    assert first == _pdf(pair[0], "y1-11", full=False, monkeypatch=monkeypatch)  # reproducible


def test_a_name_helvetica_cannot_show_takes_the_full_layout(
        child_by_phase: dict[str, Child], monkeypatch: pytest.MonkeyPatch) -> None:
    child = dataclasses.replace(child_by_phase["y1-11"], first_name="小龙")
    pdf = _pdf(child, "y1-11", full=False, monkeypatch=monkeypatch)
    assert b"/Prev" not in pdf[-400:]
    assert _fields(pdf)["/child/first_name"][0] == "小龙"
