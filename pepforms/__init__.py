"""pepforms: generate, read and validate Personal Education Plan forms for Virtual Schools."""

from __future__ import annotations

__version__ = "0.1.0"

from pepforms.checking import FormResult, Report, check_file, read_form_file, validate  # noqa: E402
from pepforms.filling import fill  # noqa: E402
from pepforms.findings import Finding  # noqa: E402
from pepforms.generating import generate  # noqa: E402

read_form = read_form_file

__all__ = ["generate", "read_form", "fill", "validate", "check_file", "Report", "FormResult",
           "Finding", "__version__"]
