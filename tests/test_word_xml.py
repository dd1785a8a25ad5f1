"""Unit tests for the Word reader on inline WordprocessingML, and fill → read on the real template."""

from __future__ import annotations

import copy
import io
import zipfile
from collections import Counter
from typing import Any
from xml.sax.saxutils import escape

import pytest
from lxml import etree

from pepforms.cases import discover, returned_form
from pepforms.schema import form_model
from pepforms.word.controls import ControlValue, read_control
from pepforms.word.fill import fill_document
from pepforms.word.ooxml import NS, qn, text_of
from pepforms.word.reader import FormRead, coerce, read_document

W, W14 = NS["w"], NS["w14"]
MODEL = form_model("cheshire-west", "y1-11")
PLACEMENT_ITEMS = [("Foster care", "foster-care"), ("Kinship care", "kinship-care"),
                   ("Residential home", "residential"), ("Other", "other")]
AREA_ITEMS = [("Literacy", "literacy"), ("Emotional wellbeing", "wellbeing")]


# --- building inline WordprocessingML ------------------------------------------------------------

def document(*body: str) -> bytes:
    return (f'<w:document xmlns:w="{W}" xmlns:w14="{W14}"><w:body>' + "".join(body)
            + "</w:body></w:document>").encode("utf-8")


def run(text: str, style: str | None = None) -> str:
    rpr = f'<w:rPr><w:rStyle w:val="{style}"/></w:rPr>' if style else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def para(*parts: str) -> str:
    return "<w:p>" + "".join(parts) + "</w:p>"


def sdt(content: str, *, tag: str | None = None, props: str = "") -> str:
    tag_xml = f'<w:tag w:val="{tag}"/>' if tag else ""
    return (f"<w:sdt><w:sdtPr>{tag_xml}{props}</w:sdtPr>"
            f"<w:sdtContent>{content}</w:sdtContent></w:sdt>")


def date_props(full_date: str | None = None, placeholder: bool = False) -> str:
    attr = f' w:fullDate="{full_date}"' if full_date else ""
    show = '<w:showingPlcHdr w:val="1"/>' if placeholder else ""
    return f'{show}<w:date{attr}><w:dateFormat w:val="dd/MM/yyyy"/><w:lid w:val="en-GB"/></w:date>'


def dropdown_props(items: list[tuple[str, str]], placeholder: bool = False) -> str:
    show = '<w:showingPlcHdr w:val="1"/>' if placeholder else ""
    listed = "".join(f'<w:listItem w:displayText="{d}" w:value="{v}"/>' for d, v in items)
    return f"{show}<w:dropDownList>{listed}</w:dropDownList>"


def checkbox_props(checked: str) -> str:
    return (f'<w14:checkbox><w14:checked w14:val="{checked}"/>'
            '<w14:checkedState w14:val="2612"/><w14:uncheckedState w14:val="2610"/></w14:checkbox>')


def checkbox(checked: str, tag: str | None = None) -> str:
    glyph = "\u2612" if checked in {"1", "true"} else "\u2610"
    return sdt(run(glyph), tag=tag, props=checkbox_props(checked))


def bookmarked(name: str, inner: str, bm_id: int = 7) -> str:
    return f'<w:bookmarkStart w:id="{bm_id}" w:name="{name}"/>{inner}<w:bookmarkEnd w:id="{bm_id}"/>'


def cell(*paragraphs: str) -> str:
    return "<w:tc>" + "".join(paragraphs or (para(),)) + "</w:tc>"


def row(*cells: str) -> str:
    return "<w:tr>" + "".join(cells) + "</w:tr>"


def table(*rows: str, caption: str | None = None) -> str:
    cap = f'<w:tblCaption w:val="{caption}"/>' if caption else ""
    return f"<w:tbl><w:tblPr>{cap}</w:tblPr>" + "".join(rows) + "</w:tbl>"


def label_row(label: str, *value_paragraphs: str) -> str:
    return row(cell(para(run(label))), cell(*value_paragraphs))


def text_cells(*texts: str) -> str:
    return row(*(cell(para(run(t)) if t else para()) for t in texts))


def read(*body: str) -> FormRead:
    return read_document(MODEL, document(*body))


def at(instance: dict[str, Any], pointer: str) -> Any:
    node: Any = instance
    for part in pointer.strip("/").split("/"):
        node = node[part]
    return node


def has(instance: dict[str, Any], pointer: str) -> bool:
    try:
        at(instance, pointer)
    except KeyError:
        return False
    return True


def element(xml: str) -> etree._Element:
    """One element of inline XML (the w, w14 namespaces declared on a wrapper)."""
    return etree.fromstring(f'<w:wrap xmlns:w="{W}" xmlns:w14="{W14}">{xml}</w:wrap>')[0]


