"""The web page in a real browser: headless Chromium drives the real `pepforms serve` on a free
local port. Make a pack from a roster and open the zip; the overdue list shows forms never
returned; upload returned forms and see the term's page change; record a QA grade; finalise;
the reports. A screenshot of each page goes to the folder the `screenshots` fixture prints.

The tests run in order, one browser session and one server for the module (each step builds on
the one before, as a coordinator's term does).
"""

from __future__ import annotations

import http.server
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from .conftest import (
    TERM,
    Server,
    fresh,
    request,
    returned,
    roster_csv,
    screenshot,
    sign_in,
    start_server,
    status_json,
    stop_server,
    wait_for_download,
)

CHILDREN = {"C20001": ("Ava", "900101"), "C20002": ("Ben", "900101"),
            "C20003": ("Cal", "900201"), "C20004": ("Dee", "900201")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("serve"))
    sign_in(running)  # the plain HTTP client's own session, for reading status JSON
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What one step leaves for the next (the pack's folder, form ids)."""
    return {"dir": tmp_path_factory.mktemp("work")}


def by_css(driver: Any, selector: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def all_css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, selector))


def go(driver: Any, find: Callable[[], Any], timeout: float = 90) -> None:
    """Click a link or button and wait until the next page has loaded in place of this one.

    The element is looked up afresh when the page was still settling (a node replaced)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    for attempt in range(3):
        old = driver.find_element("tag name", "html")
        try:
            find().click()
            break
        except (StaleElementReferenceException, WebDriverException):
            if attempt == 2:
                raise
            time.sleep(0.3)
    def gone(_: Any) -> bool:
        # The old page's root is stale once the next page has replaced it. Chromium sometimes
        # says so as "Node with given id does not belong to the document" (a WebDriverException,
        # not a StaleElementReferenceException, which is all staleness_of() allows for).
        try:
            old.is_enabled()
        except WebDriverException:
            return True
        return False

    WebDriverWait(driver, timeout, poll_frequency=0.1).until(gone)
    WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


def wait_text(driver: Any, text: str, timeout: float = 90) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout, poll_frequency=0.3).until(
        lambda d: text in d.find_element("tag name", "body").text)


def csp_violations(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser")
            if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]


def test_without_the_token_the_page_is_refused(server: Server, browser: Any,
                                               screenshots: Path) -> None:
    browser.get(server.base + "/")
    assert "You cannot use this page yet" in by_css(browser, "h1").text
    assert "Personal Education Plans" not in browser.page_source
    screenshot(browser, screenshots, "01-refused-without-token")
    browser.get(server.base + "/?token=not-the-token")
    assert "not this server's" in by_css(browser, "main").text


def test_the_printed_address_signs_in_and_drops_the_token(server: Server, browser: Any,
                                                          screenshots: Path) -> None:
    browser.get(server.url)
    assert browser.current_url == server.base + "/"  # the token is gone from the address
    cookie = browser.get_cookie("pepforms-session")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert browser.execute_script("return document.cookie") == ""  # HttpOnly: not for scripts
    assert "The register has no issued forms yet" in by_css(browser, "main").text
    screenshot(browser, screenshots, "02-term-empty")


def test_make_a_pack_from_a_roster(server: Server, browser: Any, screenshots: Path,
                                   downloads: Path, work: dict[str, Any]) -> None:
    from selenium.webdriver.support.ui import Select

    roster = work["dir"] / "roster.csv"
    roster.write_text(roster_csv(CHILDREN, bad_row=True), encoding="utf-8")
    browser.get(server.base + "/pack")
    # Nothing chosen: the error summary.
    go(browser, lambda: by_css(browser, "button[type=submit]"))
    summary = by_css(browser, ".error-summary")
    assert "There is a problem" in summary.text and "Select the authority" in summary.text
    assert browser.switch_to.active_element == summary  # the summary takes the focus
    assert browser.title.startswith("Error: ")
    by_css(browser, ".error-summary__list a[href='#roster']").click()  # the same page
    assert browser.switch_to.active_element.get_attribute("id") == "roster"
    screenshot(browser, screenshots, "03-pack-errors")

    Select(by_css(browser, "#authority")).select_by_value("cheshire-west")
    Select(by_css(browser, "#term")).select_by_value(TERM)
    by_css(browser, "#roster").send_keys(str(roster))
    screenshot(browser, screenshots, "04-pack-form")
    go(browser, lambda: by_css(browser, "button[type=submit]"))
    # The roster's problems, before anything is written: the bad row, by its line number.
    problems = by_css(browser, "#problems + table").text
    assert "Line 6, child C29999" in problems and "Left out" in problems
    assert "4" in by_css(browser, "main strong").text
    assert not list((server.files / "packs").rglob("*.docx"))  # nothing made yet
    screenshot(browser, screenshots, "05-pack-roster-checked")

    go(browser, lambda: by_css(browser, "form[action$='/make'] button"))
    heading = by_css(browser, "h1").text
    assert heading in ("Making the pack", "The pack is ready")
    if heading == "Making the pack":  # a small pack may be made before the page shows
        bar = by_css(browser, "progress#pack-progress")
        assert bar.get_attribute("max") == "4"
        assert by_css(browser, "meta[http-equiv=refresh]").get_attribute("content") == "2"
        screenshot(browser, screenshots, "06-pack-in-progress")
    wait_text(browser, "The pack is ready")
    assert "4 form(s) for 2 school(s)" in by_css(browser, ".panel").text
    screenshot(browser, screenshots, "06-pack-ready")
    before = {p.name for p in downloads.iterdir()}
    by_css(browser, "a[href$='/pack.zip']").click()
    pack = wait_for_download(downloads, ".zip", before)
    with zipfile.ZipFile(pack) as zf:
        names = zf.namelist()
        out = fresh(work["dir"] / "pack")
        zf.extractall(out)  # the test's own zip, made by the server
    for urn, school in (("900101", "Exampleton Primary School"), ("900201", "Mockbury Academy")):
        summary_txt = f"{school} ({urn})/summary.txt"
        assert summary_txt in names
        text = (out / summary_txt).read_text(encoding="utf-8")
        assert "Personal Education Plans for" in text
        for cid, (first, child_urn) in CHILDREN.items():
            assert (f"{first} Specimen ({cid})" in text) == (child_urn == urn)
    forms = sorted(p.name for p in out.rglob("*.docx"))
    assert forms == sorted(f"Specimen-{first}-{cid}-{TERM}.docx"
                           for cid, (first, _) in CHILDREN.items())
    assert "C29999" not in " ".join(names)
    work["pack"] = out


def test_the_overdue_list_shows_forms_never_returned(server: Server, browser: Any,
                                                     screenshots: Path) -> None:
    browser.get(server.base + "/")
    overdue = by_css(browser, "#overdue + table")
    assert "4 form(s) overdue" in overdue.text
    for cid, (first, _) in CHILDREN.items():
        assert f"{first} Specimen" in overdue.text and cid in overdue.text
    # The overdue list comes before the schools.
    headings = [h.text for h in all_css(browser, "h2")]
    assert headings.index("Overdue") < headings.index("Schools")
    screenshot(browser, screenshots, "07-term-overdue")


def test_upload_returned_forms_and_see_the_term_change(server: Server, browser: Any,
                                                       screenshots: Path, downloads: Path,
                                                       work: dict[str, Any]) -> None:
    pack: Path = work["pack"]
    sent = fresh(work["dir"] / "returned")
    good = returned(next(pack.rglob("*-C20001-*.docx")), sent)
    faulty = returned(next(pack.rglob("*-C20003-*.docx")), sent, fault="attendance")
    hostile = sent / "not-really-a-form.docx"
    hostile.write_bytes(b"PK\x03\x04" + b"\xff" * 4000)
    browser.get(server.base + "/check")
    screenshot(browser, screenshots, "08-check-form")
    by_css(browser, "#forms").send_keys("\n".join(str(p) for p in (good, faulty, hostile)))
    go(browser, lambda: by_css(browser, "button[type=submit]"))
    wait_text(browser, "form(s) checked")
    main = by_css(browser, "main").text
    assert "3 form(s) checked" in main
    assert "1 pass" in main and "1 need changes" in main and "1 could not be read" in main
    articles = {a.find_element("css selector", "h3").text.split(" ")[0]: a.text
                for a in all_css(browser, "article.checked-form")}
    assert "ready for quality assurance" in articles[good.name]
    assert "Send the annotated copy back" in articles[faulty.name]
    assert "Attendance is below 95%" in articles[faulty.name]
    assert "For the designated teacher" in articles[faulty.name]
    assert "could not be read" in articles[hostile.name].lower()
    screenshot(browser, screenshots, "09-check-results")

    before = {p.name for p in downloads.iterdir()}
    mockbury = next(s for s in all_css(browser, "section.school")
                    if "Mockbury Academy" in s.find_element("css selector", "h2").text)
    mockbury.find_element("css selector", "a[href*='/school/'][href$='.zip']").click()
    copies = wait_for_download(downloads, ".zip", before)
    with zipfile.ZipFile(copies) as zf:
        assert zf.namelist() == [faulty.stem + "-annotated.docx"]
        with zipfile.ZipFile(zf.open(zf.namelist()[0])) as docx:
            comments = docx.read("word/comments.xml").decode("utf-8")
    assert "Attendance is below 95%" in comments

    browser.get(server.base + "/")
    overdue = by_css(browser, "#overdue + table").text
    assert "2 form(s) overdue" in overdue
    assert "C20001" not in overdue and "C20003" not in overdue
    schools = by_css(browser, "#schools ~ div table").text
    assert "Received late" in schools or "Passed" in schools
    states = {f["child_id"]: f["state"] for f in status_json(server)["forms"]}
    assert states["C20001"] in ("passed", "received-late")
    assert states["C20003"] == "sent-back" and states["C20002"] == "overdue"
    assert any(f["state"] == "unmatched" for f in status_json(server)["forms"]) is False
    go(browser, lambda: browser.find_element("link text", "Mockbury Academy"))
    school = by_css(browser, "main").text
    assert "Sent back" in school and "Overdue" in school and "Cal Specimen" in school
    screenshot(browser, screenshots, "10-school")


def test_child_page_records_a_qa_grade_and_finalises(server: Server, browser: Any,
                                                     screenshots: Path,
                                                     downloads: Path) -> None:
    form_id = next(f["form_id"] for f in status_json(server)["forms"] if f["child_id"] == "C20001")
    browser.get(f"{server.base}/form/{form_id}")
    main = by_css(browser, "main").text
    assert "Ava Specimen" in main and "Version 1" in main and "Pass" in main
    assert "This term and last term" in main and "No form last term" in main
    go(browser, lambda: by_css(browser, "form[action$='/qa'] button"))  # no grade, no name
    summary = by_css(browser, ".error-summary")
    assert "Select the QA grade" in summary.text and "Enter your name" in summary.text
    assert browser.switch_to.active_element == summary
    screenshot(browser, screenshots, "11-child-qa-errors")
    by_css(browser, "input[name=grade][value='Good']").click()
    by_css(browser, "#by").send_keys("Q. Officer")
    by_css(browser, "#reason").send_keys("Clear, SMART targets")
    go(browser, lambda: by_css(browser, "form[action$='/qa'] button"))
    assert "The QA grade was recorded" in by_css(browser, ".notification").text
    decisions = by_css(browser, "#qa + table").text
    assert "Good" in decisions and "Q. Officer" in decisions and "Clear, SMART targets" in decisions
    states = {f["child_id"]: f for f in status_json(server)["forms"]}
    assert states["C20001"]["state"] == "qa-graded" and states["C20001"]["qa_grade"] == "Good"

    go(browser, lambda: by_css(browser, "form[action$='/finalise'] button"))
    assert "The finalised PDF was made" in by_css(browser, ".notification").text
    screenshot(browser, screenshots, "12-child-page")
    before = {p.name for p in downloads.iterdir()}
    by_css(browser, "a[href*='/finalised/']").click()
    pdf = wait_for_download(downloads, ".pdf", before)
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Ava" in text and form_id in text
    assert {f["child_id"]: f["state"] for f in status_json(server)["forms"]}["C20001"] == \
        "finalised"
    before = {p.name for p in downloads.iterdir()}
    by_css(browser, "a[href$='/file']").click()
    original = wait_for_download(downloads, ".docx", before)
    assert original.name == f"Specimen-Ava-C20001-{TERM}.docx"

    faulty = next(f["form_id"] for f in status_json(server)["forms"] if f["child_id"] == "C20003")
    browser.get(f"{server.base}/form/{faulty}")
    groups = [h.text for h in all_css(browser, ".findings__who")]
    assert "For the designated teacher" in groups
    assert all_css(browser, "a[href$='/annotated']")
    assert not all_css(browser, "form[action$='/finalise']")  # a failing form is not finalised


def test_reports_and_the_status_page(server: Server, browser: Any, screenshots: Path) -> None:
    browser.get(server.base + "/reports")
    main = by_css(browser, "main").text
    assert "The term's status" in main and "Validation reports of the forms checked here" in main
    screenshot(browser, screenshots, "13-reports")
    browser.get_log("browser")  # start afresh
    go(browser, lambda: browser.find_element("link text", "HTML (page)"))
    assert "Personal Education Plans" in by_css(browser, "h1").text
    # The library's own page keeps its inline style (allowed by its hash, nothing else).
    colour = browser.execute_script(
        "return getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "Arial" in colour
    screenshot(browser, screenshots, "14-status-report")
    browser.get(server.base + "/reports")
    go(browser, lambda: browser.find_element("css selector", "a[href$='/report.html']"))
    assert "PEP forms checked" in by_css(browser, "h1").text
    assert csp_violations(browser) == []


class _Evil(http.server.BaseHTTPRequestHandler):
    """Another site's page that posts to the pepforms page without its CSRF token."""

    target = ""
    timeout = 5  # a browser's speculative connection that never sends a request

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        page = (f'<!DOCTYPE html><form id="f" method="post" action="{self.target}/check" '
                'enctype="multipart/form-data"><input type="hidden" name="grade" value="x">'
                '</form><script>document.getElementById("f").submit()</script>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_cross_site_post_is_refused(server: Server, browser: Any, screenshots: Path) -> None:
    before = status_json(server)
    _Evil.target = server.base
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Evil)
    evil.daemon_threads = True
    thread = threading.Thread(target=evil.serve_forever, daemon=True)
    thread.start()
    try:
        browser.get(f"http://127.0.0.1:{evil.server_address[1]}/")
        wait_text(browser, "refused", timeout=30)
        assert browser.current_url == server.base + "/check"
        assert "nothing was changed" in by_css(browser, "main").text
        screenshot(browser, screenshots, "15-cross-site-refused")
    finally:
        evil.shutdown()
        evil.server_close()
    assert status_json(server) == before
    assert request(server, "GET", "/").status == 200  # still up
