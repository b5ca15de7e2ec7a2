"""Browser: the app in real Chromium (Debian's, driven by Playwright), timed from the candidate's side.

The app runs under ``streamlit run`` on a free local port with a fresh temporary data folder (the shipped
bank, or ``--bank``). Reported as median, min and max:

- cold start: from launching the server process to the first question on the page after pressing
  "Start the interview", with an empty data folder; the question index then builds in the background,
  and the time until the page says it is ready is reported too. Warm start: the same, a new server on
  the same data folder (index cached). Each also split: server answering, set-up page shown.
- an answer: from pressing Enter to its feedback (score) on the page; the grading alone (the app's own
  grader, ``Grader.for_bank`` with the packaged encoder and the index the app built, on the very answers
  the app saved, timed in this process after the server stopped); and the difference, answer by answer:
  what the rerun, saving and drawing the page add to the grading.
- click-to-response: each interview button (Start the interview, Hint, Retry, Skip, Reveal answer, End),
  then on the review a chart tab and the Markdown download, and the sidebar's History and New interview.
  Timed from the click (or the Enter key) as the page records it to the first frame that shows the result.

Run: .venv/bin/python benchmarks/bench_browser.py [--repeats 5] [--starts N] [--bank FOLDER]
Prints a table, then one JSON line with every figure. Not a test: the figures depend on the machine and on
what else runs on it (the load average is printed). The servers are always stopped, on errors too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from apphelp import stop_process  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
START_TIMEOUT_S = 600          # server up, or the set-up page, or the first question (the model loads first)
INDEX_TIMEOUT_S = 1800         # the whole bank's index on a loaded machine
STEP_TIMEOUT_S = 180           # one answer or click
QUIET_MS = 1000                # the page counts as settled after this long without change
MSG = '[data-testid="stChatMessage"]'

# Page-side timing: the click or Enter is stamped as the page sees it; the condition is polled every frame.
ARM = """() => { if (!window.__benchArmed) {
    window.__benchArmed = true;
    const stamp = () => { if (window.__benchT0 === null) window.__benchT0 = performance.now(); };
    document.addEventListener('click', stamp, true);
    document.addEventListener('keydown', e => { if (e.key === 'Enter') stamp(); }, true);
  }
  window.__benchT0 = null; }"""
HELPERS = r"""const msgs = () => [...document.querySelectorAll('[data-testid="stChatMessage"]')];
  const scored = () => msgs().filter(e => /\d+\.\d\/10/.test(e.innerText)).length;
  const bar = document.querySelector('[data-testid="stProgress"]:not(.st-key-indexing *)');
  const progress = bar ? bar.innerText.trim() : '';
  const heading = name => [...document.querySelectorAll('h1, h2, h3')].some(h => h.innerText.trim().startsWith(name));
  const busy = !!document.querySelector('[data-testid="stSpinner"]');"""
STATE = f"() => {{ {HELPERS} return {{messages: msgs().length, scored: scored(), progress, url: location.href}}; }}"
CONDITIONS = {
    "question": "!busy && msgs().some(e => /Question 1 of \\d+/.test(e.innerText)) && "
                "!!document.querySelector('textarea[placeholder=\"Type your answer\"]')",
    "scored": "scored() > arg.scored",
    "more": "!busy && msgs().length > arg.messages",
    "moved": "!busy && (progress !== arg.progress || msgs().length > arg.messages)",
    "heading": "heading(arg.heading)",
    "chart": "[...document.querySelectorAll('[role=\"tab\"][aria-selected=\"true\"]')].some(t => "
             "t.innerText.includes(arg.tab)) && [...document.querySelectorAll('[role=\"tabpanel\"]:not([hidden]) "
             "svg.marks')].some(svg => svg.querySelector('text') && svg.getBoundingClientRect().width > 0)",
}


class BenchError(Exception):
    """A step of the benchmark that could not be done: says which, and where to look."""


@dataclass
class Server:
    """One app server: its process, URL, launch time (perf_counter) and log file."""

    proc: subprocess.Popen
    url: str
    launched: float
    log: Path

    def tail(self, chars: int = 2000) -> str:
        """The end of the server's log, for error messages."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(data: Path, bank: Path | None) -> dict[str, str]:
    """The environment of the app: this data folder and its own index cache, no database URL or sign-in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEWER_")}
    env.update({"INTERVIEWER_DATA_DIR": str(data), "INTERVIEWER_CACHE_DIR": str(data / "cache"),
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    if bank is not None:
        env.update({"INTERVIEWER_BANK": str(bank), "INTERVIEWER_BANK_REPLACE": "1"})
    return env


@contextlib.contextmanager
def app_server(data: Path, bank: Path | None) -> Iterator[Server]:
    """The app on a free port; stopped (terminated, then killed) when the block ends, however it ends."""
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = data.parent / f"streamlit-{data.name}-{port}.log"
    with open(log_path, "w") as log:
        launched = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
                                 "--server.headless", "true", "--server.port", str(port),
                                 "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
                                 "--browser.gatherUsageStats", "false"],
                                cwd=REPO, env=app_env(data, bank), stdout=log, stderr=subprocess.STDOUT)
        try:
            yield Server(proc, f"http://127.0.0.1:{port}/", launched, log_path)
        finally:
            stop_process(proc)


def wait_healthy(server: Server) -> float:
    """Seconds from launch until the server answers its health check."""
    deadline = server.launched + START_TIMEOUT_S
    while time.perf_counter() < deadline:
        if server.proc.poll() is not None:
            raise BenchError(f"the app exited with code {server.proc.returncode}; its log:\n{server.tail()}")
        try:
            with urllib.request.urlopen(server.url + "_stcore/health", timeout=5) as response:
                if response.read() == b"ok":
                    return time.perf_counter() - server.launched
        except OSError:
            pass
        time.sleep(0.05)
    raise BenchError(f"the app did not answer {server.url}_stcore/health within {START_TIMEOUT_S} s; its log:\n"
                     f"{server.tail()}")


# --- the page ------------------------------------------------------------------------------------


def state(page) -> dict:
    """Messages, scored messages, progress label and URL, as the page shows them now."""
    return page.evaluate(STATE)


def settle(page) -> None:
    """Wait until the page is still: no spinner, and the same state for QUIET_MS."""
    last, still = None, 0
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while still < QUIET_MS:
        if time.monotonic() > deadline:
            raise BenchError(f"the page at {page.url} kept changing for {STEP_TIMEOUT_S} s")
        page.wait_for_timeout(100)
        now = state(page)
        busy = page.locator('[data-testid="stSpinner"]').count() > 0
        still = still + 100 if now == last and not busy else 0
        last = now


def timed(page, what: str, act, condition: str, arg: dict | None = None,
          timeout_s: float = STEP_TIMEOUT_S) -> float:
    """Milliseconds from the click or Enter that ``act()`` makes to the first frame where ``condition`` holds."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate(ARM)
    start = time.perf_counter()
    act()
    check = (f"arg => {{ {HELPERS} if (!({CONDITIONS[condition]})) return false;"
             " return {ms: window.__benchT0 === null || window.__benchT0 === undefined ? -1"
             " : performance.now() - window.__benchT0}; }")
    try:
        found = page.wait_for_function(check, arg=arg or {}, polling="raf", timeout=timeout_s * 1000).json_value()
    except PlaywrightTimeout as exc:
        raise BenchError(f"{what}: nothing to show for it within {timeout_s:.0f} s at {page.url}") from exc
    wall = (time.perf_counter() - start) * 1000
    return found["ms"] if found["ms"] >= 0 else wall      # no stamp (the page reloaded): the wall clock