# --- scalar controls --------------------------------------------------------------------------

def test_text_control_is_found_by_its_tag() -> None:
    result = read(para(sdt(run("Ava"), tag="/child/first_name", props="<w:text/>")))
    assert result.instance["child"]["first_name"] == "Ava"
    assert result.methods == Counter(tags=1)
    assert "/child/first_name" not in result.missing
    assert "/child/last_name" in result.missing
    assert result.findings == []


@pytest.mark.parametrize("content, props", [
    (run("Click or tap here to enter text."), "<w:text/>"),
    (run("Click or tap here to enter text.", "PlaceholderText"), "<w:showingPlcHdr/><w:text/>"),
    ("", "<w:text/>"),
    (run("   "), "<w:text/>"),
], ids=["known-placeholder-text", "both", "no-run", "blank"])
def test_placeholder_or_blank_control_reads_as_empty(content: str, props: str) -> None:
    result = read(para(sdt(content, tag="/child/first_name", props=props)))
    assert "first_name" not in result.instance["child"]
    assert "/child/first_name" not in result.missing  # found, just empty
    assert result.findings == []


def test_visible_text_wins_over_the_placeholder_flag_and_style() -> None:
    # "What is visible wins": text that is not a known placeholder is an answer, whatever the
    # flags and styles say (LibreOffice leaves both on a control after a person types in it).
    result = read(para(sdt(run("Ava", "PlaceholderText"), tag="/child/first_name",
                           props='<w:showingPlcHdr w:val="1"/><w:text/>')))
    assert result.instance["child"]["first_name"] == "Ava"
    assert "marked as showing its placeholder" in result.trusted["/child/first_name"]


def test_the_fields_own_placeholder_is_empty_not_an_unreadable_percentage() -> None:
    result = read(para(sdt(run("Enter a percentage, like 92.5%."), tag="/attendance/percentage",
                           props="<w:text/>")))
    assert "percentage" not in result.instance["attendance"]
    assert result.findings == []


def test_read_control_reports_placeholder_as_no_text() -> None:
    control = element(sdt(run("Choose an item.", "PlaceholderText"),
                          props=dropdown_props(PLACEMENT_ITEMS, placeholder=True)))
    value = read_control(control)
    assert value.text is None
    assert value.is_dropdown


def test_libreoffice_keeps_showing_placeholder_on_a_changed_date_it_is_read() -> None:
    control = sdt(run("14/01/2027"), tag="/pep/meeting_date",
                  props=date_props("2027-01-14T00:00:00Z", placeholder=True))
    result = read(para(control))
    assert result.instance["pep"]["meeting_date"] == "2027-01-14"


def test_libreoffice_showing_placeholder_on_a_date_without_full_date_reads_the_text() -> None:
    control = sdt(run("14/01/2027"), tag="/pep/meeting_date", props=date_props(placeholder=True))
    assert read(para(control)).instance["pep"]["meeting_date"] == "2027-01-14"


def test_libreoffice_keeps_showing_placeholder_on_a_changed_dropdown_it_is_read() -> None:
    control = sdt(run("Kinship care"), tag="/care/placement_type",
                  props=dropdown_props(PLACEMENT_ITEMS, placeholder=True))
    result = read(para(control))
    assert result.instance["care"]["placement_type"] == "kinship-care"
    assert result.findings == []


def test_showing_placeholder_with_placeholder_style_on_a_date_is_still_empty() -> None:
    # A stale fullDate under a real placeholder must not be read as a value.
    control = sdt(run("Click or tap to enter a date.", "PlaceholderText"), tag="/pep/meeting_date",
                  props=date_props("2027-01-14T00:00:00Z", placeholder=True))
    result = read(para(control))
    assert "meeting_date" not in result.instance["pep"]
    assert result.findings == []


# --- checkboxes -----------------------------------------------------------------------------------

POINTER_CHECKBOX = "/attendance/part_time_timetable"


@pytest.mark.parametrize("state, expected", [("1", True), ("true", True), ("0", False),
                                             ("false", False)])
def test_checkbox_state_is_read_from_w14_checked(state: str, expected: bool) -> None:
    result = read(para(checkbox(state, tag=POINTER_CHECKBOX)))
    assert result.instance["attendance"]["part_time_timetable"] is expected


@pytest.mark.parametrize("state, expected", [("1", True), ("0", False)])
def test_checkbox_state_wins_over_the_glyph(state: str, expected: bool) -> None:
    glyph = "\u2610" if expected else "\u2612"  # the opposite of the state
    control = sdt(run(glyph), tag=POINTER_CHECKBOX, props=checkbox_props(state))
    assert read(para(control)).instance["attendance"]["part_time_timetable"] is expected


