"""A batch keeps findings, not answers, unless asked: its memory stays flat as it grows, and every
output that needs the answers (an export, the register, annotated copies) still gets them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from pepforms.cases import Case, discover, returned_form
from pepforms.checking import CheckOptions, ValidateJob, check_file, run_validate, validate
from pepforms.register import open_register
from pepforms.register.tables import versions
from pepforms.report.answers import answers_from_folders
from pepforms.report.model import FormResult

GOOD = [c for c in discover() if c.name == "good"]


def _one_per_child() -> list[Case]:
    """Faulty returns and good ones, no two for the same child (which would be duplicates)."""
    out: dict[str, Case] = {}
    for case in sorted(discover(), key=lambda c: c.name == "good"):
        out.setdefault(case.instance["child"]["child_id"], case)
    return list(out.values())


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A return for each child of the samples, many of them faulty, one folder each."""
    folder = tmp_path_factory.mktemp("returned")
    for case in _one_per_child():
        name, data = returned_form(case)
        (folder / f"{case.authority}-{case.phase}-{case.name}").mkdir()
        (folder / f"{case.authority}-{case.phase}-{case.name}" / name).write_bytes(data)
    return folder


def _one_by_one(folder: Path) -> dict[str, FormResult]:
    return {str(p): check_file(p) for p in sorted(folder.rglob("*.docx"))}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_batch_keeps_every_finding_but_no_answers_unless_asked(returned: Path,
                                                                 jobs: int) -> None:
    alone = _one_by_one(returned)
    assert all(r.instance for r in alone.values())
    lean = validate([returned], jobs=jobs).forms
    kept = validate([returned], jobs=jobs, keep_answers=True).forms
    assert [r.path for r in lean] == [r.path for r in kept] == sorted(alone)
    for small, full in zip(lean, kept, strict=True):
        one = alone[small.path]
        assert small.instance is None
        assert full.instance == one.instance
        assert small.findings == full.findings == one.findings
        assert (small.status, small.quality, small.sha256) == (one.status, one.quality,
                                                               one.sha256)
        assert small.as_dict() == full.as_dict() == one.as_dict()


def test_on_result_sees_every_answer_and_the_batch_then_lets_them_go(returned: Path) -> None:
    seen: dict[str, dict[str, object] | None] = {}

    def remember(result: FormResult) -> None:
        seen[result.path] = result.instance

    report = validate([returned], on_result=remember)
    alone = _one_by_one(returned)
    assert seen == {path: r.instance for path, r in alone.items()}
    assert all(r.instance is None for r in report.forms)


def test_the_register_records_each_forms_answers_from_a_lean_batch(returned: Path,
                                                                   tmp_path: Path) -> None:
    reg = open_register(f"sqlite:///{tmp_path / 'register.sqlite'}")
    outcome = run_validate(ValidateJob(paths=(returned,)), register=reg)
    assert all(r.instance is None for r in outcome.report.forms)
    with reg.reading() as conn:
        recorded = {row.path: row.instance
                    for row in conn.execute(select(versions.c.path, versions.c.instance))}
    alone = _one_by_one(returned)
    assert recorded == {path: r.instance for path, r in alone.items()}
    assert sum(1 for answers in recorded.values() if answers) > len(GOOD)


def test_the_answers_export_still_has_every_forms_answers(returned: Path) -> None:
    alone = {r.child_id: r.instance for r in _one_by_one(returned).values()
             if r.status in ("pass", "fail")}
    answered = answers_from_folders([returned])
    assert {f.child_id: f.instance for f in answered.forms} == {
        f.child_id: alone[f.child_id] for f in answered.forms}
    assert len(answered.forms) >= len(GOOD)


def test_every_report_of_a_batch_says_what_checking_each_form_alone_says(
        returned: Path, tmp_path: Path) -> None:
    job = ValidateJob(paths=(returned,), json_out=tmp_path / "r.json",
                      csv_out=tmp_path / "r.csv", html_out=tmp_path / "r.html",
                      annotate_dir=tmp_path / "annotated")
    outcome = run_validate(job)
    alone = _one_by_one(returned)
    written = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [f["path"] for f in written["forms"]] == sorted(alone)
    assert written["forms"] == json.loads(json.dumps([alone[p].as_dict() for p in sorted(alone)]))
    rows = (tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) - 1 == sum(len(r.findings) or 1 for r in alone.values())
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert all(Path(p).name in page for p in alone)
    faulty = {p for p, r in alone.items() if r.findings}
    assert faulty and {a.source for a in outcome.annotated if a.target} == faulty


def test_many_copies_of_one_form_each_name_ten_others_not_all(tmp_path: Path) -> None:
    name, data = returned_form(GOOD[0])
    for i in range(14):
        (tmp_path / f"copy {i:02d} {name}").write_bytes(data)
    report = validate([tmp_path], CheckOptions())
    names = [Path(r.path).name for r in report.forms]
    for i, form in enumerate(report.forms):
        [dup] = [f for f in form.findings if f.code == "duplicate-return"]
        others = [n for n in names if n != names[i]]
        assert all(n in dup.message for n in others[:10])
        assert not any(n in dup.message for n in others[10:])
        assert "and 3 more" in dup.message
        assert names[i] not in dup.message


def test_a_batch_leaves_what_was_loaded_out_of_full_collections_and_thaws_it(tmp_path: Path) -> None:
    """While a batch runs, the objects loaded before it and by its first form are frozen
    (gc.freeze), so that the collector's full passes do not walk them for every few forms; when
    it ends, nothing stays frozen."""
    import gc

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.docx").write_bytes(returned_form(GOOD[0])[1])
    frozen: list[int] = []
    report = validate([folder], on_result=lambda _result: frozen.append(gc.get_freeze_count()))
    assert len(report.forms) == 3 and frozen[0] == 0 and all(n > 0 for n in frozen[1:])
    assert gc.get_freeze_count() == 0

    def fail_when_frozen(_result: FormResult) -> None:
        if gc.get_freeze_count():
            raise RuntimeError("stopped part-way")

    with pytest.raises(RuntimeError):  # a batch that stops part-way thaws as well
        validate([folder], on_result=fail_when_frozen)
    assert gc.get_freeze_count() == 0