def button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def open_new_interview(page, url: str) -> float:
    """The set-up page, ready for a click on Start; returns when (perf_counter) its Start button showed."""
    page.goto(url)
    button(page, "Start the interview").wait_for(timeout=START_TIMEOUT_S * 1000)
    shown = time.perf_counter()
    settle(page)
    return shown


def prompts(bank) -> dict[str, str]:
    """Each question and follow-up text of the bank (whitespace collapsed), mapped to its model answer."""
    out = {}
    for question in bank:
        out[" ".join(question.question.split())] = question.reference_answer
        for item in question.follow_ups:
            out[" ".join(item.question.split())] = item.reference_answer
    return out


def an_answer(page, answers: dict[str, str]) -> str:
    """The model answer to the newest prompt on the page (a fixed answer if none is recognised)."""
    for text in reversed([" ".join(t.split()) for t in page.locator(MSG).all_inner_texts()]):
        for prompt, answer in answers.items():
            if prompt in text:
                return answer
    return ("I would start from a simple baseline, pick a metric that matches the business goal, and compare "
            "models on held-out data with cross-validation, watching for leakage between the folds.")


# --- the measurements ----------------------------------------------------------------------------


def start_once(browser, data: Path, bank: Path | None, cold: bool) -> dict[str, float]:
    """One server start, timed to the first question (and, when cold, to the finished index): seconds."""
    figures = {}
    with app_server(data, bank) as server:
        figures["server up"] = wait_healthy(server)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        try:
            page = context.new_page()
            page.set_default_timeout(STEP_TIMEOUT_S * 1000)
            figures["set-up page shown"] = open_new_interview(page, server.url) - server.launched
            timed(page, "first question", lambda: button(page, "Start the interview").click(), "question",
                  timeout_s=START_TIMEOUT_S)
            figures["first question shown"] = time.perf_counter() - server.launched
            if cold:
                try:
                    page.get_by_text("The question index is ready").wait_for(timeout=INDEX_TIMEOUT_S * 1000)
                except Exception as exc:  # noqa: BLE001 - a Playwright timeout, said in our words
                    raise BenchError(f"the question index was not ready within {INDEX_TIMEOUT_S} s; the app's "
                                     f"log:\n{server.tail()}") from exc
                figures["question index ready"] = time.perf_counter() - server.launched
                if not any((data / "cache").glob("*.npz")):
                    raise BenchError(f"the index is said to be ready but {data / 'cache'} holds no index file")
        finally:
            context.close()
    return figures


