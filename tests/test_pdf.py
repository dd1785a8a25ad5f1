"""The PDF layer: the finalised record, password protection, the fillable form and reading it back.

The record's claim is checked for every form of every authority: every filled value is in the
PDF's extracted text as the Word form shows it. The fillable form's claim is a property test:
what is typed into its fields reads back as the same instance.
"""

from __future__ import annotations

import copy
import io
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from pypdf import PasswordType, PdfReader, PdfWriter
from pypdf.errors import FileNotDecryptedError
from pypdf.generic import NameObject

from pepforms.calendar import Term
from pepforms.cases import Case, child_from_instance, discover, returned_form
from pepforms.checking import CheckOptions
from pepforms.errors import PepformsError
from pepforms.finalising import finalise
from pepforms.findings import make
from pepforms.forms import form_content
from pepforms.pdf.fillable import build_fillable, row_count
from pepforms.pdf.protect import encrypt, read_password_file
from pepforms.pdf.reader import (
    MAX_PDF_BYTES,
    PdfProblem,
    is_pdf,
    pdf_properties,
    read_pdf,
    read_properties,
)
from pepforms.pdf.record import EMPTY, MARKING, render_record, shown
from pepforms.pointers import get
from pepforms.schema import Field, FormModel, all_forms, form_model, load_authority
from pepforms.validate.quality import QaDecision, indicative_grade
from pepforms.word.controls import display_text

from .conftest import examples
from .test_roundtrip import canonical, shape_schema, shape_strategy

A4_WIDTH, A4_HEIGHT = 595.28, 841.89
AWKWARD = "O'Neil & <Co> \"quoted\" — café, £1,200, it’s"
CHILD_NAME = "Mia EXAMPLE"
ORGANISATION = "Example Virtual School"


# --------------------------------------------------------------------------------------------
# Helpers


@cache
def good_cases() -> dict[tuple[str, str], Case]:
    return {(c.authority, c.phase): c for c in discover() if c.name == "good"}


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def expected_text(f: Field, value: Any) -> str:
    """How the Word form shows a value (the oracle the record must match)."""
    if f.kind == "checkbox":
        return "Yes" if value else "No"
    return display_text(f, value)


def page_texts(pdf: bytes, password: str | None = None) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    if password is not None:
        reader.decrypt(password)
    return [page.extract_text() for page in reader.pages]


def body_text(pdf: bytes, header: str, footer: str) -> str:
    """All pages' text without the running header and footer, whitespace removed (text that wraps
    onto the next page is then contiguous again)."""
    kept = []
    for text in page_texts(pdf):
        for line in text.splitlines():
            if line.strip() in {header, footer, MARKING} or \
                    re.fullmatch(r"Page \d+ of \d+", line.strip()):
                continue
            kept.append(line)
    return squash("".join(kept))


def record_for(model: FormModel, instance: dict[str, Any], **overrides: Any) -> bytes:
    kwargs: dict[str, Any] = dict(organisation=ORGANISATION, child_name=CHILD_NAME,
                                  term_label="Spring term 2027", form_id="EX-SPRING2027-C1",
                                  status="Finalised", findings=[],
                                  role_labels={"designated-teacher": "Designated teacher (school)"})
    kwargs.update(overrides)
    return render_record(model, instance, **kwargs)


def file_id(pdf: bytes) -> bytes:
    return bytes(PdfReader(io.BytesIO(pdf)).trailer["/ID"][0].original_bytes)


def footer_for(model: FormModel, form_id: str = "EX-SPRING2027-C1") -> str:
    return f"Form {form_id} · {model.authority} {model.phase} schema v{model.version}"


# --------------------------------------------------------------------------------------------
# The finalised record


