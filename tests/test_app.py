"""The Streamlit app driven by AppTest, with the real grader on a small real bank.

Set-up, answering, each button, resuming from the URL, the review with its downloads, the history,
and the safety rules (candidate text escaped, over-long answers refused with a message).
"""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from apphelp import APP, data_dir_with_shared_cache, small_real_bank
from interviewer.bank import load_bank
from interviewer.chat import ANSWER_LIMIT
from interviewer.markup import JOINER, escape
from interviewer.store import Store

TIMEOUT = 600   # generous: the first run builds the index, and CI machines are shared; not a speed check


@pytest.fixture(scope="module")
def shared(tmp_path_factory, request):
    """One bank and one index cache for every test here (the engine is cached per process by the app)."""
    root = tmp_path_factory.mktemp("app")
    bank_dir = small_real_bank(root / "bank")
    data = data_dir_with_shared_cache(root / "data", request.config.cache.mkdir("app-index"))
    return bank_dir, data, load_bank(bank_dir, replace=True)


@pytest.fixture
def env(shared, tmp_path, monkeypatch):
    """The app's settings for one test: the shared bank and cache, a database of its own."""
    bank_dir, data, bank = shared
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("INTERVIEWER_BANK", str(bank_dir))
    monkeypatch.setenv("INTERVIEWER_BANK_REPLACE", "1")
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(data))
    monkeypatch.setenv("INTERVIEWER_DATABASE_URL", url)
    return {"bank": bank, "url": url}


