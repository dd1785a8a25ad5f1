"""Each authority's rules as its guidance says: every rule quotes the guidance line it implements.

RULES lists, for each rule, the line of the authority's PEP guidance it implements (verbatim), the
phases it applies to, the finding it gives, and its sample cases: a faulty one that must give that
finding and a good one that must not, per phase. The schema cites the same line in `x-guidance`
beside the rule, so the rule and its source stay together; where the authority's own guidance is
silent the line comes from AUTHORITIES.md (the statutory rules common to all).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pepforms.cases import discover, returned_form
from pepforms.checking import CheckOptions, check_file
from pepforms.resources import schemas_dir

ALL = ("early-years", "y1-11", "post-16", "targeted-curriculum")
PP = ("early-years", "y1-11", "targeted-curriculum")
SCHOOL = ("y1-11", "post-16", "targeted-curriculum")


@dataclass(frozen=True)
class Rule:
    authority: str
    quote: str  # verbatim from the guidance (or AUTHORITIES.md)
    phases: tuple[str, ...]
    code: str
    faulty: str  # sample case that gives `code`
    good: str  # sample case that does not


RULES = [
    # ---- all five: the first PEP after entering care or changing school
    Rule("cheshire-west", "When a child or young person becomes looked after a PEP meeting must be "
         "arranged and held within 20 working days.", ALL, "first-pep-late",
         "first-pep-late-after-care", "first-pep-in-time-after-care"),
    Rule("sutton", "If a child is new to care or new to the school, a PEP needs to take place within "
         "20 school days", ALL, "first-pep-late", "first-pep-late-after-care",
         "first-pep-in-time-after-care"),
    Rule("sutton", "If a child is new to care or new to the school, a PEP needs to take place within "
         "20 school days", ALL, "first-pep-late", "first-pep-late-after-school-move",
         "first-pep-in-time-after-school-move"),
    Rule("shropshire", "When a young person enters care, their first PEP must be within 20 working "
         "days", ALL, "first-pep-late", "first-pep-late-after-care", "first-pep-in-time-after-care"),
    Rule("shropshire", "if they are placed into care in an emergency, then the first PEP must be "
         "held within 10 working days", ALL, "first-pep-late",
         "first-pep-late-after-emergency-placement", "first-pep-in-time-after-care"),
    Rule("shropshire", "If our young person starts at a new education setting, then their PEP must "
         "be held within 20 working days", ALL, "first-pep-late",
         "first-pep-late-after-school-move", "first-pep-in-time-after-school-move"),
    Rule("barnet", "If it is planned the PEP needs to take place within the first 10 days of Care",
         ALL, "first-pep-late", "first-pep-late-after-care", "first-pep-in-time-after-care"),
    Rule("barnet", "available for the first statutory review meeting of the Care Plan (that takes "
         "place after 20 working days)", ALL, "first-pep-late", "first-pep-late-after-care",
         "first-pep-after-emergency-placement"),
    Rule("nottinghamshire", "their plan must be in place by their first looked after review (20 "
         "days)", ALL, "first-pep-late", "first-pep-late-after-care", "first-pep-in-time-after-care"),
    *[Rule(a, "within 20 working days of a change of school", ALL, "first-pep-late",
           "first-pep-late-after-school-move", "first-pep-in-time-after-school-move")
      for a in ("cheshire-west", "barnet", "nottinghamshire")],
    # ---- all five: the next PEP within the next term
    *[Rule(a, "A PEP meeting must take place each term for every Child Looked After", ALL,
           "next-pep-too-late", "next-pep-after-next-term", "next-pep-at-end-of-next-term")
      for a in ("cheshire-west", "sutton", "barnet", "shropshire", "nottinghamshire")],
    # ---- all five: a missing EHCP review date is an error nowhere (a warning in Nottinghamshire)
    Rule("nottinghamshire", "Where a child/young person has an EHCP, the PEP should include "
         "relevant information from these and annual reviews", ("early-years", "y1-11", "post-16"),
         "ehcp-review-date-missing", "ehcp-without-review-date", "good"),
    # ---- all five: PP+ only for Reception to Year 11
    Rule("barnet", "if they are in any year group between Reception and Year 11",
         ("targeted-curriculum",), "pp-plus-not-eligible", "year-12-pp-plus-requested",
         "year-12-without-pp-plus"),
    Rule("shropshire", "in years Reception to 11", ("targeted-curriculum",), "pp-plus-not-eligible",
         "year-12-pp-plus-requested", "year-12-without-pp-plus"),
    Rule("nottinghamshire", "Pupil Premium Spending (statutory school age)",
         ("targeted-curriculum",), "pp-plus-not-eligible", "year-12-pp-plus-requested",
         "year-12-without-pp-plus"),
    *[Rule(a, "Pupil Premium Plus (Reception to Year 11 only)", ("targeted-curriculum",),
           "pp-plus-not-eligible", "year-12-pp-plus-requested", "year-12-without-pp-plus")
      for a in ("cheshire-west", "sutton")],
    # ---- all five: a £0 cost is not a cost; PP+ on targets and requests reconciled
    *[Rule(a, "Costings for interventions/staff must be clearly recorded", PP, "pp-plus-not-costed",
           "pp-plus-request-costed-at-zero", "good")
      for a in ("cheshire-west", "barnet", "shropshire")],
    Rule("cheshire-west", "show how the funding will be used", PP, "pp-plus-totals-disagree",
         "pp-plus-totals-disagree", "good"),
    Rule("barnet", "clarity and agreement on how Pupil Premium Grant will be used to support the "
         "targets set in the PEP", PP, "pp-plus-totals-disagree", "pp-plus-totals-disagree", "good"),
    Rule("shropshire", "How my PP+ funding is used is clear", PP, "pp-plus-totals-disagree",
         "pp-plus-totals-disagree", "good"),
    # ---- all five: an early-years child not in a setting
    Rule("cheshire-west", "Health Visitor (if too young to attend a setting)", ("early-years",),
         "missing-value", "in-a-setting-without-attendance", "good-not-in-a-setting"),
    Rule("barnet", "from a child of 3 years if in education provision", ("early-years",),
         "missing-value", "in-a-setting-without-attendance", "good-not-in-a-setting"),
    Rule("nottinghamshire", "from the age of 3 (or when they begin education)", ("early-years",),
         "missing-value", "in-a-setting-without-attendance", "good-not-in-a-setting"),
    Rule("shropshire", "Even if our young person is without a school/setting place a PEP meeting "
         "must still be initiated and held in timescales.", ("early-years",), "missing-value",
         "in-a-setting-without-attendance", "good-not-in-a-setting"),
    Rule("sutton", "age 2 if accessing a minimum of 15 hours Early Years entitlement",
         ("early-years",), "missing-value", "in-a-setting-without-attendance",
         "good-not-in-a-setting"),
    # ---- Cheshire West and Chester
    Rule("cheshire-west", "The key people that must be present at the meeting are:", ALL,
         "key-person-absent", "social-worker-absent", "good"),
    Rule("cheshire-west", "Designated practitioner/teacher/person for CLA as the lead professional "
         "for education planning", ALL, "key-person-absent", "designated-teacher-absent", "good"),
    Rule("cheshire-west", "Foster Carer/s as they will be able to make a valuable contribution to "
         "the planning process", ALL, "key-person-absent", "carer-absent", "good"),
    Rule("cheshire-west", "Wherever possible, PEPs should be held in the first half of every term.",
         ALL, "meeting-late-in-term", "meeting-in-second-half-of-term", "good"),
    Rule("cheshire-west", "It should be clear how progress will be measured/tracked.", ALL,
         "missing-value", "target-without-measure", "good"),
    Rule("cheshire-west", "The BSO will then reassign to the allocated Social Worker for checking "
         "and finalising.", ALL, "signature-missing", "no-such-fault",
         "good-before-social-worker-sign-off"),
    Rule("cheshire-west", "within 5 days of the meeting", ALL, "returned-late", "returned-on-day-6",
         "returned-on-day-5"),
    Rule("cheshire-west", "including a wellbeing target", ("post-16",), "required-target-missing",
         "no-such-fault", "good-without-progression-target"),
    # ---- Sutton
    Rule("sutton", "Termly, predicted and target grades are recorded.", ("y1-11", "post-16"),
         "missing-value", "subject-without-predicted-grade", "good"),
    Rule("sutton", "Termly, predicted and target grades are recorded.", ("early-years",),
         "missing-value", "area-without-target", "good"),
    Rule("sutton", "Social Worker: Check section A for accuracy", ALL, "not-checked",
         "section-a-not-checked-by-social-worker", "good"),
    Rule("sutton", "Designated Teacher: Checks section A for accuracy", ALL, "not-checked",
         "section-a-not-checked-by-designated-teacher", "good"),
    Rule("sutton", "within 7 days of the PEP meeting", ALL, "not-finalised-in-time",
         "finalised-late", "received-late-but-finalised-in-time"),
    Rule("sutton", "There also needs to be targets linked to literacy", ("early-years",),
         "required-target-missing", "one-learning-target", "two-year-old-prime-area-targets"),
    # ---- Barnet
    Rule("barnet", "The PEP Action Plan should show the baseline data, targets for improvement, "
         "expected outcomes and the cost of support.", PP, "missing-value",
         "outcome-without-cost-of-support", "good"),
    Rule("barnet", "Date for Autumn Term PEP to be set for the fifth week onwards.", ("y1-11",),
         "too-early-in-term", "y7-autumn-pep-too-early", "good-y6-summer-transition"),
    Rule("barnet", "Year 7 Autumn Term PEP set for fifth week onwards.", ("y1-11",),
         "too-early-in-term", "y7-autumn-pep-in-week-2", "y7-autumn-pep-in-week-6"),
    Rule("barnet", "could be measured with the use of a scale rating such as", ALL,
         "missing-value", "previous-outcome-not-rated", "good"),
    # ---- Shropshire
    Rule("shropshire", "My Social Worker attended my meeting", ALL, "key-person-absent",
         "social-worker-not-at-meeting", "good"),
    Rule("shropshire", "How my PP+ funding is used is clear and there is information about its "
         "impact", PP, "section-missing", "pp-plus-impact-missing", "good"),
    Rule("shropshire", "would not be applicable for a child new into care", ALL, "section-missing",
         "previous-targets-not-reviewed", "first-pep-without-previous-targets"),
    Rule("shropshire", "feeds back to the young person afterwards if they don't wish to attend "
         "their meeting", ALL, "section-missing", "did-not-attend-no-feedback", "good"),
    # ---- Nottinghamshire
    Rule("nottinghamshire", "Do we need to plan for any transitions during this Education Review? "
         "If yes, what support is needed for a positive transition?", ALL,
         "transition-plan-missing", "transition-support-missing", "good"),
    Rule("nottinghamshire", "Details out of hours learning activities, study support and leisure "
         "interests", ALL, "missing-value", "activities-missing", "good"),
    Rule("nottinghamshire", "If the child/young person is not at the meeting, decide how and who "
         "will share today's discussion with them.", ALL, "section-missing",
         "sharing-not-planned", "good"),
    Rule("nottinghamshire", "Involves the child/young person and their carer/s", ALL,
         "missing-value", "carer-involvement-missing", "good"),
    Rule("nottinghamshire", "Completed version of PEP is sent to foster carers and other "
         "professionals who do not have access to ASSET platform (within a week).", ALL,
         "not-in-time", "sent-to-carers-late", "good"),
    Rule("nottinghamshire", "All modules need to be checked and ‘completed’", ALL,
         "returned-late", "no-such-fault", "returned-after-a-week"),
]

CASES = {c.id: c for c in discover()}


def _norm(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())


def _citations(authority: str) -> str:
    """Every x-guidance (and authority.json guidance) the authority's forms carry, and common's."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in {"x-guidance", "guidance", "na_guidance"} and isinstance(value, str):
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for folder in (authority, "common"):
        for path in sorted((schemas_dir() / folder).glob("*.json")):
            walk(json.loads(path.read_text(encoding="utf-8")))
    return _norm(" ".join(found))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.authority}:{r.faulty}:{r.quote[:30]}")
