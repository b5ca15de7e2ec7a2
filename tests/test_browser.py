"""End to end in a real browser: Chromium (Debian's) driven by Playwright against the app on a free port.

One interview: choose a track, answer one question well, one badly (with markup that must stay inert)
after a hint, reload mid-interview and see it resume, answer "I don't know", skip, finish, open the
review, download the Markdown, and visit the history. Screenshots of each screen go to screenshots/.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from apphelp import APP, REPO, app_env, data_dir_with_shared_cache, small_real_bank, stop_process, wait_until_up

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "screenshots"
STARTUP_SECONDS = 900          # the first run builds the index on a busy CI machine; not a speed assertion
STEP_MS = 300_000             # one step (a grading, a rerun) on a loaded machine
MSG = '[data-testid="stChatMessage"]'
PROGRESS = '[data-testid="stProgress"]:not(.st-key-indexing *)'   # the interview's, not the first-run index bar
SCORE = re.compile(r"\d+\.\d/10")
NASTY = ("It depends. <img src=x onerror=alert(1)> [click](http://evil.example) www.evil.example "
         "![pic](http://evil.example/p.png) **loud** $x^2$ :red[red]")

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                 "(.ci/run installs it with apt-get)")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(root: Path, env: dict[str, str]) -> Iterator[str]:
    """The app under ``streamlit run`` on a free port with ``env`` added; yields its URL, stops it at the end."""
    port = free_port()
    log = open(root / "streamlit.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"], cwd=REPO,
                            env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    wait_until_up(proc, url, root / "streamlit.log", STARTUP_SECONDS)
    try:
        yield url
    finally:
        stop_process(proc)
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, request):
    """The app on a small real bank, with its own data folder and the shared index cache."""
    root = tmp_path_factory.mktemp("browser")
    bank = small_real_bank(root / "bank")
    data = data_dir_with_shared_cache(root / "data", request.config.cache.mkdir("app-index"))
    with running_app(root, app_env(bank, data)) as url:
        yield {"url": url, "bank": bank, "data": data}


def launch(playwright, **context):
    """Debian's Chromium, headless, and a new page in a fresh context (1280x1000 unless told)."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
    page = browser.new_context(**{"viewport": {"width": 1280, "height": 1000}, "accept_downloads": True,
                                  **context}).new_page()
    page.set_default_timeout(STEP_MS)
    return browser, page


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page = launch(p)
        yield page
        browser.close()


# --- helpers -----------------------------------------------------------------------------------


def settle(page, quiet_ms: int = 1500) -> None:
    """Wait until the page stops changing: no spinner, and the same messages and progress for a moment."""
    last, still = None, 0
    deadline = time.monotonic() + STEP_MS / 1000
    while still < quiet_ms:
        assert time.monotonic() < deadline, "the page never settled"
        page.wait_for_timeout(250)
        busy = page.locator('[data-testid="stSpinner"]').count() > 0
        state = (page.locator(MSG).count(), _text(page, PROGRESS), busy)
        still = still + 250 if state == last and not busy else 0
        last = state


def _text(page, selector: str) -> str:
    """The text of the first element matching ``selector`` now, or "" when there is none.

    Read in one step in the page: counting and then reading raced with a fast rerun (the element
    left the page in between, and the read waited for it until its timeout).
    """
    text = page.evaluate("sel => { const e = document.querySelector(sel); return e ? e.innerText : ''; }", selector)
    return " ".join(text.split())


def progress(page) -> str:
    """The progress label, e.g. "Question 2 of 3 · follow-up"."""
    return _text(page, PROGRESS)


def shoot(page, name: str, tall: bool = False) -> None:
    """A screenshot into screenshots/ (ignored by git); tall ones show a whole page."""
    SHOTS.mkdir(exist_ok=True)
    if tall:
        page.set_viewport_size({"width": 1280, "height": 3000})
        page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    if tall:
        page.set_viewport_size({"width": 1280, "height": 1000})
        page.wait_for_timeout(500)


def scores(page) -> int:
    return page.locator(MSG).filter(has_text=SCORE).count()


def answer(page, text: str) -> None:
    """Type an answer, send it, and wait for its feedback."""
    before = scores(page)
    box = page.get_by_placeholder("Type your answer")
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(
        "([sel, n]) => [...document.querySelectorAll(sel)].filter(e => /\\d+\\.\\d\\/10/.test(e.innerText)).length > n",
        arg=[MSG, before])
    settle(page)


def press(page, name: str, react_ms: int = 20_000) -> None:
    """Click one of the buttons beside the chat input, and wait for the page to react, then to settle.

    On a loaded machine the rerun can start more than settle()'s quiet time after the click, so
    settle() alone may return before anything happened; a click that changes nothing waits react_ms.
    """
    before = (page.locator(MSG).count(), _text(page, PROGRESS), page.url)
    page.get_by_role("button", name=name, exact=True).click()
    deadline = time.monotonic() + react_ms / 1000
    while time.monotonic() < deadline:
        busy = page.locator('[data-testid="stSpinner"]').count() > 0
        if busy or (page.locator(MSG).count(), _text(page, PROGRESS), page.url) != before:
            break
        page.wait_for_timeout(200)
    settle(page)


