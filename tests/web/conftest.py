"""The web page's fixtures: the real server (`pepforms serve` in a process of its own, on a free
local port), a plain HTTP client holding its cookie, headless Chromium through Selenium, returned
forms filled from the blank forms a pack issued, and the folder the screenshots go to."""

from __future__ import annotations

import copy
import datetime as dt
import http.client
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from pepforms.calendar import Term
from pepforms.cases import discover
from pepforms.filling import fill_bytes

# Last term: its meeting window has passed, so a form never returned is overdue today.
TERM = str(Term.containing(dt.date.today()).previous())
HEADER = ("child_id,first_name,last_name,date_of_birth,upn,gender,legal_status,date_entered_care,"
          "school_name,school_urn,designated_teacher_name,designated_teacher_email,"
          "social_worker_name,social_worker_email,carer_name\n")
SCHOOLS = {"900101": "Exampleton Primary School", "900201": "Mockbury Academy"}


def roster_csv(children: dict[str, tuple[str, str]], bad_row: bool = False) -> str:
    """A roster: child id → (first name, school URN); Year 5 children; optionally one bad row."""
    rows = [f"{cid},{first},Specimen,14/01/2016,,Female,C2,01/09/2024,{SCHOOLS[urn]},{urn},"
            f"Anna Exemplar,dt@{urn}.example.org,Sam Trialworth,sw@example.org,Jo Demo\n"
            for cid, (first, urn) in children.items()]
    if bad_row:
        rows.append("C29999,Zed,Specimen,31/02/2016,,Male,C2,01/09/2024,Mockbury Academy,900201,"
                    "Anna Exemplar,dt@900201.example.org,Sam Trialworth,sw@example.org,Jo Demo\n")
    return HEADER + "".join(rows)


_SHIFT = Term.parse(TERM).start_date - Term.parse("spring-2027").start_date


def _shift(value: Any) -> Any:
    """The sample's spring-2027 dates (meeting, targets, sign-off) moved into TERM."""
    if isinstance(value, dict):
        return {k: _shift(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v) for v in value]
    if isinstance(value, str) and len(value) == 10 and value.startswith("2027-"):
        return (dt.date.fromisoformat(value) + _SHIFT).isoformat()
    return value


def answers(fault: str | None = None) -> dict[str, Any]:
    """A school's answers for a Year 5 Cheshire West form; `attendance`: the reasons left out."""
    good = next(c for c in discover("cheshire-west") if c.phase == "y1-11" and c.name == "good")
    out = copy.deepcopy(good.instance)
    out.pop("child")  # the form keeps the child's own pre-filled details
    out = _shift(out)
    if fault == "attendance":
        out["attendance"].pop("explanation")
    return out  # type: ignore[no-any-return]


def returned(blank: Path, to: Path, fault: str | None = None) -> Path:
    """The blank form filled in as a school sends it back."""
    data = fill_bytes(blank.read_bytes(), answers(fault), saved_at=dt.datetime.now()).data
    to.mkdir(parents=True, exist_ok=True)
    (to / blank.name).write_bytes(data)
    return to / blank.name


@dataclass
class Server:
    """A running `pepforms serve`: its sign-in URL, base address, log and register."""

    url: str
    base: str
    process: subprocess.Popen[str]
    log: Path
    register_url: str
    files: Path
    cookie: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def token(self) -> str:
        return self.url.split("token=", 1)[1]

    def alive(self) -> bool:
        return self.process.poll() is None


def start_server(folder: Path, *extra: str) -> Server:
    """`pepforms serve --port 0` in a process of its own; its first line is the sign-in URL."""
    folder.mkdir(parents=True, exist_ok=True)
    register_url = f"sqlite:///{folder / 'register.sqlite'}"
    log = folder / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "pepforms", "serve", "--port", "0", "--register",
             register_url, "--files", str(folder / "web"), *extra],
            stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    if not first.startswith("http://127.0.0.1:"):
        process.kill()
        process.wait()
        process.stdout.close()
        raise AssertionError(f"serve did not print its URL first: {first!r}\n{log.read_text()}")
    rest = process.stdout.readline().strip()
    base = first.split("/?token=", 1)[0]
    return Server(first, base, process, log, register_url, folder / "web", lines=[first, rest])


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)
    if server.process.stdout is not None:
        server.process.stdout.close()


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(server: Server, method: str, path: str, *, body: bytes | None = None,
            headers: dict[str, str] | None = None, cookie: bool = True) -> Reply:
    """One HTTP request to the server (cookie included unless told), as a script would send it."""
    parts = urlsplit(server.base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    sent = dict(headers or {})
    if cookie and server.cookie:
        sent["Cookie"] = f"pepforms-session={server.cookie}"
    conn.request(method, path, body=body, headers=sent)
    response = conn.getresponse()
    reply = Reply(response.status, response.headers, response.read())
    conn.close()
    return reply


def sign_in(server: Server) -> Reply:
    reply = request(server, "GET", "/?token=" + server.token, cookie=False)
    for value in reply.headers.get_all("Set-Cookie") or []:
        if value.startswith("pepforms-session="):
            server.cookie = value.split(";", 1)[0].split("=", 1)[1]
    return reply


def csrf(server: Server, path: str = "/check") -> str:
    page = request(server, "GET", path).text
    marker = 'name="csrf_token" value="'
    return page.split(marker, 1)[1].split('"', 1)[0]


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body: fields, then (field, file name, bytes) files."""
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode()
    for name, filename, data in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                ).encode() + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def post_files(server: Server, path: str, files: list[tuple[str, str, bytes]],
               fields: dict[str, str] | None = None, token: str | None = None,
               headers: dict[str, str] | None = None) -> Reply:
    form = {"csrf_token": token if token is not None else csrf(server), **(fields or {})}
    if token == "":
        form.pop("csrf_token")
    body, kind = multipart(form, files)
    return request(server, "POST", path, body=body,
                   headers={"Content-Type": kind, **(headers or {})})


def status_json(server: Server, term: str = TERM) -> dict[str, Any]:
    reply = request(server, "GET", f"/reports/status.json?term={term}")
    assert reply.status == 200, reply.text[:500]
    return json.loads(reply.body)  # type: ignore[no-any-return]


# ---- the browser -------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def _need_browser() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{', '.join(missing)} missing, but CI must run the browser tests.")
        pytest.skip(f"{', '.join(missing)} not installed")


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, downloads: Path) -> Iterator[Any]:
    """Headless Chromium (the distribution's, with its chromedriver), kept offline."""
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-extensions",
                 "--window-size=1280,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "safebrowsing.enabled": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests put a screenshot of each page: $PEPFORMS_SCREENSHOTS, else a
    folder under pytest's temporary folder (its path is printed)."""
    given = os.environ.get("PEPFORMS_SCREENSHOTS")
    folder = Path(given) if given else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots of the web page: {folder}")
    return folder


def screenshot(driver: Any, folder: Path, name: str) -> Path:
    """The whole page (the window stretched to its height) as a PNG."""
    driver.execute_script("window.scrollTo(0, 0)")
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(1280, max(700, min(height + 40, 6000)))
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1000)
    return path


def wait_for_download(folder: Path, suffix: str, before: set[str], timeout: float = 60) -> Path:
    """The file the browser has finished downloading into `folder` since `before`."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done = [p for p in folder.iterdir() if p.name not in before and p.suffix == suffix]
        if done and not any(p.suffix == ".crdownload" for p in folder.iterdir()):
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} downloaded into {folder}: {sorted(os.listdir(folder))}")


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