@pytest.mark.parametrize(("authority", "phase"), all_forms())
def test_record_holds_every_filled_value(authority: str, phase: str) -> None:
    model = form_model(authority, phase)
    case = good_cases()[(authority, phase)]
    pdf = record_for(model, case.instance)
    text = body_text(pdf, f"{CHILD_NAME} · Spring term 2027", footer_for(model))
    checked = 0
    for f in model.fields():
        value = get(case.instance, f.pointer)
        if value is None:
            continue
        assert squash(f.display_label) in text, f.pointer
        assert squash(expected_text(f, value)) in text, f.pointer
        checked += 1
    for table in model.tables():
        for row in get(case.instance, table.pointer) or []:
            for col in table.columns:
                if row.get(col.key) is not None:
                    assert squash(expected_text(col, row[col.key])) in text, col.pointer
                    checked += 1
    assert checked > 20
    for section in model.sections:
        assert squash(section.title) in text
    assert squash("Finalised") in text
    assert squash("Open findingsNone") in text
    whole = "\n".join(page_texts(pdf))
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert all(t.count(MARKING) == 2 for t in page_texts(pdf)), "marked at the top and bottom"
    assert whole.count(f"{CHILD_NAME} · Spring term 2027") == pages
    assert whole.count(footer_for(model)) == pages
    assert f"Page {pages} of {pages}" in whole
    assert record_for(model, case.instance) == pdf


def test_record_pages_are_a4_and_reproducible() -> None:
    model = form_model("cheshire-west", "y1-11")
    instance = good_cases()[("cheshire-west", "y1-11")].instance
    pdf = record_for(model, instance)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A4_WIDTH, abs=0.01)
        assert float(page.mediabox.height) == pytest.approx(A4_HEIGHT, abs=0.01)
    assert record_for(model, copy.deepcopy(instance)) == pdf
    changed = copy.deepcopy(instance)
    changed["voice"]["views"] = "Something else entirely."
    other = record_for(model, changed)
    assert other != pdf
    assert file_id(other) != file_id(pdf), "each document has its own /ID"


def test_record_escapes_markup_and_keeps_unicode_and_line_breaks() -> None:
    model = form_model("cheshire-west", "y1-11")
    instance = copy.deepcopy(good_cases()[("cheshire-west", "y1-11")].instance)
    instance["voice"]["views"] = f"{AWKWARD}\nsecond line é"
    instance["targets"][0]["who"] = AWKWARD
    instance["child"]["first_name"] = "Zoë"
    pdf = record_for(model, instance, child_name="Zoë O'Neil")
    text = body_text(pdf, "Zoë O'Neil · Spring term 2027", footer_for(model))
    assert squash(AWKWARD) in text
    assert squash(f"{AWKWARD}second line é") in text
    assert "Zoë" in text
    whole = "\n".join(page_texts(pdf))
    assert re.search(r"it’s\s*\n\s*second line é", whole), "the line break was lost"
    assert "Zoë O'Neil · Spring term 2027" in whole


def test_record_shows_empty_values_as_a_dash() -> None:
    model = form_model("cheshire-west", "y1-11")
    pdf = record_for(model, {"child": {"first_name": "Mia"}})
    text = "\n".join(page_texts(pdf))
    assert text.count(EMPTY) >= len(list(model.fields())) - 1
    assert "None recorded" in text


def test_record_wraps_long_text_across_pages() -> None:
    model = form_model("cheshire-west", "y1-11")
    instance = copy.deepcopy(good_cases()[("cheshire-west", "y1-11")].instance)
    long_text = " ".join(f"word{i}" for i in range(2500))
    instance["voice"]["views"] = long_text
    instance["targets"][1]["actions"] = long_text
    pdf = record_for(model, instance)
    assert len(PdfReader(io.BytesIO(pdf)).pages) > 12
    text = body_text(pdf, f"{CHILD_NAME} · Spring term 2027", footer_for(model))
    assert squash(long_text) in text  # a label | value row runs on across pages
    # A table row runs on too: its other cells and the repeated header interrupt it, but every
    # word is there, in order.
    words = [int(n) for n in re.findall(r"word(\d+)", "\n".join(page_texts(pdf)))]
    assert words == list(range(2500)) * 2


