"""The browser experience a candidate expects (issue 14), each in a real Chromium against the app.

A first run shows progress from the start and lets the candidate begin while the index builds;
nothing typed vanishes (a mistyped command, input from a stale tab); the question, progress and
timer stay in sight on a phone; the last feedback is shown before the review; the review and
history say what happened, and a time target and "what a 10/10 would add" guide each answer.
"""

from __future__ import annotations

import re

import pytest

from apphelp import REPO
from test_browser import (CHROMIUM, MSG, SCORE, STEP_MS, answer, launch, press, progress, running_app,  # noqa: F401
                          server, settle, waiting_question)

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                 "(.ci/run installs it with apt-get)")]
INDEXING = '.st-key-indexing [data-testid="stProgress"]'
TEXTS_DONE = re.compile(r"([\d,]+) of ([\d,]+) texts")


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """The app with the whole shipped bank and an empty data folder: nothing indexed yet."""
    root = tmp_path_factory.mktemp("first-run")
    env = {"INTERVIEWER_DATA_DIR": str(root / "data"), "INTERVIEWER_CACHE_DIR": str(root / "data" / "cache"),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with running_app(root, env) as url:
        yield {"url": url}


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page = launch(p)
        yield page
        browser.close()


def texts_done(page) -> int:
    """How many texts the first-run progress bar says are encoded."""
    found = TEXTS_DONE.search(page.locator(INDEXING).inner_text())
    assert found, page.locator(INDEXING).inner_text()
    return int(found.group(1).replace(",", ""))


def start(page, url: str, length: int = 1) -> None:
    """Open the set-up page and start an interview of ``length`` questions from all tracks."""
    page.goto(url)
    page.get_by_label("Number of questions").fill(str(length))
    page.get_by_label("Number of questions").press("Enter")
    settle(page)
    page.get_by_role("button", name="Start the interview").click()
    page.get_by_placeholder("Type your answer").wait_for()
    settle(page)


# --- 1. first run --------------------------------------------------------------------------------


def test_first_run_shows_progress_and_lets_the_candidate_start_at_once(first_run, browser_page):
    page = browser_page
    page.goto(first_run["url"])
    bar = page.locator(INDEXING)
    bar.wait_for()
    assert "preparing the question index" in bar.inner_text()
    assert page.get_by_role("button", name="Start the interview").is_visible()   # no waiting for the build
    before = texts_done(page)
    page.wait_for_function(  # the bar moves on by itself, without a click
        """([sel, n]) => { const el = document.querySelector(sel);
                           const m = el && el.innerText.match(/([\\d,]+) of [\\d,]+ texts/);
                           return !el || (m && Number(m[1].replace(/,/g, '')) > n); }""",
        arg=[INDEXING, before])

    # The first question is asked and graded while the index is still being built.
    start(page, first_run["url"])
    question = page.locator(MSG).first.inner_text()
    assert question
    answer(page, "Precision is the share of predicted positives that are correct; recall is the share of "
                 "actual positives that are found.")
    assert page.locator(MSG).filter(has_text=SCORE).count() == 1
    # (The bar's end and the index handed to the grader: tests/test_index.py.)
