"""A spoken answer goes through the same session as a typed one and keeps its delivery in the store,
the review, the exports (Markdown, JSON, PDF) and the history. Real transcriber on the fixtures; the
keyword grader stands in for the grader only (grading spoken answers is measured by the benchmark).
"""

from __future__ import annotations

import json

import pytest

from fakes import Clock, KeywordGrader, small_bank
from interviewer import settings
from interviewer.charts import delivery_chart
from interviewer.engine import Engine
from interviewer.export import to_json, to_markdown, to_pdf
from interviewer.planner import Setup
from interviewer.review import SessionView, history
from interviewer.session import Interview
from interviewer.store import Store
from interviewer.transcript import AnswerGiven, Command
from interviewer.voice import Silence, load_transcriber
from interviewer.voice.summary import delivery_points
from voicehelp import VOICE, silence, wav_bytes

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    return small_bank(tmp_path_factory.mktemp("bank"))


@pytest.fixture(scope="module")
def spoken():
    return load_transcriber(settings.load()).transcribe(VOICE / "fillers.wav")


@pytest.fixture
def engine(bank, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    yield Engine(bank, KeywordGrader(), store, data_dir=tmp_path)
    store.close()


def answers(interview) -> list[AnswerGiven]:
    return [e for e in interview.entries if isinstance(e, AnswerGiven)]


def test_a_spoken_answer_is_graded_like_typed_and_keeps_its_delivery(engine, spoken):
    interview = engine.start(Setup(length=2, seed=1), clock=Clock())
    twin = Interview.from_dict(interview.to_dict(), engine.bank, engine.grader, clock=Clock())
    engine.answer(interview, spoken.text, spoken)
    twin.handle(spoken.text)                                         # the same text, typed
    said, wrote = answers(interview)[0], answers(twin)[0]
    assert said.grade == wrote.grade and said.feedback == wrote.feedback
    assert wrote.delivery is None
    assert said.delivery.words == len(spoken.words) and dict(said.delivery.fillers)["like"] == 1
    assert said.delivery.expected == (60, 120)                       # a main technical question


def test_a_follow_up_expects_a_shorter_answer(engine, spoken):
    interview = engine.start(Setup(length=2, seed=1), clock=Clock())
    engine.handle(interview, "alpha beta gamma")                    # a strong answer earns a follow-up
    assert interview.current.follow_up_id is not None
    engine.answer(interview, spoken.text, spoken)
    assert answers(interview)[-1].delivery.expected == (20, 90)


def test_delivery_survives_the_store_and_a_resume(engine, spoken):
    interview = engine.start(Setup(length=2, seed=1), clock=Clock())
    engine.answer(interview, "my own edited words about alpha", spoken)
    again = engine.resume(interview.id)
    assert answers(again)[0].delivery == answers(interview)[0].delivery
    assert answers(again)[0].text == "my own edited words about alpha"


def test_review_and_exports_carry_the_delivery(engine, spoken):
    interview = engine.start(Setup(length=2, seed=1), clock=Clock())
    engine.answer(interview, spoken.text, spoken)
    engine.command(interview, Command.SKIP)
    while not interview.is_over:
        engine.handle(interview, "alpha")
    view = SessionView.from_data(engine.store.session_data(interview.id))
    summary = view.delivery
    assert summary is not None and len(summary.answers) == 1 and summary.answers[0].label == "Q1"
    assert summary.habit == answers(interview)[0].delivery.habit and summary.next_step
    markdown = to_markdown(view)
    assert "## Delivery (spoken answers)" in markdown and "| Q1 |" in markdown
    assert "**Delivery** (spoken)" in markdown and "words/min" in markdown
    data = json.loads(to_json(view))
    spoken_entry = next(e for e in data["entries"] if e["kind"] == "answer" and e.get("delivery"))
    assert spoken_entry["delivery"]["fillers"]["like"] == 1 and "wpm" in spoken_entry["delivery"]
    assert data["delivery"]["spoken_answers"] == 1
    assert to_pdf(view).startswith(b"%PDF")


def test_typed_only_sessions_show_no_delivery(engine):
    interview = engine.start(Setup(length=1, seed=1), clock=Clock())
    while not interview.is_over:
        engine.handle(interview, "alpha")
    view = SessionView.from_interview(interview)
    assert view.delivery is None and "Delivery" not in to_markdown(view) and "delivery" not in json.loads(to_json(view))


def test_history_charts_pace_and_fillers_across_sessions(engine, spoken):
    for _ in range(2):
        interview = engine.start(Setup(length=1, seed=1), clock=Clock())
        engine.answer(interview, spoken.text, spoken)
    rows = history(engine.store, "me")
    points = delivery_points([(r.info.created_at, r.info.id, r.delivery) for r in rows])
    assert {p["measure"] for p in points} == {"words per minute", "fillers per minute"} and len(points) == 4
    assert delivery_chart(points).to_dict()


def test_a_failed_recording_changes_nothing(engine):
    interview = engine.start(Setup(length=1, seed=1), clock=Clock())
    before = (len(interview.entries), engine.store.session_data(interview.id))
    with pytest.raises(Silence):
        load_transcriber(settings.load()).transcribe(wav_bytes(silence(2.0)))
    assert (len(interview.entries), engine.store.session_data(interview.id)) == before
    engine.handle(interview, "alpha beta")                           # typing still works
    assert len(answers(interview)) == 1