def libreoffice_checkbox(state: str, *, tag: str | None = None, inner: str = "") -> str:
    """LibreOffice's shape: a block control around a paragraph holding the checkbox control."""
    return sdt(para(inner or checkbox(state)), tag=tag)


@pytest.mark.parametrize("state, expected", [("1", True), ("true", True), ("0", False)])
def test_libreoffice_block_control_around_an_inner_checkbox_by_tag(state: str, expected: bool) -> None:
    body = table(label_row("Something else", libreoffice_checkbox(state, tag=POINTER_CHECKBOX)))
    result = read(body)
    assert result.instance["attendance"]["part_time_timetable"] is expected
    assert result.methods == Counter(tags=1)


@pytest.mark.parametrize("state, expected", [("1", True), ("0", False)])
def test_libreoffice_inner_checkbox_found_by_bookmark(state: str, expected: bool) -> None:
    inner = bookmarked("_f_attendance_part_time_timetable", checkbox(state))
    body = table(label_row("Something else", libreoffice_checkbox(state, inner=inner)))
    result = read(body)
    assert result.instance["attendance"]["part_time_timetable"] is expected
    assert result.methods == Counter(bookmarks=1)


def test_read_control_finds_the_inner_checkbox_state() -> None:
    value = read_control(element(libreoffice_checkbox("1")))
    assert value == ControlValue(text=None, checked=True)


# --- dates ------------------------------------------------------------------------------------

def test_date_prefers_full_date_over_the_text() -> None:
    control = sdt(run("15/01/2027"), tag="/pep/meeting_date", props=date_props("2027-01-14T00:00:00Z"))
    assert read(para(control)).instance["pep"]["meeting_date"] == "2027-01-14"


@pytest.mark.parametrize("typed", ["14/1/27", "14.01.2027", "14 January 2027", "14/01/2027"])
def test_date_from_text_when_there_is_no_full_date(typed: str) -> None:
    control = sdt(run(typed), tag="/pep/meeting_date", props=date_props())
    result = read(para(control))
    assert result.instance["pep"]["meeting_date"] == "2027-01-14"
    assert result.findings == []


def test_unparseable_full_date_falls_back_to_the_text() -> None:
    control = sdt(run("14/01/2027"), tag="/pep/meeting_date", props=date_props("not-a-date"))
    assert read(para(control)).instance["pep"]["meeting_date"] == "2027-01-14"


def test_a_date_that_cannot_be_read_is_a_finding_at_the_field() -> None:
    control = sdt(run("next Tuesday"), tag="/pep/meeting_date", props=date_props())
    result = read(para(control))
    assert "meeting_date" not in result.instance["pep"]
    [finding] = result.findings
    assert (finding.code, finding.pointer, finding.severity) == ("value-not-understood",
                                                                 "/pep/meeting_date", "error")
    assert finding.note == "next Tuesday"


# --- drop-downs -----------------------------------------------------------------------------

@pytest.mark.parametrize("shown, value", [("Foster care", "foster-care"),
                                          ("FOSTER CARE", "foster-care"),
                                          ("  residential HOME ", "residential"),
                                          ("kinship-care", "kinship-care")])
def test_dropdown_display_text_becomes_its_value(shown: str, value: str) -> None:
    control = sdt(run(shown), tag="/care/placement_type", props=dropdown_props(PLACEMENT_ITEMS))
    result = read(para(control))
    assert result.instance["care"]["placement_type"] == value
    assert result.findings == []


def test_dropdown_with_integer_values() -> None:
    control = sdt(run("Year 7"), tag="/child/year_group", props=dropdown_props([("Year 7", "7")]))
    assert read(para(control)).instance["child"]["year_group"] == 7


def test_unknown_dropdown_text_is_a_value_not_understood_finding_at_its_pointer() -> None:
    control = sdt(run("Boarding school"), tag="/care/placement_type",
                  props=dropdown_props(PLACEMENT_ITEMS))
    result = read(para(control))
    assert "placement_type" not in result.instance["care"]
    [finding] = result.findings
    assert finding.code == "value-not-understood"
    assert finding.pointer == "/care/placement_type"
    assert finding.severity == "error"
    assert finding.note == "Boarding school"
    assert "Placement type" in finding.message
    assert "Foster care" in finding.message  # it lists the choices
    assert finding.field == "Placement type"


# --- numbers and money ------------------------------------------------------------------------

@pytest.mark.parametrize("typed, expected", [("92%", 92.0), ("92.5 %", 92.5), ("92.5", 92.5),
                                             ("100", 100.0)])
