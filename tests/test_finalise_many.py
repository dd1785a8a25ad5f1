"""Finalising a folder in one call: one outcome per file, a bad file never stops the batch."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from pepforms.cases import discover, returned_form
from pepforms.cli import main
from pepforms.errors import OutputExistsError, PepformsError
from pepforms.finalising import FAILED, REFUSED, WRITTEN, WRITTEN_WITH_ERRORS, finalise_many

GOOD = next(c for c in discover("cheshire-west") if c.name == "good" and c.phase == "y1-11")
BAD = next(c for c in discover("cheshire-west") if c.name == "attendance-unexplained")


def _text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


@pytest.fixture
def returned(tmp_path: Path) -> Path:
    """A folder as a Virtual School gets it back: a good form in a school's sub-folder, a form
    with errors, a file that is not a Word document, and one that is a damaged zip."""
    folder = tmp_path / "returned"
    (folder / "Oakfield Example School").mkdir(parents=True)
    (folder / "Oakfield Example School" / "good.docx").write_bytes(returned_form(GOOD)[1])
    (folder / "errors.docx").write_bytes(returned_form(BAD)[1])
    (folder / "notes.docx").write_bytes(b"just some text, not a form")
    (folder / "torn.docx").write_bytes(returned_form(GOOD)[1][:3000])
    return folder


def _digests(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*")
            if p.is_file()}


def test_one_outcome_per_file_and_only_good_forms_get_a_pdf(returned: Path, tmp_path: Path) -> None:
    before = _digests(returned)
    out = tmp_path / "finalised"
    outcomes = finalise_many([returned], out)
    by_name = {o.source.name: o for o in outcomes}
    assert sorted(by_name) == ["errors.docx", "good.docx", "notes.docx", "torn.docx"]
    assert by_name["good.docx"].status == WRITTEN
    assert by_name["good.docx"].out == out / "Oakfield Example School" / "good.pdf"
    assert "Finalised" in _text(by_name["good.docx"].out)
    assert by_name["errors.docx"].status == REFUSED
    result = by_name["errors.docx"].result
    assert result is not None and result.errors >= 1 and result.instance is None
    for name in ("notes.docx", "torn.docx"):
        assert by_name[name].status == FAILED and by_name[name].message
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf")) == [
        "Oakfield Example School/good.pdf"]
    assert _digests(returned) == before  # inputs never modified


def test_allow_findings_writes_the_form_with_errors_marked(returned: Path, tmp_path: Path) -> None:
    out = tmp_path / "finalised"
    outcomes = finalise_many([returned / "errors.docx"], out, allow_findings=True)
    [only] = outcomes
    assert only.status == WRITTEN_WITH_ERRORS and only.out == out / "errors.pdf"
    assert "Not finalised: has errors" in _text(only.out)


def test_two_processes_give_the_same_outcomes_and_bytes(returned: Path, tmp_path: Path) -> None:
    one = finalise_many([returned], tmp_path / "one")
    two = finalise_many([returned], tmp_path / "two", jobs=2)
    assert [(o.source, o.status, o.message) for o in one] == \
        [(o.source, o.status, o.message) for o in two]
    assert [o.out.relative_to(tmp_path / "one") for o in one] == \
        [o.out.relative_to(tmp_path / "two") for o in two]
    written = [o for o in one if o.status == WRITTEN]
    assert written
    for o in written:
        twin = tmp_path / "two" / o.out.relative_to(tmp_path / "one")
        assert twin.read_bytes() == o.out.read_bytes()


def test_nothing_is_replaced_without_force_and_inputs_are_never_outputs(
        returned: Path, tmp_path: Path) -> None:
    out = tmp_path / "finalised"
    finalise_many([returned / "Oakfield Example School"], out)
    with pytest.raises(OutputExistsError):
        finalise_many([returned / "Oakfield Example School"], out)
    again = finalise_many([returned / "Oakfield Example School"], out, force=True)
    assert [o.status for o in again] == [WRITTEN]
    pdf_form = returned / "form.pdf"
    pdf_form.write_bytes(again[0].out.read_bytes())
    with pytest.raises(PepformsError, match="would replace the returned form"):
        finalise_many([pdf_form], returned, force=True)
    (returned / "errors.pdf").write_bytes(b"%PDF-1.4 another")
    with pytest.raises(PepformsError, match="would both be finalised as"):
        finalise_many([returned / "errors.docx", returned / "errors.pdf"], out, force=True)


def test_cli_finalises_a_folder_and_exits_1_when_any_file_fails(returned: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "finalised"
    result = CliRunner().invoke(main, ["finalise", str(returned), "--out", str(out),
                                       "--jobs", "2"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any("good.docx: wrote" in line and "Finalised" in line for line in lines)
    assert any("errors.docx: has errors, so it was not finalised" in line for line in lines)
    assert any("notes.docx: not finalised:" in line for line in lines)
    assert any("torn.docx: not finalised:" in line for line in lines)
    assert "4 form(s): 1 PDF(s) written, 1 with errors not finalised, 2 could not be " \
        "finalised." in result.output
    good_only = CliRunner().invoke(main, ["finalise", str(returned / "Oakfield Example School"),
                                          "--out", str(tmp_path / "good")])
    assert good_only.exit_code == 0, good_only.output
    assert (tmp_path / "good" / "good.pdf").is_file()
    exists = CliRunner().invoke(main, ["finalise", str(returned / "Oakfield Example School"),
                                       "--out", str(tmp_path / "good")])
    assert exists.exit_code == 2 and "--force" in exists.output


def test_cli_one_form_to_a_folder_and_a_file_for_a_folder(returned: Path, tmp_path: Path) -> None:
    good = returned / "Oakfield Example School" / "good.docx"
    to_folder = CliRunner().invoke(main, ["finalise", str(good), "--out", str(tmp_path / "f")])
    assert to_folder.exit_code == 0, to_folder.output
    assert (tmp_path / "f" / "good.pdf").is_file()
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    refused = CliRunner().invoke(main, ["finalise", str(returned), "--out", str(a_file)])
    assert refused.exit_code == 2 and "is a file" in refused.output
