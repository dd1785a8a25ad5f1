"""generate: one pre-filled, locked form per child, grouped by school, with a manifest."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from pepforms.checking import read_form_file
from pepforms.errors import OutputExistsError
from pepforms.forms import form_content, template_path
from pepforms.generating import generate
from pepforms.roster import Child
from pepforms.schema import form_model
from pepforms.word.identity import read_custom_properties
from pepforms.word.render import PreparedTemplate, context_for, render_with_docxtpl

from .conftest import TERM, blank_form


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, sample_roster_path: Path):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("forms")
    return generate("cheshire-west", TERM, sample_roster_path, out)


def _part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def test_one_form_per_valid_child_in_a_folder_per_school(batch, children) -> None:  # type: ignore[no-untyped-def]
    assert len(batch.forms) == len(children) == 30
    files = sorted(p for p in batch.out_dir.rglob("*.docx"))
    assert len(files) == 30
    assert {f.child_id for f in batch.forms} == {c.child_id for c in children}
    ava = next(f for f in batch.forms if f.child_id == "C10001")
    assert ava.file == "No setting (health visitor)/Sample-Ava-C10001-spring-2027.docx"
    assert {f.phase for f in batch.forms} == {"early-years", "y1-11", "post-16",
                                               "targeted-curriculum"}
    assert not list(batch.out_dir.rglob("*.part"))


def test_bad_roster_rows_are_reported_and_the_rest_generated(batch) -> None:  # type: ignore[no-untyped-def]
    errors = [p for p in batch.problems if p.severity == "error"]
    assert sorted(p.line for p in errors) == [32, 33, 34, 35]
    text = (batch.out_dir / "roster-problems.csv").read_text(encoding="utf-8-sig")
    assert "duplicate-child-id" in text and "too-young-for-pep" in text


def test_manifest_lists_every_form_with_its_checksum(batch) -> None:  # type: ignore[no-untyped-def]
    rows = list(csv.DictReader(io.StringIO(batch.manifest.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 30
    for row in rows:
        data = (batch.out_dir / row["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"]
        assert row["form_id"] == f"CWAC-SPRING2027-{row['child_id']}"


def test_prefilled_values_are_present_and_read_back(batch, children) -> None:  # type: ignore[no-untyped-def]
    for form in batch.forms[:6]:
        child = next(c for c in children if c.child_id == form.child_id)
        result = read_form_file(batch.out_dir / form.file).result
        assert result.instance is not None
        assert result.instance["child"]["first_name"] == child.first_name
        assert result.instance["child"]["last_name"] == child.last_name
        assert result.instance["child"]["date_of_birth"] == child.date_of_birth.isoformat()
        assert result.instance["child"]["year_group"] == child.year_group
        assert result.instance["pep"]["term"] == "spring-2027"
        assert result.read_by == "tags"


def test_prefilled_values_are_locked_and_empty_ones_are_not(batch) -> None:  # type: ignore[no-untyped-def]
    form = next(f for f in batch.forms if f.child_id == "C10001")  # no setting: school is blank
    xml = _part(batch.out_dir / form.file, "word/document.xml").decode()
    def lock_of(tag: str) -> str:
        at = xml.index(f'<w:tag w:val="{tag}"/>')
        return xml[at: xml.index("/>", xml.index("<w:lock", at))].rsplit('"', 2)[-2]
    assert lock_of("/child/first_name") == "sdtContentLocked"
    assert lock_of("/child/date_of_birth") == "sdtContentLocked"
    assert lock_of("/education/school_name") == "sdtLocked"  # blank: the setting can fill it
    assert lock_of("/early_years/key_person") == "sdtLocked"
    assert '<w:showingPlcHdr w:val="0"/>' not in xml
    # A child in no setting is not asked about attendance at one (x-asked-when).
    assert "/attendance/" not in xml and "Attendance at sessions" not in xml


def test_identity_properties_and_footer(batch) -> None:  # type: ignore[no-untyped-def]
    form = batch.forms[10]
    path = batch.out_dir / form.file
    props = read_custom_properties(_part(path, "docProps/custom.xml"))
    assert props["form_id"] == form.form_id and props["child_id"] == form.child_id
    assert props["authority"] == "cheshire-west" and props["phase"] == form.phase
    assert props["term"] == "spring-2027" and props["schema_version"] == "1.1.0"
    assert props["schema_id"].endswith(f"/cheshire-west/{form.phase}.schema.json")
    assert "/child/last_name" in props["prefill"]
    footers = [n for n in zipfile.ZipFile(path).namelist() if n.startswith("word/footer")]
    assert any(form.form_id.encode() in _part(path, n) for n in footers)


def test_nothing_is_overwritten_without_force(batch, sample_roster_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "again"
    shutil.copytree(batch.out_dir, out)
    first = next(out.rglob("*.docx"))
    first.write_bytes(first.read_bytes() + b"changed")  # now differs from what a run writes
    before = {p: p.read_bytes() for p in out.rglob("*")  if p.is_file()}
    with pytest.raises(OutputExistsError, match="--force"):
        generate("cheshire-west", TERM, sample_roster_path, out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_force_replaces_and_output_is_reproducible(batch, sample_roster_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    again = generate("cheshire-west", TERM, sample_roster_path, tmp_path, jobs=2)
    assert {(f.file, f.sha256) for f in again.forms} == {(f.file, f.sha256) for f in batch.forms}
    forced = generate("cheshire-west", TERM, sample_roster_path, tmp_path, force=True)
    assert len(forced.forms) == 30


def test_names_with_markup_are_written_as_text(child_by_phase) -> None:  # type: ignore[no-untyped-def]
    child = replace(child_by_phase["y1-11"], first_name="{{ 7*7 }} <b>&amp;",
                    last_name="O'Neil-Smith & Co")
    data = blank_form("cheshire-west", child)
    tmp = io.BytesIO(data)
    with zipfile.ZipFile(tmp) as zf:
        xml = zf.read("word/document.xml").decode()
    assert "{{ 7*7 }} &lt;b&gt;&amp;amp;" in xml and "49" not in xml.split("first_name")[1][:400]


def test_prepared_render_gives_the_same_body_as_plain_docxtpl(child_by_phase) -> None:  # type: ignore[no-untyped-def]
    model = form_model("cheshire-west", "y1-11")
    child: Child = child_by_phase["y1-11"]
    content = form_content(model, child, TERM)
    context = context_for(model, content)
    path = template_path("cheshire-west", "y1-11")
    ours = PreparedTemplate(path).render(context, content.properties)
    plain = render_with_docxtpl(path, context)
    import re

    def body(data: bytes) -> str:
        xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
        xml = xml[xml.index("<w:body"):]
        xml = re.sub(r'<w:id w:val="\d+"/>', "", xml)
        xml = xml.replace('<w:showingPlcHdr w:val="0"/>', "").replace(' w:fullDate=""', "")
        return re.sub(r"<w:body[^>]*>", "<w:body>", xml)
    assert body(ours) == body(plain)


def test_missing_template_is_a_clear_error(tmp_path, sample_roster_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pepforms.errors import TemplateError

    monkeypatch.setattr("pepforms.generating.template_path", lambda a, p: tmp_path / "none.docx")
    with pytest.raises(TemplateError, match="template build"):
        generate("cheshire-west", TERM, sample_roster_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert template_path("cheshire-west", "y1-11").is_file()


def test_a_form_nobody_has_saved_names_pepforms_as_its_producer(batch) -> None:  # type: ignore[no-untyped-def]
    result = read_form_file(batch.out_dir / batch.forms[0].file).result
    assert result.application == "pepforms"
    assert not [f for f in result.findings if f.code == "saved-by-other-app"]
