"""`pepforms export`: every answer of every returned form round-trips through the workbook and the
CSV folder exactly as `pepforms read` gives it, typed; `--fields` shapes an import file."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pepforms import pointers
from pepforms.reading import read_form_file
from pepforms.resources import samples_dir
from pepforms.schema import form_model

from .conftest import run
from .data import AUTUMN_FORMS, SPRING_FORMS

FIELDS = samples_dir() / "export-fields"


def _expected(term_folder: Path) -> dict[str, dict[str, Any]]:
    """form id -> what `pepforms read` gives for the latest version of each form (the files are
    numbered in the order they came back)."""
    out = {}
    for path in sorted(term_folder.rglob("*.docx")):
        result = read_form_file(path).result
        assert result.instance is not None, path
        out[result.form_id] = result.instance
    assert len(out) == len({c for _, c, *_ in SPRING_FORMS}) + len(AUTUMN_FORMS)
    return out


def _canonical(instance: Any) -> str:
    """JSON with types kept: 600.0 and 600 differ, as do "1" and 1."""
    return json.dumps(instance, sort_keys=True, ensure_ascii=False)


def _skeleton(authority: str, phase: str) -> dict[str, Any]:
    """What the reader always gives: every section an object, every table a list."""
    model = form_model(authority, phase)
    instance: dict[str, Any] = {s.key: {} for s in model.sections if not s.is_table}
    for table in model.tables():
        pointers.put(instance, table.pointer, [])
    return instance


def _typed(authority: str, phase: str, pointer: str, value: Any) -> Any:
    """A cell's value as the schema types it (a whole-pound amount reads back as 600)."""
    f = form_model(authority, phase).field_map[pointer]
    if isinstance(value, dt.datetime):
        assert f.kind == "date", pointer
        return value.date().isoformat()
    if f.json_type == "number":
        return float(value)
    if f.json_type == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), pointer
    return value


def _rebuild(sheets: dict[str, list[list[Any]]]) -> dict[str, dict[str, Any]]:
    """Instances rebuilt from the sheets' pointer header rows alone."""
    forms_rows = sheets["forms"]
    names = forms_rows[1]
    out: dict[str, dict[str, Any]] = {}
    kinds: dict[str, tuple[str, str]] = {}
    for row in forms_rows[2:]:
        cells = dict(zip(names, row, strict=True))
        authority, phase = cells["authority"], cells["phase"]
        instance = _skeleton(authority, phase)
        for name, value in cells.items():
            if name.startswith("/") and value is not None:
                pointers.put(instance, name, _typed(authority, phase, name, value))
        out[cells["form_id"]] = instance
        kinds[cells["form_id"]] = (authority, phase)
    for rows in sheets.values():
        header = rows[1] if len(rows) > 1 else []
        if header[:2] != ["form_id", "row"]:
            continue
        for row in rows[2:]:
            cells = dict(zip(header, row, strict=True))
            authority, phase = kinds[cells["form_id"]]
            item = {}
            table = ""
            for name, value in cells.items():
                if name.startswith("/") and value is not None:
                    table, key = name.split("/*/")
                    item[key] = _typed(authority, phase, name, value)
            assert item, f"an empty row {cells['row']} in a table sheet"
            items = pointers.get(out[cells["form_id"]], table)
            assert len(items) == cells["row"] - 1, "rows in order, none missing"
            items.append(item)
    return out