def test_the_schema_cites_the_guidance_line_beside_the_rule(rule: Rule) -> None:
    assert _norm(rule.quote) in _citations(rule.authority)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.authority}:{r.faulty}:{r.quote[:30]}")
def test_each_rule_has_a_faulty_and_a_good_case_per_phase(rule: Rule) -> None:
    for phase in rule.phases:
        good = CASES[f"{rule.authority}/{phase}/{rule.good}"]
        assert rule.code not in {code for _, code in good.expected}, good.id
        if rule.faulty == "no-such-fault":  # a rule taken away: only the good case shows it
            continue
        faulty = CASES[f"{rule.authority}/{phase}/{rule.faulty}"]
        assert rule.code in {code for _, code in faulty.expected}, faulty.id


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.authority}:{r.faulty}:{r.quote[:30]}")
def test_the_rule_is_judged_so_on_a_real_form(rule: Rule, tmp_path: Path) -> None:
    # The cases of the rule's first phase, filled into the real Word form and checked.
    phase = rule.phases[0]
    names = [rule.good] + ([] if rule.faulty == "no-such-fault" else [rule.faulty])
    for name in names:
        case = CASES[f"{rule.authority}/{phase}/{name}"]
        file_name, data = returned_form(case)
        (tmp_path / file_name).write_bytes(data)
        codes = {f.code for f in check_file(tmp_path / file_name, CheckOptions()).findings}
        assert (rule.code in codes) == (name == rule.faulty), case.id


