"""Transcript entries: every question, answer, grade, feedback, hint and command, timestamped."""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from typing import Any, ClassVar, Union

from interviewer.bank import Difficulty, Track
from interviewer.choice import Choice
from interviewer.feedback import Feedback
from interviewer.grade import Grade
from interviewer.voice.delivery import DeliveryReport


class EntryKind(Choice):
    QUESTION = "question"
    FOLLOW_UP = "follow_up"
    ANSWER = "answer"
    HINT = "hint"
    COMMAND = "command"
    END = "end"


class Command(Choice):
    HINT = "hint"
    SKIP = "skip"
    REPEAT = "repeat"
    ANSWER = "answer"
    RETRY = "retry"
    END = "end"
    HELP = "help"


COMMAND_HELP = {
    Command.HINT: "a nudge for the current question (it never gives the answer away)",
    Command.SKIP: "skip the current question or follow-up",
    Command.REPEAT: "show the current question again",
    Command.ANSWER: "reveal the model answer and move on",
    Command.RETRY: "answer the question you just answered once more (once per question)",
    Command.END: "end the interview now and see the summary",
    Command.HELP: "list these commands",
}


def closest_command(word: str) -> Command | None:
    """The command a mistyped word most likely meant (``hnt`` -> hint, ``ned`` -> end), or None if none is close."""
    word = word.strip().lower()
    names = [c.value for c in Command]
    prefixed = [name for name in names if word and name.startswith(word)]
    if len(prefixed) == 1:
        return Command(prefixed[0])
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.5)
    return Command(close[0]) if close else None


class EndReason(Choice):
    COMPLETED = "completed"
    BY_CANDIDATE = "ended by candidate"
    OUT_OF_QUESTIONS = "out of questions"
    INPUT_CLOSED = "input closed"


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class QuestionAsked:
    """The interviewer asks a main question (again, when ``retry``)."""

    kind: ClassVar[EntryKind] = EntryKind.QUESTION
    seq: int
    at: datetime
    question_id: str
    text: str
    number: int
    track: Track
    difficulty: Difficulty
    topic: str
    level: Difficulty | None = None     # the adaptive level this question was chosen for
    targets: tuple[str, ...] = ()        # job-description lines this question targets
    retry: bool = False


@dataclass(frozen=True)
class FollowUpAsked:
    """The interviewer asks a follow-up on a key point the answer missed, or to go deeper."""

    kind: ClassVar[EntryKind] = EntryKind.FOLLOW_UP
    seq: int
    at: datetime
    question_id: str
    follow_up_id: str
    text: str
    probes: str                          # a key point id, or "deeper"
    reason: str
    retry: bool = False


@dataclass(frozen=True)
class AnswerGiven:
    """The candidate's answer, its grade and the feedback shown, with the time it took (and how it was spoken)."""

    kind: ClassVar[EntryKind] = EntryKind.ANSWER
    seq: int
    at: datetime
    question_id: str
    follow_up_id: str | None
    text: str
    grade: Grade
    feedback: Feedback
    seconds: float | None
    attempt: int = 1
    delivery: DeliveryReport | None = None   # set when the answer was spoken


@dataclass(frozen=True)
class HintGiven:
    """A hint, asked for with /hint or ``offered`` by the interviewer after a non-answer."""

    kind: ClassVar[EntryKind] = EntryKind.HINT
    seq: int
    at: datetime
    question_id: str
    text: str
    offered: bool = False


@dataclass(frozen=True)
class CommandUsed:
    """A command the candidate used, what it showed, and whether it changed anything (``done``)."""

    kind: ClassVar[EntryKind] = EntryKind.COMMAND
    seq: int
    at: datetime
    command: Command
    output: str = ""
    done: bool = False
    question_id: str | None = None
    follow_up_id: str | None = None


@dataclass(frozen=True)
class InterviewEnded:
    """The interview is over, and why."""

    kind: ClassVar[EntryKind] = EntryKind.END
    seq: int
    at: datetime
    reason: EndReason


Entry = Union[QuestionAsked, FollowUpAsked, AnswerGiven, HintGiven, CommandUsed, InterviewEnded]
ENTRY_TYPES: dict[EntryKind, type] = {t.kind: t for t in
                                      (QuestionAsked, FollowUpAsked, AnswerGiven, HintGiven, CommandUsed, InterviewEnded)}


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    """A JSON-ready form of an entry that :func:`entry_from_dict` reads back without loss."""
    out: dict[str, Any] = {"kind": entry.kind.value}
    for item in fields(entry):
        value = getattr(entry, item.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, (Grade, Feedback, DeliveryReport)):
            value = plain(value.to_dict())
        elif isinstance(value, tuple):
            value = list(value)
        out[item.name] = value
    return out


def plain(value: Any) -> Any:
    """JSON's own types all the way down: tuples become lists, enums their values."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def entry_from_dict(data: dict[str, Any]) -> Entry:
    """Rebuild an entry from :func:`entry_to_dict` output."""
    kind = EntryKind.parse(data["kind"])
    cls = ENTRY_TYPES[kind]
    values: dict[str, Any] = {}
    for item in fields(cls):
        if item.name not in data:
            continue
        value = data[item.name]
        if value is None:
            pass
        elif item.name == "at":
            value = parse_time(value)
        elif item.name == "track":
            value = Track(value)
        elif item.name in ("difficulty", "level"):
            value = Difficulty(value)
        elif item.name == "command":
            value = Command.parse(value)
        elif item.name == "reason" and cls is InterviewEnded:
            value = EndReason.parse(value)
        elif item.name == "grade":
            value = Grade.from_dict(value)
        elif item.name == "feedback":
            value = Feedback.from_dict(value)
        elif item.name == "delivery":
            value = DeliveryReport.from_dict(value)
        elif item.name == "targets":
            value = tuple(value)
        elif item.name == "seconds":
            value = float(value)
        values[item.name] = value
    return cls(**values)


def parse_time(value: str | datetime) -> datetime:
    """An aware datetime from ISO text (naive values are taken as UTC)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
