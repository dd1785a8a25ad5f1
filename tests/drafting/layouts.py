"""Three more Word forms pepforms did not make, each in a layout a Virtual School uses, built with
python-docx: one long label | value table per form with its section headings as merged, shaded
rows; a two-column grid (label, value, label, value) of legacy form fields and typed "☐ Yes ☐ No";
and Word headings over numbered questions with blank lines or an empty box under each. Each comes
with the fields it asks (label in the draft → kind), the core pointers it has, and its roles."""

from __future__ import annotations

from typing import Any

from docx.oxml.ns import qn
from lxml import etree

from . import forms as f


def _shade(cell: Any, fill: str = "D9D9D9") -> None:
    props = cell._tc.get_or_add_tcPr()
    shd = etree.SubElement(props, qn("w:shd"))
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:fill"), fill)


def _band(table: Any, text: str, bold: bool = True) -> None:
    """A row across the whole table, shaded: how many forms head their sections."""
    row = table.add_row()
    cell = row.cells[0].merge(row.cells[-1])
    cell.text = ""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold
    _shade(cell)


def _pair(table: Any, label: str, *content: etree._Element, tall: bool = False,
          text: str = "") -> Any:
    row = table.add_row()
    row.cells[0].text = label
    if content:
        f.put(row.cells[1], *content)
    if text:
        row.cells[1].text = text
    if tall:
        f.tall(row)
    return row


# --- (a) one long label | value table, section headings as shaded rows -------------------------

def banded_form() -> bytes:
    doc = f.new_document()
    doc.add_paragraph("Shadeshire Virtual School").runs[0].bold = True
    doc.add_paragraph("Personal Education Plan for children in care")
    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    _band(t, "Section 1: The child")
    _band(t, "To be completed by the social worker", bold=False)
    _pair(t, "Child's full name")
    _pair(t, "Date of birth", f.date_control())
    _pair(t, "Unique Pupil Number (UPN)")
    _pair(t, "Legal status", f.dropdown_control(["Section 20", "Care order", "Interim care order",
                                                 "Placement order"]))
    _pair(t, "Name of school")
    _band(t, "Section 2: Attendance (to be completed by the designated teacher)")
    _pair(t, "Attendance this academic year (%)")
    _pair(t, "Number of fixed-term exclusions")
    _pair(t, "Reasons for absence", tall=True)
    _pair(t, "Strategies to improve attendance", tall=True)
    _band(t, "Section 3: The child's views")
    _pair(t, "What the child thinks about school", tall=True)
    _pair(t, "Does the child have an EHCP?", text="\u2610")
    _band(t, "Section 4: The PEP meeting")
    _pair(t, "Date of PEP meeting", f.date_control())
    _pair(t, "Summary of the meeting", tall=True)
    _pair(t, "PP+ requested (£)")
    _pair(t, "What the PP+ will pay for", tall=True)
    return f.to_bytes(doc)


BANDED_KNOWN = {
    "First name": "text", "Last name": "text", "Date of birth": "date",
    "Unique Pupil Number (UPN)": "text", "Legal status": "choice", "Name of school": "text",
    "Attendance this academic year (%)": "percentage", "Number of fixed-term exclusions": "integer",
    "Reasons for absence": "multiline", "Strategies to improve attendance": "multiline",
    "What the child thinks about school": "multiline", "Does the child have an EHCP?": "checkbox",
    "Date of PEP meeting": "date", "Summary of the meeting": "multiline",
    "PP+ requested (£)": "money", "What the PP+ will pay for": "multiline",
}
BANDED_CORE = ["/child/first_name", "/child/last_name", "/child/date_of_birth", "/child/upn",
               "/attendance/percentage", "/attendance/explanation", "/attendance/strategies",
               "/voice/views", "/pep/meeting_date", "/meeting/summary"]
BANDED_ROLES = {"child": "social-worker", "attendance": "designated-teacher"}
BANDED_LACKS = ["/targets", "/meeting/attendees", "/child/year_group", "/meeting/actions"]


# --- (b) a two-column grid of legacy fields and typed "☐ Yes ☐ No" -------------------------------

def _quad(table: Any, a: str, first: list[etree._Element] | str, b: str = "",
          second: list[etree._Element] | str = "") -> None:
    row = table.add_row()
    for n, (label, value) in enumerate(((a, first), (b, second))):
        row.cells[2 * n].text = label
        if isinstance(value, str):
            row.cells[2 * n + 1].text = value
        else:
            f.put(row.cells[2 * n + 1], *value)


