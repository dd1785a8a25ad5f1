"""`pepforms serve`: a local web page for coordinators and business support, over the same library
calls the command line makes (term status, checking returns, the termly pack, reports).

    serve(ServeOptions(...), announce=print, warn=print)   # runs until Ctrl-C
    create_app(WebConfig(...), register)                  # the Flask application itself
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pepforms.web.config import Limits, WebConfig
from pepforms.web.server import ServeOptions, serve

if TYPE_CHECKING:
    from flask import Flask

    from pepforms.register import Register


def create_app(config: WebConfig, register: Register) -> Flask:
    """The Flask application over an open register."""
    from pepforms.web.app import create_app as build

    return build(config, register)


__all__ = ["Limits", "ServeOptions", "WebConfig", "create_app", "serve"]