def test_a_section_with_many_open_findings_keeps_its_title() -> None:
    model = form_model("cheshire-west", "y1-11")
    instance = good_cases()[("cheshire-west", "y1-11")].instance
    findings = [make("missing-value", pointer=f"/voice/views{i}", section="The young person's voice",
                     label=f"Question {i}", role="designated-teacher") for i in range(8)]
    text = squash_spaces("".join(page_texts(record_for(model, instance, findings=findings))))
    assert "Open findings: The young person's voice" in text
    assert all(f"Question {i}" in text for i in range(8))


def test_record_shows_open_findings_beside_their_sections() -> None:
    model = form_model("cheshire-west", "y1-11")
    instance = good_cases()[("cheshire-west", "y1-11")].instance
    findings = [
        make("missing-value", pointer="/voice/views", section="The young person's voice",
             label="What I think about school", role="designated-teacher"),
        make("wrong-term", detail="autumn 2026"),
    ]
    pdf = record_for(model, instance, status="Not finalised: has errors", findings=findings)
    pages = page_texts(pdf)
    first = squash_spaces(pages[0])
    assert "Not finalised: has errors" in first
    assert "1 error(s), 1 warning(s)" in first
    # A finding about the whole form is in the summary on the first page.
    assert "Open findings about the whole form" in first and "The whole form" in first
    assert squash(findings[1].message) in squash(pages[0])
    # A section's finding is on the page where the section is, under its own heading.
    voice = next(i for i, t in enumerate(pages) if "The young person's voice" in t
                 and "What I think about school" in t)
    assert "Open findings: The young person's voice" in squash_spaces(pages[voice])
    assert squash(findings[0].message) in squash(pages[voice])
    assert "The young person's voice › What I think about school" in squash_spaces(pages[voice])
    assert "Validation" not in "".join(pages)  # no page of its own for the findings


def test_record_summary_holds_grade_qa_decision_finalised_and_pp_plus() -> None:
    model = form_model("cheshire-west", "y1-11")
    instance = good_cases()[("cheshire-west", "y1-11")].instance
    grade = indicative_grade(load_authority("cheshire-west").qa_framework, "y1-11", [], instance)
    assert grade is not None and grade.overall == "Good"
    plain = page_texts(record_for(model, instance, quality=grade))
    first = squash_spaces(plain[0])
    assert "Quality grade (indicative) Good" in first
    assert "QA officer's judgement Not yet recorded" in first
    assert "Finalised by Not recorded" in first
    costs = [r["cost"] for r in instance["pp_plus"]["requests"] if "cost" in r]
    assert costs, "the good case asks for PP+"
    assert f"Pupil Premium Plus requested £{sum(costs):,.2f} ({len(costs)} costed" in first
    decided = page_texts(record_for(
        model, instance, quality=grade, finalised_by="Pat Coordinator",
        finalised_on=date(2027, 2, 18),
        qa=QaDecision("Requires improvement", "Sam QA", date(2027, 2, 20), "Targets not SMART.")))
    first = squash_spaces(decided[0])
    assert "Requires improvement (by Sam QA on 20 February 2027). Targets not SMART." in first
    assert "Finalised by Pat Coordinator, on 18 February 2027" in first
    assert all(MARKING in t for t in decided)


def test_record_leaves_out_what_the_form_did_not_ask() -> None:
    model = form_model("cheshire-west", "early-years")
    instance = copy.deepcopy(good_cases()[("cheshire-west", "early-years")].instance)
    assert "Attendance at sessions" in "".join(page_texts(record_for(model, instance)))
    del instance["education"]["school_name"]  # a child at home: attendance was not asked
    assert "Attendance at sessions" not in "".join(page_texts(record_for(model, instance)))


def test_finalised_pdf_is_marked_and_graded_on_every_page(tmp_path: Path) -> None:
    case = good_cases()[("sutton", "y1-11")]
    _, data = returned_form(case)
    form = tmp_path / "returned.docx"
    form.write_bytes(data)
    done = finalise(form, tmp_path / "record.pdf", finalised_by="Pat Coordinator",
                    finalised_on=date(2027, 2, 1), options=CheckOptions(received=case.received))
    assert done.result.quality is not None
    pages = page_texts((tmp_path / "record.pdf").read_bytes())
    assert len(pages) >= 2 and all(MARKING in t for t in pages)
    assert f"Quality grade (indicative) {done.result.quality.overall}" in squash_spaces(pages[0])