def interview_once(page, url: str, answers: dict[str, str], clicks: dict[str, list[float]],
                   skipped: dict[str, int]) -> tuple[str, list[float]]:
    """One interview driven through every button; returns its session id and its answers' Enter-to-feedback ms."""
    def click(name: str, condition: str, **arg) -> None:
        if not button(page, name).count() or not button(page, name).is_enabled():
            skipped[name] += 1
            return
        before = state(page)
        clicks[name].append(timed(page, name, lambda: button(page, name).click(), condition, {**before, **arg}))
        settle(page)

    def answer() -> float:
        box = page.get_by_placeholder("Type your answer")
        box.fill(an_answer(page, answers))
        ms = timed(page, "an answer", lambda: box.press("Enter"), "scored", state(page))
        settle(page)
        return ms

    open_new_interview(page, url)
    clicks["Start the interview"].append(timed(page, "Start the interview",
                                               lambda: button(page, "Start the interview").click(), "question"))
    settle(page)
    session = re.search(r"session=([\w-]+)", page.url)
    if not session:
        raise BenchError(f"no session id in the URL after starting an interview: {page.url}")
    click("Hint", "more")
    feedback = [answer()]
    click("Retry", "more")          # the question just answered, once more
    click("Skip", "moved")
    feedback.append(answer())
    click("Reveal answer", "moved")
    click("End", "heading", heading="Review")
    page.get_by_role("tab", name="Per key point").wait_for()
    clicks["review: Per key point tab"].append(
        timed(page, "the key-point tab", lambda: page.get_by_role("tab", name="Per key point").click(), "chart",
              {"tab": "Per key point"}))
    start = time.perf_counter()
    with page.expect_download(timeout=STEP_TIMEOUT_S * 1000):
        button(page, "Markdown").click()
    clicks["review: Markdown download"].append((time.perf_counter() - start) * 1000)
    settle(page)
    click("History", "heading", heading="History")
    click("New interview", "heading", heading="Set up your interview")
    return session.group(1), feedback


def grading_alone(data: Path, bank_dir: Path | None, sessions: list[str], repeats: int = 5) -> list[list[float]]:
    """Per session, per saved answer: the median ms of the app's grader on it, in this process."""
    from embeddings import load_encoder
    from interviewer.bank import load_bank
    from interviewer.grading.grader import Grader
    from interviewer.review import SessionView
    from interviewer.store import Store
    from interviewer.transcript import AnswerGiven

    bank = load_bank(bank_dir, replace=bank_dir is not None, strict=False)
    grader = Grader.for_bank(bank, load_encoder(), data / "cache")
    store = Store(f"sqlite:///{data / 'interviewer.sqlite3'}")
    try:
        out = []
        for session in sessions:
            times = []
            for entry in SessionView.from_data(store.session_data(session)).entries:
                if not isinstance(entry, AnswerGiven):
                    continue
                question = bank.get(entry.question_id)
                rubric = (question.rubric if entry.follow_up_id is None
                          else question.follow_up(entry.follow_up_id).rubric(question.kind))
                grader.grade(rubric, entry.text)                    # warm: the rubric's vectors, the code paths
                runs = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    grader.grade(rubric, entry.text)
                    runs.append((time.perf_counter() - start) * 1000)
                times.append(statistics.median(runs))
            out.append(times)
        return out
    finally:
        store.close()


# --- report --------------------------------------------------------------------------------------


