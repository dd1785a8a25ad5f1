"""Where schemas and Word templates live: bundled (in a checkout or an installed wheel) and the
authorities' own folders (`PEPFORMS_SCHEMAS`, `--schemas`), searched first."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from pepforms.errors import PepformsError

_CHECKOUT = Path(__file__).resolve().parent.parent


@cache  # asked for every schema looked up (several per form checked); it cannot change in a run
def _in_checkout() -> bool:
    return (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "schemas" / "common").is_dir()


@cache  # where pepforms is installed does not change while it runs
def _data_dir(top_level: str, package: str) -> Path:
    # In a source checkout (or an editable install) the folders at the top of the repository are
    # the ones authorities edit; an installed wheel carries them inside the package, as the data
    # packages pepforms._schemas and so on (pyproject.toml's package-dir).
    if _in_checkout():
        return _CHECKOUT / top_level
    return Path(__file__).resolve().parent / package.rsplit(".", 1)[1]


def schemas_dir() -> Path:
    """The folder holding `common/` and one folder per authority."""
    return _data_dir("schemas", "pepforms._schemas")


def templates_dir() -> Path:
    """The folder holding one folder of Word templates per authority."""
    return _data_dir("form_templates", "pepforms._form_templates")


def samples_dir() -> Path:
    """The bundled samples: rosters and returned-form cases."""
    return _data_dir("samples", "pepforms._samples")


# --------------------------------------------------------------------------------------------
# Authorities outside the package: folders of the authority's own, searched before the bundled one

SCHEMAS_ENV = "PEPFORMS_SCHEMAS"
BUNDLED = "bundled"


def schema_roots() -> tuple[Path, ...]:
    """Every folder searched for authorities, first to last: those named in `PEPFORMS_SCHEMAS`
    (several, separated by os.pathsep: ';' on Windows, ':' elsewhere; `--schemas` adds to it),
    then the bundled schemas. A folder holds one folder per authority (and may hold `common/`),
    or is itself one authority's folder (it has an `authority.json`)."""
    configured = os.environ.get(SCHEMAS_ENV, "")
    roots = [Path(p).expanduser() for p in configured.split(os.pathsep) if p.strip()]
    return (*roots, schemas_dir())


def add_schema_folders(folders: Sequence[Path]) -> None:
    """Search these folders first (`--schemas`): put before `PEPFORMS_SCHEMAS`, in the
    environment, so that worker processes search them too."""
    for folder in folders:
        if not folder.is_dir():
            raise PepformsError(f"The schemas folder {folder} does not exist (or is not a "
                                "folder). Give the folder that holds your authority's folder.")
    known = os.environ.get(SCHEMAS_ENV, "")
    os.environ[SCHEMAS_ENV] = os.pathsep.join(
        [str(f.resolve()) for f in folders] + ([known] if known else []))


def authority_folders() -> dict[str, Path]:
    """Each authority id and its folder; the first folder found wins (so an authority of one's
    own may replace a bundled one of the same id)."""
    found: dict[str, Path] = {}
    for root in schema_roots():
        if (root / "authority.json").is_file():
            candidates = [root]
        elif root.is_dir():
            candidates = sorted(p for p in root.iterdir() if (p / "authority.json").is_file())
        else:
            continue
        for folder in candidates:
            found.setdefault(folder.name, folder)
    return found


def is_bundled(folder: Path) -> bool:
    return folder.resolve().parent == schemas_dir().resolve()


def where_from(folder: Path) -> str:
    """Where an authority comes from, for `pepforms authorities`: "bundled" or its folder."""
    return BUNDLED if is_bundled(folder) else str(folder)


def schema_files() -> list[Path]:
    """Every `*.schema.json` in every searched folder, first folder first."""
    files: list[Path] = []
    for root in schema_roots():
        if root.is_dir():
            files.extend(sorted(root.rglob("*.schema.json")))
    return files
