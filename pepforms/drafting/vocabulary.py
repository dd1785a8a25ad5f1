"""The core vocabulary by the words forms use for it: a label as a form words it → its core pointer.

Every cross-authority report and export reads the same pointers (DESIGN.md, "The core vocabulary
every form shares"); a drafted form's fields are put at them when their label says what they are.
Each core field is drafted as a `$ref` to the bundled common block's definition (its type, pre-fill
and checks), with the form's own label beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A question's or a section's number: "1.", "3.2", "Q4", "Section A:", "(b)", "A1 ", "2  Care".
NUMBERING = re.compile(r"^\s*(?:(?i:section|part|question|q)\s*[A-Za-z]?\d*(?:\.\d+)*[a-z]?"
                       r"[.):]?\s+|[a-z]?\d+(?:\.\d+)+[.)]?\s+|[a-z]?\d+[.)]\s+|\(?[a-z]\)\s+|"
                       r"[A-Z]\d+\s+|\d+\s+(?=[A-Z'‘\"]))")


def unnumbered(text: str) -> str:
    return NUMBERING.sub("", text, count=1)


def normal(label: str) -> str:
    """A label for matching: lower case, numbering and marks gone, punctuation as spaces."""
    text = unnumbered(label).lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"\(required\)|\(mandatory\)|\*", " ", text)
    text = re.sub(r"[^a-z0-9%£+']+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Core:
    pointer: str  # /section/key, or /table/*/column for a table's column
    ref: str  # the common block's definition
    patterns: tuple[str, ...]  # regexes over `normal(label)`


def _c(pointer: str, ref: str, *patterns: str) -> Core:
    return Core(pointer, ref, patterns)


_CHILD, _PEP = "../common/child.schema.json#/properties/", "../common/pep.schema.json#/properties/"
_ATT, _VOICE = "../common/attendance.schema.json#/properties/", "../common/voice.schema.json#/properties/"
_MEET = "../common/meeting.schema.json#/properties/"
_TARGET = "../common/target.schema.json#/properties/"
_PREV = "../common/previous-target.schema.json#/properties/"
_WHO = "../common/attendee.schema.json#/properties/"
_PP = "../common/pp-request.schema.json#/properties/"
_SET = "../common/setting.schema.json#/properties/"

FULL_NAME = "/child/full_name"  # not core: drafted as first name and last name

FIELDS: tuple[Core, ...] = (
    _c("/child/child_id", _CHILD + "child_id",
       r"^(child'?s? )?(id|identifier)( number)?$", r"\b(lcs|mosaic|eclipse|liquid ?logic|"
       r"social care|case) (id|number|no)\b", r"^child (id|number)\b"),
    _c("/child/first_name", _CHILD + "first_name", r"\b(first|given|fore) ?names?\b"),
    _c("/child/last_name", _CHILD + "last_name", r"\b(last|family) name\b", r"\bsurname\b"),
    _c(FULL_NAME, "", r"^(the )?(child|young person|pupil|student|learner)('s| or young "
       r"person's| young person's)? (full )?name$", r"^name of (the )?(child|young person|pupil)",
       r"^(full )?name$", r"^child young person'?s? name$"),
    _c("/child/date_of_birth", _CHILD + "date_of_birth", r"\bdate of birth\b", r"^d ?o ?b\b"),
    _c("/child/upn", _CHILD + "upn", r"\bupn\b", r"unique pupil number"),
    _c("/child/year_group", _CHILD + "year_group", r"\b(nc |national curriculum |school )?year "
       r"group\b", r"^(nc|national curriculum) year\b", r"^school year$"),
    _c("/pep/term", _PEP + "term", r"^(pep )?term$", r"^term of (this )?pep"),
    _c("/pep/next_meeting_date", _PEP + "next_meeting_date", r"\bnext (pep|meeting|review)\b"),
    _c("/pep/meeting_date", _PEP + "meeting_date", r"\bdate of (this |the )?(pep )?(meeting|pep"
       r"|review)\b", r"^(pep )?meeting date$", r"^date of pep meeting$"),
    _c("/attendance/percentage", _ATT + "percentage", r"\battendance\b.*(%|percent)",
       r"^(current |overall )?attendance( this (academic )?year| figure| rate)?$"),
    _c("/attendance/explanation", _ATT + "explanation", r"\breasons?\b.*\b(absence|absent|attendance)\b",
       r"\babsence reasons?\b", r"explain .*absence"),
    _c("/attendance/strategies", _ATT + "strategies", r"\b(strateg|actions?|support|plan)\w* "
       r"(to|for) (improve|improving|raise|support) attendance", r"attendance strateg",
       r"\b(done|do|doing|happen|in place) (to|that will) (improve|raise|support) (the )?"
       r"(child'?s?|young person'?s?|pupil'?s?|their|his|her)? ?attendance\b"),
    _c("/voice/views", _VOICE + "views", r"\b(child|young person|pupil|learner|student)('s| or "
       r"young person's)? (own )?(views|voice|wishes|comments)\b", r"\bvoice of the (child|young)",
       r"^(my|pupil|child) (views|voice)\b", r"^what (i|the child|the young person) (think|say)",
       r"^what (do|does) (you|i|the child|the young person|the pupil) (think|feel|say|want)",
       r"^views of the (child|young person)"),
    # The school: the reports group forms by it, and the register matches the school's DT by it.
    _c("/education/school_urn", _SET + "school_urn", r"^(the )?(school'?s? |setting'?s? )?urn$",
       r"\bunique reference number\b"),
    _c("/education/designated_teacher_email", _SET + "designated_teacher_email",
       r"\b(designated (teacher|person)|dt)'?s? ?e ?mail\b",
       r"^e ?mail (address )?of (the )?designated (teacher|person)"),
    _c("/education/designated_teacher_name", _SET + "designated_teacher_name",
       r"^(name of )?(the )?designated (teacher|person)('s name| name)?$", r"^dt( name)?$"),
    _c("/education/school_name", _SET + "school_name", r"^(name of )?(the )?(current )?"
       r"((early years )?(school|setting|nursery|college|provider)( or (early years )?(school|"
       r"setting|college|education setting|provider))?|education(al)? (setting|provider))"
       r"( name| attended)?$"),
    _c("/meeting/summary", _MEET + "summary", r"\b(meeting )?summary\b", r"summary of (the )?"
       r"(meeting|discussion)"),
    _c("/meeting/actions", _MEET + "actions", r"^(agreed )?actions( agreed)?\b",
       r"^action (points|plan)$"),
)

# Tables: the words of the table's title or of its section, and its columns' words.
TABLES: dict[str, tuple[str, ...]] = {
    "/previous_targets": (r"\b(previous|last term'?s?|review of (the )?(previous|last))\b.*"
                          r"\b(targets?|outcomes?|next steps|goals?)\b",
                          r"\btargets? (review|from last)"),
    "/targets": (r"\btargets?\b", r"\boutcomes?\b", r"action plan"),
    "/meeting/attendees": (r"\b(attendees?|attendance at (the )?meeting|who (was|were) "
                           r"(invited|present)|present at|invited)\b",),
    "/pp_plus/requests": (r"\b(pp\+|pupil premium|ppg|pp plus)\b",),
}

COLUMNS: dict[str, tuple[Core, ...]] = {
    "/previous_targets": (
        _c("progress", _PREV + "progress", r"\b(progress|achieved|met|outcome|rag)\b"),
        _c("comment", _PREV + "comment", r"\b(comments?|evidence|notes?)\b"),
        _c("target", _PREV + "target", r"\b(targets?|outcomes?|next steps?|goals?)\b"),
    ),
    "/targets": (
        _c("by_when", _TARGET + "by_when", r"\bby when\b", r"\b(timescale|deadline|review date|"
           r"date)\b"),
        _c("who", _TARGET + "who", r"^who\b", r"\b(by whom|responsible|lead person)\b"),
        _c("pp_cost", _TARGET + "pp_cost", r"\bcost\b", r"\bpp\+", r"£"),
        _c("area", _TARGET + "area", r"^(area|type|category|area of need|strand)\b"),
        _c("actions", _TARGET + "actions", r"\b(actions?|how|strateg\w*|support|provision)\b"),
        _c("target", _TARGET + "target", r"\b(targets?|what|outcomes?)\b"),
    ),
    "/meeting/attendees": (
        _c("attended", _WHO + "attended", r"\b(attended|present|apologies)\b"),
        _c("role", _WHO + "role", r"\b(role|agency|relationship|organisation)\b"),
        _c("name", _WHO + "name", r"\bname\b"),
    ),
    "/pp_plus/requests": (
        _c("cost", _PP + "cost", r"\b(cost|amount)\b", r"£"),
        _c("target", _PP + "target", r"\btargets?\b"),
        _c("expected_impact", _PP + "expected_impact", r"\b(impact|expected outcome)\b"),
        _c("description", _PP + "description", r"\b(intervention|description|what|support|"
           r"resource|provision)\b"),
    ),
}

# What a core table needs for the cross-authority reports (tests/test_schemas.py's CORE_TABLES).
CORE_TABLE_COLUMNS = {"/previous_targets": ("target", "progress", "comment"),
                      "/targets": ("area", "target", "actions", "who", "by_when"),
                      "/meeting/attendees": ("name", "role", "attended")}

# Why each core field or table matters, for a person deciding what to do when the form lacks it.
WHY_CORE = {
    "/child/upn": "the school census and the DfE's returns match children by it",
    "/child/year_group": "reports count children and targets by year group",
    "/pep/meeting_date": "the return window and the 'PEP on time' reports count from it",
    "/pep/next_meeting_date": "the PEP calendar and the reminders use it",
    "/attendance/percentage": "the attendance reports and the below-95% rule read it",
    "/attendance/explanation": "the statutory rule asks the reasons when attendance is below 95%",
    "/attendance/strategies": "the statutory rule asks what is done when attendance is below 95%",
    "/voice/views": "the QA framework and Ofsted look for the child's own views on every PEP",
    "/meeting/summary": "the termly report quotes it",
    "/meeting/actions": "the termly report lists what was agreed",
    "/targets": "every report reads SMART targets from here",
    "/previous_targets": "the progress reports read how last term's targets went from here",
    "/meeting/attendees": "the QA framework checks who attended the meeting",
    "/pp_plus/requests": "the PP+ spending reports read the requests from here",
    "area": "reports group targets by area (learning, wellbeing, attendance, …)",
    "target": "the target itself",
    "actions": "reports show how each target will be met",
    "who": "reports show who is responsible for each target",
    "by_when": "the reminders and the overdue report use it",
    "progress": "the progress reports count targets achieved",
    "comment": "reports show the evidence for the progress",
    "name": "the attendance list names each person",
    "role": "the QA framework checks the right roles attended",
    "attended": "the QA framework counts who was there",
}
LACK_CHECKED_TABLES = ("/targets", "/previous_targets", "/meeting/attendees", "/pp_plus/requests")

SECTION_TITLES = {"child": "About the child", "pep": "This PEP", "education": "School or setting",
                  "attendance": "Attendance",
                  "voice": "The young person's voice", "meeting": "The PEP meeting",
                  "targets": "SMART targets", "previous_targets": "Review of previous targets",
                  "pp_plus": "Pupil Premium Plus"}

# What pepforms pre-fills from the roster and matches a returned form by: added when missing.
NEEDED = ("/child/child_id", "/child/first_name", "/child/last_name", "/child/date_of_birth",
          "/pep/term")

# Fields the roster can pre-fill (not locked: the school may correct them).
PREFILL: tuple[tuple[str, str], ...] = (
    (r"^(name of )?(the )?social worker('s name)?$", "child.social_worker_name"),
    (r"^(name of )?(the )?designated (teacher|person)('s name)?$", "child.designated_teacher_name"),
    (r"^(name of )?(the )?(current )?(school|setting|school or setting|education setting)"
     r"( name)?$", "child.school_name"),
    (r"^(school )?urn$", "child.school_urn"),
    (r"^(name of )?(the )?(foster )?carers?( s)?('s name)?( name)?$", "child.carer_name"),
    (r"^legal status$", "child.legal_status"),
    (r"^date (entered|came into|became looked after|into) care$", "child.date_entered_care"),
    (r"^gender$|^sex$", "child.gender"),
)


def _matches(label: str, patterns: tuple[str, ...]) -> bool:
    text = normal(label)
    return any(re.search(p, text) for p in patterns)


def core_field(label: str) -> Core | None:
    """The core field a label names, if any (the first that matches, in FIELDS' order)."""
    return next((c for c in FIELDS if _matches(label, c.patterns)), None)


def core_table(title: str, headers: list[str]) -> str | None:
    """The core table a table is, by its title (or its section's) and its header row."""
    words = [normal(h) for h in headers]
    has = lambda *ps: any(re.search(p, w) for w in words for p in ps)  # noqa: E731
    if has(r"\bname\b") and has(r"\b(role|agency|attended|present|relationship)\b"):
        return "/meeting/attendees"
    for pointer in ("/previous_targets", "/pp_plus/requests"):
        if _matches(title, TABLES[pointer]):
            return pointer
    if has(r"\btargets?\b") and has(r"\b(progress|achieved|met|rag)\b") and \
            not has(r"\bby when\b|\bwho\b"):
        return "/previous_targets"
    if has(r"\btargets?\b|\boutcomes?\b") and has(r"\bby when\b|\bwho\b|\btimescale|\bdeadline"):
        return "/targets"
    if _matches(title, TABLES["/pp_plus/requests"]) or (has(r"\bcost\b|£") and
                                                         has(r"intervention|resource")):
        return "/pp_plus/requests"
    return None


def core_column(table: str, header: str, taken: set[str]) -> Core | None:
    for column in COLUMNS.get(table, ()):
        if column.pointer not in taken and _matches(header, column.patterns):
            return column
    return None


def prefill_for(label: str) -> str | None:
    text = normal(label)
    return next((source for pattern, source in PREFILL if re.search(pattern, text)), None)


def slug(label: str, most: int = 40) -> str:
    """A key from a label: "Does the child have an EHCP?" → `does_the_child_have_an_ehcp`."""
    words = re.sub(r"[^a-z0-9]+", " ", normal(label).replace("'", "")).split()
    key = ""
    for word in words:
        if len(key) + len(word) + 1 > most:
            break
        key = f"{key}_{word}" if key else word
    if not key or not key[0].isalpha():
        key = f"q_{key}" if key else "question"
    return key
