"""Where the bundled schemas and Word templates live, in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _in_checkout() -> bool:
    return (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "schemas" / "common").is_dir()


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
