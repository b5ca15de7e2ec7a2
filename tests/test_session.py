"""The interview state machine, driven without a browser (keyword grader, hand-driven clock)."""

from __future__ import annotations

import json

import pytest

from fakes import Clock, KeywordGrader, small_bank, write_bank, question
from interviewer.bank import Difficulty, Track
from interviewer.planner import Level, Plan, Setup, SetupError, plan_tracks
from interviewer.session import HELP_TEXT, Interview, NextKind, choose_follow_up
from interviewer.state import Outcome, Phase
from interviewer.summary import Summary
from interviewer.transcript import AnswerGiven, Command, CommandUsed, EndReason, FollowUpAsked, HintGiven, plain

ALL = "alpha beta gamma"          # covers every key point: a strong answer
NO_ALPHA = "beta and gamma"       # misses the heaviest point
IDK = "I don't know"


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    return small_bank(tmp_path_factory.mktemp("bank"))


@pytest.fixture
def clock():
    return Clock()


def start(bank, clock, **setup) -> Interview:
    chosen = Setup(**{"tracks": ("ml-fundamentals",), "length": 3, "seed": 7, **setup})
    return Interview.begin(bank, KeywordGrader(), chosen, plan_tracks(bank, chosen), clock=clock)


def ordered(bank, *ids, length=3, **setup) -> Interview:
    """An interview whose questions come in exactly this order."""
    chosen = Setup(length=length, **setup)
    return Interview.begin(bank, KeywordGrader(), chosen, Plan(tuple(ids), rotate_tracks=False), clock=Clock())


def commands(reply) -> list[Command]:
    return [e.command for e in reply.entries if isinstance(e, CommandUsed)]


# --- asking and following up ---------------------------------------------------------------


def test_begin_asks_the_first_question(bank, clock):
    interview = start(bank, clock)
    reply = interview.opening()
    assert interview.phase is Phase.QUESTION and reply.next is NextKind.QUESTION
    assert reply.number == 1 and reply.total == 3 and reply.prompt == bank.get(reply.question_id).question
    assert bank.get(reply.question_id).track is Track.ML_FUNDAMENTALS


def test_missed_heavy_point_gets_its_follow_up(bank):
    interview = ordered(bank, "mlf-mid-0", "mlf-mid-1")
    reply = interview.handle(NO_ALPHA)
    assert reply.next is NextKind.FOLLOW_UP and reply.follow_up_id == "fu-alpha"
    assert reply.prompt == "Follow-up on alpha for mlf-mid-0?"
    assert [p.key_point_id for p in reply.feedback.missed] == ["alpha"]
    asked = [e for e in reply.entries if isinstance(e, FollowUpAsked)][0]
    assert asked.probes == "alpha" and "alpha" in asked.reason


def test_strong_answer_missing_a_point_is_followed_up_on_that_point(bank):
    interview = ordered(bank, "mlf-mid-0")
    reply = interview.handle("alpha and gamma")            # 2.5/3.5: strong, but beta (weight 1) missed
    assert reply.feedback.band.value == "strong" and reply.follow_up_id == "fu-beta"


def test_strong_answer_goes_deeper(bank):
    interview = ordered(bank, "mlf-mid-0")
    assert interview.handle(ALL).follow_up_id == "fu-deeper"
    interview = ordered(bank, "mlf-mid-0")
    assert interview.handle("alpha beta").follow_up_id == "fu-deeper"   # only the light gamma missed


def test_light_missed_point_and_middling_answer_moves_on(bank):
    interview = ordered(bank, "mlf-mid-0", "mlf-mid-1")
    bank_q = bank.get("mlf-mid-0")
    assert choose_follow_up(bank_q, interview.state.record("mlf-mid-0"), interview.grader.grade(bank_q.rubric, "gamma")) is None
    reply = interview.handle("alpha")                     # 2/3.5 = 0.57: beta missed -> fu-beta
    assert reply.follow_up_id == "fu-beta"


def test_at_most_two_follow_ups(bank):
    interview = ordered(bank, "mlf-mid-0", "mlf-mid-1")
    assert interview.handle("gamma").follow_up_id == "fu-alpha"
    assert interview.handle("x and y").follow_up_id == "fu-beta"
    reply = interview.handle("x and y")
    assert reply.next is NextKind.QUESTION and reply.question_id == "mlf-mid-1"
    assert interview.state.record("mlf-mid-0").follow_ups == ["fu-alpha", "fu-beta"]


