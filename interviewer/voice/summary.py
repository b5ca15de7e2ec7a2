"""Delivery across an interview and across sessions: per-answer rows, averages, the weakest habit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from statistics import mean
from typing import Any, Sequence

from interviewer.transcript import AnswerGiven, Entry, QuestionAsked
from interviewer.voice.delivery import HABITS, NEXT_STEPS, DeliveryReport


@dataclass(frozen=True)
class SpokenAnswer:
    """One spoken answer: which question it answered, and its delivery figures."""

    label: str                 # "Q2", or "Q2 follow-up"
    question_id: str
    follow_up_id: str | None
    report: DeliveryReport


@dataclass(frozen=True)
class DeliverySummary:
    """The delivery of every spoken answer in one interview, and the habit to work on next."""

    answers: tuple[SpokenAnswer, ...]
    wpm: float | None                  # mean pace over the answers long enough to have one
    fillers_per_minute: float          # all fillers over all speaking time
    long_pauses: int
    speaking_seconds: float
    habit: str | None                  # the most frequent habit the coaching named, or None
    next_step: str | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for the export (the per-answer figures are in the answers' entries)."""
        return {"spoken_answers": len(self.answers), "words_per_minute": self.wpm,
                "fillers_per_minute": self.fillers_per_minute, "long_pauses": self.long_pauses,
                "speaking_seconds": self.speaking_seconds, "weakest_habit": self.habit, "next_step": self.next_step}


def delivery_summary(entries: Sequence[Entry]) -> DeliverySummary | None:
    """The delivery summary of a transcript, or None when no answer was spoken."""
    numbers: dict[str, int] = {}
    spoken = []
    for entry in entries:
        if isinstance(entry, QuestionAsked):
            numbers[entry.question_id] = entry.number
        elif isinstance(entry, AnswerGiven) and entry.delivery is not None:
            label = f"Q{numbers.get(entry.question_id, '?')}" + (" follow-up" if entry.follow_up_id else "")
            spoken.append(SpokenAnswer(label, entry.question_id, entry.follow_up_id, entry.delivery))
    if not spoken:
        return None
    reports = [s.report for s in spoken]
    seconds = sum(r.speaking_seconds for r in reports)
    paces = [r.wpm for r in reports if r.wpm is not None]
    habits = Counter(r.habit for r in reports if r.habit)
    habit = min(habits, key=lambda h: (-habits[h], HABITS.index(h))) if habits else None
    return DeliverySummary(tuple(spoken), round(mean(paces), 1) if paces else None,
                           round(sum(r.filler_count for r in reports) / (seconds / 60), 1) if seconds else 0.0,
                           sum(r.long_pauses for r in reports), round(seconds, 2), habit,
                           NEXT_STEPS[habit] if habit else None)


def delivery_points(sessions: Sequence[tuple[datetime, str, DeliverySummary | None]]) -> list[dict[str, Any]]:
    """Pace and fillers per minute over time, oldest first: two points per session with spoken answers."""
    points = []
    for when, session_id, summary in sorted(sessions, key=lambda s: s[0]):
        if summary is None:
            continue
        if summary.wpm is not None:
            points.append({"date": when, "measure": "words per minute", "value": summary.wpm, "session": session_id})
        points.append({"date": when, "measure": "fillers per minute", "value": summary.fillers_per_minute,
                       "session": session_id})
    return points
