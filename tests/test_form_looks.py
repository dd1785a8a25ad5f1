"""The generated Word forms as a school sees them: roomy answer boxes, one heading per section,
human wording, the return-to box, the attendees the roster knows, readable wide tables, and only
the questions that apply to the child.

Every authority's form for every phase, generated for the sample roster's children.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from functools import cache
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from pepforms.calendar import Term
from pepforms.forms import (
    LEGAL_STATUSES,
    _role_value,
    form_content,
    legal_status_words,
    return_sentence,
    return_to,
)
from pepforms.resources import samples_dir
from pepforms.roster import Child, read_roster
from pepforms.schema import PLACEHOLDERS, Section, all_forms, form_model, load_authority
from pepforms.word.layout import MIN_COLUMN, MULTILINE_ROW, MULTILINE_TABLE_ROW, twips
from pepforms.word.ooxml import parse_untrusted, qn, text_of
from pepforms.word.reader import read_document
from pepforms.word.template import section_heading, section_numbers

from .conftest import TERM, blank_form, convert

TERM_ID = re.compile(r"\b(autumn|spring|summer)-\d{4}\b", re.IGNORECASE)
# A legal status code on its own; "Full care order (C2)" names it, so a code in brackets is fine.
BARE_CODE = re.compile(r"(?<!\()\b(" + "|".join(LEGAL_STATUSES) + r")\b(?!\))")


@cache
def roster() -> tuple[Child, ...]:
    return tuple(read_roster(samples_dir() / "roster.csv", TERM).children)


def child_for(phase: str, *, in_setting: bool = True) -> Child:
    return next(c for c in roster() if c.phase == phase and bool(c.school_name) == in_setting)


@cache
def form(authority: str, phase: str, child_id: str | None = None, year_group: int | None = None,
         ) -> bytes:
    child = next(c for c in roster() if c.child_id == child_id) if child_id \
        else child_for(phase)
    if year_group is not None:
        child = dataclasses.replace(child, year_group=year_group)
    return blank_form(authority, child, phase)


def parts(data: bytes) -> dict[str, etree._Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: parse_untrusted(zf.read(n)) for n in zf.namelist()
                if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n)}


def document(data: bytes) -> etree._Element:
    return parts(data)["word/document.xml"]


def all_text(data: bytes) -> str:
    return "\n".join(text_of(root) for root in parts(data).values())


def body_paragraphs(root: etree._Element) -> list[etree._Element]:
    """The paragraphs outside tables, in order."""
    body = root.find(qn("w:body"))
    assert body is not None
    return [p for p in body if p.tag == qn("w:p")]


def style_of(p: etree._Element) -> str:
    style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return "" if style is None else style.get(qn("w:val"), "")


FORMS = all_forms()


def asked_sections(authority: str, phase: str) -> list[Section]:
    """The sections the default child's form asks."""
    model = form_model(authority, phase)
    asks = form_content(model, child_for(phase), TERM).extra["asked"]
    return [s for s in model.sections if asks.get(s.pointer, True)]


# --------------------------------------------------------------------------------------------
# Roomy boxes for long answers


@pytest.mark.parametrize(("authority", "phase"), FORMS)
def test_every_long_answer_has_a_roomy_box(authority: str, phase: str) -> None:
    model = form_model(authority, phase)
    root = document(form(authority, phase))
    rows = {}
    for sdt in root.iter(qn("w:sdt")):
        tag = sdt.find(f"{qn('w:sdtPr')}/{qn('w:tag')}")
        row = next((a for a in sdt.iterancestors(qn("w:tr"))), None)
        if tag is not None and row is not None:
            rows[re.sub(r"/\d+/", "/*/", tag.get(qn("w:val")))] = row
    checked = 0
    for f in model.field_map.values():
        if f.kind != "multiline" or f.pointer not in rows:
            continue
        height = rows[f.pointer].find(f"{qn('w:trPr')}/{qn('w:trHeight')}")
        assert height is not None, f"{f.pointer}: its row has no minimum height"
        assert height.get(qn("w:hRule")) == "atLeast", f"{f.pointer}: the box must grow"
        least = MULTILINE_TABLE_ROW if "*" in f.pointer else MULTILINE_ROW
        assert int(height.get(qn("w:val"))) >= twips(least) - 1, f.pointer
        checked += 1
    assert checked >= 5


