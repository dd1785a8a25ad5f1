"""A whole term, end to end, through the commands people run, on SQLite and on PostgreSQL:
generate for a roster → forms returned (on time, late, faulty, for the wrong child, never) →
validate → sent back → resubmitted → passes → QA graded → finalised; `status` shows each child's
true state, the never-returned form overdue."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from pepforms.cases import discover
from pepforms.cli import main
from pepforms.filling import fill_bytes

from ..test_email_returns import _eml

HEADER = ("child_id,first_name,last_name,date_of_birth,upn,gender,legal_status,date_entered_care,"
          "school_name,school_urn,designated_teacher_name,designated_teacher_email,"
          "social_worker_name,social_worker_email,carer_name\n")
CHILDREN = {  # child id → (first name, school, URN)
    "C20001": ("Ava", "Exampleton Primary School", "900101"),
    "C20002": ("Ben", "Exampleton Primary School", "900101"),
    "C20003": ("Cal", "Mockbury Academy", "900201"),
    "C20004": ("Dee", "Mockbury Academy", "900201"),
    "C20005": ("Eli", "Mockbury Academy", "900201"),
    "C20006": ("Fay", "Exampleton Primary School", "900101"),
}
TERM = "spring-2027"


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code in (0, 1), result.output
    return result


def answers(fault: str | None = None) -> dict[str, Any]:
    good = next(c for c in discover("cheshire-west") if c.phase == "y1-11" and c.name == "good")
    out = copy.deepcopy(good.instance)
    out.pop("child")  # the form keeps the child's own pre-filled details
    if fault == "attendance":
        out["attendance"].pop("explanation")
    return out


def returned(forms: Path, child_id: str, to: Path, fault: str | None = None,
             as_file_of: str | None = None) -> Path:
    [blank] = [p for p in forms.rglob(f"*-{child_id}-{TERM}.docx")]
    data = fill_bytes(blank.read_bytes(), answers(fault), saved_at=datetime(2027, 1, 21, 16)).data
    name = blank.name if as_file_of is None else blank.name.replace(child_id, as_file_of)
    to.mkdir(parents=True, exist_ok=True)
    (to / name).write_bytes(data)
    return to / name


def states(register_url: str, on: str, tmp_path: Path) -> dict[str, str]:
    out = tmp_path / f"status-{on}.json"
    run("status", "--term", TERM, "--on", on, "--json", out, "--register", register_url,
        "--force")
    report = json.loads(out.read_text())
    return {f["child_id"]: f["state"] for f in report["forms"] if f.get("child_id")}


def test_a_whole_term(register_url: str, tmp_path: Path) -> None:
    reg = ["--register", register_url]
    roster = tmp_path / "roster.csv"
    roster.write_text(HEADER + "".join(
        f"{cid},{first},Specimen,14/01/2016,,Female,C2,01/09/2024,{school},{urn},Anna Exemplar,"
        f"dt@{urn}.example.org,Sam Trialworth,sw@example.org,Jo Demo\n"
        for cid, (first, school, urn) in CHILDREN.items()), encoding="utf-8")
    forms = tmp_path / "forms"
    made = run("generate", "--authority", "cheshire-west", "--term", TERM, "--roster", roster,
               "--out", forms, *reg)
    assert "Recorded 6 newly issued form(s)" in made.stdout
    assert set(states(register_url, "2027-01-10", tmp_path).values()) == {"issued"}

    # Returns, checked in two batches as they come in.
    first = tmp_path / "in-1"
    returned(forms, "C20001", first)                         # on time, good
    returned(forms, "C20003", first, fault="attendance")      # on time, faulty
    returned(forms, "C20006", first, fault="attendance")      # faulty, never sent back
    # C20001's form, sent back under C20004's name (and not byte-identical to C20001's own):
    returned(forms, "C20001", first / "wrong", fault="attendance", as_file_of="C20004")
    sent_back = tmp_path / "to-send-back"
    run("validate", first, "--received", "22/01/2027", "--annotate", sent_back, *reg)
    late = tmp_path / "in-2"
    # Good but late: saved on 21 January, emailed in on 26 February (the date that counts).
    form = returned(forms, "C20002", late)
    _eml(late / "RE PEP.eml", [(form.name, form.read_bytes())],
         received=datetime(2027, 2, 26, 9, 15, tzinfo=timezone.utc))
    form.unlink()
    run("validate", late, *reg)
    assert states(register_url, "2027-02-27", tmp_path) == {
        "C20001": "passed", "C20002": "received-late", "C20003": "sent-back",
        "C20004": "overdue", "C20005": "overdue", "C20006": "sent-back"}

    # C20003 is resubmitted, passes, is QA graded and finalised.
    again = tmp_path / "in-3"
    fixed = returned(forms, "C20003", again)
    run("validate", again, "--received", "01/03/2027", *reg)
    assert states(register_url, "2027-03-02", tmp_path)["C20003"] == "passed"
    form_id = next(f["form_id"] for f in json.loads(
        (tmp_path / "status-2027-03-02.json").read_text())["forms"] if f["child_id"] == "C20003")
    run("qa", form_id, "--grade", "Good", "--by", "Q. Officer", "--reason", "Clear targets",
        "--on", "02/03/2027", *reg)
    assert states(register_url, "2027-03-03", tmp_path)["C20003"] == "qa-graded"
    run("finalise", fixed, "-o", tmp_path / "C20003.pdf", *reg)
    final = states(register_url, "2027-03-31", tmp_path)
    assert final["C20003"] == "finalised"
    # The never-returned form and the one only a wrong child's form came back for: overdue.
    assert final["C20004"] == "overdue" and final["C20005"] == "overdue"
    # Validating the same file twice is one version, not two.
    run("validate", late, "--received", "26/02/2027", *reg)
    report = json.loads((tmp_path / "status-2027-03-31.json").read_text())
    by_child = {f["child_id"]: f for f in report["forms"] if f.get("child_id")}
    assert by_child["C20002"]["versions"] == 1 and by_child["C20003"]["versions"] == 2
    unmatched = [f for f in report["forms"] if f["state"] == "unmatched"]
    assert len(unmatched) == 1 and "C20004" in unmatched[0]["path"]


def test_answers_out_of_the_register(register_url: str, tmp_path: Path) -> None:
    """export, pp-plus, the Head's report and status --child answer from the register alone."""
    from pepforms.reading import read_form_file

    from ..answers.test_export import _canonical, _rebuild, _xlsx_sheets

    reg = ["--register", register_url]
    roster = tmp_path / "roster.csv"
    roster.write_text(HEADER + "".join(
        f"{cid},{first},Specimen,14/01/2016,,Female,C2,01/09/2024,{school},{urn},Anna Exemplar,"
        f"dt@{urn}.example.org,Sam Trialworth,sw@example.org,Jo Demo\n"
        for cid, (first, school, urn) in list(CHILDREN.items())[:3]), encoding="utf-8")
    forms = tmp_path / "forms"
    run("generate", "--authority", "cheshire-west", "--term", TERM, "--roster", roster, "--out",
        forms, *reg)
    first, second = tmp_path / "in-1", tmp_path / "in-2"
    latest = [returned(forms, "C20001", first),
              returned(forms, "C20002", first, fault="attendance")]
    returned(forms, "C20003", first, fault="attendance")
    latest.append(returned(forms, "C20003", second))  # resubmitted: the latest version
    run("validate", first, "--received", "22/01/2027", *reg)
    run("validate", second, "--received", "01/02/2027", *reg)

    out = tmp_path / "answers.xlsx"
    result = run("export", "--format", "xlsx", "-o", out, "--term", TERM, *reg)
    assert "Wrote the answers of 3 form(s)" in result.output
    rebuilt = _rebuild(_xlsx_sheets(out))
    expected = {r.form_id: r.instance for r in (read_form_file(p).result for p in latest)}
    assert set(rebuilt) == set(expected)
    for form_id, instance in expected.items():
        assert _canonical(rebuilt[form_id]) == _canonical(instance), form_id

    page = tmp_path / "head.html"
    run("report", "--term", TERM, "--html", page, *reg)
    text = page.read_text(encoding="utf-8")
    assert "not known without the term register" not in text
    assert ">3<" in text.replace(" ", "")  # forms issued, from the register

    history = run("status", "--child", "C20003", *reg)
    assert "C20003 spring-2027" in history.output