def waiting_question(page, bank):
    """The bank question whose text is in the newest question bubble."""
    texts = [" ".join(t.split()) for t in page.locator(MSG).all_inner_texts()]
    for text in reversed(texts):
        for question in bank:
            if " ".join(question.question.split()) in text:
                return question
    raise AssertionError("no question from the bank is on the page")


def skip_follow_ups(page) -> None:
    while "follow-up" in progress(page):
        press(page, "Skip")


# --- the test ----------------------------------------------------------------------------------


def test_a_whole_interview_in_the_browser(server, page):
    from interviewer.bank import load_bank

    bank = load_bank(server["bank"], replace=True)
    page.goto(server["url"])
    page.get_by_text("Number of questions").wait_for()
    settle(page)

    # Set-up: one track, three questions.
    page.get_by_role("combobox", name="Tracks").click()
    option = page.get_by_role("option").filter(has_text=re.compile(r"\(\d+ questions\)")).first
    track_label = option.inner_text()
    assert re.search(r"\(\d+ questions\)", track_label)
    option.click()
    page.keyboard.press("Escape")
    page.get_by_label("Number of questions").fill("3")
    page.get_by_label("Number of questions").press("Enter")
    settle(page)
    shoot(page, "01-setup")
    page.get_by_role("button", name="Start the interview").click()
    page.get_by_text("Question 1 of 3").first.wait_for()
    settle(page)
    assert "session=" in page.url
    track_title = track_label.split(" (")[0]
    assert f"Tracks: {track_title}" in " ".join(page.inner_text("body").split())
    assert page.get_by_text("Time on this question").count() == 1

    # Question 1, answered well: the model answer in the candidate's words.
    first = waiting_question(page, bank)
    answer(page, first.reference_answer)
    feedback = page.locator(MSG).filter(has_text=SCORE).last.inner_text()
    assert "Covered" in feedback                       # the grader's calibration is tested elsewhere
    good_score = float(SCORE.search(feedback).group().split("/")[0])
    shoot(page, "02-feedback-good")
    skip_follow_ups(page)

    # Question 2: a hint, then a bad answer full of markup that must stay text.
    assert progress(page).startswith("Question 2 of 3")
    second = waiting_question(page, bank)
    press(page, "Hint")
    assert any(hint in page.locator(MSG).last.inner_text() for hint in second.hints)
    answer(page, NASTY)
    bad = page.locator(MSG).filter(has_text=SCORE).last.inner_text()
    assert float(SCORE.search(bad).group().split("/")[0]) < good_score, bad
    chat = page.locator(MSG)
    assert chat.locator("a").count() == 0 and chat.locator("img").count() == 0
    assert page.get_by_text("<img src=x onerror=alert(1)>", exact=False).count() >= 1
    shoot(page, "03-feedback-bad")
    while progress(page).startswith("Question 2 of 3"):   # a follow-up or an offered hint: move on
        press(page, "Skip")

    # Reload mid-interview: the same interview, the same transcript, the same waiting question.
    assert progress(page).startswith("Question 3 of 3")
    bubbles_before = page.locator(MSG).count()
    url = page.url
    page.reload()
    page.get_by_placeholder("Type your answer").wait_for()
    settle(page)
    assert page.url == url
    assert page.locator(MSG).count() == bubbles_before
    assert progress(page).startswith("Question 3 of 3")
    shoot(page, "04-resumed")
    page.set_viewport_size({"width": 400, "height": 860})     # a phone: buttons and bubbles must wrap
    settle(page)
    shoot(page, "05-interview-narrow")
    page.set_viewport_size({"width": 1280, "height": 1000})
    settle(page)

    # Question 3: "I don't know" earns a nudge, not a score; then skip, which ends the interview.
    answer(page, "I don't know.")
    dont_know = page.locator(MSG).filter(has_text=SCORE).last.inner_text()
    assert "0.0/10" in dont_know
    while page.get_by_placeholder("Type your answer").count():
        press(page, "Skip")
    press(page, "See your review")

    # The review: scores, charts, areas, downloads, transcript.
    page.get_by_role("tab", name="Per key point").wait_for()
    settle(page)
    assert page.locator('[data-testid="stVegaLiteChart"], .vega-embed').count() >= 1
    assert page.get_by_text("Transcript").count() >= 1
    shoot(page, "06-review", tall=True)
    page.get_by_role("tab", name="Per key point").click()
    page.wait_for_timeout(1500)
    page.get_by_role("tab", name="Per key point").scroll_into_view_if_needed()
    shoot(page, "07-review-key-points")
    with page.expect_download() as download:
        page.get_by_role("button", name="Markdown").click()
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith("# Mock interview")
    assert " ".join(first.question.split())[:40] in " ".join(markdown.split())
    assert "I don't know" in markdown
    assert "<img" not in markdown.replace("\\<img", "")

    # History: the session is listed with its score, and the progress chart is drawn.
    page.get_by_role("button", name="History").click()
    page.get_by_role("button", name="Review").first.wait_for()
    settle(page)
    assert page.locator('[data-testid="stVegaLiteChart"], .vega-embed').count() >= 1
    shoot(page, "08-history")

    # The same review in a dark system theme: highlights and badges must stay readable.
    page.emulate_media(color_scheme="dark")
    page.goto(url)
    page.get_by_role("button", name="Markdown").wait_for()
    settle(page)
    page.get_by_text("Transcript").first.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    shoot(page, "09-review-dark")
