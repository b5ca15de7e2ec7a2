"""Answering by voice in a real Chromium: its fake microphone plays a fixture WAV, the app transcribes it,
the candidate submits the transcript unedited, and sees the content feedback and the delivery feedback.
A browser whose microphone is blocked still shows how to allow it, and typing still works.
"""

from __future__ import annotations

import pytest

from test_browser import CHROMIUM, MSG, SCORE, SHOTS, STEP_MS, server, settle  # noqa: F401  (server is a fixture)
from voicehelp import VOICE

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                 "(.ci/run installs it with apt-get)")]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
RECORD_MS = 16_000          # the fixture is 14.7 s; Chromium loops it


def launch(playwright, *extra: str):
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS + list(extra))
    page = browser.new_context(viewport={"width": 1280, "height": 1100}).new_page()
    page.set_default_timeout(STEP_MS)
    return browser, page


def start_interview(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Start the interview").click()
    page.get_by_text("Question 1 of").first.wait_for()
    settle(page)


def test_answer_by_voice(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page = launch(p, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                               f"--use-file-for-fake-audio-capture={VOICE / 'roc_auc.wav'}")
        try:
            start_interview(page, server["url"])
            assert page.get_by_text("Answer by voice").count() == 1
            before = page.locator(MSG).filter(has_text=SCORE).count()
            page.get_by_role("button", name="Record", exact=True).click()
            page.get_by_role("button", name="Stop recording").wait_for()
            page.wait_for_timeout(RECORD_MS)
            page.get_by_role("button", name="Stop recording").click()

            box = page.get_by_label("Your answer, transcribed: correct any misheard word, then submit")
            box.wait_for()
            transcript = box.input_value()
            assert "positive rate" in transcript and "threshold" in transcript, transcript
            assert page.locator(MSG).filter(has_text=SCORE).count() == before      # nothing graded yet

            page.get_by_role("button", name="Submit spoken answer").click()
            page.wait_for_function(
                "([sel, n]) => [...document.querySelectorAll(sel)].filter(e => /\\d+\\.\\d\\/10/.test(e.innerText)).length > n",
                arg=[MSG, before])
            settle(page)
            feedback = page.locator(MSG).filter(has_text=SCORE).last.inner_text()
            assert SCORE.search(feedback)                                  # the content feedback
            assert "Delivery" in feedback and "words/min" in feedback and "Fillers" in feedback
            assert "Speaking time" in feedback
            answer = page.locator(MSG).filter(has_text="positive rate").first.inner_text()
            assert "threshold" in answer                                   # the transcript is the answer
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SHOTS / "10-voice-feedback.png"))

            page.get_by_role("button", name="End", exact=True).click()
            page.get_by_text("Delivery of your spoken answers").wait_for()
        finally:
            browser.close()


def test_blocked_microphone_explains_and_typing_still_works(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page = launch(p, "--deny-permission-prompts")
        try:
            start_interview(page, server["url"])
            page.get_by_role("button", name="Record", exact=True).click()
            page.wait_for_timeout(1500)
            assert page.get_by_text("Allow the microphone for this site").count() == 1
            before = page.locator(MSG).filter(has_text=SCORE).count()
            box = page.get_by_placeholder("Type your answer")
            box.fill("I don't know.")
            box.press("Enter")
            page.wait_for_function(
                "([sel, n]) => [...document.querySelectorAll(sel)].filter(e => /\\d+\\.\\d\\/10/.test(e.innerText)).length > n",
                arg=[MSG, before])
        finally:
            browser.close()


FAKE_VOICE = """
window.__spoken = [];
const fake = {
  getVoices: () => [{name: 'Test voice', lang: 'en-US'}],
  speak: (u) => window.__spoken.push(u.text), cancel: () => {},
  addEventListener: () => {},
};
Object.defineProperty(window, 'speechSynthesis', {get: () => fake});
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
"""
NO_VOICE = FAKE_VOICE.replace("[{name: 'Test voice', lang: 'en-US'}]", "[]")


def test_read_questions_aloud_only_when_the_browser_has_a_voice(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page = launch(p)
        try:
            page.add_init_script(NO_VOICE)
            start_interview(page, server["url"])
            assert not page.locator(".iv-tts").first.is_visible()       # no voice: no switch

            page.context.add_init_script(FAKE_VOICE)
            voiced = page.context.new_page()
            voiced.set_default_timeout(STEP_MS)
            voiced.goto(page.url)
            voiced.get_by_text("Question 1 of").first.wait_for()
            settle(voiced)
            switch = voiced.get_by_text("Read questions aloud")
            assert switch.is_visible()
            switch.click()
            voiced.wait_for_function("() => window.__spoken.length > 0")
            spoken = voiced.evaluate("() => window.__spoken[0]")
            question = voiced.locator(MSG).last.inner_text()
            assert "Question 1 of" in spoken and spoken.split()[-1] in question
            assert "record_voice_over" not in spoken
        finally:
            browser.close()