def test_follow_up_answers_are_graded(bank):
    interview = ordered(bank, "mlf-mid-0", "mlf-mid-1")
    interview.handle(NO_ALPHA)
    reply = interview.handle("x only")
    assert reply.feedback.score10 == 5.0
    answers = [e for e in interview.entries if isinstance(e, AnswerGiven)]
    assert answers[-1].follow_up_id == "fu-alpha" and answers[-1].grade.score == 0.5


def test_no_follow_up_after_i_dont_know_but_a_hint(bank):
    interview = ordered(bank, "mlf-mid-0", "mlf-mid-1")
    reply = interview.handle(IDK)
    assert reply.next is NextKind.HINT and reply.prompt == "First hint for mlf-mid-0."
    assert reply.question_id == "mlf-mid-0" and interview.phase is Phase.QUESTION
    assert not reply.feedback.missed                       # a non-answer does not give the points away
    reply = interview.handle(IDK)                          # a second non-answer: move on, no follow-up
    assert reply.next is NextKind.QUESTION and reply.question_id == "mlf-mid-1"
    assert not [e for e in interview.entries if isinstance(e, FollowUpAsked)]


def test_answer_after_offered_hint_is_graded_normally(bank):
    interview = ordered(bank, "mlf-mid-0", "mlf-mid-1")
    interview.handle(IDK)
    reply = interview.handle(NO_ALPHA)
    assert reply.follow_up_id == "fu-alpha"
    assert interview.state.record("mlf-mid-0").grade.score == pytest.approx(1.5 / 3.5, abs=1e-4)


def test_i_dont_know_to_a_follow_up_moves_on(bank):
    interview = ordered(bank, "mlf-mid-0", "mlf-mid-1")
    interview.handle(NO_ALPHA)
    reply = interview.handle(IDK)
    assert reply.next is NextKind.QUESTION and reply.question_id == "mlf-mid-1"


def test_no_hint_left_means_moving_on(tmp_path):
    item = question("mlf-only-0", "ml-fundamentals", "mid")
    item["hints"] = ["The only hint."]
    bank = write_bank(tmp_path / "b", [item, question("mlf-only-1", "ml-fundamentals", "mid")])
    interview = ordered(bank, "mlf-only-0", "mlf-only-1")
    assert interview.hint().prompt == "The only hint."
    reply = interview.handle(IDK)
    assert reply.next is NextKind.QUESTION and reply.question_id == "mlf-only-1"


# --- choosing questions --------------------------------------------------------------------


def _run_adaptive(bank, answers):
    interview = start(bank, Clock(), tracks=(), difficulty=Level.ADAPTIVE, length=len(answers) + 1)
    levels = [bank.get(interview.current.question_id).difficulty]
    for text in answers:
        reply = interview.handle(text)
        while reply.next is not NextKind.QUESTION:
            reply = interview.skip()                      # leave follow-ups and hints aside
        levels.append(bank.get(reply.question_id).difficulty)
    return levels


def test_adaptive_difficulty_moves_up_then_down(bank):
    levels = _run_adaptive(bank, [ALL, ALL, "gamma", "gamma", "gamma"])
    assert levels == [Difficulty.MID, Difficulty.SENIOR, Difficulty.SENIOR, Difficulty.MID,
                      Difficulty.JUNIOR, Difficulty.JUNIOR]


def test_adaptive_difficulty_moves_down_after_a_skip_and_stays_on_a_middling_answer(bank):
    interview = start(bank, Clock(), tracks=(), difficulty=Level.ADAPTIVE, length=4)
    assert bank.get(interview.current.question_id).difficulty is Difficulty.MID
    reply = interview.skip()
    assert bank.get(reply.question_id).difficulty is Difficulty.JUNIOR
    reply = interview.handle("alpha")                     # 0.57: stays
    reply = interview.skip()                              # skip the follow-up, not the question
    assert bank.get(reply.question_id).difficulty is Difficulty.JUNIOR


