"""The interview's state, derived only from its transcript entries (so a replay rebuilds it exactly)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from interviewer.bank import Difficulty, Track
from interviewer.grade import Grade
from interviewer.transcript import (AnswerGiven, Command, CommandUsed, EndReason, Entry, FollowUpAsked, HintGiven,
                                    InterviewEnded, QuestionAsked)


class Phase(str, enum.Enum):
    NOT_STARTED = "not started"
    QUESTION = "question"        # a main question waits for an answer
    FOLLOW_UP = "follow-up"      # a follow-up waits for an answer
    ENDED = "ended"


class Outcome(str, enum.Enum):
    PENDING = "pending"          # asked, not answered yet
    ANSWERED = "answered"
    SKIPPED = "skipped"
    REVEALED = "revealed"        # the candidate asked for the model answer


@dataclass(frozen=True)
class Prompt:
    """What waits for an answer: a main question (``follow_up_id`` None) or one of its follow-ups."""

    question_id: str
    follow_up_id: str | None
    text: str
    asked_at: datetime

    @property
    def ref(self) -> tuple[str, str | None]:
        """The (question id, follow-up id) pair that names this prompt."""
        return (self.question_id, self.follow_up_id)


@dataclass
class QuestionRecord:
    """How one main question went so far: its latest grade, follow-ups, hints and retries."""

    question_id: str
    number: int
    text: str
    track: Track
    difficulty: Difficulty
    topic: str
    targets: tuple[str, ...] = ()
    level: Difficulty | None = None
    grade: Grade | None = None
    outcome: Outcome = Outcome.PENDING
    follow_ups: list[str] = field(default_factory=list)
    follow_up_grades: dict[str, Grade] = field(default_factory=dict)
    follow_up_outcomes: dict[str, Outcome] = field(default_factory=dict)
    hints_used: int = 0
    hints_offered: int = 0
    retried: set[str | None] = field(default_factory=set)
    seconds: list[float] = field(default_factory=list)


class State:
    """Everything the interviewer knows, rebuilt entry by entry by :meth:`apply`."""

    def __init__(self) -> None:
        self.phase = Phase.NOT_STARTED
        self.current: Prompt | None = None
        self.questions: dict[str, QuestionRecord] = {}
        self.last_answered: Prompt | None = None
        self.end_reason: EndReason | None = None

    @classmethod
    def replay(cls, entries: list[Entry]) -> "State":
        """The state after these entries."""
        state = cls()
        for entry in entries:
            state.apply(entry)
        return state

    def record(self, question_id: str) -> QuestionRecord:
        """The record of an asked main question."""
        return self.questions[question_id]

    def apply(self, entry: Entry) -> None:
        """Update the state with one entry."""
        if isinstance(entry, QuestionAsked):
            if not entry.retry:
                self.questions[entry.question_id] = QuestionRecord(
                    entry.question_id, entry.number, entry.text, entry.track, entry.difficulty, entry.topic,
                    entry.targets, entry.level)
            self.current = Prompt(entry.question_id, None, entry.text, entry.at)
            self.phase = Phase.QUESTION
        elif isinstance(entry, FollowUpAsked):
            record = self.record(entry.question_id)
            if not entry.retry:
                record.follow_ups.append(entry.follow_up_id)
                record.follow_up_outcomes[entry.follow_up_id] = Outcome.PENDING
            self.current = Prompt(entry.question_id, entry.follow_up_id, entry.text, entry.at)
            self.phase = Phase.FOLLOW_UP
        elif isinstance(entry, AnswerGiven):
            self._answered(entry)
        elif isinstance(entry, HintGiven):
            record = self.record(entry.question_id)
            record.hints_used += 1
            record.hints_offered += int(entry.offered)
            if not entry.offered:
                self.last_answered = None
        elif isinstance(entry, CommandUsed) and entry.done:
            self._command(entry)
        elif isinstance(entry, InterviewEnded):
            self.phase = Phase.ENDED
            self.current = None
            self.end_reason = entry.reason

    def _answered(self, entry: AnswerGiven) -> None:
        record = self.record(entry.question_id)
        if entry.follow_up_id is None:
            record.grade = entry.grade
            record.outcome = Outcome.ANSWERED
        else:
            record.follow_up_grades[entry.follow_up_id] = entry.grade
            record.follow_up_outcomes[entry.follow_up_id] = Outcome.ANSWERED
        if entry.seconds is not None:
            record.seconds.append(entry.seconds)
        if self.current is not None:
            self.last_answered = self.current

    def _command(self, entry: CommandUsed) -> None:
        current = self.current
        if entry.command in (Command.SKIP, Command.ANSWER) and current is not None:
            outcome = Outcome.SKIPPED if entry.command is Command.SKIP else Outcome.REVEALED
            record = self.record(current.question_id)
            if current.follow_up_id is None:
                record.outcome = outcome
            else:
                record.follow_up_outcomes[current.follow_up_id] = outcome
            self.current = None
            self.last_answered = None
        elif entry.command is Command.RETRY and self.last_answered is not None:
            target = self.last_answered
            if current is not None and current.ref != target.ref:
                self._retract(current)
            self.record(target.question_id).retried.add(target.follow_up_id)
            self.end_reason = None
            self.last_answered = None
        elif entry.command is Command.END:
            self.current = None

    def _retract(self, prompt: Prompt) -> None:
        """Forget a prompt that was asked but abandoned by /retry, as if it had never been asked."""
        if prompt.follow_up_id is None:
            self.questions.pop(prompt.question_id, None)
        else:
            record = self.record(prompt.question_id)
            record.follow_ups.remove(prompt.follow_up_id)
            record.follow_up_outcomes.pop(prompt.follow_up_id, None)

    # --- derived views ---------------------------------------------------------------------

    @property
    def main_count(self) -> int:
        """How many main questions have been asked."""
        return len(self.questions)

    @property
    def level(self) -> Difficulty | None:
        """The adaptive level the latest main question was chosen for (None when not adaptive)."""
        last = self.last_record
        return last.level if last else None

    @property
    def last_record(self) -> QuestionRecord | None:
        """The most recent main question."""
        return next(reversed(self.questions.values()), None)

    def asked_tracks(self) -> dict[Track, int]:
        """How many main questions each track has had."""
        counts: dict[Track, int] = {}
        for record in self.questions.values():
            counts[record.track] = counts.get(record.track, 0) + 1
        return counts
