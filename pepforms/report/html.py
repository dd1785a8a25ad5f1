"""The validation report as one self-contained HTML page: no scripts, no external resources.

For a coordinator to open in a browser, print, or keep with the term's records. Every text from a
form is escaped; the page says it holds personal information.
"""

from __future__ import annotations

from html import escape
from typing import Any

CSS = """
body { font-family: Arial, Helvetica, sans-serif; margin: 2em; color: #1b1b1b; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
.sensitive { color: #7a0000; font-weight: bold; }
.summary span { display: inline-block; margin-right: 1.5em; font-size: 1.1em; }
section.form { border: 1px solid #bbb; border-radius: 4px; padding: 0.6em 1em; margin: 1em 0;
               page-break-inside: avoid; }
section.form h2 { font-size: 1.05em; margin: 0 0 0.3em 0; word-break: break-all; }
.status { font-weight: bold; padding: 0.1em 0.5em; border-radius: 3px; }
.pass { background: #dff0d8; color: #225522; }
.fail { background: #f2dede; color: #7a1f1f; }
.unreadable { background: #fcf0c8; color: #6b4f00; }
.meta { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; width: 100%; margin-top: 0.5em; }
th, td { text-align: left; vertical-align: top; border-top: 1px solid #ddd; padding: 0.3em; }
td.where { width: 32%; color: #333; }
td.error { color: #7a1f1f; font-weight: bold; width: 5em; }
td.warning { color: #6b4f00; width: 5em; }
.quality { margin-top: 0.4em; }
@media print { body { margin: 1cm; } }
"""


def _status(status: str) -> str:
    label = {"pass": "Pass", "fail": "Needs changes", "unreadable": "Could not be read"}[status]
    return f'<span class="status {status}">{escape(label)}</span>'


def _form(result: Any) -> str:
    parts = [f'<section class="form" id="form-{escape(result.form_id or result.path)}">',
             f"<h2>{escape(result.path)}</h2>",
             f'<div>{_status(result.status)} <span class="meta">']
    meta = [("form", result.form_id), ("child", result.child_id), ("term", result.term),
            ("form type", f"{result.authority} {result.phase}".strip()),
            ("read by", result.read_by), ("last saved by", result.application)]
    parts.append(" · ".join(f"{escape(k)} {escape(v)}" for k, v in meta if v))
    parts.append("</span></div>")
    if result.findings:
        parts.append("<table><thead><tr><th>Where</th><th></th><th>What to do</th></tr></thead>"
                     "<tbody>")
        for f in result.findings:
            where = " › ".join(x for x in (f.section, f.field) if x)
            who = f" (for: {escape(f.role.replace('-', ' '))})" if f.role else ""
            parts.append(f'<tr><td class="where">{escape(where)}{who}</td>'
                         f'<td class="{escape(f.severity)}">{escape(f.severity)}</td>'
                         f"<td>{escape(f.message)}</td></tr>")
        parts.append("</tbody></table>")
    else:
        parts.append("<p>No findings.</p>")
    quality = result.quality
    if quality is not None:
        parts.append(f'<p class="quality">Quality grade: <strong>{escape(quality.overall)}'
                     f"</strong> ({escape(quality.framework)}; {escape(quality.note)})</p>")
        if quality.show_parts or quality.officer_fields:
            rows = [(p.title, p.grade) for p in quality.parts if quality.show_parts]
            rows += [(name, "") for name in quality.officer_fields]  # for the QA officer
            parts.append('<table class="quality"><tbody>' + "".join(
                f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
                + "</tbody></table>")
    parts.append("</section>")
    return "".join(parts)


def report_html(report: Any, title: str = "PEP forms checked before quality assurance") -> str:
    """The report as a complete HTML page (same report, same bytes)."""
    counts = report.counts()
    body = [
        f"<h1>{escape(title)}</h1>",
        '<p class="sensitive">OFFICIAL-SENSITIVE: personal information about children in care. '
        "Keep it on the authority's systems.</p>",
        '<p class="summary">'
        f"<span>{len(report.forms)} form(s)</span>"
        f'<span class="status pass">{counts["pass"]} pass</span> '
        f'<span class="status fail">{counts["fail"]} need changes</span> '
        f'<span class="status unreadable">{counts["unreadable"]} could not be read</span></p>',
        *(_form(r) for r in report.forms),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            + "".join(body) + "</body></html>\n")