def squash_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_shown_matches_the_word_form() -> None:
    for authority, phase in all_forms():
        model = form_model(authority, phase)
        instance = good_cases()[(authority, phase)].instance
        for f in model.fields():
            value = get(instance, f.pointer)
            if value is not None:
                assert shown(f, value) == expected_text(f, value)


def test_shown_never_refuses_an_odd_value() -> None:
    model = form_model("cheshire-west", "y1-11")
    assert shown(model.field_map["/pep/meeting_date"], "next Tuesday") == "next Tuesday"
    assert shown(model.field_map["/targets/*/pp_cost"], "lots") == "lots"
    assert shown(model.field_map["/attendance/percentage"], 92.5) == "92.5%"
    assert shown(model.field_map["/targets/*/pp_cost"], 1200.5) == "£1,200.50"
    assert shown(model.field_map["/attendance/part_time_timetable"], False) == "No"
    assert shown(model.field_map["/attendance/percentage"], None) == ""


# --------------------------------------------------------------------------------------------
# Password protection


def test_encrypt_opens_only_with_the_password() -> None:
    model = form_model("cheshire-west", "y1-11")
    pdf = record_for(model, good_cases()[("cheshire-west", "y1-11")].instance)
    protected = encrypt(pdf, "correct horse")
    assert protected != pdf
    reader = PdfReader(io.BytesIO(protected))
    assert reader.is_encrypted
    with pytest.raises(FileNotDecryptedError):
        reader.pages[0].extract_text()
    assert PdfReader(io.BytesIO(protected)).decrypt("wrong") == PasswordType.NOT_DECRYPTED
    opened = PdfReader(io.BytesIO(protected))
    assert opened.decrypt("correct horse") != PasswordType.NOT_DECRYPTED
    assert "Sam Placeholder" in "".join(p.extract_text() for p in opened.pages)
    assert opened.trailer["/Encrypt"]["/V"] == 5  # AES-256
    assert opened.trailer["/Encrypt"]["/R"] == 6
    with pytest.raises(ValueError):
        encrypt(pdf, "")


def test_read_password_file(tmp_path: Path) -> None:
    good = tmp_path / "password.txt"
    good.write_text("  s3cret pass  \nsecond line\n", encoding="utf-8")
    assert read_password_file(good) == "s3cret pass"
    bom = tmp_path / "bom.txt"
    bom.write_bytes("\ufeffpässword\r\n".encode())
    assert read_password_file(bom) == "pässword"
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(PepformsError, match="no password"):
        read_password_file(empty)
    with pytest.raises(PepformsError, match="does not exist"):
        read_password_file(tmp_path / "missing.txt")
    with pytest.raises(PepformsError, match="folder"):
        read_password_file(tmp_path)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\xfa secret")
    with pytest.raises(PepformsError) as info:
        read_password_file(binary)
    assert "secret" not in str(info.value)


# --------------------------------------------------------------------------------------------
# The fillable form


@cache
def prefill(authority: str, phase: str) -> Any:
    case = good_cases()[(authority, phase)]
    return form_content(form_model(authority, phase), child_from_instance(case.instance, phase),
                        Term.parse(case.instance["pep"]["term"]))


def fillable_for(authority: str, phase: str, blank_rows: int | None = None) -> bytes:
    content = prefill(authority, phase)
    return build_fillable(form_model(authority, phase), content.values, content.tables,
                          organisation=ORGANISATION, header_line=content.header_line,
                          term_label=content.term_label, form_id=content.form_id,
                          properties=content.properties, blank_rows=blank_rows)


@cache
def cheshire_fillable() -> bytes:
    return fillable_for("cheshire-west", "y1-11", blank_rows=5)