def test_percentage_as_typed(typed: str, expected: float) -> None:
    control = sdt(run(typed), tag="/attendance/percentage", props="<w:text/>")
    result = read(para(control))
    assert result.instance["attendance"]["percentage"] == expected
    assert result.findings == []


def test_unreadable_percentage_is_a_finding() -> None:
    control = sdt(run("ninety-ish"), tag="/attendance/percentage", props="<w:text/>")
    result = read(para(control))
    assert "percentage" not in result.instance["attendance"]
    assert [(f.code, f.pointer) for f in result.findings] == [("value-not-understood",
                                                              "/attendance/percentage")]


def test_integer_and_number_fields() -> None:
    result = read(para(sdt(run("2"), tag="/attendance/suspensions", props="<w:text/>")),
                  para(sdt(run("1.5"), tag="/attendance/suspension_days", props="<w:text/>")))
    assert result.instance["attendance"]["suspensions"] == 2
    assert result.instance["attendance"]["suspension_days"] == 1.5


def test_money_is_read_in_pounds() -> None:
    pp_cost = next(c for c in next(t for t in MODEL.tables() if t.pointer == "/targets").columns
                   if c.key == "pp_cost")
    assert pp_cost.kind == "money"
    assert coerce(pp_cost, "£1,200.50") == 1200.5
    assert coerce(pp_cost, ControlValue(text="£450")) == 450.0
    assert coerce(pp_cost, ControlValue(text=None)) is None


# --- fallbacks: bookmark and label --------------------------------------------------------------

def test_field_found_by_bookmark_around_the_control_when_the_tag_is_gone() -> None:
    result = read(para(bookmarked("_f_child_first_name", sdt(run("Ava"), props="<w:text/>"))))
    assert result.instance["child"]["first_name"] == "Ava"
    assert result.methods == Counter(bookmarks=1)


def test_field_found_by_bookmark_moved_inside_sdt_content() -> None:
    control = sdt(bookmarked("_f_child_first_name", run("Ava")), props="<w:text/>")
    result = read(para(control))
    assert result.instance["child"]["first_name"] == "Ava"
    assert result.methods == Counter(bookmarks=1)


def test_bookmark_in_a_value_cell_reads_the_control_in_that_cell() -> None:
    date_control = sdt(run("14/01/2027"), props=date_props("2027-01-14T00:00:00Z"))
    body = table(label_row("Meeting", para(bookmarked("_f_pep_meeting_date", date_control))))
    result = read(body)
    assert result.instance["pep"]["meeting_date"] == "2027-01-14"
    assert result.methods == Counter(bookmarks=1)


def test_bookmark_around_a_placeholder_reads_as_empty() -> None:
    control = sdt(run("Click or tap here to enter text.", "PlaceholderText"),
                  props='<w:showingPlcHdr w:val="1"/><w:text/>')
    result = read(para(bookmarked("_f_child_first_name", control)))
    assert "first_name" not in result.instance["child"]
    assert "/child/first_name" not in result.missing


def test_field_found_by_its_label_row_when_controls_are_unwrapped() -> None:
    result = read(table(label_row("First name", para(run("Ava")))))
    assert result.instance["child"]["first_name"] == "Ava"
    assert result.methods == Counter(labels=1)
    assert result.method == "labels"


def test_label_row_with_colon_guidance_and_several_value_paragraphs() -> None:
    label_cell = cell(para(run("Reasons for\u00a0absence:")), para(run("Needed when attendance is low.")))
    value_cell = cell(para(run("Illness in November.")), para(run("Two hospital visits.")))
    result = read(table(row(label_cell, value_cell)))
    assert result.instance["attendance"]["explanation"] == "Illness in November.\nTwo hospital visits."


@pytest.mark.parametrize("label, typed, pointer, expected", [
    ("Date of this PEP meeting", "14/01/2027", "/pep/meeting_date", "2027-01-14"),
    ("On a part-time timetable or in alternative provision", "\u2612", POINTER_CHECKBOX, True),
    ("On a part-time timetable or in alternative provision", "No", POINTER_CHECKBOX, False),
    ("Placement type", "Foster care", "/care/placement_type", "foster-care"),
    ("Attendance this academic year (%)", "96.5%", "/attendance/percentage", 96.5),
])
def test_values_read_by_label_are_coerced(label: str, typed: str, pointer: str, expected: Any) -> None:
    result = read(table(label_row(label, para(run(typed)))))
    assert at(result.instance, pointer) == expected
    assert result.findings == []