def _xlsx_sheets(path: Path) -> dict[str, list[list[Any]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_xlsx_round_trip_gives_back_what_read_gives(term_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "answers.xlsx"
    result = run("export", "--from", str(term_folder), "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Wrote the answers of 18 form(s)" in result.output
    expected = _expected(term_folder)
    sheets = _xlsx_sheets(out)
    assert list(sheets)[0] == "forms"
    assert {"targets", "previous_targets", "pp_plus_requests", "meeting_attendees",
            "attainment_subjects", "compared_with_last_term"} <= set(sheets)
    rebuilt = _rebuild(sheets)
    assert set(rebuilt) == set(expected)
    for form_id, instance in expected.items():
        assert _canonical(rebuilt[form_id]) == _canonical(instance), form_id


def test_xlsx_cells_are_typed_frozen_and_filtered(term_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "answers.xlsx"
    assert run("export", "--from", str(term_folder), "--term", "spring-2027", "--format", "xlsx",
               "-o", str(out)).exit_code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["forms"]
    names = [c.value for c in ws[2]]
    assert names[:4] == ["form_id", "authority", "phase", "/child/child_id"]
    core = ["/child/child_id", "/child/first_name", "/child/last_name", "/child/date_of_birth",
            "/child/upn", "/child/year_group", "/pep/term", "/pep/meeting_date"]
    assert names[3:11] == core  # the core vocabulary first
    assert names.index("verdict") > names.index("/meeting/actions")
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref.startswith("A2:")
    labels = dict(zip(names, [c.value for c in ws[1]], strict=True))
    assert labels["/child/child_id"] and labels["quality_grade"] == "Quality grade (indicative)"
    rows = {r[names.index("/child/child_id")].value: r for r in ws.iter_rows(min_row=3)}
    assert len(rows) == 15  # spring only: one row per form, the latest version
    s1 = rows["S0001"]
    meeting = s1[names.index("/pep/meeting_date")]
    assert meeting.value == dt.datetime(2027, 1, 20) and meeting.number_format == "DD/MM/YYYY"
    attendance = s1[names.index("/attendance/percentage")]
    assert attendance.value == 97.1 and attendance.data_type == "n"
    assert s1[names.index("/child/year_group")].value == 8
    assert s1[names.index("verdict")].value == "pass"
    assert s1[names.index("quality_grade")].value == "Good Quality"
    assert rows["W0005"][names.index("passed_first_time")].value is False
    summary = s1[names.index("/meeting/summary")]
    assert summary.value.startswith("=SUM(") and summary.data_type == "s"
    targets = wb["targets"]
    tnames = [c.value for c in targets[2]]
    cost = next(r[tnames.index("/targets/*/pp_cost")] for r in targets.iter_rows(min_row=3)
                if r[0].value == "SHR-SPRING2027-S0001" and r[1].value == 1)
    assert cost.value == 600 and "£" in cost.number_format
    with zipfile.ZipFile(out) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets"))
    assert "<f>" not in xml and "<f " not in xml  # no cell is a formula


def _csv_sheets(folder: Path) -> dict[str, list[list[Any]]]:
    out = {}
    for path in sorted(folder.glob("*.csv")):
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        out[path.stem] = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    return out


def _from_csv(authority: str, phase: str, pointer: str, text: str) -> Any:
    f = form_model(authority, phase).field_map[pointer]
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]  # the safe writer's apostrophe
    if f.kind == "checkbox":
        assert text in ("TRUE", "FALSE"), pointer
        return text == "TRUE"
    if f.json_type == "number":
        return float(text)
    if f.json_type == "integer":
        return int(text)
    return text


def test_csv_folder_holds_the_same(term_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "answers"
    result = run("export", "--from", str(term_folder), "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    sheets = _csv_sheets(out)
    # Typed back from the schema, then rebuilt by the same pointer rows as the workbook.
    typed: dict[str, list[list[Any]]] = {}
    kinds: dict[str, tuple[str, str]] = {}
    forms = sheets["forms"]
    for row in forms[2:]:
        cells = dict(zip(forms[1], row, strict=True))
        kinds[cells["form_id"]] = (cells["authority"], cells["phase"])
    for name, rows in sheets.items():
        header = rows[1]
        if name != "forms" and header[:2] != ["form_id", "row"]:
            continue
        body = []
        for row in rows[2:]:
            cells = dict(zip(header, row, strict=True))
            authority, phase = kinds[cells["form_id"]]
            body.append([None if v == "" else int(v) if n == "row" else
                         _from_csv(authority, phase, n, v) if n.startswith("/") else v
                         for n, v in cells.items()])
        typed[name] = [rows[0], header, *body]
    expected = _expected(term_folder)
    rebuilt = _rebuild(typed)
    assert set(rebuilt) == set(expected)
    for form_id, instance in expected.items():
        assert _canonical(rebuilt[form_id]) == _canonical(instance), form_id
    readme = (out / "README.txt").read_text(encoding="utf-8-sig")
    assert "OFFICIAL-SENSITIVE" in readme
    for name, rows in sheets.items():
        assert f"{name}.csv" in readme
        for column in rows[1]:
            assert column in readme, (name, column)


def test_comparison_with_last_term(term_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "answers.xlsx"
    assert run("export", "--from", str(term_folder), "--term", "spring-2027", "--format", "xlsx",
               "-o", str(out)).exit_code == 0
    sheets = _xlsx_sheets(out)
    rows = sheets["compared_with_last_term"]
    names = rows[1]
    by_child = {r[names.index("/child/child_id")]: dict(zip(names, r, strict=True))
                for r in rows[2:]}
    assert len(by_child) == 15
    s1 = by_child["S0001"]
    assert (s1["attendance_now"], s1["attendance_last_term"], s1["attendance_change"],
            s1["attendance_trend"]) == (97.1, 94.0, 3.1, "rising")
    assert s1["last_form_id"] == "SHR-AUTUMN2026-S0001"
    assert s1["rated/achieved"] == 1 and s1["rated/partly_achieved"] == 1
    assert s1["from_last_term"] == 2
    assert by_child["W0001"]["attendance_trend"] == "falling"
    assert by_child["U0001"]["attendance_trend"] == "about the same"
    assert by_child["B0001"]["attendance_trend"] == "no figure last term"
    subjects = [r for r in sheets["attainment_compared"][2:] if r[0] == "SHR-SPRING2027-S0001"]
    english = next(r for r in subjects if r[3] == "English")
    assert "Developing" in english[4] and "Emerging" in english[5]


def test_fields_json_makes_a_liquidlogic_style_import(term_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "import.xlsx"
    result = run("export", "--from", str(term_folder / "spring"), "--format", "xlsx", "-o",
                 str(out), "--fields", str(FIELDS / "liquidlogic.json"))
    assert result.exit_code == 0, result.output
    mapping = json.loads((FIELDS / "liquidlogic.json").read_text())["columns"]
    sheets = _xlsx_sheets(out)
    assert list(sheets) == ["forms", "targets", "about"]
    forms = sheets["forms"]
    form_level = [h for k, h in mapping.items() if "/*/" not in k and k != "row"]
    assert forms[0] == form_level  # one header row: the import's own headings, in its order
    people = {r[forms[0].index("PersonID")] for r in forms[1:]}
    assert "S0001" in people and len(forms) == 1 + 15
    targets = sheets["targets"]
    assert targets[0][:2] == ["ExternalReference", "TargetNumber"]
    assert targets[0][2:] == [h for k, h in mapping.items() if k.startswith("/targets/*/")]
    dates = [r[targets[0].index("TargetDate")] for r in targets[1:]]
    assert dates and all(isinstance(d, dt.datetime) for d in dates)


def test_fields_csv_makes_a_mosaic_style_import(term_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "mosaic"
    result = run("export", "--from", str(term_folder / "spring"), "--format", "csv", "-o",
                 str(out), "--fields", str(FIELDS / "mosaic.csv"))
    assert result.exit_code == 0, result.output
    sheets = _csv_sheets(out)
    assert set(sheets) == {"forms", "previous_targets"}
    assert sheets["forms"][0] == ["Form Reference", "Person Reference", "Surname", "Forename",
                                  "Date of Birth", "PEP Meeting Date", "Education Provider",
                                  "Attendance %", "Attendance Comments", "Date Received",
                                  "Form Status"]
    assert sheets["previous_targets"][0] == ["Form Reference", "Line", "Previous Target",
                                             "Progress Against Target"]
    assert {r[3] for r in sheets["previous_targets"][1:]} <= {
        "achieved", "partly-achieved", "not-achieved", "carried-forward"}


@pytest.mark.parametrize(("content", "suffix", "message"), [
    ('{"columns": {"/attendance/percentag": "Att"}}', ".json", "Did you mean /attendance/percentage"),
    ("from,to\n/child/child_id,ID\n/child/upn,ID\n", ".csv", "uses the heading 'ID' twice"),
    ("not json", ".json", "not valid JSON"),
    ("a,b\n", ".csv", "headings from,to"),
])
def test_a_bad_fields_file_is_refused_before_any_work(term_folder: Path, tmp_path: Path,
                                                      content: str, suffix: str,
                                                      message: str) -> None:
    fields = tmp_path / f"fields{suffix}"
    fields.write_text(content)
    out = tmp_path / "x.xlsx"
    result = run("export", "--from", str(term_folder), "--format", "xlsx", "-o", str(out),
                 "--fields", str(fields))
    assert result.exit_code == 2 and message in result.output, result.output
    assert not out.exists()


def test_nothing_is_overwritten_and_inputs_are_never_touched(term_folder: Path,
                                                             tmp_path: Path) -> None:
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in term_folder.rglob("*")
              if p.is_file()}
    out = tmp_path / "answers.xlsx"
    out.write_bytes(b"keep me")
    result = run("export", "--from", str(term_folder), "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_bytes() == b"keep me"
    inside = term_folder / "spring"
    result = run("export", "--from", str(term_folder), "--format", "csv", "-o", str(inside))
    assert result.exit_code == 2 and "overlaps" in result.output
    assert run("export", "--format", "xlsx", "-o", str(out)).exit_code == 2
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in term_folder.rglob("*")
             if p.is_file()}
    assert after == before


def test_one_school_and_unreadable_files(term_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    for path in sorted((term_folder / "spring").rglob("*.docx"))[:3]:
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    out = tmp_path / "answers.xlsx"
    result = run("export", "--from", str(folder), "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "1 file(s) could not be read" in result.output
    about = [r[0] for r in _xlsx_sheets(out)["about"] if r[0]]
    assert any("1 file(s) could not be read" in line for line in about)
    assert len(_xlsx_sheets(out)["forms"]) == 2 + 3
    school = tmp_path / "school.xlsx"
    result = run("export", "--from", str(term_folder), "--school", "specimen academy",
                 "--format", "xlsx", "-o", str(school))
    assert result.exit_code == 0, result.output
    rows = _xlsx_sheets(school)["forms"][2:]
    assert sorted(r[0] for r in rows) == ["SHR-AUTUMN2026-S0001", "SHR-SPRING2027-S0001",
                                          "SHR-SPRING2027-S0002", "SHR-SPRING2027-S0003"]


def test_a_form_that_lost_its_identity_still_has_a_key() -> None:
    from pepforms.report.answers import from_report
    from pepforms.report.model import FormResult, Report

    lost = FormResult(path="returned/a form.docx", status="pass", authority="sutton",
                      phase="y1-11", term="spring-2027", child_id="C1", instance={"child": {}})
    again = FormResult(path="returned/b form.docx", status="fail", authority="sutton",
                       phase="y1-11", term="spring-2027", child_id="C1", instance={"child": {}})
    answers = from_report(Report([lost, again]))
    assert len(answers.forms) == 1  # the same child and term: two versions of one form
    assert answers.forms[0].form_id == "no form id: b form.docx"
    assert answers.forms[0].first_time_pass is True
