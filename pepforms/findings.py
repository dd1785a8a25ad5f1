"""Findings, the one currency of validation, and the catalogue of their stable codes.

Every code is defined once here, with its default severity and a plain-English message template
addressed to school staff. A schema rule may choose a code (`x-code`), sharpen the message
(`x-message`) or soften it to a warning (`x-severity`), but it cannot invent a code: a test checks
that every `x-code` in every schema is in this catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    pointer: str
    section: str
    role: str
    message: str
    note: str = ""
    field: str = ""  # the field's name as the form shows it, e.g. "SMART targets, row 2: Who"
    # Roster findings only: the row a spreadsheet shows (the heading is row 1), and the child.
    line: int | None = None
    child_id: str = ""

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.pointer, self.code, self.severity, self.message)

    def as_dict(self) -> dict[str, Any]:
        """The finding as JSON; `line` and `child_id` only when set, so a validation report's
        findings keep the shape the README documents."""
        # Plain fields only: a shallow dict, not dataclasses.asdict's deep copy (a hot path).
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.line is None:
            del data["line"]
        if not self.child_id:
            del data["child_id"]
        return data


@dataclass(frozen=True)
class Code:
    severity: str
    title: str
    message: str  # str.format template: {label}, {other}, {limit}, {value}, {days}, {detail}


CATALOGUE: dict[str, Code] = {
    # ---- reading a file
    "file-not-found": Code(ERROR, "File not found",
                           "This file could not be found. Check the name and the folder."),
    "file-unreadable": Code(ERROR, "File cannot be read",
                            "This file could not be opened ({detail}). Check it is not open in "
                            "another program and that you have permission to read it."),
    "link-not-followed": Code(ERROR, "A link, not a form",
                              "This is a link (shortcut) to another file, which pepforms does not "
                              "follow. Put the form itself in the folder and check it again."),
    "suspicious-contents": Code(ERROR, "Suspicious file",
                                "This file contains something no Word document has ({detail}), "
                                "so it was not read. Do not open it; ask the school to send the "
                                "form again, saved from Word."),
    "not-a-docx": Code(ERROR, "Not a Word document",
                       "This is not a Word document (.docx){detail}. Ask the school to send the "
                       "PEP back as the Word form they were sent."),
    "old-word-format": Code(ERROR, "Old Word format",
                            "This is an old-style Word document (.doc). Open it in Word, choose "
                            "File › Save As › Word Document (.docx), and check it again."),
    "password-protected": Code(ERROR, "Password protected",
                               "This document is protected with a password, so it cannot be "
                               "read. Ask the school to remove the password (File › Info › "
                               "Protect Document › Encrypt with Password, then clear it) and send "
                               "it again by secure email."),
    "damaged-file": Code(ERROR, "Damaged file",
                         "This file is damaged or was not fully saved or downloaded ({detail}). "
                         "Ask the school to send it again."),
    "corrupt-compressed-data": Code(ERROR, "Damaged inside",
                                    "Part of this file's compressed contents is corrupt (it was "
                                    "probably damaged in transfer or on a disk), so it cannot be "
                                    "read. Ask the school to send the form again; if they can, "
                                    "they should open it in Word first and save it afresh."),
    "missing-part": Code(ERROR, "Part of the document missing",
                         "This document refers to a part of itself that is missing ({detail}), "
                         "so an annotated copy could not be made. Open it in Word (which repairs "
                         "it), save it, and check it again; or send the school the findings "
                         "from the report."),
    "damaged-styles": Code(ERROR, "Document styles damaged",
                           "This document's styles are damaged, so an annotated copy could not "
                           "be made. Open it in Word (which repairs it), save it, and check it "
                           "again; or send the school the findings from the report."),
    "macro-enabled": Code(ERROR, "Contains macros",
                          "This document contains macros, which pepforms does not open. Save it "
                          "as a Word Document (.docx) without macros and check it again."),
    "strict-open-xml": Code(ERROR, "Strict Open XML",
                            "This document was saved as 'Strict Open XML'. Open it in Word and "
                            "save it as a normal Word Document (.docx)."),
    "too-large": Code(ERROR, "File too large or malformed",
                      "This file is far larger inside than a PEP form can be ({detail}), so it "
                      "was not opened. Ask the school to send the form again."),
    "opendocument": Code(ERROR, "OpenDocument format",
                         "This document was saved in OpenDocument format (.odt). Open it and save "
                         "it as Word (.docx), then check it again."),
    "not-a-pep-form": Code(ERROR, "Not a PEP form",
                           "This Word document is not one of the Virtual School's PEP forms{detail}. "
                           "If it is a PEP, ask the school to copy their answers into the form "
                           "they were sent for this child and term."),
    "identity-missing": Code(WARNING, "Form details lost",
                             "This form has lost the hidden details that say which child and term "
                             "it is for, so it was read as {detail} by its labels. Check it is for "
                             "the right child before it goes any further."),
    "identity-unknown": Code(ERROR, "Cannot tell which child",
                             "We cannot tell which child this form is for: its hidden details "
                             "were lost and it does not show a child ID. Ask the school to send "
                             "back the form they were sent for this child."),
    "identity-damaged": Code(ERROR, "Form details damaged",
                             "This form's hidden details ({detail}) are damaged, so pepforms "
                             "cannot check it is unchanged. Ask the school to send back the form "
                             "they were sent for this child."),
    "identity-unconfirmed": Code(ERROR, "Which child cannot be confirmed",
                                 "This form lost the hidden details that were issued with it, so "
                                 "nothing confirms it is child {detail}'s, or that the details "
                                 "filled in by the Virtual School are unchanged. Check it "
                                 "against the roster (validate --roster), or ask the school to "
                                 "send back the form they were sent."),
    "identity-other-key": Code(ERROR, "Issued elsewhere",
                               "This form was issued with another identity key (key {detail}), "
                               "so pepforms cannot check here that its pre-filled details are "
                               "unchanged. Check it on the computer that issued it, or share "
                               "the authority's key file with this one (see the README)."),
    "annotate-failed": Code(ERROR, "No annotated copy",
                            "An annotated copy of this form could not be made (the file is "
                            "damaged in a way Word may repair). Send the school the findings "
                            "from the report instead."),
    "read-by-labels": Code(WARNING, "Read by labels",
                           "This form's fill-in boxes were removed (for example by copying it "
                           "into a new document), so it was read by the labels beside each "
                           "answer. Check the values carefully."),
    "saved-by-other-app": Code(WARNING, "Saved by another program",
                               "This form was last saved by {detail}. It was read successfully, "
                               "but some formatting may have changed."),
    "field-not-found": Code(ERROR, "Question missing from the form",
                            "The question “{label}” could not be found in this form: it may have "
                            "been deleted. Use the form as it was sent, without deleting rows."),
    "value-not-understood": Code(ERROR, "Answer not understood",
                                 "The answer to “{label}” could not be understood ({detail}). "
                                 "Please re-enter it."),
    # ---- identity
    "email-no-form": Code(ERROR, "No form in the email",
                          "This email has no PEP form attached ({detail}). Ask the school to "
                          "send the completed form as a Word document or the fillable PDF."),
    "email-unreadable": Code(ERROR, "Email cannot be read",
                             "This saved email could not be read ({detail}). Save it from "
                             "Outlook again (File > Save As), or save the attached form itself "
                             "and check that."),
    "email-other-child": Code(ERROR, "Email names another child",
                              "The email's subject names another child ({detail}), but the form "
                              "attached is for child ID {value}. This may be a data protection "
                              "breach: check with the school which form they meant to send."),
    "email-other-attachments": Code(WARNING, "Other files in the email",
                                    "The email also had {detail}, which is not a PEP form; it "
                                    "was not checked."),
    "email-too-many-files": Code(WARNING, "Too many files in the email",
                                 "The email has more than {detail} files that could be forms, so "
                                 "only the first {detail} were checked; not checked: {value}. "
                                 "Ask the school to send fewer forms in each email."),
    "wrong-child": Code(ERROR, "Wrong child",
                        "{detail} This may be a data protection breach: do not forward this "
                        "form; check with the school which child it is for."),
    "not-on-roster": Code(ERROR, "Child not on the roster",
                          "The child this form is for (child ID {detail}) is not on the roster "
                          "you gave. Check it is one of your children: if not, it may be a data "
                          "protection breach."),
    "roster-row-not-used": Code(ERROR, "Roster row not used",
                                "The roster's row for child {detail} (row {line}) was not used "
                                "because it has a problem (see the roster problems above), so "
                                "this form could not be checked against the roster. Correct "
                                "that row in the roster and check the form again."),
    "duplicate-return": Code(WARNING, "Returned twice",
                             "Another form for child {detail} and the {value} came back in the "
                             "same batch ({other}). Check which is the current one before either "
                             "goes to quality assurance."),
    "wrong-term": Code(WARNING, "Different term",
                       "This form was issued for {detail}. Check it is the current PEP and not "
                       "last term's."),
    "locked-value-changed": Code(ERROR, "Pre-filled detail changed",
                                 "“{label}” was filled in by the Virtual School and locked, but "
                                 "it has been changed. If it was wrong, tell the Virtual School "
                                 "rather than editing it; put the original back."),
    # ---- schema keywords
    "missing-value": Code(ERROR, "Missing answer", "“{label}” is blank. Please fill it in."),
    "too-few-rows": Code(ERROR, "Not enough rows",
                         "“{label}” needs at least {limit} row(s) filled in."),
    "too-many-rows": Code(ERROR, "Too many rows", "“{label}” can have at most {limit} row(s)."),
    "wrong-type": Code(ERROR, "Wrong kind of answer",
                       "“{label}” should be {detail}. Please re-enter it."),
    "invalid-date": Code(ERROR, "Not a date",
                         "“{label}” is not a real date. Write it day first, like 14/01/2027."),
    "invalid-email": Code(ERROR, "Not an email address",
                          "“{label}” does not look like an email address."),
    "wrong-format": Code(ERROR, "Wrong format", "“{label}” is not in the expected format."),
    "not-an-option": Code(ERROR, "Not one of the choices",
                          "“{label}” must be one of: {detail}."),
    "out-of-range": Code(ERROR, "Out of range", "“{label}” must be {detail}."),
    "too-long": Code(ERROR, "Too long", "“{label}” is longer than {limit} characters."),
    "date-too-early": Code(ERROR, "Date too early",
                           "“{label}” ({value}) should be after “{other}” ({other_value})."),
    "date-too-late": Code(ERROR, "Date too late",
                          "“{label}” ({value}) should be no later than “{other}” "
                          "({other_value})."),
    "returned-late": Code(WARNING, "Returned late",
                          "This form came back {days} {unit} after the meeting; the Virtual "
                          "School asks for it within {limit} {unit}."),
    "rule-broken": Code(ERROR, "Rule not met",
                        "“{label}” does not meet a rule of this form. {detail}"),
    # ---- named rules (chosen by schemas with x-code)
    "attendance-not-explained": Code(ERROR, "Low attendance not explained",
                                     "Attendance is below 95%, so the form must give the reasons "
                                     "for absence and the strategies to improve attendance."),
    "part-time-not-explained": Code(ERROR, "Part-time timetable not explained",
                                    "The child is on a part-time timetable or in alternative "
                                    "provision: give the reason, the hours and the plan to "
                                    "return to full time."),
    "attainment-not-explained": Code(ERROR, "Attainment not explained",
                                     "Attainment is static or has regressed: explain why, and "
                                     "what the school is doing about it."),
    "ehcp-review-date-missing": Code(ERROR, "EHCP review date missing",
                                     "The child has an EHC plan: give the date of its last "
                                     "annual review."),
    "voice-missing": Code(ERROR, "Young person's voice missing",
                          "The young person's views are not recorded. Record them, or say why "
                          "they could not be gathered and what was tried."),
    "wellbeing-target-missing": Code(ERROR, "No wellbeing target",
                                     "The targets must include at least one wellbeing target "
                                     "(area “Emotional wellbeing”)."),
    "required-target-missing": Code(ERROR, "Required target missing",
                                    "The targets must include {detail}."),
    "too-few-targets": Code(ERROR, "Not enough targets", "{detail}"),
    "pp-plus-not-costed": Code(ERROR, "PP+ request not costed",
                               "Each Pupil Premium Plus request needs its cost: give the cost of "
                               "each intervention or member of staff."),
    "pp-plus-not-linked": Code(WARNING, "PP+ request not linked to a target",
                               "Say which target this Pupil Premium Plus request supports."),
    "signature-missing": Code(ERROR, "Not signed", "{detail}"),
    "next-pep-date-missing": Code(ERROR, "Next PEP date missing",
                                  "Set the date of the next PEP meeting."),
    "transition-plan-missing": Code(WARNING, "Transition plan missing", "{detail}"),
    "score-out-of-range": Code(ERROR, "Score out of range", "“{label}” must be a score from "
                               "{detail}."),
    "action-incomplete": Code(ERROR, "Action incomplete", "{detail}"),
    # ---- the roster (for business support; the row and child are in `line` and `child_id`, and
    # a message never holds a name or a date of birth). An error means the row was skipped.
    "roster-missing-child-id": Code(ERROR, "Child id missing",
                                    "{where}: the {column} is blank. Every child needs their id "
                                    "from the case management system; fill it in or delete the "
                                    "row. This row was skipped."),
    "roster-duplicate-child-id": Code(ERROR, "Child id repeated",
                                      "{where}: this child id is already used on {first_seen}. "
                                      "Each child must appear once: delete the repeated row or "
                                      "correct the id. This row was skipped."),
    "roster-missing-name": Code(ERROR, "Name missing",
                                "{where}: the {column} is blank. Fill it in. This row was skipped."),
    "roster-missing-date-of-birth": Code(ERROR, "Date of birth missing",
                                         "{where}: the {column} is blank. Fill it in, day first, "
                                         "like 14/01/2016. This row was skipped."),
    "roster-impossible-date": Code(ERROR, "Not a date",
                                   "{where}: the {column} is not a date that exists or is not "
                                   "written day first. Write it like 14/01/2016. This row was "
                                   "skipped."),
    "roster-bad-curriculum": Code(ERROR, "Curriculum not understood",
                                  '{where}: the {column} must be "mainstream", "targeted" or blank '
                                  "(blank means mainstream). This row was skipped."),
    "roster-bad-year-group": Code(ERROR, "Year group not understood",
                                  "{where}: the {column} is not a year group. Write R for "
                                  "Reception, N for Nursery, or a number like 5 or Year 5; leave "
                                  "it blank to work it out from the date of birth. This row was "
                                  "skipped."),
    "roster-too-young-for-pep": Code(ERROR, "Too young for a PEP",
                                     "{where}: this child is under {min_age} at the start of the "
                                     "{term}, too young for a PEP. Check the date of birth, or "
                                     "leave the child off this term's roster. This row was "
                                     "skipped."),
    "roster-too-old-for-pep": Code(ERROR, "Too old for a PEP",
                                   "{where}: this child would be in Year {group} in "
                                   "{academic_year}, past Year {max_group}, too old for a PEP. "
                                   "Check the date of birth and year group, or leave the child "
                                   "off the roster. This row was skipped."),
    "roster-date-entered-care-before-birth": Code(ERROR, "Entered care before birth",
                                                  "{where}: the {column} is before the date of "
                                                  "birth. Check both dates. This row was "
                                                  "skipped."),
    "roster-date-joined-school-before-birth": Code(ERROR, "Joined school before birth",
                                                   "{where}: the {column} is before the date of "
                                                   "birth. Check both dates. This row was "
                                                   "skipped."),
    "roster-year-group-far-from-age": Code(WARNING, "Year group far from age",
                                           "{where}: the {column} says {stated}, but the date of "
                                           "birth gives {computed}. The roster's year group is "
                                           "used; check it is right."),
    "roster-date-entered-care-in-future": Code(WARNING, "Entered care in the future",
                                               "{where}: the {column} is in the future. Check "
                                               "it."),
    "roster-missing-upn": Code(WARNING, "UPN missing",
                               "{where}: the {column} {recorded}. Ask the school for it; the form "
                               "will go out without it."),
    "roster-bad-upn": Code(WARNING, "UPN not in the right form",
                           "{where}: the {column} is not in the right form: 13 characters, a "
                           "letter, then 11 digits, then a digit or a letter. Check it with the "
                           "school."),
    "roster-bad-upn-check-letter": Code(WARNING, "UPN check letter wrong",
                                        "{where}: the {column} has a first letter that does not "
                                        "match the rest of the number, so it has probably been "
                                        "mistyped. Check it with the school."),
    "roster-no-setting": Code(WARNING, "No school or setting",
                              "{where}: the {column} is blank. A child of school age needs a "
                              "school or college for the form to go to; fill it in."),
    "roster-bad-email": Code(WARNING, "Not an email address",
                             "{where}: the {column} does not look like an email address "
                             "(name@example.org). Correct it."),
    "roster-missing-value": Code(WARNING, "Value missing",
                                 "{where}: the {column} is blank. Fill it in."),
    "roster-control-characters": Code(WARNING, "Hidden control characters removed",
                                      "{where}: the {column} held {count} hidden control "
                                      "character(s), which a Word form cannot hold, so they were "
                                      "removed. Check the value in the roster."),
    "roster-column-map-entry-not-used": Code(WARNING, "Column map heading not in the roster",
                                             'The column map mentions the heading "{heading}", '
                                             "but the roster has no column with that heading. "
                                             "Check the spelling in the column map."),
    "roster-no-children": Code(WARNING, "No children",
                               "The roster has a heading row but no children. Add a row per "
                               "child."),
    # ---- answers that are not answers, and the authorities' own rules (the accuracy issue:
    # "The verdict a careful coordinator would give")
    "not-an-answer": Code(ERROR, "Not an answer",
                          "“{label}” says “{value}”. {detail}"),
    "not-in-time": Code(ERROR, "Not in time",
                        "“{label}” is {days} {unit} after “{other}”; the guidance asks for no "
                        "more than {limit} {unit}."),
    "first-pep-late": Code(ERROR, "First PEP late",
                           "This is the first PEP since {event}, held {days} {unit} after it; "
                           "the guidance asks for it within {limit} {unit}. Record why in the "
                           "meeting summary and tell the Virtual School."),
    "not-finalised-in-time": Code(WARNING, "Not finalised in time",
                                  "“{label}” is {days} {unit} after the meeting; the PEP should "
                                  "be finalised within {limit} {unit} of it."),
    "next-pep-too-late": Code(ERROR, "Next PEP too late",
                              "“{label}” ({value}) is after the end of next term ({other}, "
                              "{other_value}). A PEP is reviewed every term: set the next "
                              "meeting for next term."),
    "meeting-late-in-term": Code(WARNING, "Meeting in the second half of term",
                                 "The meeting ({value}) was in the second half of term (half "
                                 "term began {other_value}); PEPs should be held in the first "
                                 "half of every term wherever possible."),
    "pp-plus-totals-disagree": Code(ERROR, "PP+ costs do not agree",
                                    "The PP+ costs on the targets add up to {a}, but the PP+ "
                                    "requests add up to {b}. Make them agree, so that the "
                                    "Virtual School knows what to fund."),
    "pp-plus-not-eligible": Code(ERROR, "PP+ not available",
                                 "Pupil Premium Plus is for children from Reception to Year "
                                 "11, so none can be requested for this young person. Remove "
                                 "the PP+ request and costs (other funding, such as the 16 to "
                                 "19 bursary, may help)."),
    "too-early-in-term": Code(WARNING, "Too early in the term",
                              "“{label}” ({value}) is before week {limit} of {other} (which "
                              "begins {other_value}); the guidance sets it for week {limit} "
                              "onwards."),
    "not-checked": Code(WARNING, "Not checked", "{detail}"),
    "key-person-absent": Code(ERROR, "Key person not at the meeting", "{detail}"),
    "section-missing": Code(ERROR, "Section not completed", "{detail}"),
}


def render_message(code: str, **values: Any) -> str:
    """The catalogue message for `code`, with the given values filled in."""
    template = CATALOGUE[code].message
    safe = _Defaults(values)
    return template.format_map(safe).replace("  ", " ").strip()


class _Defaults(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


def make(code: str, *, pointer: str = "", section: str = "", role: str = "",
         severity: str | None = None, message: str | None = None, note: str = "",
         **values: Any) -> Finding:
    """A finding from the catalogue."""
    entry = CATALOGUE[code]
    return Finding(
        code=code,
        severity=severity or entry.severity,
        pointer=pointer,
        section=section,
        role=role,
        message=message or render_message(code, **values),
        note=note,
        field=str(values.get("label", "")) if pointer else "",
    )


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(set(findings), key=Finding.sort_key)