def test_tag_wins_over_bookmark_and_label() -> None:
    body = table(label_row("First name", para(run("From label")))) + para(
        bookmarked("_f_child_first_name", sdt(run("From bookmark"), props="<w:text/>")),
        sdt(run("From tag"), tag="/child/first_name", props="<w:text/>"))
    assert read(body).instance["child"]["first_name"] == "From tag"


# --- text: tracked changes, tabs and breaks ----------------------------------------------------

def test_tracked_changes_deleted_text_is_ignored_and_inserted_text_kept() -> None:
    content = ('<w:ins w:id="1" w:author="DT"><w:r><w:t xml:space="preserve">new </w:t></w:r></w:ins>'
               '<w:del w:id="2" w:author="DT"><w:r><w:delText xml:space="preserve">old </w:delText>'
               "</w:r></w:del>" + run("plan"))
    assert text_of(element(para(content))) == "new plan"
    result = read(para(sdt(content, tag="/voice/views", props="<w:richText/>")))
    assert result.instance["voice"]["views"] == "new plan"


def test_tracked_deletion_of_a_line_break_and_a_tab_is_ignored() -> None:
    content = (run("one") + '<w:del w:id="2" w:author="DT"><w:r><w:br/></w:r></w:del>'
               + run(" two") + '<w:del w:id="3" w:author="DT"><w:r><w:tab/></w:r></w:del>' + run("!"))
    assert text_of(element(para(content))) == "one two!"


def test_tab_and_line_break_in_text() -> None:
    content = ('<w:r><w:t>Maths</w:t><w:tab/><w:t>good</w:t><w:br/><w:t>English</w:t>'
               '<w:cr/><w:t>better</w:t></w:r>')
    assert text_of(element(para(content))) == "Maths\tgood\nEnglish\nbetter"
    result = read(para(sdt(content, tag="/voice/views", props="<w:richText/>")))
    assert result.instance["voice"]["views"] == "Maths\tgood\nEnglish\nbetter"


def test_tab_stops_in_paragraph_properties_are_not_text() -> None:
    p = para('<w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>', run("x"))
    assert text_of(element(p)) == "x"


def test_paragraphs_are_joined_by_newlines_and_blank_edges_dropped() -> None:
    content = para() + para(run("First")) + para() + para(run("Second")) + para(run(" "))
    assert text_of(element(f"<w:tc>{content}</w:tc>")) == "First\n\nSecond"


# --- tables -----------------------------------------------------------------------------------

ATTENDEE_HEADER = text_cells("Name", "Role", "Attended")


def attendee_row(name: str, role: str, state: str) -> str:
    return row(cell(para(sdt(run(name), props="<w:text/>"))), cell(para(sdt(run(role), props="<w:text/>"))),
               cell(para(checkbox(state))))


def test_table_found_by_its_caption_even_with_other_header_labels() -> None:
    body = table(text_cells("Person", "Job", "Here?"), attendee_row("Kim Pilotson", "Social worker", "1"),
                 caption="/meeting/attendees")
    result = read(body)
    assert result.instance["meeting"]["attendees"] == [
        {"name": "Kim Pilotson", "role": "social-worker", "attended": True}]
    assert result.methods == Counter(tags=1)
    assert "/meeting/attendees" not in result.missing


def test_table_found_by_its_bookmark_in_the_header_row() -> None:
    header = row(cell(para(bookmarked("_t_meeting_attendees", run("Person")))),
                 cell(para(run("Job"))), cell(para(run("Here?"))))
    result = read(table(header, attendee_row("Kim Pilotson", "Social worker", "0")))
    assert result.instance["meeting"]["attendees"] == [
        {"name": "Kim Pilotson", "role": "social-worker", "attended": False}]
    assert result.methods == Counter(bookmarks=1)


def test_table_found_by_its_header_row_labels() -> None:
    result = read(table(ATTENDEE_HEADER, text_cells("Kim Pilotson", "Social worker", "\u2612")))
    assert result.instance["meeting"]["attendees"] == [
        {"name": "Kim Pilotson", "role": "social-worker", "attended": True}]
    assert result.methods == Counter(labels=1)


def test_missing_table_reads_as_empty_list_and_is_reported_missing() -> None:
    result = read(para(run("nothing here")))
    assert result.instance["meeting"]["attendees"] == []
    assert "/meeting/attendees" in result.missing


def target_control_row(area: str, target: str, actions: str, who: str, by_when: str | None,
                       cost: str) -> str:
    date_cell = sdt(run(by_when), props=date_props(None)) if by_when else sdt(
        run("Click or tap to enter a date.", "PlaceholderText"), props=date_props(placeholder=True))
    return row(cell(para(sdt(run(area), props=dropdown_props(AREA_ITEMS)))),
               cell(para(sdt(run(target), props="<w:richText/>"))),
               cell(para(sdt(run(actions), props="<w:richText/>"))),
               cell(para(sdt(run(who), props="<w:text/>"))),
               cell(para(date_cell)),
               cell(para(sdt(run(cost), props="<w:text/>"))))


