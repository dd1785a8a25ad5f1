"""A corpus of hostile inputs, checked in one batch by the real command: every file gets a
finding, the batch completes, the inputs stay byte-identical, memory stays bounded, and no
child's name or date of birth is printed."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from pepforms.cases import discover, returned_form

from .test_unreadable import OLE_MAGIC, macro_docx, part, rezip

MEMORY_LIMIT_MB = 300
# The command in a process of its own that reports its own peak memory when it ends.
MEASURED = ("import resource, runpy, sys\n"
            "sys.argv = ['pepforms', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('pepforms', run_name='__main__')\n"
            "finally:\n    print(f'PEAK_KB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', "
            "file=sys.stderr)\n")


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("word/document.xml", b"\0" * (120 * 2**20))  # 120 MB of nothing
    return out.getvalue()


def _xxe(good: bytes) -> bytes:
    body = part(good, "word/document.xml")
    evil = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + body[body.index(b"<w:document"):].replace(b"<w:body>", b"<w:body>&x;", 1))
    return rezip(good, replace={"word/document.xml": evil})


def _huge_field(good: bytes) -> bytes:
    body = part(good, "word/document.xml")
    needle = b"Two weeks of absence"
    assert needle in body
    return rezip(good, replace={"word/document.xml": body.replace(needle, b"x" * 5_000_000, 1)})


def _hostile_pdf() -> bytes:
    objects = b"".join(b"%d 0 obj << /Type /Page /Parent 1 0 R >> endobj\n" % i
                       for i in range(2, 3000))
    return (b"%PDF-1.7\n1 0 obj << /Type /Pages /Kids [2 0 R] /Count 1 >> endobj\n" + objects +
            b"9999 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\ntrailer << /Root "
            b"9999 0 R >>\n%%EOF")


def _corpus(folder: Path) -> dict[str, bytes]:
    case = next(c for c in discover("cheshire-west") if c.phase == "y1-11" and c.name == "good")
    _, good = returned_form(case)
    files = {
        "bomb.docx": _bomb(),
        "xxe.docx": _xxe(good),
        "macros.docx": macro_docx(good),
        "encrypted.docx": OLE_MAGIC + b"\0" * 512 + "EncryptedPackage".encode("utf-16-le"),
        "truncated.docx": good[: len(good) // 3],
        "empty.docx": b"",
        "not-a-form.pdf": _hostile_pdf(),
        "=HYPERLINK(evil).docx": b"PK\x03\x04 not really",
        "control-\x1b[31m-name.docx": good[:100],
        "huge-field.docx": _huge_field(good),
        "zip-slip.docx": rezip(good, add={"../../outside.txt": b"escaped"}),
        "no-identity.docx": rezip(good, drop={"docProps/custom.xml"}),
    }
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    os.symlink("/etc/passwd", folder / "link.docx")
    os.mkfifo(folder / "pipe.docx")
    return files


def test_hostile_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    written = _corpus(corpus)
    report = tmp_path / "report.json"
    args = ["validate", str(corpus), "--json", str(report), "--csv", str(tmp_path / "r.csv"),
            "--html", str(tmp_path / "r.html"), "--no-register"]
    run = subprocess.run([sys.executable, "-c", MEASURED, *args], capture_output=True,
                         text=True, timeout=300)
    peak_mb = int(run.stderr.rsplit("PEAK_KB=", 1)[1]) / 1024
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    forms = {Path(f["path"]).name: f for f in json.loads(report.read_text())["forms"]}
    assert set(forms) == set(written) | {"link.docx", "pipe.docx"}
    for name, form in forms.items():
        assert form["status"] != "pass", name
        assert form["findings"], name
        assert all("report this" not in f["message"] for f in form["findings"]), (name, form)
    assert {f["code"] for f in forms["link.docx"]["findings"]} == {"link-not-followed"}
    assert forms["bomb.docx"]["findings"][0]["code"] == "too-large"
    # Inputs untouched; nothing escaped.
    for name, data in written.items():
        assert (corpus / name).read_bytes() == data, name
    assert not (tmp_path / "outside.txt").exists() and not Path("outside.txt").exists()
    # Memory bounded; and the child's name and date of birth are never printed.
    assert peak_mb < MEMORY_LIMIT_MB
    case = next(c for c in discover("cheshire-west") if c.phase == "y1-11" and c.name == "good")
    child = case.instance["child"]
    for secret in (child["first_name"], child["last_name"], child["date_of_birth"],
                   "14/01/2016"):
        assert secret not in run.stdout and secret not in run.stderr, secret
    assert "\x1b" not in run.stdout


def test_hostile_rosters_are_refused_or_reported_not_crashed(tmp_path: Path) -> None:
    header = ("child_id,first_name,last_name,date_of_birth,upn,gender,legal_status,"
              "date_entered_care,school_name,school_urn,designated_teacher_name,"
              "designated_teacher_email,social_worker_name,social_worker_email,carer_name\n")
    rosters = {
        "binary.csv": os.urandom(4096),
        "huge-cell.csv": (header + "C1," + "A" * 2_000_000 + ",B,14/01/2016,,F,C2,,S,1,,,,,\n")
        .encode(),
        "traversal.csv": (header + "C1,Ada,Specimen,14/01/2016,,F,C2,,School,../../../x,,,,,\n")
        .encode(),
        "controls.csv": (header + "C1,A\x00d\x1ba,Spe\x07cimen,14/01/2016,,F,C2,,Sch\x0bool,1,,,,,\n")
        .encode(),
        "formula.csv": (header + '"=cmd|x!A1",Ada,Specimen,14/01/2016,,F,C2,,"@SUM(1)",1,,,,,\n')
        .encode(),
    }
    for name, data in rosters.items():
        path = tmp_path / name
        path.write_bytes(data)
        out = tmp_path / f"out-{name}"
        run = subprocess.run([sys.executable, "-m", "pepforms", "generate", "--authority",
                              "cheshire-west", "--term", "spring-2027", "--roster", str(path),
                              "--out", str(out), "--no-register"],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode in (0, 2), (name, run.stderr)
        assert "Traceback" not in run.stderr and "unexpected problem" not in run.stderr, name
        if out.exists():
            assert all(out.resolve() in p.resolve().parents for p in out.rglob("*"))
        assert path.read_bytes() == data
    assert not (tmp_path.parent / "x").exists()
