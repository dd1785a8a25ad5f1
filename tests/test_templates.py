"""Word templates: built from the schemas, committed, and checked against them."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pepforms.cli import main
from pepforms.forms import template_path, template_text
from pepforms.schema import all_forms, form_model
from pepforms.word.template import build_template, check_template


def _document(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read("word/document.xml").decode("utf-8")


def _rewrite(src: Path, dst: Path, change) -> None:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            blob = zin.read(info)
            if info.filename == "word/document.xml":
                blob = change(blob.decode("utf-8")).encode("utf-8")
            zout.writestr(info, blob)


@pytest.mark.parametrize(("authority", "phase"), all_forms())
def test_committed_template_matches_its_schema(authority: str, phase: str) -> None:
    assert check_template(form_model(authority, phase), template_path(authority, phase)) == []


@pytest.mark.parametrize(("authority", "phase"), all_forms())
def test_committed_template_is_what_build_makes(authority: str, phase: str) -> None:
    built = build_template(form_model(authority, phase), template_text(authority))
    assert _document(built) == _document(template_path(authority, phase).read_bytes()), \
        f"form_templates/{authority}/{phase}.docx is stale: run pepforms template build {authority}"
    # Byte for byte, so that a rebuild with no schema change leaves git clean.
    assert built == template_path(authority, phase).read_bytes()


def test_template_has_tagged_bookmarked_controls_and_captioned_tables() -> None:
    xml = _document(template_path("cheshire-west", "y1-11").read_bytes())
    assert '<w:tag w:val="/attendance/percentage"/>' in xml
    assert 'w:name="_f_attendance_percentage"' in xml
    assert '<w:tblCaption w:val="/targets"/>' in xml
    assert "{%tr for row in t['/targets'] %}" in xml
    assert "p['/child/first_name'].text" in xml  # a pre-fill slot


def test_check_catches_a_missing_control(tmp_path: Path) -> None:
    src = template_path("cheshire-west", "y1-11")
    broken = tmp_path / "missing.docx"
    # Remove the whole attendance percentage control.
    _rewrite(src, broken, lambda x: re.sub(
        r'<w:sdt><w:sdtPr>(?:(?!</w:sdt>).)*?<w:tag w:val="/attendance/percentage"/>.*?</w:sdt>',
        "", x, count=1, flags=re.S))
    problems = check_template(form_model("cheshire-west", "y1-11"), broken)
    assert problems == ["no control for the field /attendance/percentage"]


def test_check_catches_an_unknown_control(tmp_path: Path) -> None:
    src = template_path("cheshire-west", "y1-11")
    broken = tmp_path / "unknown.docx"
    _rewrite(src, broken, lambda x: x.replace('<w:tag w:val="/voice/views"/>',
                                               '<w:tag w:val="/voice/opinions"/>'))
    problems = check_template(form_model("cheshire-west", "y1-11"), broken)
    assert "no control for the field /voice/views" in problems
    assert "a control tagged /voice/opinions, which the schema does not know" in problems


def test_cli_template_check_exits_1_naming_the_field(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    src = template_path("cheshire-west", "y1-11")
    broken_dir = tmp_path / "cheshire-west"
    broken_dir.mkdir()
    _rewrite(src, broken_dir / "y1-11.docx", lambda x: x.replace(
        '<w:tag w:val="/meeting/summary"/>', '<w:tag w:val="/meeting/sumary"/>'))
    monkeypatch.setattr("pepforms.forms.templates_dir", lambda: tmp_path)
    result = CliRunner().invoke(main, ["template", "check", "cheshire-west", "y1-11"])
    assert result.exit_code == 1
    assert "/meeting/summary" in result.output and "/meeting/sumary" in result.output
    ok = CliRunner().invoke(main, ["template", "check", "cheshire-west"])
    assert ok.exit_code == 1  # the other phases are missing from tmp_path: each is named
    assert "early-years" in ok.output and "is missing" in ok.output


def test_check_reports_a_template_that_is_not_a_docx(tmp_path: Path) -> None:
    bad = tmp_path / "y1-11.docx"
    bad.write_bytes(b"not a zip")
    problems = check_template(form_model("cheshire-west", "y1-11"), bad)
    assert len(problems) == 1 and "cannot be opened" in problems[0]