def test_fillable_fields_are_named_by_pointer_and_typed() -> None:
    model = form_model("cheshire-west", "y1-11")
    content = prefill("cheshire-west", "y1-11")
    reader = PdfReader(io.BytesIO(cheshire_fillable()))
    fields = reader.get_fields()
    assert fields is not None
    for f in model.fields():
        pdf_field = fields[f.pointer]
        flags = int(pdf_field.get("/Ff", 0))
        if f.kind == "checkbox":
            assert pdf_field["/FT"] == "/Btn"
            assert set(pdf_field["/_States_"]) == {"/Yes", "/Off"}
        elif f.kind == "choice":
            assert pdf_field["/FT"] == "/Ch"
            assert flags & (1 << 17), "a combo box, not a list box"
            assert list(pdf_field["/Opt"]) == ["", *(c.label for c in f.choices)]
        else:
            assert pdf_field["/FT"] == "/Tx"
            assert bool(flags & (1 << 12)) == (f.kind == "multiline")
        readonly = bool(flags & 1)
        assert readonly == (f.locked and f.pointer in content.values), f.pointer
        value = content.values.get(f.pointer)
        if value is not None and f.kind != "checkbox":
            assert pdf_field["/V"] == display_text(f, value)
        elif f.kind == "choice":
            assert pdf_field["/V"] == ""
    for table in model.tables():
        rows = len(content.tables.get(table.pointer, []))
        count = row_count(table, rows, 5)
        assert count == max(5, rows + 2)
        for col in table.columns:
            assert col.at(count - 1) in fields
            assert col.at(count) not in fields
    assert reader.trailer["/Root"]["/AcroForm"]["/NeedAppearances"]


def test_fillable_carries_identity_and_is_reproducible() -> None:
    content = prefill("cheshire-west", "y1-11")
    pdf = cheshire_fillable()
    assert fillable_for("cheshire-west", "y1-11", blank_rows=5) == pdf
    assert file_id(fillable_for("cheshire-west", "y1-11")) != file_id(pdf)
    assert pdf_properties(pdf) == dict(content.properties)
    info = PdfReader(io.BytesIO(pdf)).metadata
    assert info is not None and info["/Pepforms_form_id"] == content.form_id
    assert "/Pepforms_schema_version" in info and "/Pepforms_prefill" in info
    assert info.title == form_model("cheshire-west", "y1-11").title
    whole = "\n".join(page_texts(pdf))
    assert content.header_line in whole
    assert f"Form {content.form_id}" in whole
    assert re.search(r"Page 1 of (\d+)", whole)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert f"Page {pages} of {pages}" in whole


def test_fillable_blank_rows_default_to_the_schema() -> None:
    model = form_model("nottinghamshire", "y1-11")
    fields = PdfReader(io.BytesIO(fillable_for("nottinghamshire", "y1-11"))).get_fields() or {}
    targets = model.table_map["/targets"]
    assert targets.blank_rows == 8
    assert f"/targets/{targets.blank_rows - 1}/target" in fields
    assert f"/targets/{targets.blank_rows}/target" not in fields


@pytest.mark.parametrize(("authority", "phase"), all_forms())
def test_every_blank_fillable_reads_back_as_its_prefill(authority: str, phase: str) -> None:
    model = form_model(authority, phase)
    content = prefill(authority, phase)
    read = read_pdf(model, fillable_for(authority, phase))
    assert read.findings == []
    assert read.missing == []
    assert read.properties == dict(content.properties)
    assert read.instance == canonical(model, _prefill_as_instance(content), dict(content.values),
                                      dict(content.tables))


def _prefill_as_instance(content: Any) -> dict[str, Any]:
    instance: dict[str, Any] = {}
    for pointer, value in content.values.items():
        parts = pointer.strip("/").split("/")
        node = instance
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return instance


# --------------------------------------------------------------------------------------------
# Reading a filled PDF


def _field_value(f: Field, value: Any) -> str:
    if f.kind == "checkbox":
        return "/Yes" if value else "/Off"
    if value is None:
        return ""
    return display_text(f, value)