def summary(values: list[float]) -> dict:
    return {"n": len(values), "median": round(statistics.median(values), 1) if values else None,
            "min": round(min(values), 1) if values else None, "max": round(max(values), 1) if values else None}


def print_table(rows: list[tuple[str, str, list[float]]]) -> None:
    print(f"\n{'what':<46} {'unit':>4} {'n':>3} {'median':>9} {'min':>9} {'max':>9}")
    for name, unit, values in rows:
        if not values:
            print(f"{name:<46} {unit:>4} {0:>3} {'-':>9} {'-':>9} {'-':>9}")
            continue
        s = summary(values)
        digits = 2 if unit == "s" else 0
        print(f"{name:<46} {unit:>4} {s['n']:>3} {s['median']:>9.{digits}f} {s['min']:>9.{digits}f} "
              f"{s['max']:>9.{digits}f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interviews driven through every button")
    parser.add_argument("--starts", type=int, default=None, help="cold and warm starts (default: --repeats)")
    parser.add_argument("--bank", type=Path, default=None, help="a bank folder used instead of the shipped one")
    args = parser.parse_args()
    starts = args.repeats if args.starts is None else args.starts
    if not CHROMIUM.exists():
        sys.exit(f"bench_browser: needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))    # so the servers are stopped on a kill too

    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    load_before = os.getloadavg()
    print(f"data folders under {root}; bank: {args.bank or 'shipped'}; cores: {os.cpu_count()}; load average "
          f"{load_before[0]:.1f} (other work on the machine skews every figure)", flush=True)
    starting: dict[str, list[float]] = defaultdict(list)
    clicks: dict[str, list[float]] = defaultdict(list)
    skipped: dict[str, int] = defaultdict(int)
    feedback: list[list[float]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                for i in range(starts):
                    data = root / f"data-{i}"
                    for kind, cold in (("cold", True), ("warm", False)):
                        for name, seconds in start_once(browser, data, args.bank, cold).items():
                            starting[f"{kind} start: {name}"].append(seconds)
                        print(f"start {i + 1}/{starts} {kind}: first question after "
                              f"{starting[f'{kind} start: first question shown'][-1]:.1f} s", flush=True)
                data = root / f"data-{max(starts - 1, 0)}"
                sessions = []
                with app_server(data, args.bank) as server:
                    wait_healthy(server)
                    from interviewer.bank import load_bank

                    answers = prompts(load_bank(args.bank, replace=args.bank is not None, strict=False))
                    page = browser.new_context(viewport={"width": 1280, "height": 1000},
                                               accept_downloads=True).new_page()
                    page.set_default_timeout(STEP_TIMEOUT_S * 1000)
                    open_new_interview(page, server.url)          # the first render loads the model: not timed
                    for i in range(args.repeats):
                        session, ms = interview_once(page, server.url, answers, clicks, skipped)
                        sessions.append(session)
                        feedback.append(ms)
                        print(f"interview {i + 1}/{args.repeats}: answers shown after "
                              + ", ".join(f"{x:.0f}" for x in ms) + " ms", flush=True)
            finally:
                browser.close()
        grades = grading_alone(data, args.bank, sessions)
    except BenchError as exc:
        sys.exit(f"bench_browser: {exc}")
    for session, shown, graded in zip(sessions, feedback, grades):
        if len(shown) != len(graded):
            sys.exit(f"bench_browser: session {session} saved {len(graded)} answers, {len(shown)} were sent")

    shown = [x for row in feedback for x in row]
    graded = [x for row in grades for x in row]
    beyond = [a - b for a, b in zip(shown, graded)]
    rows = [(name, "s", values) for name, values in starting.items()]
    rows += [("answer: Enter to feedback shown", "ms", shown), ("answer: grading alone (same answers)", "ms", graded),
             ("answer: beyond the grading (per answer)", "ms", beyond)]
    rows += [(f"click: {name}", "ms", values) for name, values in clicks.items()]
    print_table(rows)
    if skipped:
        print("buttons disabled when their turn came (not timed): "
              + ", ".join(f"{name} x{n}" for name, n in skipped.items()))
    load_after = os.getloadavg()
    print(f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; cores: {os.cpu_count()}")
    print(json.dumps({"bench": "browser", "cores": os.cpu_count(), "load_average": {
        "before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]},
        "repeats": args.repeats, "starts": starts, "bank": str(args.bank) if args.bank else "shipped",
        "figures": {name: {"unit": unit, **summary(values)} for name, unit, values in rows},
        "disabled_when_due": dict(skipped)}))


if __name__ == "__main__":
    main()
