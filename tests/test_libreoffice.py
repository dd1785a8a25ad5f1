"""Real office suite: every generated form opens in LibreOffice, and a good return saved by
LibreOffice (which drops content-control tags) reads back the same and still passes."""

from __future__ import annotations

import copy
import io
import re
import tempfile
import zipfile
from functools import cache
from pathlib import Path

import pytest
from pypdf import PdfReader

from pepforms.cases import discover, returned_form
from pepforms.checking import CheckOptions, check_file, read_form_file
from pepforms.generating import generate
from pepforms.schema import authority_ids

from .conftest import TERM, LibreOffice, convert

GOOD = [c for c in discover() if c.name == "good"]


@pytest.mark.libreoffice
@pytest.mark.parametrize("authority", authority_ids())
def test_every_generated_form_opens_in_libreoffice(authority: str, libreoffice: LibreOffice,
                                                   sample_roster_path: Path, tmp_path: Path) -> None:
    result = generate(authority, TERM, sample_roster_path, tmp_path / "forms")
    files = sorted((tmp_path / "forms").rglob("*.docx"))
    assert len(files) == len(result.forms) == 30
    pdfs = tmp_path / "pdf"
    pdfs.mkdir()
    convert(libreoffice, files, "pdf", pdfs)
    for f in files:
        pdf = pdfs / (f.stem + ".pdf")
        assert pdf.is_file(), f"LibreOffice could not open {f.name}"
        reader = PdfReader(pdf)
        assert len(reader.pages) >= 2
        first = reader.pages[0].extract_text()
        assert "Personal Education Plan" in first


@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory: pytest.TempPathFactory,
                         libreoffice: LibreOffice) -> dict[str, Path]:
    """Each good return, saved again by LibreOffice as .docx (one soffice call for them all)."""
    src = tmp_path_factory.mktemp("returned")
    out = tmp_path_factory.mktemp("saved")
    names = {}
    for case in GOOD:
        _, data = returned_form(case)
        path = src / f"{case.authority}--{case.phase}.docx"
        path.write_bytes(data)
        names[case.id] = path
    convert(libreoffice, list(names.values()), "docx:MS Word 2007 XML", out)
    return {cid: out / p.name for cid, p in names.items()}


@pytest.mark.libreoffice
@pytest.mark.parametrize("case", GOOD, ids=lambda c: c.id)
def test_good_form_saved_by_libreoffice_reads_back_the_same_and_passes(
        case, saved_by_libreoffice: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    path = saved_by_libreoffice[case.id]
    assert path.is_file()
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("word/document.xml").decode()
        app = zf.read("docProps/app.xml").decode()
    assert "<w:tag " not in xml  # LibreOffice 7.x really did drop the tags
    assert "LibreOffice" in app
    outcome = read_form_file(path)
    assert outcome.result.read_by == "bookmarks"
    assert outcome.result.application.startswith("LibreOffice")
    expected = _as_read(case)
    assert outcome.result.instance == expected
    result = check_file(path, CheckOptions(received=case.received))
    assert [f for f in result.findings if f.severity == "error"] == []
    assert result.status == "pass"


def _as_read(case) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """The instance as the untouched returned form reads (the reference for the round trip)."""
    return copy.deepcopy(_read_case(case.id))


@cache
def _read_case(case_id: str) -> dict:  # type: ignore[type-arg]
    case = next(c for c in GOOD if c.id == case_id)
    _, data = returned_form(case)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "form.docx"
        path.write_bytes(data)
        instance = read_form_file(path).result.instance
    assert instance is not None
    return instance


def _unwrap_controls(docx: bytes) -> bytes:
    """Every content control and bookmark removed, their text kept: a form pasted into a new
    document, or edited by a program that knows no controls."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            blob = src.read(info)
            if info.filename == "word/document.xml":
                xml = blob.decode()
                xml = re.sub(r"<w:sdtPr>.*?</w:sdtPr>", "", xml, flags=re.S)
                xml = re.sub(r"</?w:sdt(Content)?>", "", xml)
                xml = re.sub(r"<w:bookmark(Start|End)[^>]*/>", "", xml)
                xml = re.sub(r"<w:tblCaption[^>]*/>", "", xml)
                blob = xml.encode()
            if info.filename == "docProps/custom.xml":
                continue
            dst.writestr(info, blob)
    return out.getvalue()


@pytest.mark.parametrize("case", GOOD, ids=lambda c: c.id)
def test_good_form_with_controls_unwrapped_is_read_by_labels(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, data = returned_form(case)
    path = tmp_path / "pasted.docx"
    path.write_bytes(_unwrap_controls(data))
    with zipfile.ZipFile(path) as zf:
        assert b"<w:sdt>" not in zf.read("word/document.xml")
    outcome = read_form_file(path)
    assert outcome.result.read_by == "labels"
    assert outcome.result.instance == _as_read(case)
    codes = {f.code for f in outcome.result.findings}
    assert {"read-by-labels", "identity-missing"} <= codes
    assert outcome.result.authority == case.authority and outcome.result.phase == case.phase


def test_good_return_reads_back_as_its_case_instance(tmp_path: Path) -> None:
    case = next(c for c in GOOD if c.id == "cheshire-west/y1-11/good")
    assert _as_read(case) == {**case.instance, **{"previous_targets": case.instance["previous_targets"]}}


@pytest.mark.libreoffice
def test_a_form_with_carried_line_breaks_opens_in_libreoffice(libreoffice: str, children,  # type: ignore[no-untyped-def]
                                                              tmp_path: Path) -> None:
    """A form written from pre-compressed template parts, with a value docxtpl's line-break pass
    had to rewrite, opens in LibreOffice and shows the lines apart."""
    from pepforms.forms import Carried, form_content, template_path
    from pepforms.schema import form_model
    from pepforms.word.render import PreparedTemplate, context_for

    model = form_model("cheshire-west", "y1-11")
    child = next(c for c in children if c.phase == "y1-11")
    carried = Carried(values={"/strengths_needs/aspirations": "Become a vet\nKeep swimming"},
                      tables={})
    content = form_content(model, child, TERM, carried)
    path = tmp_path / "carried.docx"
    path.write_bytes(PreparedTemplate(template_path("cheshire-west", "y1-11")).render(
        context_for(model, content), content.properties))
    convert(libreoffice, [path], "pdf", tmp_path)
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "carried.pdf").pages)
    assert re.search(r"Become a vet\s*\n\s*Keep swimming", text), text[-2000:]