def test_fixed_difficulty_and_track_rotation(bank):
    interview = start(bank, Clock(), tracks=("ml-fundamentals", "evaluation-metrics"), difficulty="senior", length=4)
    seen = []
    for _ in range(4):
        seen.append(bank.get(interview.current.question_id))
        interview.skip()
    assert {q.difficulty for q in seen} == {Difficulty.SENIOR}
    assert [q.track for q in seen[:2]] != [seen[0].track] * 2 and len({q.track for q in seen}) == 2
    assert interview.is_over and interview.state.end_reason is EndReason.COMPLETED


def test_fixed_difficulty_falls_back_when_that_level_runs_out(bank):
    interview = start(bank, Clock(), difficulty="junior", length=3)
    for _ in range(2):
        interview.skip()
    assert bank.get(interview.current.question_id).difficulty is Difficulty.MID


def test_same_seed_same_questions(bank):
    def ids(seed):
        interview = start(bank, Clock(), tracks=(), seed=seed, length=5)
        out = []
        while not interview.is_over:
            out.append(interview.current.question_id)
            interview.skip()
        return out

    assert ids(3) == ids(3)
    assert len(set(ids(3))) == 5
    assert any(ids(3) != ids(seed) for seed in range(4, 10))


def test_recent_questions_are_not_repeated_unless_the_bank_runs_out(bank):
    track = [q.id for q in bank.by_track(Track.ML_FUNDAMENTALS)]
    recent = set(track[:4])
    chosen = Setup(tracks=("ml-fundamentals",), length=6, seed=1)
    interview = Interview.begin(bank, KeywordGrader(), chosen, plan_tracks(bank, chosen, recent), clock=Clock())
    asked = []
    while not interview.is_over:
        asked.append(interview.current.question_id)
        interview.skip()
    assert set(asked[:2]) == set(track[4:])             # the two fresh ones first
    assert set(asked[2:]) == recent                      # then, the bank exhausted, the recent ones


def test_running_out_of_questions_ends_the_interview(bank):
    interview = start(bank, Clock(), length=10)
    for _ in range(6):
        reply = interview.skip()
    assert reply.next is NextKind.END and interview.state.end_reason is EndReason.OUT_OF_QUESTIONS
    assert "every question" in reply.message and len(reply.summary.questions) == 6


@pytest.mark.parametrize("bad, message", [
    ({"length": 0}, "number of questions"),
    ({"length": 99}, "number of questions"),
    ({"tracks": ("quantum",)}, "valid: ml-fundamentals"),
    ({"difficulty": "expert"}, "valid: junior, mid, senior, mixed, adaptive"),
    ({"job_description": "NLP engineer", "weak_spots": True}, "not both"),
    ({"job_description": "word " * 20_000}, "paste at most 50,000"),
    ({"profile": "  "}, "profile name"),
])
def test_bad_setup_says_what_to_fix(bad, message):
    with pytest.raises(SetupError, match=message):
        Setup(**bad)


def test_no_questions_in_track_lists_the_available_ones(bank):
    with pytest.raises(SetupError, match="tracks with questions: evaluation-metrics, ml-fundamentals"):
        plan_tracks(bank, Setup(tracks=("behavioral",)))


# --- commands in every phase ---------------------------------------------------------------


def in_phase(bank, phase: str) -> Interview:
    """question: a main question waits (one was answered before); follow_up: a follow-up waits; ended: /end used."""
    interview = ordered(bank, "mlf-mid-0", "mlf-mid-1", "mlf-senior-0", "mlf-junior-0", length=3)
    interview.handle("alpha beta gamma")                  # -> deeper follow-up
    if phase == "follow_up":
        return interview
    interview.handle("x y")                               # -> question 2
    if phase == "question":
        return interview
    interview.end()
    return interview


PHASES = ["question", "follow_up", "ended"]


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("command", list(Command))
def test_every_command_in_every_phase_is_recorded(bank, phase, command):
    interview = in_phase(bank, phase)
    before = len(interview.entries)
    reply = interview.handle(f"/{command.value.upper()}")   # typed, any case
    assert commands(reply) == [command]
    assert interview.entries[before].command is command
    assert reply.entries == tuple(interview.entries[before:])


