"""Who may use the page and how: the start-up token, the session cookie, CSRF, security headers.

Like a notebook server: `serve` makes a random token and prints a URL holding it; the first visit
with it sets an HttpOnly, SameSite=Strict cookie and drops the token from the address. Every
state-changing request must carry the form's CSRF token (and come from this page's own origin).
Remote use adds a password sign-in page.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from pepforms.web.config import WebConfig

COOKIE = "pepforms-session"
LOGIN_COOKIE = "pepforms-login"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSP = ("default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
       "object-src 'none'")
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would send Origin: null on our own forms
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

blueprint = Blueprint("security", __name__)


def _config() -> WebConfig:
    config: WebConfig = current_app.extensions["pepforms"].config
    return config


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def csrf_token() -> str:
    """The CSRF token every form of this page carries (derived from the start-up token)."""
    key = _config().token.encode("utf-8")
    return hmac.new(key, b"pepforms csrf", hashlib.sha256).hexdigest()


def _set_session(response: BaseResponse, config: WebConfig) -> BaseResponse:
    response.set_cookie(COOKIE, config.token, httponly=True, samesite="Strict",
                        secure=config.remote, path="/")
    return response


def _without_token() -> str:
    """The address asked for, minus the token (so it stays out of history and logs)."""
    rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
    return request.path + ("?" + urlencode(rest) if rest else "")


def _same_origin() -> bool:
    """A browser's Origin header (when sent) names this page's own host and port."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    return urlsplit(origin).netloc.lower() == request.host.lower()


def _refused(message: str, status: int = 403, title: str = "You cannot use this page yet",
             sign_in: bool = True) -> Response:
    page = render_template("refused.html", message=message, title=title, sign_in=sign_in)
    return Response(page, status=status, mimetype="text/html")


def guard() -> BaseResponse | None:
    """Before every request: the token, the session cookie, then CSRF for what changes state."""
    config = _config()
    if request.endpoint in ("static", "security.login"):
        return None
    given = request.args.get("token")
    if given is not None:
        if not _same(given, config.token):
            return _refused("That address's token is not this server's. Open the address that "
                            "`pepforms serve` printed when it started.")
        response = redirect(_without_token(), code=303)
        return _set_session(response, config)
    if not _same(request.cookies.get(COOKIE, ""), config.token):
        if config.password:
            return redirect("/login?" + urlencode({"next": request.path}), code=303)
        return _refused("This page needs the address that `pepforms serve` printed when it "
                        "started (it holds a one-time token). Open that address again.")
    if request.method not in SAFE_METHODS:

        if not _same_origin() or not _same(request.form.get(CSRF_FIELD, ""), csrf_token()):
            return _refused("This request did not come from a form of this page, so it was "
                            "refused and nothing was changed. Go back, reload the page and try "
                            "again.", title="This request was refused", sign_in=False)
    return None


def headers(response: Response) -> Response:
    """Security headers on every response; nothing with personal data is ever cached."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint == "static":
        response.headers["Cache-Control"] = "no-cache"
    else:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def _safe_next(value: str | None) -> str:
    """Only a path of this page (never another site) after signing in."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse:
    """The password sign-in of remote use (behind the authority's HTTPS proxy)."""
    config = _config()
    if not config.password:
        abort(404)
    error = None
    if request.method == "POST":
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not _same(request.form.get(CSRF_FIELD, ""), expected):
            return _refused("The sign-in form had expired. Reload the page and try again.",
                            title="This request was refused", sign_in=False)
        if _same(request.form.get("password", ""), config.password):
            response = redirect(_safe_next(request.form.get("next")), code=303)
            response.delete_cookie(LOGIN_COOKIE, path="/login")
            return _set_session(response, config)
        time.sleep(1)  # slows down guessing
        error = "The password is not right. Check it and try again."
    nonce = secrets.token_urlsafe(24)
    page = render_template("login.html", error=error, login_token=nonce,
                           next=_safe_next(request.values.get("next")))
    response = Response(page, status=400 if error else 200, mimetype="text/html")
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="Strict",
                        secure=config.remote, path="/login")
    return response


def install(app: Flask) -> None:
    app.before_request(guard)
    app.after_request(headers)
    app.register_blueprint(blueprint)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["csrf_field"] = CSRF_FIELD
