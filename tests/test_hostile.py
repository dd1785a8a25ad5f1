"""Trust under hostile input: nothing escapes the output folder, identity never fails open, no
batch stops for one file, nothing is written onto an input, nothing is left half-written."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pepforms.cases import Case, child_from_instance, discover, returned_form
from pepforms.checking import CheckOptions, check_file, validate
from pepforms.cli import main

from .test_unreadable import part, rezip

HEADER = ("child_id,first_name,last_name,date_of_birth,upn,gender,legal_status,date_entered_care,"
          "school_name,school_urn,designated_teacher_name,designated_teacher_email,"
          "social_worker_name,social_worker_email,carer_name\n")


def row(child_id: str = "C10001", first: str = "Ada", last: str = "Specimen",
        school: str = "Exampleton Primary School", urn: str = "900101") -> str:
    return (f'"{child_id}","{first}","{last}",14/01/2016,,Female,C2,01/09/2024,"{school}",'
            f'"{urn}",Anna Exemplar,dt@example.org,Sam Trialworth,sw@example.org,Jo Demo')


def roster(tmp_path: Path, rows: list[str], name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def generate(tmp_path: Path, rows: list[str], out: Path, *extra: str) -> Result:
    return invoke("generate", "--authority", "cheshire-west", "--term", "spring-2027",
                  "--roster", roster(tmp_path, rows), "--out", out, *extra)


def good() -> Case:
    return next(c for c in discover("cheshire-west") if c.phase == "y1-11" and c.name == "good")


# --- 1. paths built from data ------------------------------------------------------------------

@pytest.mark.parametrize("urn", ["1/../../../../x", "..", "../..", "a\\..\\..\\b", "/etc"])
def test_a_school_urn_cannot_write_outside_the_output_folder(tmp_path: Path, urn: str) -> None:
    out = tmp_path / "deep" / "out"
    result = generate(tmp_path, [row(urn=urn)], out)
    assert result.exit_code == 0, result.output
    written = [p for p in tmp_path.rglob("*.docx")]
    assert written and all(out.resolve() in p.resolve().parents for p in written)
    assert not (tmp_path / "x").exists() and not (tmp_path / "deep" / "x").exists()


def test_long_names_keep_the_child_id_and_term_and_same_names_do_not_clash(tmp_path: Path) -> None:
    long = "Bartholomew-Maximilian-Fitzwilliam-Montgomery-Featherstonehaugh-Cholmondeley"
    emoji = "\U0001F600" * 80
    rows = [row("C10001", long, long), row("C10002", long, long), row("C10003", emoji, emoji)]
    result = generate(tmp_path, rows, tmp_path / "out")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").rglob("*.docx"))
    assert len(names) == 3
    for child in ("C10001", "C10002", "C10003"):
        assert any(n.endswith(f"-{child}-spring-2027.docx") for n in names), names
    assert all(len(n.encode()) <= 255 for n in names)
    assert long not in result.output  # the message never prints a name


@pytest.mark.parametrize("school", ["CON", "LPT1", "aux.", "nul ", "Trailing dots...", "a:b|c?"])
def test_reserved_and_unsafe_folder_names_are_made_safe(tmp_path: Path, school: str) -> None:
    result = generate(tmp_path, [row(school=school, urn="")], tmp_path / "out")
    assert result.exit_code == 0, result.output
    [folder] = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]
    stem = folder.name.split(".")[0].upper()
    assert stem not in {"CON", "PRN", "AUX", "NUL", "LPT1"}
    assert not folder.name.endswith((".", " ")) and not re.search(r'[<>:"|?*\\]', folder.name)


# --- 2. identity never fails open ----------------------------------------------------------------

def _no_identity(data: bytes) -> bytes:
    return rezip(data, drop={"docProps/custom.xml"})


def test_no_identity_and_a_changed_date_of_birth_does_not_pass(tmp_path: Path) -> None:
    case = copy.deepcopy(good())
    name, data = returned_form(case)
    from pepforms.schema import form_model

    from .tampering import force_values

    tampered = force_values(form_model("cheshire-west", "y1-11"), data,
                            {"/child/date_of_birth": "2015-01-01"})
    path = tmp_path / name
    path.write_bytes(_no_identity(tampered))
    result = check_file(path)
    assert result.status == "fail"
    child = child_from_instance(case.instance, case.phase)
    with_roster = check_file(path, CheckOptions(roster={child.child_id: child}))
    assert with_roster.status == "fail"
    assert "wrong-child" in {f.code for f in with_roster.findings}


def test_another_childs_form_under_this_childs_name_without_identity(tmp_path: Path) -> None:
    name, data = returned_form(good())
    path = tmp_path / name.replace("C10014", "C10001")
    path.write_bytes(_no_identity(data))
    result = check_file(path)
    assert result.status == "fail"
    assert "wrong-child" in {f.code for f in result.findings}


def test_form_read_by_labels_compares_its_child_id_with_its_file_name(tmp_path: Path) -> None:
    name, data = returned_form(good())
    body = part(data, "word/document.xml")
    body = re.sub(rb"<w:tag [^>]*/>|<w:tblCaption [^>]*/>|<w:bookmark(Start|End) [^>]*/>", b"",
                  body)
    path = tmp_path / name.replace("C10014", "C10002")
    path.write_bytes(rezip(data, drop={"docProps/custom.xml"},
                           replace={"word/document.xml": body}))
    result = check_file(path)
    assert result.read_by == "labels"
    assert result.status == "fail" and "wrong-child" in {f.code for f in result.findings}


def test_a_recomputed_plain_digest_does_not_hide_a_changed_locked_value(tmp_path: Path) -> None:
    from pepforms.schema import form_model

    from .tampering import force_values

    name, data = returned_form(good())
    tampered = force_values(form_model("cheshire-west", "y1-11"), data,
                            {"/child/date_of_birth": "2015-01-01"})
    custom = part(tampered, "docProps/custom.xml").decode()
    props = dict(re.findall(r'name="pepforms\.([^"]+)"><vt:lpwstr>([^<]*)<', custom))
    digests = json.loads(props["prefill"].replace("&quot;", '"'))
    form_id = props["form_id"]
    forged = {p: hashlib.sha256(f"{form_id}\x1f{p}\x1f{json.dumps(v)}".encode()).hexdigest()[:24]
              for p, v in [("/child/date_of_birth", "2015-01-01")]}
    digests.update(forged)
    from pepforms.word.identity import overall_digest

    # A thorough forger also recomputes the overall digest (unkeyed): only the keyed per-value
    # digests stand in the way.
    new = custom.replace(props["prefill"], json.dumps(digests, sort_keys=True)
                         .replace('"', "&quot;"))
    new = new.replace(props["prefill_digest"], overall_digest(digests))
    path = tmp_path / name
    path.write_bytes(rezip(tampered, replace={"docProps/custom.xml": new.encode()}))
    result = check_file(path)
    assert result.status == "fail"
    assert "locked-value-changed" in {f.code for f in result.findings}


@pytest.mark.parametrize("custom", [b"not xml at all", b"<Properties/>"])
def test_a_damaged_or_empty_identity_part_never_passes(tmp_path: Path, custom: bytes) -> None:
    name, data = returned_form(good())
    path = tmp_path / name
    path.write_bytes(rezip(data, replace={"docProps/custom.xml": custom}))
    assert check_file(path).status == "fail"


def test_a_non_json_prefill_record_is_its_own_finding(tmp_path: Path) -> None:
    name, data = returned_form(good())
    custom = part(data, "docProps/custom.xml").decode()
    broken = re.sub(r'(name="pepforms\.prefill"><vt:lpwstr>)[^<]*', r"\1{not json", custom)
    path = tmp_path / name
    path.write_bytes(rezip(data, replace={"docProps/custom.xml": broken.encode()}))
    result = check_file(path)
    codes = {f.code for f in result.findings}
    assert "identity-damaged" in codes and result.status == "fail"
    assert all("report this" not in f.message for f in result.findings)


# --- 5. per-file isolation -----------------------------------------------------------------------

def _corrupt_deflate(data: bytes) -> bytes:
    raw = bytearray(data)
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as zf:
        info = zf.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 200, start + 260):
        raw[i] ^= 0xFF
    return bytes(raw)


def test_corrupt_compressed_data_has_its_own_finding(tmp_path: Path) -> None:
    name, data = returned_form(good())
    path = tmp_path / name
    path.write_bytes(_corrupt_deflate(data))
    [finding] = check_file(path).findings
    assert finding.code == "corrupt-compressed-data"
    assert "report this" not in finding.message


def test_one_bad_form_does_not_stop_annotate_for_the_batch(tmp_path: Path) -> None:
    bad_case = next(c for c in discover("cheshire-west") if c.name == "attendance-unexplained"
                    and c.phase == "y1-11")
    name, data = returned_form(bad_case)
    returned = tmp_path / "returned"
    for folder, blob in [("ok", data),
                         ("no-styles", rezip(data, drop={"word/styles.xml"})),
                         ("no-types", rezip(data, drop={"[Content_Types].xml"})),
                         ("bad-styles", rezip(data, replace={"word/styles.xml": b"<w:styles"})),
                         ("no-identity", _no_identity(data))]:
        (returned / folder).mkdir(parents=True)
        (returned / folder / name).write_bytes(blob)
    out = tmp_path / "annotated"
    result = invoke("validate", returned, "--annotate", out, "--json", tmp_path / "r.json")
    assert result.exit_code == 1, result.output
    # Parts deleted by hand are repaired in the copy, as Word would; what cannot be repaired is
    # a finding for that form alone, in every report.
    for folder in ("ok", "no-identity", "no-styles"):
        assert (out / folder / name).is_file(), folder
    assert not (out / "bad-styles" / name).exists() and not (out / "no-types" / name).exists()
    report = json.loads((tmp_path / "r.json").read_text())
    codes = {Path(f["path"]).parent.name: {x["code"] for x in f["findings"]}
             for f in report["forms"]}
    assert "missing-part" in codes["no-types"]
    assert "damaged-styles" in codes["bad-styles"]
    assert "styles are damaged" in result.output and "Wrote 3 annotated copies" in result.output


# --- 6. never write onto an input --------------------------------------------------------------

def test_annotate_into_the_returned_folder_is_refused_even_with_force(tmp_path: Path) -> None:
    name, data = returned_form(next(c for c in discover("cheshire-west")
                                    if c.name == "attendance-unexplained"))
    returned = tmp_path / "r"
    returned.mkdir()
    (returned / name).write_bytes(data)
    for target in (returned, returned / "inside", tmp_path):
        result = invoke("validate", returned, "--annotate", target, "--force")
        assert result.exit_code == 2, target
        assert "overlaps the input" in result.stderr
    assert (returned / name).read_bytes() == data


def test_generate_out_onto_previous_is_refused(tmp_path: Path) -> None:
    previous = tmp_path / "x"
    previous.mkdir()
    result = generate(tmp_path, [row()], previous, "--previous", str(previous))
    assert result.exit_code == 2 and "overlaps the input" in result.stderr
    assert list(previous.iterdir()) == []


# --- 7. interrupted runs -------------------------------------------------------------------------

def test_a_rerun_completes_what_is_missing_and_removes_leftovers(tmp_path: Path) -> None:
    out = tmp_path / "out"
    rows = [row(f"C1000{n}") for n in range(1, 4)]
    assert generate(tmp_path, rows, out).exit_code == 0
    forms = sorted(out.rglob("*.docx"))
    forms[0].unlink()
    (out / "manifest.csv").unlink()
    leftover = forms[1].parent / ".pepforms-abc123.part"
    leftover.write_bytes(b"half a form")
    again = generate(tmp_path, rows, out)
    assert again.exit_code == 0, again.output
    assert forms[0].is_file() and (out / "manifest.csv").is_file()
    assert not leftover.exists()


def _running_with(marker: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_workers_end_with_their_parent_killed_outright(tmp_path: Path) -> None:
    rows = [row(f"C1{n:04d}") for n in range(400)]
    out = tmp_path / "killed-run-out"
    command = [sys.executable, "-m", "pepforms", "generate", "--authority", "cheshire-west",
               "--term", "spring-2027", "--roster", str(roster(tmp_path, rows)), "--out",
               str(out), "--jobs", "2"]
    parent = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.rglob("*.docx"))) < 5:
        time.sleep(0.05)
    assert len(_running_with(str(out))) >= 2, "the workers never started"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _running_with(str(out)):
        time.sleep(0.1)
    assert _running_with(str(out)) == []
    # A re-run finishes the job: no leftovers, every child's form, a manifest.
    again = CliRunner().invoke(main, command[3:])
    assert again.exit_code == 0, again.output
    assert len(list(out.rglob("*.docx"))) == 400 and (out / "manifest.csv").is_file()
    assert not list(out.rglob(".pepforms-*"))


# --- 8. duplicates and the terminal --------------------------------------------------------------

def test_two_returns_for_one_child_and_term_warn_each_naming_the_other(tmp_path: Path) -> None:
    name, data = returned_form(good())
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / name).write_bytes(data)
    (tmp_path / "b" / ("copy of " + name)).write_bytes(data)
    report = validate([tmp_path])
    for form in report.forms:
        [dup] = [f for f in form.findings if f.code == "duplicate-return"]
        other = "copy of " + name if "/a/" in form.path else name
        assert other in dup.message and dup.severity == "warning"


def test_escape_sequences_in_file_names_are_shown_safely(tmp_path: Path) -> None:
    evil = tmp_path / "x\x1b[2J\x1b]0;pwned\x07.docx"
    evil.write_bytes(b"not a zip")
    result = invoke("validate", tmp_path)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b[2J" in result.stdout