def two_column_form() -> bytes:
    doc = f.new_document()
    doc.add_heading("Gridley Virtual School – PEP form (Years 1 to 11)", 0)
    doc.add_heading("Part A – Pupil details", 1)
    doc.add_paragraph("To be completed by the Designated Teacher")
    t = doc.add_table(rows=0, cols=4)
    t.style = "Table Grid"
    _quad(t, "Forename", f.legacy_field("text"), "Surname", f.legacy_field("text"))
    _quad(t, "Date of birth", f.legacy_field("date"), "UPN", f.legacy_field("text"))
    _quad(t, "Year group", f.legacy_field("dropdown", [f"Year {n}" for n in range(1, 12)]),
          "Gender", f.legacy_field("dropdown", ["Female", "Male", "Other"]))
    _quad(t, "SEN support", "\u2610 Yes \u2610 No", "EHCP", f.legacy_field("checkbox"))
    _quad(t, "Attendance %", f.legacy_field("text"), "Sessions missed this term",
          f.legacy_field("number"))
    _quad(t, "Reasons for absence", f.legacy_field("text"), "Strategies to improve attendance",
          f.legacy_field("text"))
    _quad(t, "Child's views", f.legacy_field("text"), "Receiving PP+", "\u2610 Yes \u2610 No")
    doc.add_heading("Part B – Targets", 1)
    grid = doc.add_table(rows=4, cols=4)
    grid.style = "Table Grid"
    for cell, header in zip(grid.rows[0].cells, ["Target", "Who", "By when", "PP+ cost (£)"],
                            strict=True):
        cell.text = header
    for row in grid.rows[1:]:
        for cell in row.cells:
            f.put(cell, *f.legacy_field("text"))
    doc.add_heading("Part C – The meeting", 1)
    doc.add_paragraph("To be completed by the Virtual School")
    t = doc.add_table(rows=0, cols=4)
    t.style = "Table Grid"
    _quad(t, "Date of meeting", f.legacy_field("date"), "Date of next PEP", f.legacy_field("date"))
    _quad(t, "Meeting summary", f.legacy_field("text"), "Social worker present",
          f.legacy_field("checkbox"))
    doc.add_paragraph("People at the meeting")
    grid = doc.add_table(rows=4, cols=3)
    grid.style = "Table Grid"
    for cell, header in zip(grid.rows[0].cells, ["Name", "Role", "Present"], strict=True):
        cell.text = header
    for row in grid.rows[1:]:
        f.put(row.cells[2], *f.legacy_field("checkbox"))
    return f.to_bytes(doc)


TWO_COLUMN_KNOWN = {
    "Forename": "text", "Surname": "text", "Date of birth": "date", "UPN": "text",
    "Year group": "choice", "Gender": "choice", "SEN support": "choice", "EHCP": "checkbox",
    "Attendance %": "percentage", "Sessions missed this term": "integer",
    "Reasons for absence": "multiline", "Strategies to improve attendance": "multiline",
    "Child's views": "multiline", "Receiving PP+": "choice", "Target": "multiline",
    "Who": "text", "By when": "date", "PP+ cost (£)": "money", "Date of meeting": "date",
    "Date of next PEP": "date", "Meeting summary": "multiline", "Social worker present": "checkbox",
    "Name": "text", "Role": "text", "Present": "checkbox",
}
TWO_COLUMN_CORE = ["/child/first_name", "/child/last_name", "/child/date_of_birth", "/child/upn",
                   "/child/year_group", "/attendance/percentage", "/attendance/explanation",
                   "/attendance/strategies", "/voice/views", "/pep/meeting_date",
                   "/pep/next_meeting_date", "/meeting/summary", "/targets",
                   "/meeting/attendees"]
TWO_COLUMN_ROLES = {"child": "designated-teacher", "meeting": "virtual-school"}
TWO_COLUMN_LACKS = ["/targets/*/area", "/targets/*/actions", "/meeting/actions"]


# --- (c) Word headings over numbered questions ----------------------------------------------------

def _question(doc: Any, text: str, blank: int = 0, box: bool = False) -> None:
    doc.add_paragraph(text)
    for _ in range(blank):
        doc.add_paragraph("")
    if box:
        t = doc.add_table(rows=1, cols=1)
        t.style = "Table Grid"
        f.tall(t.rows[0], 3)


def _labelled(doc: Any, label: str, *content: etree._Element) -> None:
    p = doc.add_paragraph(label)
    for element in content:
        p._p.append(element)


def _grid(doc: Any, headers: list[str], rows: int = 3) -> Any:
    grid = doc.add_table(rows=rows + 1, cols=len(headers))
    grid.style = "Table Grid"
    for cell, header in zip(grid.rows[0].cells, headers, strict=True):
        cell.text = header
    return grid


