"""The termly pack and the PDF side: finalised records, encryption, carry forward, fillable PDFs."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter

from pepforms.cases import Case, discover, returned_form
from pepforms.checking import CheckOptions, check_file
from pepforms.cli import main
from pepforms.filling import fill_bytes
from pepforms.finalising import finalise_form
from pepforms.generating import generate
from pepforms.schema import form_model
from pepforms.word.controls import display_text

from .conftest import TERM

GOOD = [c for c in discover() if c.name == "good"]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_text(data: bytes, password: str | None = None) -> str:
    reader = PdfReader(io.BytesIO(data))
    if password is not None:
        assert reader.decrypt(password)
    return "".join(page.extract_text() for page in reader.pages)


def _shown_values(case: Case) -> list[str]:
    """Every filled value of a case as a form shows it."""
    model = form_model(case.authority, case.phase)
    shown = []
    for f in model.fields():
        node: Any = case.instance
        for part in f.pointer.strip("/").split("/"):
            node = node.get(part) if isinstance(node, dict) else None
        if node not in (None, "") and f.kind != "checkbox":
            shown.append(display_text(f, node))
    for table in model.tables():
        node = case.instance
        for part in table.pointer.strip("/").split("/"):
            node = node.get(part) if isinstance(node, dict) else None
        for row in node or []:
            for col in table.columns:
                if row.get(col.key) not in (None, "") and col.kind != "checkbox":
                    shown.append(display_text(col, row[col.key]))
    return shown


def _write(tmp_path: Path, case: Case) -> Path:
    name, data = returned_form(case)
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", GOOD, ids=lambda c: c.id)
def test_generate_fill_finalise_pdf_holds_every_filled_value(case: Case, tmp_path: Path) -> None:
    done = finalise_form(_write(tmp_path, case), options=CheckOptions(received=case.received))
    assert done.status == "Finalised"
    text = _squash(_pdf_text(done.pdf))
    missing = [v for v in _shown_values(case) if _squash(v) not in text]
    assert missing == []
    assert _squash(done.result.form_id) in text


def test_finalise_is_reproducible_and_a4(tmp_path: Path) -> None:
    case = GOOD[0]
    path = _write(tmp_path, case)
    first = finalise_form(path).pdf
    assert first == finalise_form(path).pdf
    box = PdfReader(io.BytesIO(first)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_cli_finalise_refuses_errors_unless_allowed(tmp_path: Path) -> None:
    bad = next(c for c in discover("cheshire-west") if c.name == "attendance-unexplained")
    path = _write(tmp_path, bad)
    out = tmp_path / "record.pdf"
    refused = CliRunner().invoke(main, ["finalise", str(path), "-o", str(out)])
    assert refused.exit_code == 1 and not out.exists()
    assert "not finalised" in refused.output and "attendance" in refused.output.lower()
    allowed = CliRunner().invoke(main, ["finalise", str(path), "-o", str(out), "--allow-findings"])
    assert allowed.exit_code == 0, allowed.output
    text = _pdf_text(out.read_bytes())
    assert "Not finalised: has errors" in text
    assert "Attendance is below 95%" in _squash(text) or _squash("Attendance is below 95%") in \
        _squash(text)
    again = CliRunner().invoke(main, ["finalise", str(path), "-o", str(out), "--allow-findings"])
    assert again.exit_code == 2 and "--force" in again.output


def test_cli_finalise_encrypts_with_a_password_file(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD[0])
    secret = tmp_path / "secret.txt"
    secret.write_text("correct horse battery staple\n")
    out = tmp_path / "record.pdf"
    result = CliRunner().invoke(main, ["finalise", str(path), "-o", str(out),
                                       "--password-file", str(secret)])
    assert result.exit_code == 0, result.output
    assert "correct horse" not in result.output
    reader = PdfReader(out)
    assert reader.is_encrypted
    assert not PdfReader(out).decrypt("wrong password")
    assert "Finalised" in _pdf_text(out.read_bytes(), "correct horse battery staple")
    assert b"Finalised" not in out.read_bytes()  # nothing readable without the password
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    refused = CliRunner().invoke(main, ["finalise", str(path), "-o", str(tmp_path / "x.pdf"),
                                        "--password-file", str(empty)])
    assert refused.exit_code == 2 and not (tmp_path / "x.pdf").exists()


# ------------------------------------------------------------------------------------------
# The two-term pack


def _autumn_returns(tmp_path: Path, sample_roster_path: Path) -> Path:
    """Autumn forms for the roster, filled as schools return them (as the demo does)."""
    from pepforms.demo import _shift_dates

    autumn = generate("cheshire-west", "autumn-2026", sample_roster_path, tmp_path / "autumn")
    good = {c.phase: c for c in GOOD if c.authority == "cheshire-west"}
    returned = tmp_path / "autumn-returned"
    returned.mkdir()
    for form in autumn.forms:
        answers = _shift_dates(copy.deepcopy(good[form.phase].instance))
        answers.pop("child")
        answers["pep"]["term"] = "autumn-2026"
        data = fill_bytes((tmp_path / "autumn" / form.file).read_bytes(), answers,
                          saved_at=datetime(2026, 10, 9)).data
        (returned / Path(form.file).name).write_bytes(data)
    return returned


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory, sample_roster_path: Path):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("pack")
    returned = _autumn_returns(tmp, sample_roster_path)
    # One child gets no previous form; one previous form is for a child not on the roster;
    # one is for a roster child id but another child's name; one is unreadable.
    kept_out = next(returned.glob("*-C10005-*.docx"))
    kept_out.unlink()
    stranger = next(c for c in discover("cheshire-west") if c.id == "cheshire-west/y1-11/good")
    name, data = returned_form(stranger)  # C10014 on the roster is another child
    (returned / f"other-{name}").write_bytes(data)
    (returned / "C99999.json").write_text('{"child": {"child_id": "C99999"}}')
    (returned / "broken.docx").write_bytes(b"not a form")
    first = next(returned.glob("Sample-Harry-C10014-*.docx"))
    first.unlink()  # C10014's only candidate is now the mismatched one
    result = generate("cheshire-west", TERM, sample_roster_path, tmp / "spring", previous=returned)
    return result


def test_pack_has_each_childs_form_and_last_terms_pdf(pack) -> None:  # type: ignore[no-untyped-def]
    kinds = {}
    for f in pack.forms:
        kinds.setdefault(f.child_id, set()).add(f.kind)
    assert len(kinds) == 30
    with_pdf = {cid for cid, k in kinds.items() if "last term's PEP (PDF)" in k}
    assert len(with_pdf) == 28  # all but the child with no previous form and the mismatched one
    assert "C10005" not in with_pdf and "C10014" not in with_pdf
    form = next(f for f in pack.forms if f.child_id == "C10002" and f.kind == "blank form")
    folder = (pack.out_dir / form.file).parent
    assert folder.name == "Example-Leo-C10002"
    assert sorted(p.name for p in folder.iterdir()) == [
        "Example-Leo-C10002-autumn-2026-finalised.pdf", "Example-Leo-C10002-spring-2027.docx"]


def test_pack_manifest_lists_both_with_checksums(pack) -> None:  # type: ignore[no-untyped-def]
    rows = list(csv.DictReader(io.StringIO(pack.manifest.read_text(encoding="utf-8-sig"))))
    assert len(rows) == len(pack.forms) == 58
    for row in rows:
        data = (pack.out_dir / row["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"]
    assert {r["kind"] for r in rows} == {"blank form", "last term's PEP (PDF)"}


def test_pack_carries_last_terms_targets_under_review(pack) -> None:  # type: ignore[no-untyped-def]
    from pepforms.checking import read_form_file

    form = next(f for f in pack.forms if f.child_id == "C10016" and f.kind == "blank form")
    instance = read_form_file(pack.out_dir / form.file).result.instance
    good = next(c for c in GOOD if c.id == f"cheshire-west/{form.phase}/good")
    assert instance is not None
    assert [r["target"] for r in instance["previous_targets"]] == \
        [t["target"] for t in good.instance["targets"]]
    assert all("progress" not in r for r in instance["previous_targets"])
    pdf = next(f for f in pack.forms if f.child_id == "C10016" and f.kind.startswith("last"))
    text = _squash(_pdf_text((pack.out_dir / pdf.file).read_bytes()))
    assert _squash(good.instance["targets"][0]["target"]) in text
    assert _squash("Autumn term 2026") in text


def test_pack_lists_what_it_did_not_use(pack) -> None:  # type: ignore[no-untyped-def]
    reasons = {Path(f).name: why for f, why in pack.previous_not_used}
    assert "not on this term's roster" in reasons["C99999.json"]
    assert "does not match the roster" in next(v for k, v in reasons.items()
                                                if k.startswith("other-"))
    assert "not a Word document" in reasons["broken.docx"]
    listed = (pack.out_dir / "previous-not-used.csv").read_text(encoding="utf-8-sig")
    assert listed.count("\n") == 1 + len(reasons)
    # The reasons name children by id only (the file paths are the user's own names for files).
    assert all("Example" not in why and "Mia" not in why for why in reasons.values())


def test_pack_school_summary_lists_children_and_files(pack) -> None:  # type: ignore[no-untyped-def]
    summary = (pack.out_dir / "Little Acorns Example Nursery (900501)" / "summary.txt").read_text()
    assert "Spring term 2027" in summary
    assert "Example-Leo-C10002-spring-2027.docx" in summary
    assert "Example-Leo-C10002-autumn-2026-finalised.pdf" in summary


# ------------------------------------------------------------------------------------------
# Fillable PDFs: the same findings as the Word route


def _at(instance: Any, pointer: str) -> Any:
    node: Any = instance
    for part in pointer.strip("/").split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _shown(f: Any, value: Any) -> str:
    return ("/Yes" if value else "/Off") if f.kind == "checkbox" else display_text(f, value)


def _fill_pdf(pdf: bytes, case: Case) -> bytes:
    model = form_model(case.authority, case.phase)
    values: dict[str, Any] = {}
    for f in model.fields():
        value = None if f.locked else _at(case.instance, f.pointer)
        if value is not None:
            values[f.pointer] = _shown(f, value)
    for table in model.tables():
        for i, row in enumerate(_at(case.instance, table.pointer) or []):
            for col in table.columns:
                if row.get(col.key) is not None:
                    values[col.at(i)] = _shown(col, row[col.key])
    # Like `fill` for Word: a table takes exactly the data's rows; rows beyond are emptied.
    names = set(PdfReader(io.BytesIO(pdf)).get_fields() or {})
    for table in model.tables():
        for col in table.columns:
            prefix = table.pointer + "/"
            for name in names:
                rest = name[len(prefix):].split("/") if name.startswith(prefix) else []
                if len(rest) == 2 and rest[1] == col.key and name not in values:
                    values[name] = "/Off" if col.kind == "checkbox" else ""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("name", ["good", "attendance-unexplained", "no-wellbeing-target",
                                  "pp-not-costed"])
def test_fillable_pdf_returns_give_the_same_findings_as_word(name: str, tmp_path: Path) -> None:
    from pepforms.cases import child_from_instance
    from pepforms.forms import form_content
    from pepforms.pdf.fillable import build_fillable

    case = next(c for c in discover("cheshire-west") if c.phase == "y1-11" and c.name == name)
    model = form_model(case.authority, case.phase)
    child = child_from_instance(case.instance, case.phase)
    content = form_content(model, child, TERM)
    blank = build_fillable(model, content.values, content.tables, organisation="CWAC",
                           header_line=content.header_line, term_label=content.term_label,
                           form_id=content.form_id, properties=content.properties)
    pdf_path = tmp_path / "returned.pdf"
    pdf_path.write_bytes(_fill_pdf(blank, case))
    word_path = _write(tmp_path, case)
    options = CheckOptions(received=case.received)
    from_pdf, from_word = check_file(pdf_path, options), check_file(word_path, options)
    assert from_pdf.read_by == "pdf fields" and from_word.read_by == "tags"
    assert from_pdf.instance == from_word.instance
    assert {(f.pointer, f.code) for f in from_pdf.findings} == \
        {(f.pointer, f.code) for f in from_word.findings}
    assert from_pdf.status == from_word.status == ("pass" if name == "good" else "fail")
    assert from_pdf.form_id == from_word.form_id


def test_generate_format_pdf_writes_a_fillable_pdf_per_child(tmp_path: Path,
                                                            sample_roster_path: Path) -> None:
    result = CliRunner().invoke(main, ["generate", "--authority", "cheshire-west", "--term",
                                       "spring-2027", "--roster", str(sample_roster_path),
                                       "--out", str(tmp_path), "--format", "docx",
                                       "--format", "pdf"])
    assert result.exit_code == 0, result.output
    pdfs = sorted(tmp_path.rglob("*.pdf"))
    assert len(pdfs) == 30
    reader = PdfReader(pdfs[0])
    fields = reader.get_fields() or {}
    assert "/attendance/percentage" in fields and "/targets/0/who" in fields
    assert (reader.metadata or {}).get("/Pepforms_authority") == "cheshire-west"


def test_previous_answers_as_json_from_pepforms_read_carry_forward(tmp_path: Path,
                                                                   sample_roster_path: Path) -> None:
    returned = _autumn_returns(tmp_path, sample_roster_path)
    form = next(returned.glob("*-C10016-*.docx"))
    as_json = CliRunner().invoke(main, ["read", str(form)])
    assert as_json.exit_code == 0
    previous = tmp_path / "json-only"
    previous.mkdir()
    (previous / "C10016.json").write_text(as_json.stdout)
    result = generate("cheshire-west", TERM, sample_roster_path, tmp_path / "spring",
                      previous=previous)
    pdfs = [f for f in result.forms if f.kind.startswith("last term")]
    assert [f.child_id for f in pdfs] == ["C10016"]
    from pepforms.checking import read_form_file

    blank = next(f for f in result.forms if f.child_id == "C10016" and f.kind == "blank form")
    instance = read_form_file(result.out_dir / blank.file).result.instance
    assert instance is not None and len(instance["previous_targets"]) >= 2
    assert "Autumn term 2026" in _pdf_text((result.out_dir / pdfs[0].file).read_bytes())