@pytest.mark.parametrize("phase", PHASES)
def test_hint(bank, phase):
    interview = in_phase(bank, phase)
    reply = interview.hint()
    if phase == "question":
        assert reply.next is NextKind.HINT and reply.prompt == "First hint for mlf-mid-1."
        assert isinstance(reply.entries[-1], HintGiven) and interview.hint().prompt == "Second hint for mlf-mid-1."
        assert "No more hints" in interview.hint().message
        assert interview.state.record("mlf-mid-1").hints_used == 2
    elif phase == "follow_up":
        assert "no hints for follow-up" in reply.message and not reply.new_prompt
    else:
        assert "over" in reply.message and reply.next is NextKind.END


@pytest.mark.parametrize("phase", PHASES)
def test_skip(bank, phase):
    interview = in_phase(bank, phase)
    reply = interview.skip()
    if phase == "question":
        assert interview.state.record("mlf-mid-1").outcome is Outcome.SKIPPED
        assert reply.question_id == "mlf-senior-0" and reply.number == 3
    elif phase == "follow_up":
        assert interview.state.record("mlf-mid-0").follow_up_outcomes["fu-deeper"] is Outcome.SKIPPED
        assert interview.state.record("mlf-mid-0").outcome is Outcome.ANSWERED
        assert reply.next is NextKind.QUESTION and reply.question_id == "mlf-mid-1"
    else:
        assert "over" in reply.message and interview.is_over


@pytest.mark.parametrize("phase", PHASES)
def test_repeat(bank, phase):
    interview = in_phase(bank, phase)
    reply = interview.repeat()
    expected = {"question": "Question mlf-mid-1?", "follow_up": "Follow-up on deeper for mlf-mid-0?"}
    if phase == "ended":
        assert "no question to repeat" in reply.message and not reply.new_prompt
    else:
        assert reply.prompt == expected[phase] and reply.new_prompt
        assert reply.next is (NextKind.QUESTION if phase == "question" else NextKind.FOLLOW_UP)


@pytest.mark.parametrize("phase", PHASES)
def test_reveal_model_answer(bank, phase):
    interview = in_phase(bank, phase)
    reply = interview.handle("/answer")
    if phase == "question":
        assert "The model answer to mlf-mid-1" in reply.message and reply.question_id == "mlf-senior-0"
        assert interview.state.record("mlf-mid-1").outcome is Outcome.REVEALED
        assert interview.summary().questions[1].score10 == 0.0
    elif phase == "follow_up":
        assert "The model follow-up answer on deeper" in reply.message and reply.question_id == "mlf-mid-1"
    else:
        assert "Model answer to the last question" in reply.message and interview.is_over


@pytest.mark.parametrize("phase", PHASES)
def test_retry(bank, phase):
    interview = in_phase(bank, phase)
    reply = interview.retry()
    if phase == "question":                               # back to the follow-up just answered
        assert reply.next is NextKind.FOLLOW_UP and reply.follow_up_id == "fu-deeper"
        assert "mlf-mid-1" not in interview.state.questions       # the abandoned question is forgotten
        again = interview.handle("x")
        assert again.question_id == "mlf-mid-1" and again.number == 2
        answers = [e for e in interview.entries if isinstance(e, AnswerGiven)]
        assert answers[-1].attempt == 2
    elif phase == "follow_up":                            # back to the main question
        assert reply.next is NextKind.QUESTION and reply.question_id == "mlf-mid-0" and reply.number == 1
        assert interview.state.record("mlf-mid-0").follow_ups == []
        assert interview.handle(NO_ALPHA).follow_up_id == "fu-alpha"
        assert interview.state.record("mlf-mid-0").grade.score < 0.5
    else:
        assert "over" in reply.message


def test_retry_only_once_and_not_before_an_answer(bank):
    interview = ordered(bank, "mlf-mid-0", "mlf-mid-1")
    assert "Nothing to retry" in interview.retry().message
    interview.handle(NO_ALPHA)
    interview.retry()
    interview.handle(NO_ALPHA)
    assert "already retried" in interview.retry().message


def test_retry_after_an_offered_hint_says_to_just_answer(bank):
    interview = ordered(bank, "mlf-mid-0")
    interview.handle(IDK)
    assert "just type your new answer" in interview.retry().message


