"""Shared fixtures: the sample roster, blank forms per phase, and LibreOffice when present."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

# The identity keys the tests' forms are issued with: one folder for every test process (xdist
# workers included), away from the user's own keys.
os.environ.setdefault("PEPFORMS_KEYS", str(Path(tempfile.gettempdir()) / "pepforms-test-keys"))

from pepforms.calendar import Term  # noqa: E402
from pepforms.forms import form_content, template_path  # noqa: E402
from pepforms.generating import prepared_template  # noqa: E402
from pepforms.resources import samples_dir  # noqa: E402
from pepforms.roster import Child, read_roster  # noqa: E402
from pepforms.schema import form_model  # noqa: E402
from pepforms.word.render import context_for  # noqa: E402

TERM = Term.parse("spring-2027")


@pytest.fixture(scope="session")
def sample_roster_path() -> Path:
    return samples_dir() / "roster.csv"


@pytest.fixture(scope="session")
def children(sample_roster_path: Path) -> list[Child]:
    return read_roster(sample_roster_path, TERM).children


@pytest.fixture(scope="session")
def child_by_phase(children: list[Child]) -> dict[str, Child]:
    out: dict[str, Child] = {}
    for child in children:
        out.setdefault(child.phase, child)
    return out


def blank_form(authority: str, child: Child, phase: str | None = None) -> bytes:
    """The blank pre-filled form generate would write for this child."""
    phase = phase or child.phase
    model = form_model(authority, phase)
    content = form_content(model, child, TERM)
    return prepared_template(template_path(authority, phase)).render(context_for(model, content),
                                                             content.properties)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def libreoffice() -> str:
    """LibreOffice's soffice. Skipped locally when missing; CI installs it, so there it must exist."""
    path = soffice()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is not installed, but CI must run the round trips.")
        pytest.skip("LibreOffice (soffice) is not installed")
    return path


def convert(soffice_path: str, files: list[Path], fmt: str, out_dir: Path) -> None:
    """One soffice call for many files (starting LibreOffice is the slow part)."""
    profile = out_dir / ".lo-profile"
    cmd = [soffice_path, f"-env:UserInstallation=file://{profile}", "--headless",
           "--convert-to", fmt, "--outdir", str(out_dir), *map(str, files)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Headless Chromium. Skipped locally when missing; CI installs it, so there it must exist."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed, but CI must render the HTML report.")
        pytest.skip("Chromium is not installed")
    return path


def chromium_pdf(chromium_path: str, page: Path, out: Path) -> None:
    """Render a page in headless Chromium and print it to PDF (the flags keep it offline)."""
    profile = out.parent / ".chromium-profile"
    cmd = [chromium_path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={profile}", "--no-pdf-header-footer",
           f"--print-to-pdf={out}", page.as_uri()]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


@pytest.fixture(autouse=True)
def _own_register(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test that runs a command records in a term register of its own (created only when a
    command opens it), never in the user's."""
    folder = tmp_path_factory.mktemp("register")
    monkeypatch.setenv("PEPFORMS_REGISTER", f"sqlite:///{folder / 'register.sqlite'}")
