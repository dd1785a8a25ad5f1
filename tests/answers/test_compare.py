"""This term against last term for one child (`pepforms status --child`), and the answers
commands' start-up cost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pepforms.report.answers import AnswerSet
from pepforms.report.compare import FALLING, NO_LAST, RISING, child_history, compare_terms

from .conftest import run
from .data import SPRING


def test_one_child_now_and_last_term(answers: AnswerSet) -> None:
    history = child_history(answers.forms, "s0001")  # ids in any case
    assert [c.form.term for c in history] == ["spring-2027", "autumn-2026"]
    now, then = history
    assert (now.attendance_now, now.attendance_last, now.attendance_change, now.trend) == (
        97.1, 94.0, 3.1, RISING)
    assert now.last is not None and now.last.form_id == "SHR-AUTUMN2026-S0001"
    english = next(a for a in now.attainment if a.name == "English")
    assert english.now and english.last
    assert "Developing" in english.now and "Emerging" in english.last
    maths = next(a for a in now.attainment if a.name == "Maths")
    assert maths.now == maths.last
    assert [(t.rating, t.from_last_term) for t in now.carried] == [
        ("Achieved", True), ("Partly achieved", True)]
    assert then.last is None and then.trend == NO_LAST
    assert all(t.from_last_term is None for t in then.carried)


def test_every_child_of_the_term(answers: AnswerSet) -> None:
    comparisons = {c.form.child_id: c for c in compare_terms(answers.select(SPRING).forms,
                                                             answers.forms)}
    assert comparisons["W0001"].trend == FALLING and comparisons["W0001"].attendance_change == -2.6
    assert sum(1 for c in comparisons.values() if c.last is not None) == 3
    barnet = comparisons["B0001"]
    assert barnet.trend == NO_LAST
    # Barnet rates each previous outcome as well as saying how far it was achieved: both shown.
    assert barnet.carried and all(" · " in t.rating for t in barnet.carried)
    assert barnet.carried[0].rating.startswith("Achieved · ")


def test_status_for_one_child(term_folder: Path) -> None:
    result = run("status", "--child", "S0001", "--from", str(term_folder))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("S0001 spring-2027 (SHR-SPRING2027-S0001): passes")
    assert "attendance: 97.1% now, 94% in autumn-2026 (+3.1 points, rising)" in result.output
    assert "target carried forward (set last term): Partly achieved:" in result.output
    assert "Kai Sample" not in result.output and "2013-12-09" not in result.output
    result = run("status", "--child", "NOBODY", "--from", str(term_folder))
    assert result.exit_code == 2 and "No readable form is for the child 'NOBODY'" in result.output


def test_the_commands_start_cheaply() -> None:
    code = ("import sys, pepforms.cli_answers; heavy = {'openpyxl', 'reportlab', 'jsonschema', "
            "'lxml'} & {m.split('.')[0] for m in sys.modules}; print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.strip()
    assert out == "[]"


def _readme_commands() -> list[list[str]]:
    """The README's examples of the answers commands, as argument lists."""
    import shlex

    text = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    text = text.replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        words = shlex.split(line) if line.startswith("pepforms ") else []
        if words[1:2] and words[1] in ("export", "pp-plus", "report", "status"):
            commands.append(words[1:])
    return commands


def test_the_readme_examples_run(term_folder: Path, tmp_path: Path) -> None:
    commands = _readme_commands()
    assert [c[0] for c in commands] == ["export", "pp-plus", "report", "status"]
    for args in commands:
        out: list[str] = []
        for i, word in enumerate(args):
            before = args[i - 1] if i else ""
            if before == "--from":
                word = str(term_folder / ("autumn" if word.startswith("autumn") else "spring"))
            elif before in ("-o", "--csv", "--html", "--pdf", "--xlsx"):
                word = str(tmp_path / word)
            elif before == "--child":
                word = "W0001"
            out.append(word)
        result = run(*out)
        assert result.exit_code == 0, (args, result.output)