def test_retry_reopens_a_completed_interview_once(bank):
    interview = ordered(bank, "mlf-mid-0", length=1)
    interview.handle("beta")
    interview.skip()                                      # skip the follow-up: the interview is complete
    interview.retry()                                     # nothing answered last (a skip): refused
    assert interview.is_over
    interview = ordered(bank, "mlf-mid-0", length=1)
    interview.handle("alpha beta gamma")
    interview.handle("x y")                               # deeper answered; second follow-up? none left strong path
    assert interview.is_over and interview.state.end_reason is EndReason.COMPLETED
    reply = interview.retry()
    assert reply.next is NextKind.FOLLOW_UP and not interview.is_over
    reply = interview.handle("x")
    assert reply.next is NextKind.END and interview.is_over


@pytest.mark.parametrize("phase", PHASES)
def test_end_and_help(bank, phase):
    interview = in_phase(bank, phase)
    assert interview.help().message == HELP_TEXT
    reply = interview.end()
    assert interview.is_over and reply.next is NextKind.END
    if phase == "ended":
        assert "already over" in reply.message
    else:
        assert reply.summary is not None and interview.state.end_reason is EndReason.BY_CANDIDATE


def test_unknown_command_lists_the_commands_and_changes_nothing(bank):
    interview = ordered(bank, "mlf-mid-0")
    before = len(interview.entries)
    reply = interview.handle("/pass")
    assert "Unknown command /pass" in reply.message and "/hint" in reply.message
    assert len(interview.entries) == before


@pytest.mark.parametrize(("typed", "meant"), [("/hnt", "/hint"), ("/skp", "/skip"), ("/HELP!", "/help"),
                                              ("/ned", "/end"), ("/rep", "/repeat"), ("/foo", None)])
def test_a_mistyped_command_names_the_closest_one(bank, typed, meant):
    interview = ordered(bank, "mlf-mid-0")
    reply = interview.handle(typed)
    assert reply.message.startswith(f"Unknown command {typed}") and not reply.entries
    if meant:
        assert f"Did you mean {meant} (" in reply.message
    else:
        assert "Did you mean" not in reply.message and "/hint" in reply.message


def test_answers_after_the_end_are_not_graded(bank):
    interview = in_phase(bank, "ended")
    grader = interview.grader
    calls = grader.calls
    reply = interview.handle("alpha")
    assert reply.next is NextKind.END and grader.calls == calls


# --- time, transcript, summary -------------------------------------------------------------


def test_time_to_answer_is_recorded(bank, clock):
    interview = start(bank, clock)
    clock.advance(42.5)
    interview.hint()
    clock.advance(10)
    interview.handle(NO_ALPHA)
    clock.advance(7)
    interview.handle("x")
    answers = [e for e in interview.entries if isinstance(e, AnswerGiven)]
    assert [a.seconds for a in answers] == [52.5, 7.0]
    assert interview.summary().seconds == 59.5
    stamps = [e.at for e in interview.entries]
    assert stamps == sorted(stamps) and all(s.tzinfo is not None for s in stamps)


def _busy_interview(bank, clock) -> Interview:
    interview = start(bank, clock, tracks=(), difficulty="adaptive", length=4, job_description=None)
    script = [IDK, "/hint", NO_ALPHA, "x y", "/retry", "x", "/repeat", "/help", "alpha", "/skip", "/answer"]
    for text in script:
        clock.advance(3)
        interview.handle(text)
    return interview


def test_transcript_round_trips_through_json_without_loss(bank, clock):
    interview = _busy_interview(bank, clock)
    data = json.loads(json.dumps(interview.to_dict()))
    assert data == interview.to_dict()                    # to_dict is already plain JSON
    again = Interview.from_dict(data, bank, KeywordGrader(), clock=clock)
    assert again.to_dict() == interview.to_dict()
    assert again.entries == interview.entries
    assert again.summary() == interview.summary()
    assert Summary.from_dict(json.loads(json.dumps(plain(interview.summary().to_dict())))) == interview.summary()
    assert again.current == interview.current and again.phase is interview.phase
    # the rebuilt interview carries on exactly like the original
    assert again.handle("alpha beta").entries[1:] == interview.handle("alpha beta").entries[1:]
    assert again.to_dict() == interview.to_dict()


