"""The form's outline as sections of questions: headings start sections, "To be completed by …"
lines say who, numbered questions find their answer space, short lines above a grid title it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pepforms.drafting.guess import clean_label
from pepforms.drafting.notes import Notes
from pepforms.word.outline import Block, Slot

_COMPLETED_BY = re.compile(r"^\s*(section\s+)?(to be\s+)?(completed|filled in|filled out|"
                           r"completed and signed)\s+by\s*:?\s*(the\s+)?(?P<who>.+?)\s*\.?$",
                           re.IGNORECASE)
_QUESTION = re.compile(r"^\s*((q(uestion)?\s*)?(\d+(\.\d+)+[a-z]?[.)]?|\d+[a-z]?[.)])\s+|"
                       r"\(?[a-z]\)\s+)\S|\?\s*$", re.IGNORECASE)
_FORM_TITLE = re.compile(r"personal education plan|\bpep\b.*\bform\b|^pep$", re.IGNORECASE)


@dataclass
class RawItem:
    label: str
    where: str
    slot: Slot | None = None  # a field's answer space
    columns: tuple[tuple[str, Slot], ...] = ()  # a table's columns
    blank_rows: int = 0
    required: bool = False
    role: str | None = None
    guidance: str = ""

    @property
    def is_table(self) -> bool:
        return self.slot is None


@dataclass
class RawSection:
    title: str
    where: str
    role: str | None = None
    guidance: str = ""
    items: list[RawItem] = field(default_factory=list)


_IN_HEADING = re.compile(r"\s*[(\[–—-]\s*(?P<line>(to be\s+)?(completed|filled in) by\b[^)\]]*)"
                         r"[)\]]?\s*$", re.IGNORECASE)
_WITH = re.compile(r"\s+(with|together with|alongside|in discussion with)\s+.*$", re.IGNORECASE)


def role_id(words: str) -> str:
    """"the Designated Teacher" → `designated-teacher` ("… with the child": who fills it in)."""
    text = re.sub(r"[^a-z0-9]+", "-", _WITH.sub("", words).lower()).strip("-")
    return re.sub(r"^the-", "", text)[:40] or "school"


@dataclass
class _State:
    notes: Notes
    sections: list[RawSection] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    title: str = ""
    role: str | None = None
    texts: list[Block] = field(default_factory=list)  # text since the last question
    question: Block | None = None
    blank_lines: int = 0

    @property
    def section(self) -> RawSection:
        if not self.sections:
            self.sections.append(RawSection("About the child", "the start of the form"))
        return self.sections[-1]

    def add(self, item: RawItem) -> None:
        item.role = self.role if self.role != self.section.role else None
        self.section.items.append(item)
        self.texts = []


def _heading(state: _State, block: Block) -> None:
    if _COMPLETED_BY.match(block.text):  # a shaded "To be completed by …" row in a table
        _text(state, Block("text", block.text, block.where))
        return
    _flush_question(state)
    said = _IN_HEADING.search(block.text)  # "Attendance (to be completed by the teacher)"
    if said and said.start() > 0:
        _heading(state, Block("heading", block.text[:said.start()], block.where, block.level))
        _text(state, Block("text", said.group("line"), block.where))
        return
    if not state.title and not any(s.items for s in state.sections) and \
            _FORM_TITLE.search(block.text):
        state.title = block.text
        return
    title, _ = clean_label(block.text)
    state.sections.append(RawSection(title, block.where))
    state.role = None
    state.texts = []


def _text(state: _State, block: Block) -> None:
    if not block.text:
        if state.question is not None:
            state.blank_lines += 1
        return
    who = _COMPLETED_BY.match(block.text)
    if who and len(block.text) < 120:
        words = _WITH.sub("", who.group("who").strip())
        rid = role_id(words)
        state.roles.setdefault(rid, words[:1].upper() + words[1:])
        if state.sections and not state.section.items and state.section.role is None:
            state.section.role = rid
        state.role = rid
        return
    _flush_question(state)
    if _QUESTION.search(block.text) and len(block.text) < 300:
        state.question, state.blank_lines = block, 0
        return
    if state.sections and not state.section.items and not state.section.guidance:
        state.section.guidance = block.text
    state.texts.append(block)


def _flush_question(state: _State) -> None:
    """A numbered question with no answer space of its own: a long answer (its blank lines)."""
    question, state.question = state.question, None
    if question is None:
        return
    label, required = clean_label(question.text)
    how = "blank lines under the question" if state.blank_lines else "nothing under the question"
    # several blank lines are room for a long answer; one (or none) leaves it to the words
    kind = "multiline" if state.blank_lines >= 2 else "blank"
    state.add(RawItem(label, question.where, Slot(kind, how), required=required))
    state.notes.unplaced.append((question.where, question.text, "a question with no answer "
                                 f"space ({how}): drafted by its words")) \
        if not state.blank_lines else None


def _field(state: _State, block: Block) -> None:
    assert block.slot is not None
    text = block.text
    if not text and state.question is not None:
        text, state.question = state.question.text, None
    elif text and state.question is not None:
        _flush_question(state)
    if not text and state.texts:
        text = state.texts.pop().text
    if not text:
        state.notes.unplaced.append((block.where, f"({block.slot.how})", "an answer space with "
                                     "no label before it"))
        return
    label, required = clean_label(text)
    state.add(RawItem(label, block.where, block.slot, required=required,
                      guidance=block.guidance))


def _table(state: _State, block: Block) -> None:
    title = block.text
    if state.question is not None and not state.blank_lines and not title:
        title = state.question.text  # "Who attended the meeting?" over the attendees' grid
        state.question = None
    _flush_question(state)
    if not title:
        short = [b.text for b in state.texts if len(b.text) <= 80 and not b.text.endswith(".")]
        title = short[0] if short else ""
    label, required = clean_label(title) if title else (state.section.title, False)
    state.add(RawItem(label, block.where, columns=block.columns,
                      blank_rows=max(1, min(block.blank_rows, 10)), required=required))


def read_sections(blocks: list[Block], notes: Notes) -> tuple[str, list[RawSection],
                                                              dict[str, str]]:
    """The form's title, its sections in order (empty ones left out) and the roles it names."""
    state = _State(notes)
    handlers = {"heading": _heading, "text": _text, "field": _field, "table": _table}
    for block in blocks:
        handlers[block.kind](state, block)
    _flush_question(state)
    sections = []
    for section in state.sections:
        if section.items:
            sections.append(section)
        else:
            notes.unplaced.append((section.where, section.title, "a heading with no questions "
                                   "under it"))
    return state.title, sections, state.roles
