"""The review's and the history's charts in a real Chromium: every label whole and inside its chart (issue 14).

Key points are sentences of 8-25 words; the review once cut them to 70 characters with an ellipsis and, on
a 390x844 phone, drew the key-point chart twice as wide as the screen (the status dots fell off its edge).
"""

from __future__ import annotations

import pytest

from test_browser import CHROMIUM, launch, server, settle  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                 "(.ci/run installs it with apt-get)")]
DESKTOP = {"width": 1280, "height": 1000}
PHONE = {"width": 390, "height": 844}
CHART = '[data-testid="stVegaLiteChart"]'
IN_OPEN_TAB = f'[role="tabpanel"]:not([hidden]) {CHART}'

# Each text of a rendered Vega chart (SVG) that is cut with an ellipsis or reaches outside what can be seen of
# the chart: its own box, clipped to the page's main column and the window. A line's box is its font's em box,
# taller than its glyphs: a quarter of its thickness may spill over (a title set flush with the chart's top).
CUT_OR_OUTSIDE = """chart => {
  const svg = chart.querySelector('svg.marks');
  if (!svg) return ['no SVG chart (a canvas?)'];
  const main = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect();
  const own = chart.getBoundingClientRect(), drawn = svg.getBoundingClientRect();
  const left = Math.max(own.left, drawn.left, main.left, 0), right = Math.min(own.right, drawn.right, main.right,
                                                                              window.innerWidth);
  const top = Math.max(own.top, drawn.top), bottom = Math.min(own.bottom, drawn.bottom);
  const problems = [];
  for (const el of svg.querySelectorAll('text')) {
    for (const line of (el.children.length ? el.children : [el])) {
      const text = line.textContent.trim(), r = line.getBoundingClientRect();
      if (!text) continue;
      if (text.includes('\u2026')) problems.push('cut: ' + text);
      const across = r.width >= r.height, spill = Math.min(r.width, r.height) / 4 + 1;
      const [dx, dy] = across ? [1, spill] : [spill, 1];
      if (r.left < left - dx || r.right > right + dx || r.top < top - dy || r.bottom > bottom + dy)
        problems.push(`outside ${Math.round(left)}..${Math.round(right)} x ${Math.round(top)}..${Math.round(bottom)}: `
                      + `${Math.round(r.left)}..${Math.round(r.right)} x ${Math.round(r.top)}..${Math.round(r.bottom)} `
                      + text);
    }
  }
  return problems; }"""
LINES = """chart => [...chart.querySelectorAll('svg.marks text')].map(
  t => t.children.length ? [...t.children].map(line => line.textContent).join(' ') : t.textContent)"""
DRAWN = """chart => { const svg = chart.querySelector('svg.marks');
  return !!svg && svg.querySelectorAll('text').length > 0 && svg.getBoundingClientRect().width > 0; }"""


@pytest.fixture(scope="module")
def long_points(server):
    """An ended interview, in the app's own database, on the three questions of the bank with the longest key
    points, half of them covered: its URL and its key points."""
    from fakes import Clock, KeywordGrader
    from interviewer.bank import load_bank
    from interviewer.engine import Engine
    from interviewer.planner import Plan, Setup
    from interviewer.session import Interview
    from interviewer.store import Store
    from interviewer.transcript import Command

    bank = load_bank(server["bank"], replace=True)
    chosen = sorted(bank, key=lambda q: -max(len(p.text) for p in q.key_points))[:3]
    engine = Engine(bank, KeywordGrader(), Store(f"sqlite:///{server['data'] / 'interviewer.sqlite3'}"))
    interview = Interview.begin(bank, engine.grader, Setup(length=3, profile="long-points"),
                                Plan(tuple(q.id for q in chosen), rotate_tracks=False), clock=Clock())
    engine.store.create_session(interview)
    for question in chosen:
        engine.handle(interview, " ".join(p.id for p in question.key_points[::2]))   # every other point covered
        while not interview.is_over and interview.current.follow_up_id:
            engine.command(interview, Command.SKIP)
    assert interview.is_over
    engine.store.close()
    points = [p.text for q in chosen for p in q.key_points]
    assert max(len(p.split()) for p in points) >= 20         # the sentences the issue is about
    return {"url": f"{server['url']}?session={interview.id}&profile=long-points", "points": points,
            "history": f"{server['url']}?view=history&profile=long-points"}


def shown_chart(page, selector: str = IN_OPEN_TAB):
    """The first chart ``selector`` finds (by default the open tab's), in sight, once Vega has drawn it."""
    chart = page.locator(selector).first
    chart.wait_for()
    chart.scroll_into_view_if_needed()
    page.wait_for_function(DRAWN, arg=chart.element_handle())
    page.wait_for_timeout(500)                        # a redraw at the final width
    return chart


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_chart_label_is_whole_and_inside_its_chart(long_points, viewport):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page = launch(p, viewport=viewport)
        page.goto(long_points["url"])
        page.get_by_role("heading", name="Review").wait_for()
        settle(page)
        problems = {}
        for tab in ("Per question", "Per track", "Per key point"):
            page.get_by_role("tab", name=tab).click()
            problems[tab] = page.evaluate(CUT_OR_OUTSIDE, shown_chart(page).element_handle())
        # Each key point is there in full, in the chart's own words (its lines joined).
        drawn = " ".join(" ".join(page.evaluate(LINES, shown_chart(page).element_handle())).split())
        missing = [point for point in long_points["points"] if " ".join(point.split()) not in drawn]

        page.goto(long_points["history"])
        problems["History"] = page.evaluate(CUT_OR_OUTSIDE, shown_chart(page, CHART).element_handle())
        assert {chart: found for chart, found in problems.items() if found} == {}
        assert missing == [], drawn
        browser.close()
