"""Downloads of one interview: Markdown, JSON and PDF, all from a :class:`SessionView`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from interviewer.chat import Kind, Role, messages
from interviewer.markup import Flavour, escape
from interviewer.report import areas_md, clock, delivery_table_md, message_md
from interviewer.review import SessionView, describe_setup

ModelAnswers = Mapping[tuple[str, "str | None"], str]
UNICODE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")   # Debian's fonts-dejavu-core
UNICODE_BOLD = UNICODE_FONT.with_name("DejaVuSans-Bold.ttf")
UNICODE_ITALIC = UNICODE_FONT.with_name("DejaVuSans-Oblique.ttf")


def file_stem(view: SessionView) -> str:
    """A download name: interview-<date>-<short id>."""
    return f"interview-{view.created_at:%Y-%m-%d-%H%M}-{view.id[:8]}"


def to_json(view: SessionView) -> str:
    """The full transcript (entries with grades and feedback) and the summary, as JSON."""
    return json.dumps(view.export(), ensure_ascii=False, indent=1)


def profile_json(data: dict) -> str:
    """Everything stored for one profile (:meth:`Store.export_profile`), as JSON."""
    return json.dumps(data, ensure_ascii=False, indent=1)


def _score(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "–"


def to_markdown(view: SessionView, model_answers: ModelAnswers | None = None) -> str:
    """The interview as a Markdown document: set-up, scores, areas, then the transcript with feedback."""
    s = view.summary
    out = [f"# Mock interview, {view.created_at:%Y-%m-%d %H:%M} UTC", ""]
    out += [f"- **{label}:** {escape(value)}" for label, value in describe_setup(view.setup)]
    if view.setup.job_description:
        out += ["", "**Job description**", "", *("> " + line if line else ">"
                                                  for line in escape(view.setup.job_description).split("\n"))]
    out += ["", "## Scores", "",
            f"Overall: **{_score(s.score10)}/10** over {len(s.questions)} question(s), {s.answers} answer(s), "
            f"{clock(s.seconds)} answering.", "",
            "| # | question | track | difficulty | score | outcome | time |", "|---|---|---|---|---|---|---|"]
    for q in s.questions:
        out.append(f"| {q.number} | {escape(' '.join(q.question.split()))} | {escape(q.track.title)} | "
                   f"{q.difficulty.value} | {_score(q.score10)} | {escape(q.outcome)} | {clock(q.seconds)} |")
    if len(s.tracks) > 1:
        out += ["", "By track: " + ", ".join(f"{escape(t.area)} {t.score10:.1f}" for t in s.tracks)]
    out += ["", areas_md(s)]
    if view.delivery is not None:
        out += ["", "## Delivery (spoken answers)", "", delivery_table_md(view.delivery)]
    out += ["", "## Transcript", ""]
    for message in messages(view.entries, view.setup.length):
        who = "**Interviewer**" if message.role is Role.INTERVIEWER else "**You**"
        body = message_md(message, Flavour.COMMONMARK)
        if message.role is Role.CANDIDATE:
            body = "\n".join("> " + line if line.strip() else ">" for line in body.split("\n"))
        out += [who, "", body, ""]
        key = (message.question_id, message.follow_up_id)
        if message.kind is Kind.FEEDBACK and model_answers and key in model_answers:
            out += ["*Model answer:* " + escape(model_answers[key]), ""]
    return "\n".join(out).rstrip() + "\n"


class _Pdf(FPDF):
    """A4 pages with a footer; a Unicode font when the system has one, else Latin-1 core fonts."""

    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.title_text = title
        self.unicode = UNICODE_FONT.is_file()
        if self.unicode:
            self.add_font("body", "", str(UNICODE_FONT))
            self.add_font("body", "B", str(UNICODE_BOLD if UNICODE_BOLD.is_file() else UNICODE_FONT))
            self.add_font("body", "I", str(UNICODE_ITALIC if UNICODE_ITALIC.is_file() else UNICODE_FONT))
        self.family = "body" if self.unicode else "helvetica"
        self.set_auto_page_break(True, margin=15)
        self.set_margins(15, 15, 15)

    def clean(self, text: str) -> str:
        """Text the current font can draw (unencodable characters become '?' without a Unicode font)."""
        text = str(text).replace("\r\n", "\n").replace("\t", "    ")
        if self.unicode:
            return text
        text = text.translate({0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"', 0x2013: "-", 0x2014: "-",
                               0x2026: "...", 0x00A0: " ", 0x2022: "-", 0x00B7: "-"})
        return text.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "I", 8)
        self.set_text_color(110)
        self.cell(0, 6, self.clean(f"{self.title_text} · page {self.page_no()}"), align="C")

    def para(self, text: str, size: float = 10, style: str = "", indent: float = 0, colour: int = 0,
             gap: float = 1.5) -> None:
        """A wrapped paragraph."""
        self.set_font(self.family, style, size)
        self.set_text_color(colour)
        self.set_x(self.l_margin + indent)
        self.multi_cell(self.epw - indent, size * 0.5, self.clean(text), align="L", new_x=XPos.LMARGIN,
                        new_y=YPos.NEXT)
        self.ln(gap)


def to_pdf(view: SessionView, model_answers: ModelAnswers | None = None) -> bytes:
    """The interview as a PDF: set-up, scores and areas, then the transcript with feedback."""
    s = view.summary
    title = f"Mock interview, {view.created_at:%Y-%m-%d %H:%M} UTC"
    pdf = _Pdf(title)
    pdf.set_title(title)
    pdf.set_creator("ml-mock-interviewer")
    pdf.add_page()
    pdf.para(title, 16, "B", gap=3)
    for label, value in describe_setup(view.setup):
        pdf.para(f"{label}: {value}", 10, gap=0.5)
    if view.setup.job_description:
        pdf.para("Job description:", 10, "B", gap=0.5)
        pdf.para(view.setup.job_description, 9, indent=4, colour=60)
    pdf.ln(2)
    pdf.para(f"Overall: {_score(s.score10)}/10 over {len(s.questions)} question(s), {s.answers} answer(s), "
             f"{clock(s.seconds)} answering.", 12, "B", gap=2)
    for q in s.questions:
        pdf.para(f"Q{q.number} [{_score(q.score10)}] {q.track.title} / {q.difficulty.value} · {q.outcome} · "
                 f"{clock(q.seconds)}: {' '.join(q.question.split())}", 9, gap=0.8)
    if len(s.tracks) > 1:
        pdf.para("By track: " + ", ".join(f"{t.area} {t.score10:.1f}" for t in s.tracks), 10, gap=2)
    for a in s.strongest:
        pdf.para(f"Strong: {a.area} ({a.score10:.1f}/10)", 10, gap=0.8)
    for a in s.weakest:
        pdf.para(f"Work on {a.area} ({a.score10:.1f}/10): {a.next_step}", 10, gap=0.8)
    delivery = view.delivery
    if delivery is not None:
        pdf.ln(2)
        pdf.para("Delivery (spoken answers)", 12, "B", gap=1)
        for item in delivery.answers:
            r = item.report
            pace = f"{r.wpm:.0f} words/min" if r.wpm is not None else "pace not measured"
            pdf.para(f"{item.label}: {clock(r.speaking_seconds)} · {pace} · {r.fillers_per_minute:.1f} fillers/min · "
                     f"{r.long_pauses} long pause(s)", 9, gap=0.5)
        if delivery.next_step:
            pdf.para(f"Delivery habit to work on ({delivery.habit}): {delivery.next_step}", 10, gap=1)
    pdf.ln(3)
    pdf.para("Transcript", 14, "B", gap=2)
    for message in messages(view.entries, view.setup.length):
        _pdf_message(pdf, message, model_answers or {})
    return bytes(pdf.output())


def _pdf_message(pdf: _Pdf, message, model_answers: ModelAnswers) -> None:
    if message.role is Role.CANDIDATE:
        label = "You" if message.kind is Kind.ANSWER else "You (command)"
        pdf.para(label, 9, "B", colour=40, gap=0.3)
        pdf.para(message.text or "(empty answer)", 10, indent=4, colour=30)
        return
    if message.kind is Kind.FEEDBACK and message.answer is not None:
        fb = message.answer.feedback
        pdf.para(f"Feedback: {fb.score10:.1f}/10 ({fb.band.value}). {fb.headline}", 10, "B", indent=4, gap=0.5)
        for point in fb.covered:
            said = f' — you said: "{" ".join(point.evidence.split())}"' if point.evidence else ""
            pdf.para(f"+ {'(partly) ' if point.partly else ''}{point.text}{said}", 9, indent=8, gap=0.3)
        for point in fb.missed:
            pdf.para(f"- missed: {point.text}" + (f" ({point.note})" if point.note else ""), 9, indent=8, gap=0.3)
        for item in fb.corrections:
            pdf.para(f'! you said "{item.evidence}", but: {item.correction}', 9, indent=8, gap=0.3)
        for note in fb.notes:
            pdf.para(f"* {note}", 9, indent=8, gap=0.3)
        if message.answer.delivery is not None:
            pdf.para("Delivery (spoken):", 9, "B", indent=8, gap=0.3)
            for line in message.answer.delivery.lines():
                pdf.para(line, 9, indent=12, gap=0.3)
        key = (message.question_id, message.follow_up_id)
        if key in model_answers:
            pdf.para(f"Model answer: {model_answers[key]}", 9, "I", indent=8, colour=70, gap=0.3)
        pdf.ln(2)
        return
    head = " · ".join(p for p in (message.title, message.meta) if p)
    if message.lead:
        pdf.para(message.lead, 9, "I", colour=70, gap=0.3)
    if head:
        pdf.para(head, 10, "B", gap=0.3)
    pdf.para(message.text, 10, gap=1)
    for line in message.targets:
        pdf.para(f'Targets: "{line}"', 9, "I", indent=4, colour=70, gap=0.3)
