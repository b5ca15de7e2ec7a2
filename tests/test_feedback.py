"""Feedback built from a grade: evidence for covered points, missed points, corrections, notes; no HTML."""

from __future__ import annotations

import json

from interviewer.feedback import Feedback, build_feedback
from interviewer.grade import Band, Flag, FlagNote, Grade, MisconceptionHit, PointResult, Span, Status

ANSWER = "L2 drives weights to exactly zero. It adds a penalty to the loss."
GRADE = Grade(
    score=0.41, band=Band.WEAK,
    points=(
        PointResult("penalty", "Regularization adds a penalty to the loss.", 1.0, Status.COVERED, 0.81,
                    Span(35, 64, " It adds a penalty to the loss.")),
        PointResult("l1", "L1 drives some weights exactly to zero.", 1.5, Status.PARTLY, 0.5,
                    Span(0, 34, "L2 drives weights to exactly zero.")),
        PointResult("l2", "L2 shrinks weights smoothly without zeroing them.", 1.5, Status.MISSED, 0.52,
                    Span(0, 34, "L2 drives weights to exactly zero."), note="says “zero” where the point is about “shrinks”"),
        PointResult("why", "The L1 penalty has a corner at zero.", 0.5, Status.MISSED, 0.2),
    ),
    misconceptions=(MisconceptionHit("L2 drives weights exactly to zero.", "Only L1 gives exact zeros.", 0.9,
                                     Span(0, 34, "L2 drives weights to exactly zero."), "l2"),),
    flags=(FlagNote(Flag.CONTRADICTION, "Part of the answer says the opposite of a key point."),),
)


def test_structured_feedback():
    fb = build_feedback(GRADE)
    assert (fb.score10, fb.band) == (4.1, Band.WEAK)
    assert [(c.key_point_id, c.partly, c.evidence) for c in fb.covered] == [
        ("penalty", False, "It adds a penalty to the loss."), ("l1", True, "L2 drives weights to exactly zero.")]
    assert [m.key_point_id for m in fb.missed] == ["l2", "why"]          # heaviest first
    assert fb.missed[0].note and fb.missed[0].evidence == "L2 drives weights to exactly zero."
    assert fb.corrections[0].correction == "Only L1 gives exact zeros."
    assert fb.notes == ("Part of the answer says the opposite of a key point.",)


def test_plain_text_rendering():
    text = build_feedback(GRADE).text()
    assert text.splitlines()[0] == "A weak answer: several key ideas are missing. Score 4.1/10."
    assert '  + Regularization adds a penalty to the loss. (you said: "It adds a penalty to the loss.")' in text
    assert "  ~ partly: L1 drives some weights exactly to zero." in text
    assert "  - missed: L2 shrinks weights smoothly without zeroing them. [says “zero”" in text
    assert '  ! you said "L2 drives weights to exactly zero.", but Only L1 gives exact zeros.' in text
    assert "<" not in text


def test_non_answer_feedback_gives_nothing_away():
    grade = Grade(0.0, Band.NO_ANSWER, GRADE.points[3:], (), (FlagNote(Flag.DONT_KNOW, "You said you don't know."),))
    fb = build_feedback(grade)
    assert not fb.missed and not fb.covered and fb.notes == ("You said you don't know.",)


def test_round_trip():
    fb = build_feedback(GRADE)
    assert Feedback.from_dict(json.loads(json.dumps(fb.to_dict()))) == fb


def test_what_a_ten_would_add_is_built_from_this_answer():
    from datetime import datetime, timezone

    from interviewer.feedback import Action, ten_out_of_ten
    from interviewer.report import feedback_md
    from interviewer.transcript import AnswerGiven

    steps = ten_out_of_ten(build_feedback(GRADE))
    assert [s.action for s in steps] == [Action.FIX, Action.FINISH, Action.ADD, Action.ADD]
    assert steps[0].after == "L2 drives weights to exactly zero." and steps[0].text == "Only L1 gives exact zeros."
    assert steps[1].after == "L2 drives weights to exactly zero." and steps[1].text.startswith("L1 drives")
    assert steps[2].text.startswith("L2 shrinks")                               # the heaviest missed point first
    entry = AnswerGiven(seq=1, at=datetime(2025, 1, 1, tzinfo=timezone.utc), question_id="q", follow_up_id=None,
                        text=ANSWER, grade=GRADE, feedback=build_feedback(GRADE), seconds=30.0)
    shown = feedback_md(entry)
    assert "**What a 10/10 answer would add**" in shown
    assert "- Instead of “L2 drives weights to exactly zero.”, say: Only L1 gives exact zeros." in shown
    perfect = Grade(score=1.0, band=Band.STRONG, points=GRADE.points[:1])
    assert ten_out_of_ten(build_feedback(perfect)) == ()
