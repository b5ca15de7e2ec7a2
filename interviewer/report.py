"""Markdown for the chat bubbles, the feedback and the summary: shared by the app and the exports.

All text that is not ours goes through :mod:`interviewer.markup` (escaped, then highlighted), so
nothing a candidate types can render as HTML, a link or an image.
"""

from __future__ import annotations

import math

from interviewer.chat import Kind, Message
from interviewer.feedback import Action, Feedback, breakdown_text, ten_out_of_ten
from interviewer.grade import Band
from interviewer.markup import WARNING_MARK, Flavour, Mark, Tone, escape, highlight, number_label, quote
from interviewer.summary import Summary
from interviewer.tailor import JobCoverage
from interviewer.transcript import AnswerGiven
from interviewer.voice.delivery import COMFORT_WPM, LONG_PAUSE_SECONDS, DeliveryReport
from interviewer.voice.summary import DeliverySummary

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
    if fb.breakdown:
        lines += [f"*How the score is made:* {escape(breakdown_text(fb.breakdown))}"
                  + (" (clipped to 0-10)" if not 0 <= sum(v for _, v in fb.breakdown) <= 10 else ""), ""]
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
    steps = ten_out_of_ten(fb)
    if steps:
        lines.append("**What a 10/10 answer would add**")
        for step in steps:
            if step.action is Action.FIX:
                lines.append(f"- Instead of {quote(step.after)}, say: {escape(step.text)}" if step.after
                             else f"- Say: {escape(step.text)}")
            elif step.action is Action.FINISH:
                lines.append(f"- Take {quote(step.after)} further: {escape(step.text)}" if step.after
                             else f"- Say fully: {escape(step.text)}")
            else:
                lines.append(f"- Add: {escape(step.text)}")
        lines.append("")
    if fb.notes:
        lines.append("**Notes**")
        lines.extend(f"- {escape(note)}" for note in fb.notes)
        lines.append("")
    if entry.delivery is not None:
        lines += [delivery_md(entry.delivery, flavour), ""]
    if entry.seconds is not None:
        lines.append(f"*Answered in {clock(entry.seconds)}.*")
    return "\n".join(lines).strip()


def _pace(report: DeliveryReport) -> str:
    if report.wpm is None:
        return "pace: too little speech to tell"
    return f"{report.wpm:.0f} words/min ({report.pace}; {COMFORT_WPM[0]}-{COMFORT_WPM[1]} is comfortable)"


def delivery_md(report: DeliveryReport, flavour: Flavour = Flavour.STREAMLIT) -> str:
    """How a spoken answer was delivered: time, pace, fillers, pauses and the one coaching line."""
    fillers = ", ".join(f"{escape(name)} ×{count}" for name, count in report.fillers) or "none heard"
    head = "**Delivery** :violet-badge[spoken]" if flavour is Flavour.STREAMLIT else "**Delivery** (spoken)"
    return "\n".join([
        head,
        f"- Speaking time {clock(report.speaking_seconds)} · {_pace(report)}",
        f"- Fillers: {fillers} ({report.fillers_per_minute:.1f}/min)",
        f"- Longest pause {report.longest_pause:.1f} s · {report.long_pauses} over {LONG_PAUSE_SECONDS:.0f} s",
        f"- *{escape(report.coaching)}*",
    ])


def delivery_table_md(summary: DeliverySummary) -> str:
    """Every spoken answer's delivery in one table, then the habit to work on."""
    lines = ["| answer | speaking time | words/min | fillers/min | fillers | long pauses |",
             "|---|---|---|---|---|---|"]
    for item in summary.answers:
        r = item.report
        fillers = ", ".join(f"{escape(n)} ×{c}" for n, c in r.fillers) or "–"
        lines.append(f"| {item.label} | {clock(r.speaking_seconds)} | {f'{r.wpm:.0f}' if r.wpm is not None else '–'} "
                     f"| {r.fillers_per_minute:.1f} | {fillers} | {r.long_pauses} |")
    pace = f"{summary.wpm:.0f} words/min" if summary.wpm is not None else "pace not measured"
    lines += ["", f"Overall: {pace}, {summary.fillers_per_minute:.1f} fillers/min, {summary.long_pauses} long "
              f"pause(s) over {clock(summary.speaking_seconds)} of speech."]
    if summary.habit and summary.next_step:
        lines.append(f"Delivery habit to work on ({escape(summary.habit)}): {escape(summary.next_step)}")
    return "\n".join(lines)


def _badge(label: str, flavour: Flavour, colour: str = "green") -> str:
    return f":{colour}-badge[{label}]" if flavour is Flavour.STREAMLIT else label


def clock(seconds: float) -> str:
    """Seconds as m:ss."""
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def indexing_label(done: int, total: int, eta: float | None) -> str:
    """The first-run progress line: what is happening, how far, and roughly how long is left."""
    if eta is None:
        left = "estimating the time left"
    elif eta < 60:
        left = "less than a minute left"
    else:
        left = f"about {math.ceil(eta / 60)} min left"
    return (f"First run: preparing the question index, {done:,} of {total:,} texts ({left}). "
            "You can start now: answers are graded meanwhile, a little more slowly.")


def coverage_md(coverage: JobCoverage, numbers: dict[str, int] | None = None) -> str:
    """The job description's requirements: covered here (by which question), elsewhere in the bank, or not at all."""
    numbers = numbers or {}
    parts = []
    if coverage.covered:
        parts.append("**Requirements this interview covers**\n" + "\n".join(
            f"- {escape(line)}" + (f" · question {numbers[qid]}" if qid in numbers else "")
            for line, qid in coverage.covered))
    if coverage.elsewhere:
        parts.append("**In the question bank, not in this interview** (start another to practise them)\n"
                     + "\n".join(f"- {escape(line)}" for line in coverage.elsewhere))
    if coverage.beyond_bank:
        parts.append("**The question bank cannot cover these** (prepare them another way)\n"
                     + "\n".join(f"- {escape(line)}" for line in coverage.beyond_bank))
    return "\n\n".join(parts)


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