@cache
def _parsed(pdf: bytes) -> tuple[PdfReader, frozenset[str], frozenset[str]]:
    """A blank form parsed once, with its field names and its read-only ones. Listing the fields
    is slow, and a writer cloned from a reader that has already parsed its objects is made ten
    times faster; the reader itself is only read from."""
    reader = PdfReader(io.BytesIO(pdf))
    fields = reader.get_fields() or {}
    readonly = {name for name, data in fields.items() if int(data.get("/Ff", 0)) & 1}
    return reader, frozenset(fields), frozenset(readonly)


def fill_pdf(model: FormModel, pdf: bytes, y: dict[str, Any]) -> bytes:
    """Type `y` into the fillable form the way a viewer does, leaving read-only fields alone."""
    reader, fields, readonly = _parsed(pdf)
    writer = PdfWriter(clone_from=reader)
    values: dict[str, str] = {}
    for f in model.fields():
        if f.pointer not in readonly:
            values[f.pointer] = _field_value(f, get(y, f.pointer))
    for table in model.tables():
        rows = get(y, table.pointer)
        if rows is None:
            continue  # the school left the table as it came
        index = 0
        while table.columns[0].at(index) in fields:
            row = rows[index] if index < len(rows) else {}
            for col in table.columns:
                values[col.at(index)] = _field_value(col, row.get(col.key))
            index += 1
        assert index >= len(rows), "the form has too few rows for this example"
    return typed_into(writer, values)


def typed_into(writer: PdfWriter, values: dict[str, str]) -> bytes:
    for page in writer.pages:
        names = {str(a.get_object().get("/T")) for a in page.get("/Annots", [])}
        subset = {k: v for k, v in values.items() if k in names}
        if subset:
            writer.update_page_form_field_values(page, subset, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def type_text(pdf: bytes, values: dict[str, str]) -> bytes:
    return typed_into(PdfWriter(clone_from=PdfReader(io.BytesIO(pdf))), values)


ROUND_TRIP_MODEL = form_model("cheshire-west", "y1-11")


@settings(max_examples=examples(12),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(y=shape_strategy(shape_schema(ROUND_TRIP_MODEL)))
def test_fillable_round_trip(y: dict[str, Any]) -> None:
    model = ROUND_TRIP_MODEL
    content = prefill("cheshire-west", "y1-11")
    filled = fill_pdf(model, cheshire_fillable(), copy.deepcopy(y))
    read = read_pdf(model, filled)
    assert read.findings == []
    assert read.missing == []
    assert read.instance == canonical(model, y, dict(content.values), dict(content.tables))


def test_awkward_text_round_trips() -> None:
    model = ROUND_TRIP_MODEL
    content = prefill("cheshire-west", "y1-11")
    text = f"{AWKWARD}\nZoë, Siobhán, 李小龙, emoji 🙂\n\nafter a blank line"
    y = {"voice": {"views": text}, "targets": [{"target": text, "who": AWKWARD}]}
    read = read_pdf(model, fill_pdf(model, cheshire_fillable(), y))
    assert read.findings == []
    assert read.instance == canonical(model, y, dict(content.values), dict(content.tables))
    assert read.instance["voice"]["views"] == text


def test_typed_text_is_coerced_by_the_schema() -> None:
    model = ROUND_TRIP_MODEL
    filled = type_text(cheshire_fillable(), {
        "/attendance/percentage": "92%",
        "/targets/0/target": "Read daily",
        "/targets/0/pp_cost": "£1,200.50",
        "/targets/0/by_when": "14/1/27",
        "/pep/meeting_date": "14 January 2027",
        "/attendance/suspensions": "two",
        # Rows 0-2 hold the people the roster knows; the school adds Jo below them.
        "/meeting/attendees/0/attended": "/Yes",
        "/meeting/attendees/3/name": "Jo",
        "/meeting/attendees/3/attended": "/Yes",
        "/meeting/attendees/4/attended": "/Off",  # an unticked box alone is not a row
    })
    read = read_pdf(model, filled)
    assert read.findings == []
    assert read.instance["attendance"]["percentage"] == 92.0
    assert read.instance["attendance"]["suspensions"] == 2
    assert read.instance["attendance"]["part_time_timetable"] is False
    assert read.instance["pep"]["meeting_date"] == "2027-01-14"
    assert read.instance["targets"] == [{"target": "Read daily", "pp_cost": 1200.5,
                                         "by_when": "2027-01-14"}]
    attendees = read.instance["meeting"]["attendees"]
    assert [a.get("attended") for a in attendees] == [True, False, False, True]
    assert attendees[0]["role"] == "social-worker" and attendees[3] == {"name": "Jo",
                                                                          "attended": True}


def test_an_answer_not_understood_is_a_finding() -> None:
    model = ROUND_TRIP_MODEL
    filled = type_text(cheshire_fillable(), {
        "/attendance/percentage": "most days",
        "/targets/2/target": "Swim a length",
        "/targets/2/by_when": "soonish",
    })
    read = read_pdf(model, filled)
    by_pointer = {f.pointer: f for f in read.findings}
    assert set(by_pointer) == {"/attendance/percentage", "/targets/0/by_when"}
    finding = by_pointer["/attendance/percentage"]
    assert finding.code == "value-not-understood"
    assert finding.section == "Attendance and exclusions"
    assert finding.field and finding.field in finding.message
    assert "percentage" not in read.instance["attendance"]
    assert read.instance["targets"] == [{"target": "Swim a length"}]


def test_another_viewers_on_state_counts_as_ticked() -> None:
    model = ROUND_TRIP_MODEL
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(cheshire_fillable())))
    for page in writer.pages:
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            if annotation.get("/T") == "/attendance/part_time_timetable":
                annotation[NameObject("/V")] = NameObject("/On")
    out = io.BytesIO()
    writer.write(out)
    assert read_pdf(model, out.getvalue()).instance["attendance"]["part_time_timetable"] is True