def questions_form() -> bytes:
    doc = f.new_document()
    doc.add_heading("Personal Education Plan (PEP)", 0)
    doc.add_paragraph("Quillford Virtual School. Please complete every section in full.")
    doc.add_heading("1. About the child", 1)
    doc.add_paragraph("To be completed by the social worker")
    _labelled(doc, "Name of child: ", f.text_control())
    _labelled(doc, "Date of birth: ", f.date_control())
    doc.add_paragraph("UPN: ____________")
    _labelled(doc, "Year group: ", f.dropdown_control([f"Year {n}" for n in range(1, 12)]))
    doc.add_heading("2. Attendance", 1)
    doc.add_paragraph("To be completed by the designated teacher")
    doc.add_paragraph("2.1 What is the child's attendance this year (%)?")
    doc.add_paragraph("")
    _question(doc, "2.2 How many sessions has the child missed this term?", blank=1)
    _question(doc, "2.3 What are the reasons for any absence?", box=True)
    _question(doc, "2.4 What will be done to improve the child's attendance?", blank=3)
    doc.add_heading("3. The child's voice", 1)
    doc.add_paragraph("To be completed by the designated teacher with the child")
    _question(doc, "1. What does the child say about school?", box=True)
    _question(doc, "2. What would the child like to get better at?", blank=3)
    doc.add_heading("4. Review of last term's targets", 1)
    _grid(doc, ["Previous target", "Progress made", "Comment"])
    doc.add_heading("5. SMART targets", 1)
    doc.add_paragraph("To be completed by the designated teacher")
    grid = _grid(doc, ["Area of need", "Target", "Actions to achieve it", "Who", "By when"])
    f.put(grid.rows[1].cells[4], f.date_control())
    doc.add_heading("6. The PEP meeting", 1)
    _labelled(doc, "Date of meeting: ", f.date_control())
    doc.add_paragraph("Who attended the meeting?")
    _grid(doc, ["Name", "Role", "Attended?"])
    _question(doc, "6.1 Summary of the discussion", box=True)
    _question(doc, "6.2 Actions agreed", blank=3)
    doc.add_heading("7. Pupil Premium Plus", 1)
    doc.add_paragraph("PP+ amount requested (£): ________")
    _question(doc, "7.1 What will the PP+ funding be spent on?", box=True)
    return f.to_bytes(doc)


QUESTIONS_KNOWN = {
    "First name": "text", "Last name": "text", "Date of birth": "date", "UPN": "text",
    "Year group": "choice", "What is the child's attendance this year (%)?": "percentage",
    "How many sessions has the child missed this term?": "integer",
    "What are the reasons for any absence?": "multiline",
    "What will be done to improve the child's attendance?": "multiline",
    "What does the child say about school?": "multiline",
    "What would the child like to get better at?": "multiline",
    "Previous target": "multiline", "Progress made": "choice", "Comment": "multiline",
    "Area of need": "text", "Target": "multiline", "Actions to achieve it": "multiline",
    "Who": "text", "By when": "date", "Date of meeting": "date", "Name": "text", "Role": "text",
    "Attended?": "checkbox", "Summary of the discussion": "multiline",
    "Actions agreed": "multiline", "PP+ amount requested (£)": "money",
    "What will the PP+ funding be spent on?": "multiline",
}
QUESTIONS_CORE = ["/child/first_name", "/child/last_name", "/child/date_of_birth", "/child/upn",
                  "/child/year_group", "/attendance/percentage", "/attendance/explanation",
                  "/attendance/strategies", "/voice/views", "/pep/meeting_date",
                  "/meeting/summary", "/meeting/actions", "/targets", "/previous_targets",
                  "/meeting/attendees"]
QUESTIONS_ROLES = {"child": "social-worker", "attendance": "designated-teacher",
                   "targets": "designated-teacher"}
QUESTIONS_LACKS = ["/pep/next_meeting_date"]

LAYOUTS = {  # id → (build, known, core, roles, what the notes must say it lacks)
    "banded": (banded_form, BANDED_KNOWN, BANDED_CORE, BANDED_ROLES, BANDED_LACKS),
    "two-column": (two_column_form, TWO_COLUMN_KNOWN, TWO_COLUMN_CORE, TWO_COLUMN_ROLES,
                   TWO_COLUMN_LACKS),
    "questions": (questions_form, QUESTIONS_KNOWN, QUESTIONS_CORE, QUESTIONS_ROLES,
                  QUESTIONS_LACKS),
}
