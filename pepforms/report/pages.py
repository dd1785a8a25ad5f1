"""Jinja2 pages: every HTML page pepforms writes comes from a template in `report/templates/`.

Autoescaping is on for every template, so text from a form or a file name can never become markup.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("pepforms.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def render_page(name: str, **context: Any) -> str:
    """The page `name` rendered with `context` (the same context gives the same bytes)."""
    return environment().get_template(name).render(**context)
