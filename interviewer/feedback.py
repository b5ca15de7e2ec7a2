"""The interviewer's feedback on one answer: structured for the UI, plain text for the terminal."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from typing import Any

from interviewer.grade import Band, Grade, Status

HEADLINES = {
    Band.STRONG: "Strong answer.",
    Band.ADEQUATE: "A reasonable answer, with gaps.",
    Band.WEAK: "A weak answer: several key ideas are missing.",
    Band.NO_ANSWER: "That didn't answer the question.",
}


@dataclass(frozen=True)
class CoveredPoint:
    """A key point the answer made, with the sentence of the answer that made it."""

    key_point_id: str
    text: str
    partly: bool
    evidence: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class MissedPoint:
    """A key point the answer did not make (``note`` says why a close sentence did not count)."""

    key_point_id: str
    text: str
    weight: float
    note: str | None = None
    evidence: str | None = None


@dataclass(frozen=True)
class Correction:
    """A misconception the answer asserted, what the answer said, and the correct statement."""

    claim: str
    correction: str
    evidence: str


@dataclass(frozen=True)
class Feedback:
    """What the interviewer says about one answer."""

    score10: float
    band: Band
    headline: str
    covered: tuple[CoveredPoint, ...] = ()
    missed: tuple[MissedPoint, ...] = ()
    corrections: tuple[Correction, ...] = ()
    notes: tuple[str, ...] = ()
    breakdown: tuple[tuple[str, float], ...] = ()  # how the score was made: (item, points out of 10)

    def text(self) -> str:
        """A plain-text rendering for the terminal."""
        lines = [f"{self.headline} Score {self.score10:.1f}/10."]
        if self.breakdown:
            lines.append("  = " + breakdown_text(self.breakdown))
        for point in self.covered:
            if point.partly:
                said = f' (closest you came: "{point.evidence}")' if point.evidence else ""
                lines.append(f"  ~ partly: {point.text}{said}")
            else:
                said = f' (you said: "{point.evidence}")' if point.evidence else ""
                lines.append(f"  + {point.text}{said}")
        for point in self.missed:
            why = f" [{point.note}]" if point.note else ""
            lines.append(f"  - missed: {point.text}{why}")
        for item in self.corrections:
            lines.append(f'  ! you said "{item.evidence}", but {item.correction}')
        lines.extend(f"  * {note}" for note in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form that :meth:`from_dict` reads back without loss."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Feedback":
        """Rebuild feedback from :meth:`to_dict` output."""
        return cls(
            score10=float(data["score10"]),
            band=Band(data["band"]),
            headline=data["headline"],
            covered=tuple(CoveredPoint(**item) for item in data.get("covered", ())),
            missed=tuple(MissedPoint(**item) for item in data.get("missed", ())),
            corrections=tuple(Correction(**item) for item in data.get("corrections", ())),
            notes=tuple(data.get("notes", ())),
            breakdown=tuple((str(label), float(value)) for label, value in data.get("breakdown", ())),
        )


TEN_ITEMS = 4        # at most this many steps in "what a 10/10 answer would add"


class Action(str, enum.Enum):
    """What a step towards 10/10 asks for."""

    FIX = "fix"          # replace a wrong claim with its correction
    FINISH = "finish"    # take a point the answer only touched all the way
    ADD = "add"          # add a point the answer missed


@dataclass(frozen=True)
class Step:
    """One thing a 10/10 answer would add: what to say, anchored to what the candidate said (``after``)."""

    action: Action
    text: str
    after: str | None = None


def ten_out_of_ten(feedback: Feedback) -> tuple[Step, ...]:
    """What a 10/10 answer would add to this one: its corrections first, then the points it only
    touched (finished from the candidate's own sentence), then the heaviest points it missed."""
    if feedback.score10 >= 10 or not (feedback.covered or feedback.missed or feedback.corrections):
        return ()
    steps = [Step(Action.FIX, item.correction, item.evidence) for item in feedback.corrections]
    steps += [Step(Action.FINISH, point.text, point.evidence) for point in feedback.covered if point.partly]
    steps += [Step(Action.ADD, point.text) for point in feedback.missed]
    return tuple(steps[:TEN_ITEMS])


def build_feedback(grade: Grade) -> Feedback:
    """Feedback from a grade: covered points with evidence, missed points, corrections, notes."""
    covered = tuple(
        CoveredPoint(p.key_point_id, p.text, p.status is Status.PARTLY,
                     p.evidence.text.strip() if p.evidence else None,
                     p.evidence.start if p.evidence else None, p.evidence.end if p.evidence else None)
        for p in grade.points if p.status is not Status.MISSED
    )
    missed_results = sorted(grade.with_status(Status.MISSED), key=lambda p: -p.weight)
    missed = tuple(MissedPoint(p.key_point_id, p.text, p.weight, p.note,
                               p.evidence.text.strip() if p.evidence and p.note else None)
                   for p in missed_results)
    corrections = tuple(Correction(m.claim, m.correction, m.evidence.text.strip()) for m in grade.misconceptions)
    return Feedback(
        breakdown=score_breakdown(grade),
        score10=grade.score10,
        band=grade.band,
        headline=HEADLINES[grade.band],
        covered=covered if not grade.is_non_answer else (),
        missed=missed if not grade.is_non_answer else (),
        corrections=corrections,
        notes=tuple(note.message for note in grade.flags),
    )


def score_breakdown(grade: Grade) -> tuple[tuple[str, float], ...]:
    """The items the score is made of, in points out of 10: key points by status, then each penalty."""
    details = grade.details
    if grade.is_non_answer or "coverage" not in details or not grade.points:
        return ()
    counts = {status: len(grade.with_status(status)) for status in Status}
    total = len(grade.points)
    said = ", ".join(f"{counts[s]} {label}" for s, label in ((Status.COVERED, "covered"),
                                                            (Status.PARTLY, "partly covered"),
                                                            (Status.MISSED, "missed")) if counts[s])
    items = [(f"key points: {said} (of {total}, by weight)", round(10 * details["coverage"], 1))]
    for key, label in (("misconception_penalty", "misconceptions asserted"),
                       ("contradiction_penalty", "key points contradicted"),
                       ("buzzword_cap", "a list of terms without explanation")):
        if details.get(key):
            items.append((label, -round(10 * details[key], 1)))
    return tuple(items)


def breakdown_text(items: tuple[tuple[str, float], ...]) -> str:
    """One line: "key points: 3 covered, 1 missed (of 4, by weight) +7.5 · misconceptions asserted -2.5"."""
    return " · ".join(f"{label} {value:+.1f}" for label, value in items)
