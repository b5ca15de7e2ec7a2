"""The interview as a chat: transcript entries turned into messages, progress, and which buttons apply.

Everything here is derived from an interview's transcript entries (and, for the buttons, its
state), so the browser shows the same conversation after a reload as before it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from interviewer import policy
from interviewer.bank import DEEPER, TRACK_TITLES
from interviewer.session import NATURAL_ENDS, Interview
from interviewer.state import Outcome, Phase, State
from interviewer.transcript import (AnswerGiven, Command, CommandUsed, EndReason, Entry, FollowUpAsked, HintGiven,
                                    InterviewEnded, QuestionAsked, utc_now)

ANSWER_LIMIT = policy.MAX_ANSWER_CHARS
NOT_SAVED = ("Your answer was not saved, so it was not graded either. Here it is: copy it (the icon at the "
             "top right of the box) and send it again.")

END_MESSAGES = {
    EndReason.COMPLETED: "That's the end of the interview.",
    EndReason.BY_CANDIDATE: "You ended the interview.",
    EndReason.OUT_OF_QUESTIONS: "That was every question available for this set-up.",
    EndReason.INPUT_CLOSED: "The interview was closed.",
}

# What the candidate's side of the chat shows for a command (typed or clicked).
COMMAND_SAID = {
    Command.HINT: "Hint, please.",
    Command.SKIP: "Skip this one.",
    Command.REPEAT: "Could you repeat the question?",
    Command.ANSWER: "Show me the model answer.",
    Command.RETRY: "Let me try that answer again.",
    Command.END: "End the interview.",
    Command.HELP: "What can I do here?",
}


class Role(str, enum.Enum):
    """Who speaks: the names ``st.chat_message`` knows."""

    INTERVIEWER = "assistant"
    CANDIDATE = "user"


class Kind(str, enum.Enum):
    QUESTION = "question"
    FOLLOW_UP = "follow_up"
    HINT = "hint"
    ANSWER = "answer"
    FEEDBACK = "feedback"
    COMMAND = "command"        # the candidate used a command
    REMARK = "remark"          # the interviewer's reply to a command (model answer, refusal, help)
    END = "end"


@dataclass(frozen=True)
class Message:
    """One chat bubble. ``text`` is plain text (the bank's or the candidate's), never markup."""

    role: Role
    kind: Kind
    text: str
    title: str = ""                      # "Question 2 of 5", "Follow-up", "Hint"
    lead: str = ""                       # "Let me follow up on that."
    meta: str = ""                       # "ML fundamentals · mid"
    targets: tuple[str, ...] = ()        # job-description lines a question targets
    answer: AnswerGiven | None = None    # for an answer and its feedback
    question_id: str | None = None
    follow_up_id: str | None = None


def messages(entries: Sequence[Entry], total: int) -> list[Message]:
    """The chat bubbles for a transcript, in order."""
    out: list[Message] = []
    for entry in entries:
        out.extend(_bubbles(entry, total))
    return out


def _bubbles(entry: Entry, total: int) -> list[Message]:
    if isinstance(entry, QuestionAsked):
        return [Message(Role.INTERVIEWER, Kind.QUESTION, entry.text, f"Question {entry.number} of {total}",
                        "Once more:" if entry.retry else "",
                        f"{TRACK_TITLES[entry.track]} · {entry.difficulty.value}", entry.targets,
                        question_id=entry.question_id)]
    if isinstance(entry, FollowUpAsked):
        lead = "Once more:" if entry.retry else ("Let's go deeper." if entry.probes == DEEPER
                                                 else "Let me follow up on that.")
        return [Message(Role.INTERVIEWER, Kind.FOLLOW_UP, entry.text, "Follow-up", lead,
                        question_id=entry.question_id, follow_up_id=entry.follow_up_id)]
    if isinstance(entry, AnswerGiven):
        ids = {"question_id": entry.question_id, "follow_up_id": entry.follow_up_id}
        return [Message(Role.CANDIDATE, Kind.ANSWER, entry.text, answer=entry, **ids),
                Message(Role.INTERVIEWER, Kind.FEEDBACK, entry.feedback.headline, "Feedback", answer=entry, **ids)]
    if isinstance(entry, HintGiven):
        lead = "Here is a nudge: have another go, or skip to move on." if entry.offered else ""
        return [Message(Role.INTERVIEWER, Kind.HINT, entry.text, "Hint", lead, question_id=entry.question_id)]
    if isinstance(entry, CommandUsed):
        said = Message(Role.CANDIDATE, Kind.COMMAND, COMMAND_SAID[entry.command], question_id=entry.question_id,
                       follow_up_id=entry.follow_up_id)
        if entry.command is Command.ANSWER and entry.done:
            return [said, Message(Role.INTERVIEWER, Kind.REMARK, entry.output, "Model answer",
                                  "This question scores 0; study the answer and try it again another day.",
                                  question_id=entry.question_id, follow_up_id=entry.follow_up_id)]
        if entry.output and not entry.done:   # a refusal, the help text, or the question repeated
            again = entry.command is Command.REPEAT and entry.question_id is not None
            return [said, Message(Role.INTERVIEWER, Kind.REMARK, entry.output, "The question again" if again else "")]
        return [said]
    if isinstance(entry, InterviewEnded):
        return [Message(Role.INTERVIEWER, Kind.END, END_MESSAGES[entry.reason], "The end")]
    return []


@dataclass(frozen=True)
class Progress:
    """Where the interview stands: main question i of n, on a follow-up or not, time on the prompt."""

    number: int
    total: int
    answered: int
    follow_up: bool
    seconds: float
    over: bool

    @property
    def fraction(self) -> float:
        """Share of the main questions done (for a progress bar)."""
        return 1.0 if self.over else min(self.answered / self.total, 1.0) if self.total else 0.0

    def label(self) -> str:
        """"Question 2 of 5", with "follow-up" when one waits."""
        if self.over:
            return f"Finished: {self.answered} of {self.total} questions"
        return f"Question {self.number} of {self.total}" + (" · follow-up" if self.follow_up else "")


def progress(interview: Interview, now: datetime | None = None) -> Progress:
    """The progress indicator and the time spent on the waiting prompt so far."""
    state: State = interview.state
    current = interview.current
    record = state.questions.get(current.question_id) if current else None
    done = sum(1 for r in state.questions.values() if r.outcome is not Outcome.PENDING)
    seconds = max(0.0, ((now or utc_now()) - current.asked_at).total_seconds()) if current else 0.0
    return Progress(record.number if record else state.main_count, interview.setup.length, done,
                    bool(current and current.follow_up_id), seconds, interview.is_over)


def unavailable(interview: Interview) -> dict[Command, str | None]:
    """For each button, None when it applies now, else a short reason (shown as the button's help)."""
    state = interview.state
    current = interview.current
    over = "The interview is over." if current is None else None
    hint: str | None = over
    if current is not None and current.follow_up_id is not None:
        hint = "There are no hints for follow-up questions."
    elif current is not None:
        question = interview.bank.get(current.question_id) if current.question_id in interview.bank else None
        if question is None or state.record(current.question_id).hints_used >= len(question.hints):
            hint = "No more hints for this question."
    target = state.last_answered
    retry: str | None = None
    if interview.is_over and state.end_reason not in NATURAL_ENDS:
        retry = "The interview is over."
    elif target is None:
        retry = "Retry lets you answer the question you just answered once more."
    elif target.follow_up_id in state.record(target.question_id).retried:
        retry = "You have already retried that one (one retry per question)."
    elif current is not None and current.ref == target.ref:
        retry = "You are still on this question: just type your new answer."
    return {Command.HINT: hint, Command.SKIP: over, Command.RETRY: retry, Command.ANSWER: over,
            Command.END: None if state.phase is not Phase.ENDED else "The interview is over."}


def check_answer(text: str) -> str | None:
    """None when the answer can be sent; otherwise what to do about it."""
    if len(text) > ANSWER_LIMIT:
        return (f"Your answer is {len(text):,} characters long; the limit is {ANSWER_LIMIT:,} (about "
                f"{ANSWER_LIMIT // 6:,} words). Nothing was sent: shorten it and send it again. "
                "Your text is below so you can copy it.")
    return None


def stale_input(seen: Interview, latest: Interview, command: Command | None) -> str | None:
    """Whether input sent from a view that is behind the saved interview still applies to it.

    ``seen`` is the interview as that tab showed it, ``latest`` as saved since (another tab or
    window moved it on). None means apply the input to ``latest``; otherwise, why it was not sent.
    An answer or a command about the waiting question applies while that same question waits;
    End applies while the interview runs.
    """
    what = "your answer was" if command is None else f"the {command.value} command was"
    if latest.is_over:
        return f"This interview was ended in another tab or window, so {what} not sent."
    if command is Command.END or command is Command.HELP:
        return None
    before, now = seen.current, latest.current
    if before is not None and now is not None and before.ref == now.ref:
        return None
    waiting = progress(latest).label()
    return (f"This interview moved on in another tab or window (it is now at {waiting}), so {what} not sent: "
            "it was meant for a question that no longer waits. The page now shows where the interview is.")


def typed_command(text: str | None) -> Command | None:
    """The command a chat message names (``/skip``), or None for an answer or an unknown command."""
    stripped = (text or "").strip()
    words = stripped[1:].split()
    if not stripped.startswith("/") or not words:
        return None
    try:
        return Command.parse(words[0])
    except ValueError:
        return None


def planned_questions(interview: Interview) -> list[str]:
    """The main questions of this interview: those asked so far, then the plan's next ones, up to its length."""
    asked = list(interview.state.questions)
    rest = [qid for qid in interview.plan.pool if qid not in interview.state.questions]
    return (asked + rest)[: max(interview.setup.length, len(asked))]