def test_a_different_form_reports_what_is_missing() -> None:
    # The early-years form shares the core fields but not, say, the subjects table.
    model = form_model("cheshire-west", "early-years")
    read = read_pdf(model, cheshire_fillable())
    assert read.missing
    assert "/child/first_name" not in read.missing
    assert read.instance["child"]["first_name"] == "Mia"
    for section in model.sections:
        assert section.key in read.instance


@pytest.mark.parametrize(("make_data", "code"), [
    (lambda: b"", "damaged-file"),
    (lambda: b"PK\x03\x04 this is a zip", "damaged-file"),
    (lambda: b"%PDF-1.7\n" + b"\x00garbage" * 50, "damaged-file"),
    (lambda: cheshire_fillable()[: len(cheshire_fillable()) // 3], "damaged-file"),
    (lambda: b"%PDF-1.4\n" + b" " * (MAX_PDF_BYTES + 1), "too-large"),
    (lambda: encrypt(cheshire_fillable(), "school123"), "password-protected"),
    (lambda: record_for(ROUND_TRIP_MODEL, {}), "not-a-pep-form"),
])
def test_unreadable_pdfs_are_problems_with_findings(make_data: Any, code: str) -> None:
    with pytest.raises(PdfProblem) as info:
        read_pdf(ROUND_TRIP_MODEL, make_data())
    assert info.value.finding.code == code
    assert info.value.finding.pointer == ""
    assert "Word" not in info.value.finding.message
    if code != "not-a-pep-form":
        with pytest.raises(PdfProblem) as opening:
            read_properties(make_data())
        assert opening.value.finding.code == code


def test_is_pdf_and_properties_of_other_files() -> None:
    assert is_pdf(cheshire_fillable())
    assert not is_pdf(b"PK\x03\x04")
    assert not is_pdf(b"")
    assert pdf_properties(record_for(ROUND_TRIP_MODEL, {})) == {}
    assert pdf_properties(b"not a pdf") == {}
    assert pdf_properties(encrypt(cheshire_fillable(), "x")) == {}
    assert read_properties(record_for(ROUND_TRIP_MODEL, {})) == {}
