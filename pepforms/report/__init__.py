"""Reports of a validation run: CSV of findings (JSON is `Report.as_dict`)."""

from __future__ import annotations

import csv
import io
from typing import Any


def findings_csv(report: Any) -> bytes:
    """One row per finding (and one per passing form), UTF-8 with a BOM so Excel opens it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["file", "form_id", "child_id", "status", "severity", "code", "section",
                     "pointer", "who", "message"])
    for form in report.forms:
        if not form.findings:
            writer.writerow([form.path, form.form_id, form.child_id, form.status, "", "", "", "",
                             "", ""])
        for f in form.findings:
            writer.writerow([form.path, form.form_id, form.child_id, form.status, f.severity,
                             f.code, f.section, f.pointer, f.role, f.message])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
