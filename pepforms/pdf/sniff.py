"""Whether a file is a PDF, told from its first bytes without loading a PDF library."""

from __future__ import annotations


def is_pdf(data: bytes) -> bool:
    """Whether `data` looks like a PDF (the header may follow a little junk, as readers allow)."""
    return b"%PDF-" in data[:1024]
