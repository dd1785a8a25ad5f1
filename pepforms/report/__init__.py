"""The report of a validation run and every rendering of it: text, JSON, CSV and HTML."""

from __future__ import annotations

from pepforms.report.model import FormResult, Report

__all__ = ["FormResult", "Report"]