# --------------------------------------------------------------------------------------------
# One heading per section, guidance once


def _section_runs(root: etree._Element) -> list[list[str]]:
    """The texts of the paragraphs outside tables, section by section (split at Heading 1)."""
    out: list[list[str]] = []
    for p in body_paragraphs(root):
        text = text_of(p).strip()
        if style_of(p) == "Heading1":
            out.append([text])
        elif out and text:
            out[-1].append(text)
    return out


@pytest.mark.parametrize(("authority", "phase"), FORMS)
def test_no_section_prints_a_heading_or_guidance_twice(authority: str, phase: str) -> None:
    sections = _section_runs(document(form(authority, phase)))
    assert len(sections) == len(asked_sections(authority, phase))
    for texts in sections:
        heading = re.sub(r"^\S+\s+", "", texts[0])  # without its number
        assert heading not in texts[1:], f"'{heading}' is printed twice"
        assert len(set(texts)) == len(texts), f"{texts[0]}: {texts}"


@pytest.mark.parametrize(("authority", "phase"), FORMS)
def test_sections_are_numbered_in_order(authority: str, phase: str) -> None:
    model = form_model(authority, phase)
    headings = [s[0] for s in _section_runs(document(form(authority, phase)))]
    asks = form_content(model, child_for(phase), TERM).extra["asked"]
    numbers = section_numbers(model, asks)
    expected = [section_heading(s, numbers[s.pointer]) for s in asked_sections(authority, phase)]
    assert headings == expected
    assert all(re.match(r"^[A-Z]?\d+\s", h) or re.match(r"^[A-Z]\s", h) for h in headings)


# --------------------------------------------------------------------------------------------
# Human wording, and placeholders that never look filled in


@pytest.mark.parametrize(("authority", "phase"), FORMS)
def test_no_raw_term_id_or_legal_status_code_in_any_form(authority: str, phase: str) -> None:
    children = [c for c in roster() if c.phase == phase]
    assert children
    model = form_model(authority, phase)
    # Sutton's section codes ("E1 Young person's section") are the authority's own words.
    titles = [s.title for s in model.sections]
    statuses = set()
    for child in children:
        text = all_text(blank_form(authority, child, phase))
        assert not TERM_ID.search(text), f"{child.child_id}: {TERM_ID.search(text)}"
        words = text
        for title in titles:
            words = words.replace(title, "")
        assert not BARE_CODE.search(words), f"{child.child_id}: {BARE_CODE.search(words)}"
        assert "Spring term 2027" in text
        statuses.add(child.legal_status)
        assert legal_status_words(child.legal_status) in text
    assert statuses & set(LEGAL_STATUSES), "the roster's codes were exercised"


def test_legal_status_codes_are_named_and_words_kept() -> None:
    assert legal_status_words("C2") == "Full care order (C2)"
    assert legal_status_words(" v2 ") == "Accommodated under section 20 (single period) (V2)"
    assert legal_status_words("Section 20") == "Section 20"