EMPTY_TARGET_ROW = row(
    cell(para(sdt(run("Choose an item.", "PlaceholderText"), props=dropdown_props(AREA_ITEMS, True)))),
    *[cell(para(sdt(run("Click or tap here to enter text.", "PlaceholderText"),
                    props='<w:showingPlcHdr w:val="1"/><w:richText/>'))) for _ in range(3)],
    cell(para(sdt(run("Click or tap to enter a date.", "PlaceholderText"),
                  props=date_props(placeholder=True)))),
    cell(para(sdt(run("Enter an amount, like £250.", "PlaceholderText"),
                  props='<w:showingPlcHdr w:val="1"/><w:text/>'))))
TARGET_HEADER = text_cells("Area", "Target (what)", "Actions and support (how)", "Who", "By when",
                           "PP+ cost (£)")


def test_table_rows_are_read_by_position_with_and_without_controls() -> None:
    body = table(
        TARGET_HEADER,
        target_control_row("Literacy", "I will write a story.", "Writing group.", "Class TA",
                           "30/04/2027", "£450"),
        EMPTY_TARGET_ROW,
        # inserted by hand with Word's "insert row": no controls, text typed straight into cells
        text_cells("Emotional wellbeing", "I will tell an adult when I am worried.", "Daily check-in.",
                   "Mentor", "14 January 2027", "£1,200.50"),
        text_cells("", "", "", "", "", ""),
        caption="/targets")
    result = read(body)
    assert result.instance["targets"] == [
        {"area": "literacy", "target": "I will write a story.", "actions": "Writing group.",
         "who": "Class TA", "by_when": "2027-04-30", "pp_cost": 450.0},
        {"area": "wellbeing", "target": "I will tell an adult when I am worried.",
         "actions": "Daily check-in.", "who": "Mentor", "by_when": "2027-01-14", "pp_cost": 1200.5},
    ]
    assert result.findings == []


def test_partly_filled_row_keeps_only_what_was_entered() -> None:
    body = table(TARGET_HEADER, target_control_row("Literacy", "Read daily.", "", "", None, ""),
                 caption="/targets")
    assert read(body).instance["targets"] == [{"area": "literacy", "target": "Read daily."}]


def test_rows_with_only_an_unticked_checkbox_are_not_items() -> None:
    body = table(ATTENDEE_HEADER,
                 attendee_row("Kim Pilotson", "Social worker", "1"),
                 row(cell(para(sdt(run("Click or tap here to enter text.", "PlaceholderText"),
                                   props='<w:showingPlcHdr w:val="1"/><w:text/>'))),
                     cell(para()), cell(para(checkbox("0")))),
                 text_cells("", "", "\u2610"),
                 text_cells("Jan Dummy", "Carer", "\u2610"),
                 caption="/meeting/attendees")
    assert read(body).instance["meeting"]["attendees"] == [
        {"name": "Kim Pilotson", "role": "social-worker", "attended": True},
        {"name": "Jan Dummy", "role": "carer", "attended": False},
    ]


def test_a_row_with_only_a_ticked_checkbox_is_an_item() -> None:
    body = table(ATTENDEE_HEADER, row(cell(para()), cell(para()), cell(para(checkbox("1")))),
                 caption="/meeting/attendees")
    assert read(body).instance["meeting"]["attendees"] == [{"attended": True}]


def test_unknown_value_in_a_table_cell_is_a_finding_at_that_cell() -> None:
    body = table(TARGET_HEADER,
                 target_control_row("Literacy", "Read daily.", "Reading club.", "TA", "30/04/2027", "£0"),
                 text_cells("Swimming", "Swim a length.", "", "", "", ""),
                 caption="/targets")
    result = read(body)
    [finding] = result.findings
    assert (finding.code, finding.pointer) == ("value-not-understood", "/targets/1/area")
    assert finding.note == "Swimming"
    assert result.instance["targets"][1] == {"target": "Swim a length."}


def test_header_row_below_a_title_row_is_found() -> None:
    title = row(cell(para(run("Who was at the meeting"))))
    body = table(title, ATTENDEE_HEADER, text_cells("Kim Pilotson", "Social worker", "Yes"),
                 caption="/meeting/attendees")
    assert read(body).instance["meeting"]["attendees"] == [
        {"name": "Kim Pilotson", "role": "social-worker", "attended": True}]


# --- untrusted XML ------------------------------------------------------------------------------