GUIDANCE = Path(os.environ.get("PEPFORMS_GUIDANCE", "/work/shared/guidance"))


@pytest.mark.skipif(not GUIDANCE.is_dir(), reason="the authorities' guidance texts are not here")
@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.authority}:{r.faulty}:{r.quote[:30]}")
def test_the_quote_is_the_guidance_word_for_word(rule: Rule) -> None:
    texts = [p.read_text(encoding="utf-8") for p in GUIDANCE.glob("*.txt")]
    authorities = GUIDANCE.parent / "AUTHORITIES.md"
    if authorities.is_file():
        texts.append(authorities.read_text(encoding="utf-8"))
    assert _norm(rule.quote) in _norm(" ".join(texts))


def test_sutton_reports_show_the_section_grades_and_the_officers_fields(tmp_path: Path) -> None:
    # "VS Staff Member" and "Reason for Judgement/additional comments" are on Sutton's QA grid.
    from click.testing import CliRunner

    from pepforms.cli import main

    case = CASES["sutton/y1-11/good"]
    file_name, data = returned_form(case)
    (tmp_path / file_name).write_bytes(data)
    out = CliRunner().invoke(main, ["validate", str(tmp_path / file_name),
                                    "--html", str(tmp_path / "r.html"), "--json",
                                    str(tmp_path / "r.json")])
    assert out.exit_code == 0, out.output
    for text in ("Section A: Personal information overview: Good",
                 "Section E: Designated teacher section: Good", "VS Staff Member: ____",
                 "Reason for Judgement/additional comments: ____"):
        assert text in out.stdout
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Section B: Social worker section" in page and "VS Staff Member" in page
    quality = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["forms"][0]["quality"]
    assert [p["id"] for p in quality["parts"]] == ["A", "B", "E"]
    assert quality["officer_fields"] == ["VS Staff Member",
                                         "Reason for Judgement/additional comments"]
