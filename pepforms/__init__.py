"""pepforms: generate, read and validate Personal Education Plan forms for Virtual Schools.

The verbs and types are imported on first use, so that `pepforms --help` stays quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "generate": ("pepforms.generating", "generate"),
    "read_form": ("pepforms.reading", "read_form_file"),
    "fill": ("pepforms.filling", "fill"),
    "validate": ("pepforms.checking", "validate"),
    "check_file": ("pepforms.checking", "check_file"),
    "finalise": ("pepforms.finalising", "finalise"),
    "Report": ("pepforms.report.model", "Report"),
    "FormResult": ("pepforms.report.model", "FormResult"),
    "Finding": ("pepforms.findings", "Finding"),
}

__all__ = ["generate", "read_form", "fill", "validate", "check_file", "finalise", "Report",
           "FormResult", "Finding", "__version__"]

if TYPE_CHECKING:
    from pepforms.checking import check_file, validate
    from pepforms.filling import fill
    from pepforms.finalising import finalise
    from pepforms.findings import Finding
    from pepforms.generating import generate
    from pepforms.reading import read_form_file as read_form
    from pepforms.report.model import FormResult, Report


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module, attr = _EXPORTS[name]
        value = getattr(import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pepforms' has no attribute {name!r}")
