"""An authority in a folder of its own (PEPFORMS_SCHEMAS, --schemas) is listed, builds, generates,
validates and finalises exactly like a bundled one, and shares the bundled common blocks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pepforms.cases import load_case, returned_form
from pepforms.cli import main
from pepforms.forms import template_path
from pepforms.resources import samples_dir, schemas_dir
from pepforms.schema import all_forms, authority_ids, form_model

from .test_authority_new import _y1_11_roster


def _own_copy(root: Path, source: str = "cheshire-west", new: str = "ownshire") -> Path:
    """A bundled authority copied under another id into a folder of its own, y1-11 only."""
    folder = root / new
    folder.mkdir(parents=True)
    raw = json.loads((schemas_dir() / source / "authority.json").read_text(encoding="utf-8"))
    raw.update(id=new, code="OWN", name="Ownshire", phases=["y1-11"])
    (folder / "authority.json").write_text(json.dumps(raw), encoding="utf-8")
    schema = json.loads((schemas_dir() / source / "y1-11.schema.json").read_text(encoding="utf-8"))
    schema["$id"] = schema["$id"].replace(f"/{source}/", f"/{new}/")
    schema["x-authority"] = new
    (folder / "y1-11.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    return folder


@pytest.fixture()
def own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "my-authorities"
    _own_copy(root)
    monkeypatch.setenv("PEPFORMS_SCHEMAS", str(root))
    return root


def test_it_is_listed_with_where_it_comes_from(own: Path) -> None:
    assert "ownshire" in authority_ids() and ("ownshire", "y1-11") in all_forms()
    result = CliRunner().invoke(main, ["authorities"])
    assert result.exit_code == 0
    assert "Ownshire" in result.output and f"from: {own / 'ownshire'}" in result.output
    assert "from: bundled" in result.output


def test_the_global_option_finds_it_too(tmp_path: Path) -> None:
    root = tmp_path / "elsewhere"
    _own_copy(root)
    runner = CliRunner(env={"PEPFORMS_SCHEMAS": None})
    result = runner.invoke(main, ["--schemas", str(root), "authorities"])
    assert result.exit_code == 0 and "Ownshire" in result.output
    missing = runner.invoke(main, ["--schemas", str(tmp_path / "nope"), "authorities"])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    assert "ownshire" not in authority_ids()  # nothing leaks out of the command


def test_it_shares_the_bundled_common_blocks(own: Path) -> None:
    model = form_model("ownshire", "y1-11")
    bundled = form_model("cheshire-west", "y1-11")
    assert [f.pointer for f in model.fields()] == [f.pointer for f in bundled.fields()]
    assert model.field_map["/child/upn"].schema["pattern"]  # from common/child.schema.json


def test_it_builds_generates_validates_and_finalises_like_a_bundled_one(
        own: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    built = runner.invoke(main, ["template", "build", "ownshire"])
    assert built.exit_code == 0, built.output
    assert template_path("ownshire", "y1-11") == own / "ownshire" / "templates" / "y1-11.docx"
    assert template_path("ownshire", "y1-11").is_file()
    assert runner.invoke(main, ["template", "check", "ownshire"]).exit_code == 0
    roster = tmp_path / "roster.csv"
    _y1_11_roster(roster)
    made = runner.invoke(main, ["generate", "--authority", "Ownshire", "--term", "spring-2027",
                                "--roster", str(roster), "--out", str(tmp_path / "pack"),
                                "--no-register"])
    assert made.exit_code == 0, made.output
    assert len(list((tmp_path / "pack").rglob("*.docx"))) == 2
    case = load_case(samples_dir() / "cases" / "cheshire-west" / "y1-11" / "good.json",
                     "ownshire", "y1-11")
    name, data = returned_form(case)
    form = tmp_path / "returned" / name
    form.parent.mkdir()
    form.write_bytes(data)
    checked = runner.invoke(main, ["validate", str(form), "--no-register"])
    assert checked.exit_code == 0, checked.output
    assert ": pass" in checked.output and "1 pass" in checked.output
    read = runner.invoke(main, ["read", str(form)])
    assert read.exit_code == 0 and json.loads(read.stdout)["child"]["child_id"] == \
        case.instance["child"]["child_id"]
    pdf = tmp_path / "record.pdf"
    final = runner.invoke(main, ["finalise", str(form), "-o", str(pdf), "--no-register"])
    assert final.exit_code == 0, final.output
    assert pdf.read_bytes().startswith(b"%PDF")


def test_an_own_authority_of_a_bundled_id_is_used_first(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "mine"
    folder = _own_copy(root, new="cheshire-west")
    raw = json.loads((folder / "authority.json").read_text())
    raw["name"] = "Cheshire West (our copy)"
    (folder / "authority.json").write_text(json.dumps(raw))
    monkeypatch.setenv("PEPFORMS_SCHEMAS", str(root))
    result = CliRunner().invoke(main, ["authorities"])
    assert "Cheshire West (our copy)" in result.output and str(folder) in result.output


def test_a_folder_that_is_one_authority_is_found(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _own_copy(tmp_path / "root")
    single = tmp_path / "just-one" / "ownshire"
    shutil.copytree(folder, single)
    monkeypatch.setenv("PEPFORMS_SCHEMAS", str(single))
    assert "ownshire" in authority_ids()


def test_a_wrong_id_in_authority_json_is_a_plain_message(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _own_copy(tmp_path / "root")
    raw = json.loads((folder / "authority.json").read_text())
    raw["id"] = "other"
    (folder / "authority.json").write_text(json.dumps(raw))
    monkeypatch.setenv("PEPFORMS_SCHEMAS", str(tmp_path / "root"))
    result = CliRunner().invoke(main, ["authorities"])
    assert result.exit_code == 2 and "must be the same" in result.output


def test_switching_schema_folders_uses_the_new_folders_schema_of_the_same_id(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two folders hold ownshire with the same `$id`; the second's rule differs (attendance may
    not be above 50). Validating under one folder then the other uses each folder's own rule:
    the validator built for the id is not kept from the first folder."""
    from pepforms.validate.engine import validate_instance, validator_for

    first, second = tmp_path / "first", tmp_path / "second"
    _own_copy(first)
    strict = _own_copy(second) / "y1-11.schema.json"
    schema = json.loads(strict.read_text(encoding="utf-8"))
    schema["properties"]["attendance"]["allOf"] = [{"properties": {"percentage": {"maximum": 50}}}]
    schema["x-folder"] = "second"
    strict.write_text(json.dumps(schema), encoding="utf-8")
    instance = {"attendance": {"percentage": 97}}

    def attendance_findings() -> list[str]:
        model = form_model("ownshire", "y1-11")
        return [x.pointer for x in validate_instance(model, instance)
                if x.pointer.startswith("/attendance/percentage")]

    monkeypatch.setenv("PEPFORMS_SCHEMAS", str(first))
    model = form_model("ownshire", "y1-11")
    assert "x-folder" not in validator_for(model.schema_id).schema
    assert attendance_findings() == []
    monkeypatch.setenv("PEPFORMS_SCHEMAS", str(second))
    assert form_model("ownshire", "y1-11").schema_id == model.schema_id
    assert validator_for(model.schema_id).schema["x-folder"] == "second"
    assert attendance_findings() == ["/attendance/percentage"]
    monkeypatch.setenv("PEPFORMS_SCHEMAS", str(first))
    assert attendance_findings() == []