def test_summary_scores_questions_tracks_points_and_names_next_steps(bank, clock):
    interview = ordered(bank, "mlf-mid-0", "eval-mid-0", "mlf-senior-0", length=3)
    interview.handle(ALL)
    interview.skip()                                      # the deeper follow-up
    interview.handle("gamma")
    interview.skip()
    interview.handle("/answer")
    summary = interview.summary()
    assert [q.score10 for q in summary.questions] == [10.0, pytest.approx(1.4), 0.0]
    assert [q.outcome for q in summary.questions] == ["answered", "answered", "revealed"]
    assert {t.area: t.score10 for t in summary.tracks} == {"ML fundamentals": 5.0, "Evaluation & metrics": 1.4}
    assert summary.score10 == pytest.approx(3.8)
    statuses = {(p.question_id, p.key_point_id): p.status for p in summary.points}
    assert statuses[("mlf-mid-0", "alpha")] == "covered" and statuses[("eval-mid-0", "alpha")] == "missed"
    assert statuses[("eval-mid-0", "gamma")] == "covered"
    assert [a.area for a in summary.strongest] == ["mlf mid"]
    weak = {w.area: w.next_step for w in summary.weakest}
    assert list(weak) == ["mlf senior", "eval mid"]        # weakest first
    assert "Alpha point of eval-mid-0" in weak["eval mid"] and "weak-spot" in weak["eval mid"]
    assert "Study the model answer to Q3" in weak["mlf senior"]
    text = summary.text()
    assert "Overall: 3.8/10" in text and "Work on eval mid (1.4)" in text


def test_reply_text_for_the_terminal(bank):
    interview = ordered(bank, "mlf-mid-0", "mlf-mid-1")
    text = interview.handle(NO_ALPHA).text()
    assert "Score 4.3/10" in text and "- missed: Alpha point of mlf-mid-0." in text
    assert '+ Beta point of mlf-mid-0. (you said: "beta")' in text
    assert text.endswith("Follow-up: Follow-up on alpha for mlf-mid-0?")


def test_input_from_a_stale_view_applies_only_while_its_question_waits(bank):
    from interviewer.chat import stale_input, typed_command

    def copy(interview: Interview) -> Interview:
        return Interview(bank, interview.grader, interview.setup, interview.plan, session_id=interview.id,
                         entries=list(interview.entries), clock=interview.clock)

    seen = ordered(bank, "mlf-mid-0", "mlf-mid-1")
    latest = copy(seen)
    latest.hint()                                          # moved on, but the same question waits
    assert stale_input(seen, latest, None) is None and stale_input(seen, latest, Command.SKIP) is None
    latest.skip()                                          # now another question waits
    reason = stale_input(seen, latest, typed_command("I would use precision"))
    assert reason.startswith("This interview moved on in another tab") and "Question 2 of 3" in reason
    assert "the skip command was not sent" in stale_input(seen, latest, typed_command("/skip"))
    assert stale_input(seen, latest, Command.END) is None   # End still applies
    latest.end()
    assert "was ended in another tab" in stale_input(seen, latest, Command.END)


@pytest.mark.parametrize(("raw", "targets"), [(None, (120, 180)), ("2,3", (120, 180)), ("1.5", (90, 90)),
                                              ("off", (0, 0)), ("0", (0, 0)), ("soon", (120, 180)),
                                              ("1,2,3", (120, 180)), ("-1", (120, 180))])
def test_time_targets_come_from_one_setting(monkeypatch, raw, targets):
    from interviewer import settings

    if raw is None:
        monkeypatch.delenv("INTERVIEWER_TIME_TARGET", raising=False)
    else:
        monkeypatch.setenv("INTERVIEWER_TIME_TARGET", raw)
    assert settings.load().time_targets == targets


def test_a_story_gets_a_longer_time_target_than_a_technical_answer(tmp_path):
    from interviewer.bank import Kind, load_bank
    from interviewer.engine import Engine
    from interviewer.store import Store

    shipped = load_bank(strict=False)
    engine = Engine(shipped, KeywordGrader(), Store(), data_dir=tmp_path)
    technical = next(q for q in shipped if q.kind is Kind.TECHNICAL)
    story = next(q for q in shipped if q.kind is Kind.BEHAVIORAL)
    assert engine.time_target(ordered(shipped, technical.id), (120, 180)) == 120
    assert engine.time_target(ordered(shipped, story.id), (120, 180)) == 180
    assert engine.time_target(ordered(shipped, story.id), (0, 0)) is None
