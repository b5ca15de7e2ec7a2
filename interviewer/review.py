"""A saved or finished interview as the review page and the exports see it, and the history of a profile.

Built from a session's saved form (:meth:`Interview.to_dict` or :meth:`Store.session_data`), so a past
session can be reviewed even when its questions have since left the bank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from interviewer.bank import TRACK_TITLES, Bank, Track
from interviewer.planner import Mode, Setup
from interviewer.session import Interview
from interviewer.store import SessionInfo, Store
from interviewer.state import Outcome
from interviewer.summary import Summary, summary_of
from interviewer.transcript import (AnswerGiven, CommandUsed, Entry, InterviewEnded, QuestionAsked, entry_from_dict,
                                    parse_time)
from interviewer.voice.summary import DeliverySummary, delivery_summary

HISTORY_LIMIT = 50


@dataclass(frozen=True)
class SessionView:
    """One interview, read-only: setup, transcript entries and summary."""

    id: str
    profile: str
    created_at: datetime
    setup: Setup
    entries: tuple[Entry, ...]
    summary: Summary
    data: dict[str, Any]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "SessionView":
        """A view of a session's saved form (``Interview.to_dict`` / ``Store.session_data``)."""
        entries = tuple(entry_from_dict(item) for item in data.get("entries", ()))
        return cls(data["id"], data.get("profile") or data["setup"].get("profile", "me"),
                   parse_time(data["created_at"]), Setup.from_dict(data["setup"]), entries,
                   summary_of(list(entries)), data)

    @classmethod
    def from_interview(cls, interview: Interview) -> "SessionView":
        """A view of a live interview."""
        return cls.from_data(interview.to_dict())

    @property
    def question_ids(self) -> list[str]:
        """The main questions asked, in order (a question asked again counts once)."""
        return list(dict.fromkeys(e.question_id for e in self.entries if isinstance(e, QuestionAsked)))

    @property
    def ended(self) -> bool:
        """True once the interview has ended."""
        return any(isinstance(e, InterviewEnded) for e in self.entries)

    @property
    def delivery(self) -> DeliverySummary | None:
        """The delivery of the spoken answers, or None when every answer was typed."""
        return delivery_summary(self.entries)

    def export(self) -> dict[str, Any]:
        """The JSON export: the saved form plus the summary (the shape of ``Interview.export``), and delivery."""
        out = {**self.data, "summary": self.summary.to_dict()}
        delivery = self.delivery
        if delivery is not None:
            out["delivery"] = delivery.to_dict()
        return out

    def model_answers(self, bank: Bank | None) -> dict[tuple[str, str | None], str]:
        """The model answer of every question and follow-up answered or revealed, where the bank still has it."""
        out: dict[tuple[str, str | None], str] = {}
        for entry in self.entries:
            if isinstance(entry, (AnswerGiven, CommandUsed)) and entry.question_id:
                text = model_answer(bank, entry.question_id, entry.follow_up_id)
                if text:
                    out[(entry.question_id, entry.follow_up_id)] = text
        return out


def model_answer(bank: Bank | None, question_id: str, follow_up_id: str | None) -> str | None:
    """The reference answer of a question or follow-up, or None when the bank no longer has it."""
    if bank is None or question_id not in bank:
        return None
    question = bank.get(question_id)
    if follow_up_id is None:
        return question.reference_answer
    try:
        return question.follow_up(follow_up_id).reference_answer
    except (KeyError, ValueError):
        return None


def describe_setup(setup: Setup) -> list[tuple[str, str]]:
    """The chosen set-up as (label, value) pairs of plain text."""
    tracks = ", ".join(TRACK_TITLES[t] for t in setup.tracks) if setup.tracks else "all tracks"
    source = {Mode.TRACKS: "questions from the chosen tracks",
              Mode.JOB: "tailored to a job description",
              Mode.WEAK_SPOTS: "practice my weak spots"}[setup.mode]
    pairs = [("Tracks", tracks), ("Difficulty", setup.difficulty.value), ("Questions", str(setup.length)),
             ("Source", source), ("Profile", setup.profile)]
    if setup.seed is not None:
        pairs.append(("Seed", str(setup.seed)))
    return pairs


def setup_line(setup: Setup) -> str:
    """The set-up on one line of plain text."""
    return " · ".join(f"{label}: {value}" for label, value in describe_setup(setup))


@dataclass(frozen=True)
class HistoryRow:
    """One past session in the history table, with its scores per track."""

    info: SessionInfo
    tracks: tuple[tuple[str, float], ...]   # (track title, mean score out of 10)
    answered: int                            # main questions answered (not skipped, not revealed)
    delivery: DeliverySummary | None = None  # when some answers were spoken
    gave_up: int = 0                         # main questions skipped or revealed


def history(store: Store, profile: str, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """A profile's sessions, newest first, each with its per-track scores."""
    rows = []
    for info in store.list_sessions(profile, limit):
        view = SessionView.from_data(store.session_data(info.id))
        outcomes = [q.outcome for q in view.summary.questions]
        rows.append(HistoryRow(info, tuple((a.area, a.score10) for a in view.summary.tracks),
                               outcomes.count(Outcome.ANSWERED.value), view.delivery,
                               outcomes.count(Outcome.SKIPPED.value) + outcomes.count(Outcome.REVEALED.value)))
    return rows


def progress_points(rows: list[HistoryRow]) -> list[dict[str, Any]]:
    """Score over time per track, oldest first: one point per session and track (for the progress chart)."""
    points = []
    for row in sorted(rows, key=lambda r: r.info.created_at):
        for track, score in row.tracks:
            points.append({"date": row.info.created_at, "track": track, "score": score, "session": row.info.id})
    return points


def track_counts(bank: Bank) -> dict[Track, int]:
    """How many questions each track has, in menu order (tracks without questions left out)."""
    counts = {track: len(bank.by_track(track)) for track in Track}
    return {track: n for track, n in counts.items() if n}
