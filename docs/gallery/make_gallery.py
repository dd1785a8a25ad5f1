"""The gallery: what schools, coordinators and QA officers will see, as small pictures.

Makes, from the bundled fictional samples:
- `<authority>-<phase>.png`: the first page of each authority's blank form for each phase, as
  LibreOffice prints it (all forms converted in one LibreOffice call);
- `barnet-y1-11-action-plan.png`: a wide table on its landscape page;
- `finalised-record.png` and `finalised-record-with-findings.png`: the first page of a
  finalised PEP record, and the page of one whose open findings sit beside their section;
- `validation-report.png`: the first page of the HTML validation report, printed by Chromium.

Run it from anywhere (pepforms installed): `python docs/gallery/make_gallery.py [--out DIR]`.
It needs LibreOffice (`soffice`), poppler's `pdftoppm` and Chromium on the PATH. The pictures
are regenerated on every run; they are not committed (see .gitignore).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from pepforms.calendar import Term
from pepforms.cases import discover, returned_form
from pepforms.checking import CheckOptions
from pepforms.demo import sample_roster
from pepforms.finalising import finalise
from pepforms.forms import form_content, template_path
from pepforms.generating import prepared_template
from pepforms.keys import ENV as KEYS_ENV
from pepforms.roster import read_roster
from pepforms.schema import all_forms, form_model
from pepforms.validate.quality import QaDecision
from pepforms.word.render import context_for

HERE = Path(__file__).resolve().parent
TERM = Term.parse("spring-2027")
WIDTH = 420  # pixels across: small, and still readable when clicked
REPORT_CASES = ("good", "attendance-unexplained", "no-voice", "no-wellbeing-target")


class ToolMissing(RuntimeError):
    """A program the gallery needs is not installed."""


def tool(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise ToolMissing(f"{names[0]} is not installed (tried: {', '.join(names)}).")


def blank_forms(folder: Path) -> dict[str, Path]:
    """One blank pre-filled form per authority and phase, for a sample child in a setting."""
    out = {}
    for authority, phase in all_forms():
        children = read_roster(sample_roster(authority), TERM).children
        child = next((c for c in children if c.phase == phase and c.school_name),
                     next(c for c in children if c.phase == phase))
        model = form_model(authority, phase)
        content = form_content(model, child, TERM)
        data = prepared_template(template_path(authority, phase)).render(
            context_for(model, content), content.properties)
        path = folder / f"{authority}-{phase}.docx"
        path.write_bytes(data)
        out[path.stem] = path
    return out


def to_pdf(soffice: str, files: list[Path], folder: Path) -> None:
    """Every file to PDF in one LibreOffice call (starting LibreOffice is the slow part)."""
    profile = folder / ".lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), *map(str, files)],
                   check=True, capture_output=True, timeout=900)


def page_png(pdftoppm: str, pdf: Path, page: int, out: Path) -> None:
    """One page of a PDF as a small PNG."""
    stem = out.with_suffix("")
    subprocess.run([pdftoppm, "-png", "-singlefile", "-f", str(page), "-l", str(page),
                    "-scale-to-x", str(WIDTH), "-scale-to-y", "-1", str(pdf), str(stem)],
                   check=True, capture_output=True, timeout=120)


def landscape_page(pdf: Path) -> int:
    """The first landscape page of a PDF (1-based)."""
    from pypdf import PdfReader

    for number, page in enumerate(PdfReader(pdf).pages, start=1):
        if float(page.mediabox.width) > float(page.mediabox.height):
            return number
    raise ValueError(f"{pdf.name} has no landscape page")


def findings_page(pdf: Path, words: str) -> int:
    from pypdf import PdfReader

    for number, page in enumerate(PdfReader(pdf).pages, start=1):
        if words in (page.extract_text() or ""):
            return number
    raise ValueError(f"{pdf.name} has no page with '{words}'")


def records(folder: Path) -> tuple[Path, Path]:
    """A finalised record, with the QA officer's judgement; and one with open findings."""
    cases = {c.name: c for c in discover("cheshire-west") if c.phase == "y1-11"}
    made = []
    for name, allow in (("good", False), ("no-voice", True)):
        case = cases[name]
        file_name, data = returned_form(case)
        form = folder / name / file_name
        form.parent.mkdir(parents=True, exist_ok=True)
        form.write_bytes(data)
        out = folder / f"{name}-record.pdf"
        qa = QaDecision("Good", "A. Officer (QA)", date(2027, 2, 24),
                        "Targets are SMART and the child's views are in their own words.")
        finalise(form, out, allow_findings=allow, force=True,
                 options=CheckOptions(received=case.received),
                 qa=None if allow else qa, finalised_by="B. Coordinator",
                 finalised_on=date(2027, 2, 22))
        made.append(out)
    return made[0], made[1]


def report_pdf(chromium: str, folder: Path) -> Path:
    """The validation report of a few sample returns, as Chromium prints it."""
    returned = folder / "returned"
    cases = {c.name: c for c in discover("cheshire-west") if c.phase == "y1-11"}
    for name in REPORT_CASES:
        file_name, data = returned_form(cases[name])
        (returned / name).mkdir(parents=True, exist_ok=True)
        (returned / name / file_name).write_bytes(data)
    page = folder / "report.html"
    subprocess.run([sys.executable, "-m", "pepforms", "validate", str(returned), "--html",
                    str(page), "--no-register"],  # samples are not recorded anywhere
                   capture_output=True, timeout=300)  # exit 1: some forms have faults
    if not page.is_file():
        raise RuntimeError("pepforms validate wrote no HTML report")
    pdf = folder / "report.pdf"
    profile = folder / ".chromium-profile"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", f"--user-data-dir={profile}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()],
                   check=True, capture_output=True, timeout=180)
    return pdf


def make_gallery(out: Path) -> list[Path]:
    """Write the gallery's pictures into `out`; returns them."""
    soffice = tool("soffice", "libreoffice")
    pdftoppm = tool("pdftoppm")
    chromium = tool("chromium", "chromium-browser", "google-chrome")
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="pepforms-gallery-") as tmp:
        work = Path(tmp)
        # The samples' identity keys stay in the scratch folder, not in the user's data folder.
        os.environ[KEYS_ENV] = str(work / "keys")
        forms = blank_forms(work)
        to_pdf(soffice, list(forms.values()), work)
        for stem in forms:
            page_png(pdftoppm, work / f"{stem}.pdf", 1, out / f"{stem}.png")
            made.append(out / f"{stem}.png")
        wide = work / "barnet-y1-11.pdf"
        page_png(pdftoppm, wide, landscape_page(wide), out / "barnet-y1-11-action-plan.png")
        made.append(out / "barnet-y1-11-action-plan.png")
        good, faulty = records(work)
        page_png(pdftoppm, good, 1, out / "finalised-record.png")
        page_png(pdftoppm, faulty, findings_page(faulty, "Open findings:"),
                 out / "finalised-record-with-findings.png")
        made += [out / "finalised-record.png", out / "finalised-record-with-findings.png"]
        page_png(pdftoppm, report_pdf(chromium, work), 1, out / "validation-report.png")
        made.append(out / "validation-report.png")
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE,
                        help="folder for the pictures (default: docs/gallery)")
    args = parser.parse_args(argv)
    try:
        made = make_gallery(args.out)
    except ToolMissing as exc:
        print(f"make_gallery: {exc}", file=sys.stderr)
        return 2
    for path in made:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
