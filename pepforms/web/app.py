"""The web application: one Flask app built from a `WebConfig` and an open term register.

Every page is a Jinja2 template in `web/templates/` (autoescaped, whatever its name); the routes
only call the library. Errors become plain pages; a fault is logged by its kind and place only,
never with a value (a traceback could carry a child's details).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from pepforms.register.models import STATE_LABELS
from pepforms.web.config import WebConfig
from pepforms.web.store import FileStore

if TYPE_CHECKING:
    from pepforms.register import Register
    from pepforms.web.packs import PackRunner

log = logging.getLogger("pepforms.web")


@dataclass
class WebState:
    """What every request shares: the settings, the register, the page's own folder, the packs."""

    config: WebConfig
    register: Register
    store: FileStore
    packs: PackRunner = field(init=False)

    def __post_init__(self) -> None:
        from pepforms.web.packs import PackRunner

        self.packs = PackRunner(self)


def state() -> WebState:
    web: WebState = current_app.extensions["pepforms"]
    return web


class _App(Flask):
    def select_jinja_autoescape(self, filename: str | None) -> bool:
        return True  # every template, whatever its name


def _where(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb else "?"


def _error_page(title: str, message: str, status: int) -> Response:
    return Response(render_template("error.html", title=title, message=message), status=status,
                    mimetype="text/html")


def _install_errors(app: Flask) -> None:
    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge) -> Response:
        limits = state().config.limits
        return _error_page(
            "The files are too large",
            f"One upload can hold at most {limits.request_mb} MB in all (and {limits.files} "
            f"files). Nothing was checked or kept. Go back and send fewer files at a time.", 413)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        titles = {404: "Page not found", 405: "That cannot be done here"}
        title = titles.get(exc.code or 500, exc.name)
        message = ("There is nothing at this address. It may be mistyped, or the file it "
                   "pointed to has been removed." if exc.code == 404 else exc.description or "")
        return _error_page(title, message, exc.code or 500)

    @app.errorhandler(Exception)
    def fault(exc: Exception) -> Response:
        # Only the kind and the place: an exception's text could hold a child's details.
        log.error("fault %s at %s on %s %s", type(exc).__name__, _where(exc), request.method,
                  request.path)
        return _error_page("Sorry, there is a problem with pepforms",
                           "Something went wrong and this was not done. Nothing was left "
                           "half-written. Try again; if it happens again, please report it.", 500)


def _filters(app: Flask) -> None:
    def day(value: date | None) -> str:
        return f"{value.day} {value:%b %Y}" if value else "–"  # no %-d: Windows lacks it

    def percent(rate: Any) -> str:
        return "–" if rate.percent is None else f"{rate.percent:g}%"

    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.globals["state_labels"] = STATE_LABELS


def create_app(config: WebConfig, register: Register) -> Flask:
    """The application over this register; files it keeps go to `config.files`."""
    from pepforms.web import reports, routes_check, routes_pack, routes_term, security

    app = _App(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        MAX_CONTENT_LENGTH=config.limits.request_bytes,
        MAX_FORM_PARTS=config.limits.files + 20,
        MAX_FORM_MEMORY_SIZE=512 * 1024,  # text fields only; files are limited on their own
        SECRET_KEY=config.token,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.extensions["pepforms"] = WebState(config, register, FileStore(config.files))
    security.install(app)
    _install_errors(app)
    _filters(app)
    for module in (routes_term, routes_check, routes_pack, reports):
        app.register_blueprint(module.blueprint)
    return app
