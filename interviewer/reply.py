"""What the interviewer says back: one frozen value per step, rendered by the UI or the terminal."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from interviewer.feedback import Feedback
from interviewer.summary import Summary
from interviewer.transcript import Entry


class NextKind(str, enum.Enum):
    QUESTION = "question"
    FOLLOW_UP = "follow_up"
    HINT = "hint"
    END = "end"


@dataclass(frozen=True)
class Reply:
    """What the interviewer says after an answer or command, and what now waits for the candidate."""

    next: NextKind
    prompt: str = ""                      # the question, follow-up or hint now put to the candidate
    message: str = ""                     # remarks before it: a command's output, "Let's move on."
    feedback: Feedback | None = None      # on the answer just given
    new_prompt: bool = True               # False when nothing new is asked (after /help, a refused command)
    question_id: str | None = None
    follow_up_id: str | None = None
    number: int = 0                       # the main question's number, from 1
    total: int = 0
    targets: tuple[str, ...] = ()         # job-description lines the question targets
    summary: Summary | None = None        # when the interview has ended
    entries: tuple[Entry, ...] = ()       # what this step added to the transcript

    def text(self) -> str:
        """A plain-text rendering for the terminal."""
        parts = []
        if self.feedback is not None:
            parts.append(self.feedback.text())
        if self.message:
            parts.append(self.message)
        if self.new_prompt and self.prompt:
            label = {NextKind.QUESTION: f"Question {self.number} of {self.total}",
                     NextKind.FOLLOW_UP: "Follow-up", NextKind.HINT: "Hint"}[self.next]
            targets = "".join(f"\n  (targets: “{line}”)" for line in self.targets) if self.next is NextKind.QUESTION else ""
            parts.append(f"{label}: {self.prompt}{targets}")
        if self.summary is not None:
            parts.append("Summary\n" + self.summary.text())
        return "\n\n".join(parts)
