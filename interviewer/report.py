"""Markdown for the chat bubbles, the feedback and the summary: shared by the app and the exports.

All text that is not ours goes through :mod:`interviewer.markup` (escaped, then highlighted), so
nothing a candidate types can render as HTML, a link or an image.
"""

from __future__ import annotations

from interviewer.chat import Kind, Message
from interviewer.feedback import Feedback
from interviewer.grade import Band
from interviewer.markup import WARNING_MARK, Flavour, Mark, Tone, escape, highlight, number_label, quote
from interviewer.summary import Summary
from interviewer.transcript import AnswerGiven

BAND_COLOURS = {Band.STRONG: "green", Band.ADEQUATE: "blue", Band.WEAK: "orange", Band.NO_ANSWER: "gray"}


def answer_marks(entry: AnswerGiven) -> list[Mark]:
    """The spans of an answer to highlight: each covering sentence (numbered) and each misconception."""
    marks = [Mark(p.start, p.end, number_label(i)) for i, p in enumerate(entry.feedback.covered, 1)
             if p.start is not None and p.end is not None]
    marks += [Mark(m.evidence.start, m.evidence.end, WARNING_MARK, Tone.BAD) for m in entry.grade.misconceptions]
    return marks


def answer_md(entry: AnswerGiven, flavour: Flavour = Flavour.STREAMLIT) -> str:
    """The candidate's answer, escaped, with the sentences that earned (or lost) points highlighted."""
    return highlight(entry.text, answer_marks(entry), flavour) or "*(empty answer)*"


def score_md(feedback: Feedback, flavour: Flavour = Flavour.STREAMLIT) -> str:
    """The score line: "**6.5/10** adequate — A reasonable answer, with gaps."."""
    band = feedback.band.value
    tag = f":{BAND_COLOURS[feedback.band]}-badge[{band}]" if flavour is Flavour.STREAMLIT else f"({band})"
    return f"**{feedback.score10:.1f}/10** {tag} {escape(feedback.headline)}"


def feedback_md(entry: AnswerGiven, flavour: Flavour = Flavour.STREAMLIT) -> str:
    """The feedback on one answer: score and band, covered and missed points, corrections, notes."""
    fb = entry.feedback
    lines = [score_md(fb, flavour), ""]
    if fb.covered:
        lines.append("**Covered** (the numbers mark your sentences above)" if flavour is Flavour.STREAMLIT
                     else "**Covered**")
        for i, point in enumerate(fb.covered, 1):
            partly = "*(partly)* " if point.partly else ""
            said = f" — you said: {quote(point.evidence)}" if point.evidence and flavour is Flavour.COMMONMARK else ""
            lines.append(f"- {_badge(number_label(i), flavour)} {partly}{escape(point.text)}{said}")
        lines.append("")
    if fb.missed:
        lines.append("**Missed**")
        for point in fb.missed:
            why = f" — *{escape(point.note)}*" if point.note else ""
            lines.append(f"- {escape(point.text)}{why}")
        lines.append("")
    if fb.corrections:
        lines.append("**Corrections**")
        for item in fb.corrections:
            lines.append(f"- {_badge(WARNING_MARK, flavour, 'red')} You said {quote(item.evidence)}, "
                         f"but: {escape(item.correction)}")
        lines.append("")
    if fb.notes:
        lines.append("**Notes**")
        lines.extend(f"- {escape(note)}" for note in fb.notes)
        lines.append("")
    if entry.seconds is not None:
        lines.append(f"*Answered in {clock(entry.seconds)}.*")
    return "\n".join(lines).strip()


def _badge(label: str, flavour: Flavour, colour: str = "green") -> str:
    return f":{colour}-badge[{label}]" if flavour is Flavour.STREAMLIT else label


def clock(seconds: float) -> str:
    """Seconds as m:ss."""
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def prompt_md(message: Message) -> str:
    """A question, follow-up, hint or remark bubble (not an answer or feedback)."""
    parts = []
    if message.lead:
        parts.append(f"*{escape(message.lead)}*")
    head = f"**{escape(message.title)}**" if message.title else ""
    if message.meta:
        head += f" · {escape(message.meta)}"
    if head:
        parts.append(head)
    parts.append(escape(message.text))
    if message.kind is Kind.QUESTION and message.targets:
        parts.append("This question targets: " + "; ".join(quote(line) for line in message.targets))
    return "\n\n".join(parts)


def message_md(message: Message, flavour: Flavour = Flavour.STREAMLIT) -> str:
    """Any bubble as Markdown."""
    if message.kind is Kind.ANSWER and message.answer is not None:
        return answer_md(message.answer, flavour)
    if message.kind is Kind.FEEDBACK and message.answer is not None:
        return feedback_md(message.answer, flavour)
    if message.kind is Kind.COMMAND:
        return f"*{escape(message.text)}*"
    return prompt_md(message)


def areas_md(summary: Summary) -> str:
    """Strongest and weakest areas, each weak one with its next step."""
    lines = []
    if summary.strongest:
        lines.append("**Strongest areas**")
        lines += [f"- {escape(a.area)}: {a.score10:.1f}/10" for a in summary.strongest]
        lines.append("")
    if summary.weakest:
        lines.append("**Weakest areas, and the next step for each**")
        lines += [f"- {escape(a.area)} ({a.score10:.1f}/10): {escape(a.next_step)}" for a in summary.weakest]
    if not lines:
        lines.append("No area stood out as strong or weak: every scored area is in the middle band.")
    return "\n".join(lines).strip()