@pytest.mark.parametrize("prolog", [
    '<!DOCTYPE w:document [<!ENTITY name "Ava">]>',
    "<!DOCTYPE w:document>",
    '<!DOCTYPE w:document SYSTEM "http://example.invalid/evil.dtd">',
])
def test_doctype_or_entity_is_refused(prolog: str) -> None:
    xml = document(para(sdt(run("Ava"), tag="/child/first_name"))).decode()
    data = ('<?xml version="1.0" encoding="UTF-8"?>' + prolog + xml).encode()
    with pytest.raises(ValueError):
        read_document(MODEL, data)


def test_entity_declared_after_the_root_start_is_refused() -> None:
    data = document(para(run("x"))) + b'<!-- <!ENTITY lol "lol"> -->'
    with pytest.raises(ValueError):
        read_document(MODEL, data)


def test_doctype_in_a_utf16_part_is_refused() -> None:
    xml = document(para(sdt(run("&name;"), tag="/child/first_name"))).decode().replace("&amp;", "&")
    data = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE w:document [<!ENTITY name "Ava">]>'
            + xml).encode("utf-16")
    with pytest.raises(ValueError):
        read_document(MODEL, data)


# --- fill → read on the real template's body ---------------------------------------------------

@pytest.fixture(scope="module")
def good_case() -> Any:
    return next(c for c in discover("cheshire-west") if c.phase == "y1-11" and c.name == "good")


@pytest.fixture(scope="module")
def good_document(good_case: Any) -> bytes:
    _, data = returned_form(good_case)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read("word/document.xml")


def body_rows(document_xml: bytes, caption: str) -> int:
    root = etree.fromstring(document_xml)
    for tbl in root.iter(qn("w:tbl")):
        cap = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblCaption')}")
        if cap is not None and cap.get(qn("w:val")) == caption:
            return len(tbl.findall(qn("w:tr"))) - 1
    raise AssertionError(f"no table {caption}")


def test_real_form_reads_back_its_instance(good_case: Any, good_document: bytes) -> None:
    result = read_document(MODEL, good_document)
    assert result.instance == good_case.instance
    assert result.method == "tags"
    assert result.findings == [] and result.missing == []


def test_fill_with_more_rows_than_the_form_has_adds_rows(good_case: Any, good_document: bytes) -> None:
    rows_before = body_rows(good_document, "/targets")
    instance = copy.deepcopy(good_case.instance)
    extra = [{"area": "numeracy", "target": f"I will learn my {n} times table.", "actions": "Practice.",
              "who": "Class teacher", "by_when": "2027-03-26", "pp_cost": 25.5 * n}
             for n in range(2, rows_before + 4)]
    instance["targets"] = instance["targets"] + extra
    assert len(instance["targets"]) > rows_before
    xml, notes = fill_document(MODEL, good_document, instance)
    assert notes == []
    assert body_rows(xml, "/targets") == len(instance["targets"])
    result = read_document(MODEL, xml)
    assert result.instance == instance
    assert result.findings == []
    # the added rows carry controls tagged with their own row's pointers
    tags = {t.get(qn("w:val")) for t in etree.fromstring(xml).iter(qn("w:tag"))}
    last = len(instance["targets"]) - 1
    assert {f"/targets/{last}/area", f"/targets/{last}/pp_cost"} <= tags


def test_fill_with_fewer_rows_leaves_the_extra_rows_empty(good_case: Any, good_document: bytes) -> None:
    rows_before = body_rows(good_document, "/targets")
    instance = copy.deepcopy(good_case.instance)
    instance["targets"] = instance["targets"][:1]
    instance["meeting"]["attendees"] = instance["meeting"]["attendees"][:1]
    assert rows_before > 1
    xml, notes = fill_document(MODEL, good_document, instance)
    assert notes == []
    assert body_rows(xml, "/targets") == rows_before  # rows are emptied, not deleted
    result = read_document(MODEL, xml)
    assert result.instance == instance
    assert result.findings == []


def _strip(document_xml: bytes, *, controls: bool, bookmarks: bool, tags: bool) -> bytes:
    root = etree.fromstring(document_xml)
    if controls:
        for control in reversed(list(root.iter(qn("w:sdt")))):
            parent, content = control.getparent(), control.find(qn("w:sdtContent"))
            index = parent.index(control)
            for offset, child in enumerate(list(content)):
                parent.insert(index + offset, child)
            parent.remove(control)
    doomed = []
    if bookmarks:
        doomed += list(root.iter(qn("w:bookmarkStart"), qn("w:bookmarkEnd")))
    if tags:
        doomed += list(root.iter(qn("w:tag"), qn("w:tblCaption"), qn("w:alias"), qn("w:lock")))
    for node in doomed:
        node.getparent().remove(node)
    return etree.tostring(root)


