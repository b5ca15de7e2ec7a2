"""The chat view, the review, the exports and the charts, driven without Streamlit (keyword grader)."""

from __future__ import annotations

import json

import pytest

from fakes import Clock, KeywordGrader, small_bank
from interviewer.chat import ANSWER_LIMIT, Kind, Role, check_answer, messages, progress, unavailable
from interviewer.bank import Difficulty, Track
from interviewer.charts import (POINT_CHART_WIDTH, POINT_WRAP, point_chart, point_rows, progress_chart, question_chart,
                                track_chart)
from interviewer.engine import Engine
from interviewer.export import to_json, to_markdown, to_pdf
from interviewer.planner import Setup
from interviewer.review import SessionView, describe_setup, history, progress_points
from interviewer.store import Store
from interviewer.summary import PointScore, QuestionScore, Summary
from interviewer.transcript import Command

NASTY = "alpha <img src=x> [link](http://evil.example) beta"


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    return small_bank(tmp_path_factory.mktemp("bank"))


@pytest.fixture
def engine(bank, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    yield Engine(bank, KeywordGrader(), store, data_dir=tmp_path)
    store.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def finished(engine, clock):
    """An interview with a good answer, a hint, a skip, a non-answer and a reveal."""
    interview = engine.start(Setup(length=3, seed=3), clock=clock)
    clock.advance(42)
    engine.handle(interview, NASTY)
    while interview.current and interview.current.follow_up_id:
        engine.command(interview, Command.SKIP)
    engine.command(interview, Command.HINT)
    engine.command(interview, Command.SKIP)
    engine.handle(interview, "I don't know")
    while not interview.is_over:
        engine.command(interview, Command.ANSWER)
    return interview


# --- the chat ----------------------------------------------------------------------------------


def test_messages_alternate_interviewer_and_candidate(finished):
    chat = messages(finished.entries, finished.setup.length)
    assert chat[0].role is Role.INTERVIEWER and chat[0].kind is Kind.QUESTION and chat[0].title == "Question 1 of 3"
    kinds = [m.kind for m in chat]
    assert kinds[1:3] == [Kind.ANSWER, Kind.FEEDBACK]
    assert Kind.HINT in kinds and Kind.COMMAND in kinds and kinds[-1] is Kind.END
    reveal = next(m for m in chat if m.title == "Model answer")
    assert reveal.role is Role.INTERVIEWER and "model" in reveal.text.lower()


def test_progress_and_time_on_the_prompt(engine, clock):
    interview = engine.start(Setup(length=2, seed=1), clock=clock)
    clock.advance(75)
    now = progress(interview, clock())
    assert (now.number, now.total, now.answered, now.follow_up) == (1, 2, 0, False)
    assert now.seconds == pytest.approx(75) and now.label() == "Question 1 of 2"
    engine.handle(interview, "alpha beta gamma")
    assert progress(interview, clock()).answered == 1


def test_buttons_that_do_not_apply_are_explained(engine, clock):
    interview = engine.start(Setup(length=2, seed=1), clock=clock)
    reasons = unavailable(interview)
    assert reasons[Command.HINT] is None and reasons[Command.SKIP] is None and reasons[Command.END] is None
    assert "answered" in reasons[Command.RETRY]
    engine.handle(interview, "alpha")                       # a weak answer: a follow-up on beta comes next
    assert interview.current.follow_up_id is not None
    reasons = unavailable(interview)
    assert "follow-up" in reasons[Command.HINT] and reasons[Command.RETRY] is None
    engine.command(interview, Command.RETRY)
    assert "already retried" in unavailable(interview)[Command.RETRY] or unavailable(interview)[Command.RETRY]
    engine.command(interview, Command.END)
    assert all(unavailable(interview)[c] for c in (Command.HINT, Command.SKIP, Command.ANSWER, Command.END))


def test_hints_run_out(engine, clock, bank):
    interview = engine.start(Setup(length=1, seed=1), clock=clock)
    for _ in bank.get(interview.current.question_id).hints:
        engine.command(interview, Command.HINT)
    assert unavailable(interview)[Command.HINT] == "No more hints for this question."


def test_answers_over_the_limit_are_refused_with_the_limit_stated():
    assert check_answer("x" * ANSWER_LIMIT) is None
    message = check_answer("x" * (ANSWER_LIMIT + 1))
    assert f"{ANSWER_LIMIT:,}" in message and "Nothing was sent" in message


# --- review and exports ------------------------------------------------------------------------


def test_a_saved_session_reviews_like_the_live_one(engine, finished):
    live = SessionView.from_interview(finished)
    saved = SessionView.from_data(engine.store.session_data(finished.id))
    assert saved.summary == live.summary == finished.summary()
    assert saved.entries == tuple(finished.entries) and saved.ended
    assert json.loads(json.dumps(saved.export())) == json.loads(json.dumps(finished.export()))


def test_setup_is_described_in_plain_words():
    pairs = dict(describe_setup(Setup(tracks=("ml-fundamentals",), difficulty="adaptive", length=4,
                                      job_description="We need NLP.", profile="ana")))
    assert pairs == {"Tracks": "ML fundamentals", "Difficulty": "adaptive", "Questions": "4",
                     "Source": "tailored to a job description", "Profile": "ana"}


def test_markdown_export_has_setup_scores_areas_and_an_escaped_transcript(finished, bank):
    view = SessionView.from_interview(finished)
    text = to_markdown(view, view.model_answers(bank))
    assert text.startswith("# Mock interview, ")
    assert "- **Questions:** 3" in text and "## Scores" in text and "## Transcript" in text
    assert "| 1 |" in text and "*Model answer:*" in text
    assert ("> **alpha**\u00a0① \\<img src=x\\> \\[link\\](http\u2060\\://evil.example) **beta**\u00a0②"
            in text)
    assert "<img" not in text.replace("\\<img", "")


def test_json_export_round_trips(finished):
    data = json.loads(to_json(SessionView.from_interview(finished)))
    assert data["id"] == finished.id and data["summary"]["questions"] and len(data["entries"]) == len(finished.entries)


def test_pdf_export_is_a_pdf_even_with_characters_outside_latin_1(engine, clock, monkeypatch):
    interview = engine.start(Setup(length=1, seed=2), clock=clock)
    engine.handle(interview, "alpha — “quoted” ünïcode ✓ 中文 " + "x" * 300)
    engine.command(interview, Command.END)
    view = SessionView.from_interview(interview)
    pdf = to_pdf(view)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    import interviewer.export as export

    monkeypatch.setattr(export, "UNICODE_FONT", export.UNICODE_FONT.with_name("no-such-font.ttf"))
    assert to_pdf(view).startswith(b"%PDF-")               # core fonts: unencodable characters replaced


# --- history and charts ------------------------------------------------------------------------


def test_history_lists_sessions_with_per_track_scores(engine, finished, clock):
    second = engine.start(Setup(length=1, seed=9), clock=clock)
    engine.handle(second, "alpha beta gamma")
    rows = history(engine.store, "me")
    assert [r.info.id for r in rows][-1] == finished.id and len(rows) == 2
    assert all(r.tracks for r in rows)
    points = progress_points(rows)
    assert points and points[0]["date"] <= points[-1]["date"]
    assert history(engine.store, "someone-else") == []


def test_charts_are_valid_vega_lite_with_the_summary_data(finished, engine):
    summary = finished.summary()
    for chart in (question_chart(summary), track_chart(summary), point_chart(summary)):
        spec = chart.to_dict()
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    rows = question_chart(summary).to_dict()["data"]["values"]
    assert [r["label"] for r in rows] == [f"Q{q.number}" for q in summary.questions]
    assert progress_chart(progress_points(history(engine.store, "me"))).to_dict()["data"]["values"]


LONG_POINTS = (    # 8 to 25 words, as in the bank
    ("covered", "The central limit theorem says the mean of many independent samples is approximately normal, "
                "whatever the original distribution, if its variance is finite."),
    ("partly covered", "F1 is the harmonic mean of precision and recall."),
    ("missed", "If cross-validation is also used for tuning, that score is optimistic, so nested CV or a held-out "
               "test set gives the final estimate of how the chosen model generalises."),
)


def long_points_summary(questions: int = 2) -> Summary:
    """A summary whose questions and key points are as long as the bank's longest."""
    asked = tuple(QuestionScore(n, f"q{n}", "Walk me through how you would evaluate a churn model " * 6,
                                Track.EVALUATION_METRICS, Difficulty.MID, "cross validation", "answered", 5.0)
                  for n in range(1, questions + 1))
    points = tuple(PointScore(q.question_id, f"k{i}", text, 1.0, status)
                   for q in asked for i, (status, text) in enumerate(LONG_POINTS))
    return Summary(5.0, asked, (), points, (), (), questions, 60.0, None)


def test_the_key_point_chart_keeps_every_point_whole_on_rows_that_fit_a_phone():
    summary = long_points_summary()
    rows = point_rows(summary)
    assert [r["point"] for r in rows] == [p.text for p in summary.points]           # in full, for the tooltip
    for row in rows:
        lines = row["lines"].split("\n")
        assert " ".join(lines) == row["point"] and max(map(len, lines)) <= POINT_WRAP
        assert row["row_px"] >= 15 * max(len(lines), len(row["status_lines"].split("\n")))
    assert all(a["y"] + a["row_px"] < b["y"] for a, b in zip(rows, rows[1:]))       # no row over the next
    assert rows[3]["y"] - rows[2]["y"] > rows[2]["row_px"] + 15                      # room for Q2's heading

    spec = point_chart(summary).to_dict()
    assert spec["height"] == round(rows[-1]["y"] + rows[-1]["row_px"])             # grows with the rows
    assert POINT_CHART_WIDTH <= 358 and spec["autosize"]["type"] == "fit-x"         # a 390-pixel phone's column
    taller = point_chart(long_points_summary(questions=4)).to_dict()["height"]
    assert taller > 1.9 * spec["height"]


def test_no_chart_cuts_a_long_text_short():
    summary = long_points_summary()
    for chart in (question_chart(summary), track_chart(summary), point_chart(summary)):
        assert "\u2026" not in json.dumps(chart.to_dict(), ensure_ascii=False)
    assert question_chart(summary).to_dict()["data"]["values"][0]["question"] == " ".join(
        summary.questions[0].question.split())