def app(**params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(params)
    return at.run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def texts(at: AppTest) -> list[str]:
    """Every Markdown text inside the chat bubbles, in order."""
    return [child.value for message in at.chat_message for child in message.children.values()
            if getattr(child, "type", "") == "markdown"]


def start(at: AppTest, length: int = 2, **choices) -> AppTest:
    at.number_input(key="setup_length").set_value(length)
    for key, value in choices.items():
        at.multiselect(key=key).set_value(value) if key == "setup_tracks" else at.text_area(key=key).input(value)
    return button(at.run(), "Start the interview").click().run()


def current_question(at: AppTest, bank):
    """The bank question the newest question bubble asks."""
    for text in reversed(texts(at)):
        for question in bank:
            if escape(question.question) in text:
                return question
    raise AssertionError("no bank question on the page")


def no_errors(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


# --- set-up ------------------------------------------------------------------------------------


def test_setup_lists_tracks_with_counts_and_starts_an_interview(env):
    at = app()
    no_errors(at)
    assert at.title[0].value == "ML mock interviewer"
    labels = at.multiselect(key="setup_tracks").options
    assert labels and all(label.endswith(" questions)") for label in labels)
    assert at.button_group(key="setup_difficulty").options  # junior / mid / senior / mixed / adaptive
    at = start(at, length=2)
    no_errors(at)
    session = at.query_params["session"]
    assert Store(env["url"]).session_data(session)["entries"]      # saved the moment it started
    assert any("Question 1 of 2" in t for t in texts(at))
    assert any("Questions:** 2" in c.value for c in at.caption)      # the set-up is shown on the interview


def test_weak_spot_practice_is_offered_once_there_is_history(env):
    at = app()
    assert "My weak spots" not in at.radio(key="setup_source").options
    at = start(at, length=1)
    button(at, "Reveal answer").click().run()          # a revealed question leaves every key point missed
    at = app()
    assert "My weak spots" in at.radio(key="setup_source").options
    at.radio(key="setup_source").set_value("weak").run()
    at = button(at, "Start the interview").click().run()
    no_errors(at)
    assert "practice my weak spots" in " ".join(c.value for c in at.caption)


def test_a_job_description_tailors_the_interview(env):
    at = app()
    at.radio(key="setup_source").set_value("job").run()
    at = start(at, length=2, setup_job="We need someone who can design A/B tests, compute confidence intervals "
                                        "and explain p-values and statistical power to product managers.")
    no_errors(at)
    assert any("tailored to a job description" in c.value for c in at.caption)
    assert any("This question targets" in t for t in texts(at))


def test_an_empty_job_description_is_one_clear_error(env):
    at = app()
    at.radio(key="setup_source").set_value("job").run()
    at = button(at, "Start the interview").click().run()
    assert not at.exception and len(at.error) == 1 and "paste a job description" in at.error[0].value
    assert "session" not in at.query_params


def test_a_model_that_fails_to_load_in_the_background_is_a_clear_error_on_the_page(env, tmp_path, monkeypatch):
    # The model loads in the background while the set-up page is drawn; when loading fails, the next
    # run of any page says why, with no traceback.
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    (broken / "modules.json").write_text("[]")
    monkeypatch.setenv("INTERVIEWER_MODEL", str(broken))
    at = app()
    for _ in range(120):
        if at.error:
            break
        time.sleep(0.5)
        at.run()
    assert not at.exception, at.exception
    messages = [e.value for e in at.error]
    assert any("Could not load the embedding model" in m and "broken-model" in m for m in messages), messages


# --- answering and the buttons -----------------------------------------------------------------


def test_an_answer_is_graded_saved_and_explained(env):
    at = start(app(), length=2)
    question = current_question(at, env["bank"])
    at.chat_input(key="answer").set_value(question.reference_answer).run()
    no_errors(at)
    feedback = next(t for t in texts(at) if "/10**" in t)
    assert "**Covered**" in feedback and ":green-badge[①]" in feedback
    answer_md = next(t for t in texts(at) if ":green-background[" in t)   # the covering sentence, highlighted
    assert ":green-badge[①]" in answer_md
    assert any(e.label == "Show model answer" for e in at.expander)
    saved = Store(env["url"]).session_data(at.query_params["session"])["entries"]
    assert any(e["kind"] == "answer" for e in saved)


def test_a_misconception_is_corrected_and_its_sentence_marked(env, encoder):
    from interviewer.grading.grader import Grader

    at = start(app(), length=2)
    question = current_question(at, env["bank"])
    # What is tested here is how the app shows a correction, not the grader's recall (measured by
    # `interviewer eval`): take a claim of this question that the grader catches next to a key point
    # (for 2 of the 29 questions here it misses the first claim; the question is drawn at random).
    grader = Grader(encoder)
    said = [(m, f"{question.key_points[0].text} {m.claim}") for m in question.misconceptions]
    wrong, text = next((m, t) for m, t in said if grader.grade(question.rubric, t).misconceptions)
    at.chat_input(key="answer").set_value(text).run()
    no_errors(at)
    feedback = next(t for t in texts(at) if "/10**" in t)
    assert "**Corrections**" in feedback and escape(wrong.correction) in feedback
    assert any(":red-background[" in t and ":red-badge[⚠]" in t for t in texts(at))


def test_commands_can_be_typed_too(env):
    at = start(app(), length=2)
    at.chat_input(key="answer").set_value("/skip").run()
    no_errors(at)
    assert any("Skip this one." in t for t in texts(at)) and any("Question 2 of 2" in t for t in texts(at))


def test_candidate_text_is_escaped(env):
    at = start(app(), length=2)
    nasty = "<b>bold</b> [link](http://evil.example) ![img](x.png) **star** $x$ :red[red] www.evil.example"
    at.chat_input(key="answer").set_value(nasty).run()
    no_errors(at)
    shown = next(t for t in texts(at) if "evil" in t)
    assert "\\<b\\>" in shown and "\\[link\\]" in shown and "\\*\\*star\\*\\*" in shown and "\\$x\\$" in shown
    assert "\\:red\\[red\\]" in shown and f"www{JOINER}." in shown and f"http{JOINER}" in shown


def test_an_over_long_answer_is_refused_with_a_message(env):
    at = start(app(), length=1)
    before = len(Store(env["url"]).session_data(at.query_params["session"])["entries"])
    at.chat_input(key="answer").set_value("word " * (ANSWER_LIMIT // 5 + 10)).run()
    no_errors(at)
    assert any(f"the limit is {ANSWER_LIMIT:,}" in w.value for w in at.warning)
    assert len(Store(env["url"]).session_data(at.query_params["session"])["entries"]) == before


def test_each_button_does_what_it_says(env):
    at = start(app(), length=3)
    assert button(at, "Retry").disabled                      # nothing answered yet
    question = current_question(at, env["bank"])
    at = button(at, "Hint").click().run()
    no_errors(at)
    assert any("**Hint**" in t and escape(question.hints[0]) in t for t in texts(at))
    at.chat_input(key="answer").set_value(question.reference_answer).run()
    assert not button(at, "Retry").disabled                  # answered and moved on: one retry allowed
    at = button(at, "Retry").click().run()
    assert any("*Once more\\:*" in t for t in texts(at)) and button(at, "Retry").disabled
    at = button(at, "Skip").click().run()
    assert any("Skip this one." in t for t in texts(at))
    at = button(at, "Reveal answer").click().run()
    assert any("**Model answer**" in t for t in texts(at))
    at = button(at, "End").click().run()
    no_errors(at)
    assert at.header[0].value == "Review"
    kinds = [e["kind"] for e in Store(env["url"]).session_data(at.query_params["session"])["entries"]]
    assert kinds.count("command") >= 5 and kinds[-1] == "end"    # every button was recorded


# --- resume, review, history -------------------------------------------------------------------


def test_reopening_the_link_resumes_the_interview(env):
    at = start(app(), length=2)
    at = button(at, "Hint").click().run()
    session, shown = at.query_params["session"], texts(at)
    again = app(session=session)                             # a new browser session: rebuilt from the store
    no_errors(again)
    assert texts(again) == shown
    assert not button(again, "Skip").disabled


def test_the_review_has_scores_charts_areas_and_downloads(env, monkeypatch):
    import ui.pages

    built = []
    real_pdf = ui.pages.to_pdf
    monkeypatch.setattr(ui.pages, "to_pdf", lambda *a, **k: built.append(1) or real_pdf(*a, **k))
    at = start(app(), length=1)
    question = current_question(at, env["bank"])
    at.chat_input(key="answer").set_value(question.reference_answer).run()
    while at.chat_input:                                     # a follow-up may come: skip it
        at = button(at, "Skip").click().run()
    no_errors(at)
    assert at.query_params["view"] == "finished"             # the last feedback first, then the review
    at = button(at, "See your review").click().run()
    assert at.header[0].value == "Review"
    assert [m.label for m in at.metric][:2] == ["Overall", "Questions"]
    assert {"Markdown", "JSON", "PDF"} <= {d.label for d in at.get("download_button")}
    assert built == []                                       # the PDF is built when clicked, not on every render
    assert len(at.get("arrow_vega_lite_chart")) + len(at.get("vega_lite_chart")) >= 2
    assert any("Transcript" == s.value for s in at.subheader)
    review = app(session=at.query_params["session"])         # any past interview opens on its review
    assert review.header[0].value == "Review"


def test_history_lists_sessions_with_scores_and_a_progress_chart(env):
    at = start(app(), length=1)
    button(at, "Reveal answer").click().run()
    history = app(view="history")
    no_errors(history)
    assert history.header[0].value == "History"
    assert any(b.label == "Review" for b in history.button)
    assert any("0.0/10" in m.value for m in history.markdown)


def test_history_deletes_one_interview_after_a_confirmation_and_keeps_the_others(env):
    first = start(app(), length=1).query_params["session"]
    second = start(app(), length=1).query_params["session"]
    store = Store(env["url"])
    assert {s.id for s in store.list_sessions("me")} == {first, second}
    history = app(view="history")
    history.button(key=f"delete_{first}").click().run()      # the button inside the "Delete" confirmation
    no_errors(history)
    assert [s.id for s in store.list_sessions("me")] == [second]
    assert [b.key for b in history.button if b.key and b.key.startswith("open_")] == [f"open_{second}"]
    from interviewer.store import SessionNotFound
    with pytest.raises(SessionNotFound):
        store.session_data(first)                            # its turns went with it
    store.close()


def test_an_unknown_session_is_one_clear_error(env):
    at = app(session="<img src=x>[x](http://e.example)")
    assert not at.exception
    assert len(at.error) == 1 and "No saved session" in at.error[0].value
    assert "\\<img" in at.error[0].value


# --- no answer lost; no page crashed by stored text (issue 16, points 3 and 4) -------------------


def unsent(at: AppTest) -> list[str]:
    """The texts shown back to the candidate as not saved."""
    return [c.value for c in at.code]


def test_an_answer_whose_save_fails_stays_on_the_page_and_the_next_one_is_saved(env):
    import sqlite3

    at = start(app(), length=2)
    session = at.query_params["session"]
    db = sqlite3.connect(env["url"].removeprefix("sqlite:///"))
    db.execute("CREATE TRIGGER full BEFORE INSERT ON turns WHEN NEW.kind = 'answer' "
               "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    db.commit()
    first = "Overfitting is learning the noise of the training set; the first answer, typed before the disk filled."
    at.chat_input(key="answer").set_value(first).run()
    assert not at.exception
    assert any("disk holding" in e.value for e in at.error)
    assert unsent(at) == [first]                           # still in front of the candidate, with a message
    assert not any("first answer" in t for t in texts(at))   # not shown as if it had been graded
    at.button(key="cmd_hint").click().run()                  # a later click does not take it off the page
    assert not at.exception and unsent(at) == [first] and any("disk holding" in e.value for e in at.error)
    db.execute("DROP TRIGGER full")
    db.commit()
    db.close()
    second = "Overfitting means the model memorises noise: low training error, high validation error."
    at.chat_input(key="answer").set_value(second).run()
    no_errors(at)
    saved = [e["text"] for e in Store(env["url"]).session_data(session)["entries"] if e["kind"] == "answer"]
    assert saved == [second]
    assert any("memorises noise" in t for t in texts(at))
    assert unsent(at) == [] and not at.error                 # saved: the old notice has gone


def test_a_lock_at_the_moment_of_sending_keeps_the_text(env):
    import sqlite3

    at = start(app(), length=2)
    holder = sqlite3.connect(env["url"].removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    text = "Bias is error from wrong assumptions; variance is sensitivity to the training sample."
    try:
        at.chat_input(key="answer").set_value(text).run()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not at.exception
    assert any("locked by another program" in e.value for e in at.error)
    assert unsent(at) == [text]


def test_stored_text_utf8_cannot_carry_does_not_crash_the_pages(env):
    import json
    import sqlite3

    at = start(app(), length=1)
    session = at.query_params["session"]
    at.chat_input(key="answer").set_value("placeholder answer").run()
    db = sqlite3.connect(env["url"].removeprefix("sqlite:///"))
    (seq, payload), = db.execute("SELECT seq, payload FROM turns WHERE kind = 'answer'").fetchall()
    data = json.loads(payload)
    data["text"] = "caf\udce9 from a Latin-1 terminal \ud800"     # what an older `interviewer practice` saved
    db.execute("UPDATE turns SET payload = ? WHERE seq = ?", (json.dumps(data), seq))
    db.commit()
    db.close()
    page = app(session=session)
    no_errors(page)
    assert any("caf\ufffd from a Latin-1 terminal" in t for t in texts(page))
    no_errors(app(view="history"))


def test_a_nul_byte_in_the_url_is_a_clear_message(env):
    no_errors(app(profile="a\x00b"))
    no_errors(app(profile="a\x00b", view="history"))
    at = app(session="abc\x00def")
    assert not at.exception and len(at.error) == 1 and "No saved session" in at.error[0].value


def test_a_broken_custom_bank_file_is_reported_on_the_setup_page(env, shared, tmp_path, monkeypatch):
    import shutil

    bank_dir = tmp_path / "bank"
    shutil.copytree(shared[0], bank_dir)
    (bank_dir / "mine.yaml").write_text("questions:\n  - id: [unclosed\n")
    monkeypatch.setenv("INTERVIEWER_BANK", str(bank_dir))
    at = app()
    assert not at.exception
    (warning,) = [w.value for w in at.warning]
    assert "could not be loaded and was skipped" in warning and "mine.yaml" in warning
    assert at.multiselect(key="setup_tracks").options                # the rest of the bank still works


def test_a_damaged_database_moved_aside_is_replaced_without_a_restart(env, tmp_path):
    at = start(app(), length=1)                              # the app holds the database open
    no_errors(at)
    db = tmp_path / "app.sqlite3"
    with open(db, "r+b") as handle:                          # damaged in place, under the running app
        handle.write(b"garbage!" * 2048)
    broken = app(view="history")
    assert any("damaged or is not a database" in e.value for e in broken.error)
    db.rename(tmp_path / "app.sqlite3.bak")                  # what the message tells the candidate to do
    again = app()
    no_errors(again)
    assert button(again, "Start the interview")
    assert db.is_file()                                      # a new, empty database