def test_real_form_without_tags_is_read_by_bookmarks(good_case: Any, good_document: bytes) -> None:
    # What LibreOffice leaves: no tags, aliases, locks or captions, but bookmarks and values.
    result = read_document(MODEL, _strip(good_document, controls=False, bookmarks=False, tags=True))
    assert result.instance == good_case.instance
    assert result.method == "bookmarks"
    assert "tags" not in result.methods
    assert result.findings == [] and result.missing == []


def test_real_form_with_controls_unwrapped_is_read_by_labels(good_case: Any, good_document: bytes) -> None:
    # Pasted into a new document: no controls, bookmarks or captions; the text stays in the cells.
    stripped = _strip(good_document, controls=True, bookmarks=True, tags=True)
    assert b"<w:sdt" not in stripped and b"bookmarkStart" not in stripped
    result = read_document(MODEL, stripped)
    assert result.instance == good_case.instance
    assert result.method == "labels"
    assert set(result.methods) == {"labels"}
    assert result.findings == [] and result.missing == []


# --- a table as an older version of the form had it -----------------------------------------------

def test_columns_of_an_older_form_are_read_by_their_header_labels() -> None:
    # Barnet's forms had an achieved / not achieved "Progress" column beside the 1-5 rating; the
    # rating is now the progress column. A form issued with both is read by its header labels.
    barnet = form_model("barnet", "y1-11")
    body = table(text_cells("Previous outcome", "Progress", "Evidence and comment",
                            "Progress rating (1 to 5)"),
                 text_cells("Read 20 key words.", "Achieved", "All 20 read.",
                            "4 - Achieves fairly consistently, with occasional difficulty or support"),
                 caption="/previous_targets")
    result = read_document(barnet, document(body))
    assert result.instance["previous_targets"] == [
        {"target": "Read 20 key words.", "progress": 4, "comment": "All 20 read."}]
    assert result.findings == []
    assert not any(p.startswith("/previous_targets") for p in result.missing)


def test_a_column_the_form_does_not_have_is_missing() -> None:
    body = table(TARGET_HEADER, text_cells("Literacy", "I will read.", "Reading club.", "TA",
                                           "30/04/2027", "£0"), caption="/targets")
    result = read(body)
    assert "/targets/*/measure" in result.missing
    assert result.instance["targets"][0]["who"] == "TA"


def test_a_picked_date_wins_over_different_text_and_the_note_names_no_date() -> None:
    # The note may be about a date of birth, so it never repeats a date.
    control = sdt(run("15/01/2027"), tag="/pep/meeting_date", props=date_props("2027-01-14T00:00:00Z"))
    result = read(para(control))
    assert result.instance["pep"]["meeting_date"] == "2027-01-14"
    note = result.trusted["/pep/meeting_date"]
    assert "w:fullDate" in note and "2027" not in note and "14" not in note


def test_a_stand_in_typed_over_a_picked_date_is_what_shows() -> None:
    control = sdt(run("TBC"), tag="/pep/meeting_date", props=date_props("2027-01-14T00:00:00Z"))
    result = read(para(control))
    assert "meeting_date" not in result.instance["pep"]
    assert result.stand_ins == {"/pep/meeting_date": "TBC"}


def test_scan_keys_each_control_by_its_first_tag_the_first_control_winning() -> None:
    from pepforms.word.reader import scan

    body = etree.fromstring(
        f'<w:document xmlns:w="{W}"><w:body>'
        # An outer control whose properties come after what it holds: it still comes first.
        '<w:sdt><w:sdtContent><w:sdt><w:sdtPr><w:tag w:val="a"/></w:sdtPr>'
        '<w:sdtContent/></w:sdt></w:sdtContent><w:sdtPr><w:tag w:val="a"/></w:sdtPr></w:sdt>'
        # A control's second tag is not its tag; a tag outside a control's properties is none.
        '<w:sdt><w:sdtPr><w:tag w:val="b"/><w:tag w:val="c"/></w:sdtPr></w:sdt>'
        '<w:p><w:tag w:val="d"/></w:p>'
        '</w:body></w:document>')
    sdts = list(body.iter(f"{{{W}}}sdt"))
    found = scan(body)
    assert found.controls == {"a": sdts[0], "b": sdts[2]}
    # Without a clash, each control is its own tag's.
    sdts[1].find(f"{{{W}}}sdtPr/{{{W}}}tag").set(f"{{{W}}}val", "e")
    assert scan(body).controls == {"a": sdts[0], "e": sdts[1], "b": sdts[2]}
