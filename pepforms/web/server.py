"""`pepforms serve`: the web application on a production WSGI server (waitress), with an access log
that never holds a query string (the token), a name or a date of birth.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pepforms.errors import PepformsError
from pepforms.web.config import (
    MB,
    Limits,
    WebConfig,
    check_host,
    default_files_folder,
    read_password,
)

log = logging.getLogger("pepforms.web")


@dataclass(frozen=True)
class ServeOptions:
    """What `pepforms serve` was asked for."""

    register_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8765
    open_browser: bool = False
    allow_remote: bool = False
    password_file: Path | None = None
    files: Path | None = None  # the page's own folder (default: beside the SQLite register)
    max_upload_mb: int = 100  # one request, all files together


class AccessLog:
    """One line per request: client, method, path (never the query string), status, time."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.monotonic()
        status: list[str] = []

        def recording(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status.append(code.split(" ", 1)[0])
            return start_response(code, headers, exc_info)

        try:
            return self.app(environ, recording)  # type: ignore[no-any-return]
        finally:
            log.info("%s %s %s %s %dms", environ.get("REMOTE_ADDR", "-"),
                     environ.get("REQUEST_METHOD", "-"), environ.get("PATH_INFO", "-"),
                     status[0] if status else "-", (time.monotonic() - started) * 1000)


def _log_to_stderr() -> None:
    if not any(getattr(h, "pepforms", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        handler.pepforms = True  # type: ignore[attr-defined]
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def serve(options: ServeOptions, *, announce: Callable[[str], None],
          warn: Callable[[str], None]) -> None:
    """Run the page until stopped (Ctrl-C or SIGTERM). `announce` is first given the sign-in
    URL (http://HOST:PORT/?token=...), then a line on where files are kept; `warn` any warning.
    Raises PepformsError before starting when the host, password or register is unusable."""
    from waitress import create_server

    from pepforms.register import open_register
    from pepforms.web.app import create_app

    password = read_password(options.password_file) if options.password_file else None
    warnings = check_host(options.host, options.allow_remote, password)
    host = "127.0.0.1" if options.host.strip().lower() == "localhost" else options.host
    reg = open_register(options.register_url)
    try:
        files = options.files or default_files_folder(reg.path)
        upload = options.max_upload_mb * MB
        limits = Limits(request_bytes=upload, file_bytes=min(Limits.file_bytes, upload))
        config = WebConfig(register_url=options.register_url, files=files, host=host,
                           port=options.port, password=password, limits=limits)
        app = create_app(config, reg)
        _log_to_stderr()
        try:
            server = create_server(
                AccessLog(app), host=host, port=options.port, threads=config.threads,
                max_request_body_size=config.limits.request_bytes * 2, ident="pepforms",
                expose_tracebacks=False, clear_untrusted_proxy_headers=True)
        except OSError as exc:
            why = exc.strerror or type(exc).__name__
            raise PepformsError(
                f"pepforms serve could not listen on {host} port {options.port} ({why}): another "
                "program may be using it. Choose another with --port, or --port 0 for any free "
                "port.") from None
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{server.effective_port}/?token={config.token}"  # type: ignore[union-attr]
        announce(url)
        for warning in warnings:
            warn(warning)
        announce(f"Files it keeps are in {files}. Stop it with Ctrl-C.")
        if options.open_browser:
            import webbrowser

            threading.Timer(0.5, webbrowser.open, args=(url,)).start()
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
    finally:
        reg.close()