@pytest.mark.parametrize(("authority", "phase"), FORMS)
def test_placeholders_are_short_grey_rich_text(authority: str, phase: str) -> None:
    data = form(authority, phase)
    root = document(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        styles = zf.read("word/styles.xml").decode()
    assert re.search(r'w:styleId="PlaceholderText".*?<w:color w:val="767676"/>', styles, re.S)
    assert not list(root.iter(qn("w:text"))), "plain-text controls print black in LibreOffice"
    shown = set()
    for sdt in root.iter(qn("w:sdt")):
        props = sdt.find(qn("w:sdtPr"))
        assert props is not None
        # Word formats typed text with the control's own run properties: never the grey style.
        assert props.find(qn("w:rPr")) is None
        if props.find(qn("w:showingPlcHdr")) is None:
            continue
        content = sdt.find(qn("w:sdtContent"))
        assert content is not None
        text = text_of(content)
        shown.add(text)
        run_styles = {s.get(qn("w:val")) for s in content.iter(qn("w:rStyle"))}
        assert run_styles == {"PlaceholderText"}, text
    assert shown and shown <= set(PLACEHOLDERS.values())
    assert max(len(t) for t in shown) <= 14


# --------------------------------------------------------------------------------------------
# The first-page box


@pytest.mark.parametrize(("authority", "phase"), FORMS)
def test_return_to_and_by_box_is_on_the_first_page_and_filled(authority: str, phase: str) -> None:
    root = document(form(authority, phase))
    body = root.find(qn("w:body"))
    assert body is not None
    first_table = next(t for t in body if t.tag == qn("w:tbl"))
    text = text_of(first_table)
    inbox = load_authority(authority).raw["pep_inbox"]
    window = load_authority(authority).return_window
    assert re.search(r"\S+@\S+\.example\.gov\.uk", inbox)
    assert f"Return this form to: {return_to(authority).inbox}" in text and inbox in text
    if window.get("days"):
        assert f"By: within {window['days']} " in text and "of the PEP meeting" in text
    else:  # no return window: completed at the meeting
        assert "By: straight after the PEP meeting" in text
    assert "{{" not in text and "}}" not in text
    assert "Who completes which part" in text
    for line in ("Social worker", "Designated teacher"):
        assert re.search(rf"^{line}[^:\n]*: \w+", text, re.M), line
    # Nothing but the title and the child's line before it: it is on the first page.
    before = [p for p in body[: list(body).index(first_table)] if text_of(p).strip()]
    assert len(before) == 2


def test_return_by_names_the_latest_date_when_it_is_known() -> None:
    from datetime import date

    assert return_to("cheshire-west").by == "within 5 days of the PEP meeting"  # calendar days
    assert return_to("shropshire").by == "within 10 working days of the PEP meeting"
    assert return_to("barnet").by == "within 10 days of the PEP meeting"
    dated = return_to("cheshire-west", date(2027, 2, 19)).by
    assert dated.endswith("and no later than Friday 19 February 2027")
    model = form_model("sutton", "y1-11")
    content = form_content(model, child_for("y1-11"), TERM, return_by=date(2027, 3, 5))
    assert content.extra["return_by"].endswith("Friday 5 March 2027")
    assert return_sentence("nottinghamshire") == (
        "Please return each completed form to Nottinghamshire Virtual School (by Egress), "
        "virtual.school.peps@nottinghamshire.example.gov.uk, by secure email, straight after the "
        "PEP meeting, where every part is completed.")


# --------------------------------------------------------------------------------------------
# The attendees the roster knows


@pytest.mark.parametrize(("authority", "phase"), FORMS)
def test_attendee_table_holds_the_rosters_people(authority: str, phase: str) -> None:
    model = form_model(authority, phase)
    child = child_for(phase)
    read = read_document(model, zipfile.ZipFile(io.BytesIO(form(authority, phase)))
                         .read("word/document.xml"))
    attendees = read.instance["meeting"]["attendees"]
    required = load_authority(authority).raw["attendees"]["required"]
    table = model.table_map["/meeting/attendees"]
    # The authority's words, or the choice they name where the role is a choice (Cheshire West).
    roles = [_role_value(table, r["role"]) for r in required]
    assert None not in roles
    assert [a.get("role") for a in attendees] == roles
    names = [a.get("name") for a in attendees]
    assert names == [child.social_worker_name, child.designated_teacher_name, child.carer_name]
    assert all(a["attended"] is False for a in attendees)  # nobody is ticked for the school
    text = all_text(form(authority, phase))
    assert "Must attend: " + "; ".join(r["role"] for r in required) in text


# --------------------------------------------------------------------------------------------
# Wide tables


@pytest.mark.parametrize(("authority", "phase"), FORMS)
def test_no_table_column_is_narrower_than_2_5_cm(authority: str, phase: str) -> None:
    root = document(form(authority, phase))
    least = twips(MIN_COLUMN) - 1
    for grid in root.iter(qn("w:tblGrid")):
        widths = [int(c.get(qn("w:w"))) for c in grid.findall(qn("w:gridCol"))]
        assert min(widths) >= least, widths
    for cell_width in root.iter(qn("w:tcW")):
        assert int(cell_width.get(qn("w:w"))) >= least


def test_wide_tables_get_a_landscape_page_and_narrow_ones_do_not() -> None:
    def landscape_tables(authority: str, phase: str) -> list[str]:
        root = document(form(authority, phase))
        body = root.find(qn("w:body"))
        assert body is not None
        out, pending = [], []
        for node in body:
            if node.tag == qn("w:tbl"):
                cap = node.find(f"{qn('w:tblPr')}/{qn('w:tblCaption')}")
                if cap is not None:
                    pending.append(cap.get(qn("w:val")))
            sect = node.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") if node.tag == qn("w:p") else None
            if node.tag == qn("w:sectPr"):
                sect = node
            if sect is not None:
                size = sect.find(qn("w:pgSz"))
                assert size is not None
                if size.get(qn("w:orient")) == "landscape":
                    assert int(size.get(qn("w:w"))) > int(size.get(qn("w:h")))
                    out += pending
                pending = []
        return out

    assert landscape_tables("barnet", "y1-11") == ["/targets"]  # 8 columns
    assert landscape_tables("nottinghamshire", "y1-11") == ["/targets"]  # 7 columns
    # 7 columns since "how progress will be measured" has its own (issue 13's rule)
    assert landscape_tables("cheshire-west", "y1-11") == ["/targets"]
    assert landscape_tables("sutton", "y1-11") == []  # its tables fit portrait


# --------------------------------------------------------------------------------------------
# Only what applies


def test_a_child_in_no_setting_is_not_asked_about_attendance_suspensions_or_part_time() -> None:
    for authority in ("cheshire-west", "barnet", "nottinghamshire", "shropshire", "sutton"):
        home = child_for("early-years", in_setting=False)
        at_home = all_text(blank_form(authority, home, "early-years")).lower()
        in_setting = all_text(form(authority, "early-years")).lower()
        for words in ("suspension", "part-time timetable", "attendance"):
            assert words in in_setting, (authority, words)
            # (The "no setting" box itself says attendance is not asked for.)
            asked = at_home.replace("attendance at the meeting", "").replace(
                "attendance and a key person are not asked for", "")
            assert words not in asked, \
                (authority, words)


def test_the_year_6_transition_checklist_is_only_in_year_6() -> None:
    child = child_for("y1-11")
    other = 6 if child.year_group != 6 else 5
    y6 = all_text(form("barnet", "y1-11", child.child_id, 6))
    not_y6 = all_text(form("barnet", "y1-11", child.child_id, other if other != 6 else 5))
    assert "Year 6 transition checklist" in y6
    assert "Year 6 transition checklist" not in not_y6
    # The sections are numbered without a gap either way, and the box lists what is there.
    assert re.search(r"^\d+\s+Progress on previous outcomes$", not_y6, re.M)
    numbers = [int(m) for m in re.findall(r"^(\d+)  ", not_y6, re.M)]
    assert numbers == list(range(1, len(numbers) + 1))


# --------------------------------------------------------------------------------------------
# As LibreOffice prints them


@pytest.mark.libreoffice
def test_libreoffice_prints_wide_tables_on_landscape_pages(libreoffice: str, tmp_path: Path) -> None:
    path = tmp_path / "barnet.docx"
    path.write_bytes(form("barnet", "y1-11"))
    convert(libreoffice, [path], "pdf", tmp_path)
    reader = PdfReader(tmp_path / "barnet.pdf")
    shapes = [(float(p.mediabox.width) > float(p.mediabox.height), p.extract_text())
              for p in reader.pages]
    wide = [text for landscape, text in shapes if landscape]
    assert wide and any("Action plan: SMART outcomes" in t for t in wide)
    assert not shapes[0][0] and "Return this form to" in shapes[0][1]
    assert all("Type here" in t or "Pick a date" in t for _, t in shapes[1:-1])
    assert Term.parse("spring-2027").label in shapes[0][1]
