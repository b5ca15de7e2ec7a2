"""Safe Markdown: any text escaped so it renders literally, with our own highlights around evidence spans.

Every piece of text the app or an export shows in Markdown (the candidate's answers, a pasted job
description, a profile name, and the bank's own wording) goes through :func:`escape` first: it can
never become HTML, a link, an image, a math block or formatting. Highlights are added by
:func:`highlight` around character spans of the original text, after escaping each piece.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

# Escaped everywhere: the characters that start HTML, entities, links, images, code, emphasis, tables,
# headings and quotes in CommonMark/GFM, Streamlit's :directives[...], :emoji: and $math$, and the
# "@" of e-mail autolinks. ("!" and "(" are harmless once "[" is escaped.)
_ALWAYS = re.compile(r"([\\`*_\[\]<>#|~$:&@])")
# GFM autolink literals ("www.x.y", "https://...", "a@b.c", "mailto:") are found in the text after
# backslash escapes are resolved, so escaping cannot stop them: an invisible word joiner does.
JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?<=\bwww)(?=\\?\.)|(?<=\w)(?=\\?:\\?/\\?/)|(?<!\\)(?=\\?@)|(?<=\bmailto)(?=\\?:)|(?<=\bxmpp)(?=\\?:)")
_LIST_START = re.compile(r"^([\u00a0]*)([-+=]|\d{1,9}(?=[.)]))([.)]?)")   # "- x", "1. x", "===" at a line start
_LEADING_SPACE = re.compile(r"^[ \t]+")
NBSP = "\u00a0"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
WARNING_MARK = "⚠"


class Flavour(str, enum.Enum):
    """Where the Markdown is shown: in Streamlit (colour highlights) or in a plain Markdown file."""

    STREAMLIT = "streamlit"
    COMMONMARK = "commonmark"


class Tone(str, enum.Enum):
    GOOD = "good"     # a sentence that covered a key point
    BAD = "bad"       # a sentence that asserted a misconception


@dataclass(frozen=True)
class Mark:
    """A span of the original text to highlight, and the label shown after it."""

    start: int
    end: int
    label: str
    tone: Tone = Tone.GOOD


def number_label(n: int) -> str:
    """A compact label for the n-th covered point (1-based): ① .. ⑳, then (21)."""
    return CIRCLED[n - 1] if 1 <= n <= len(CIRCLED) else f"({n})"


def _escape_line(line: str, at_line_start: bool) -> str:
    if at_line_start:
        # Leading blanks would make an indented code block: keep the indent as no-break spaces.
        line = _LEADING_SPACE.sub(lambda m: NBSP * len(m.group().expandtabs(4)), line)
    line = _AUTOLINK.sub(JOINER, _ALWAYS.sub(r"\\\1", line))
    if at_line_start:
        line = _LIST_START.sub(_escape_marker, line, count=1)
    return line


def _escape_marker(match: re.Match) -> str:
    indent, marker, dot = match.groups()
    return f"{indent}{marker}\\{dot}" if dot else f"{indent}\\{marker}"


def _lines(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of each line of text, without its line break."""
    spans, start = [], 0
    for match in re.finditer(r"\r\n|\r|\n", text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _join(lines: list[str | None]) -> str:
    """Rendered lines joined with hard breaks; None (a blank line) starts a new paragraph."""
    out: list[str] = []
    gap = ""
    for line in lines:
        if line is None:
            gap = "\n\n" if out else ""
            continue
        out.append((gap or ("  \n" if out else "")) + line)
        gap = ""
    return "".join(out)


def escape(text: str) -> str:
    """Plain text as Markdown that renders exactly as typed: no HTML, links, images, math or styling."""
    text = str(text or "")
    return _join([_escape_line(text[a:b], True) if text[a:b].strip() else None for a, b in _lines(text)])


def _wrap(body: str, tone: Tone, flavour: Flavour) -> str:
    core = body.strip(" " + NBSP)
    if not core:
        return body
    # Blanks stay outside the markup: CommonMark emphasis may not start or end with a space.
    lead, trail = body[: len(body) - len(body.lstrip(" " + NBSP))], body[len(body.rstrip(" " + NBSP)):]
    if flavour is Flavour.STREAMLIT:   # coloured text on a tinted background: readable in light and dark themes
        colour = "green" if tone is Tone.GOOD else "red"
        return f"{lead}:{colour}-background[:{colour}[{core}]]{trail}"
    return f"{lead}**{core}**{trail}" if tone is Tone.GOOD else f"{lead}*{core}*{trail}"


def _label(mark: Mark, flavour: Flavour) -> str:
    label = _ALWAYS.sub(r"\\\1", mark.label)
    if flavour is Flavour.STREAMLIT:
        return f":{'green' if mark.tone is Tone.GOOD else 'red'}-badge[{label}]"
    return label


def valid_marks(text: str, marks: list[Mark]) -> list[Mark]:
    """The marks that fit inside the text and cover something other than blanks."""
    return [m for m in marks if 0 <= m.start < m.end <= len(text) and text[m.start:m.end].strip()]


def highlight(text: str, marks: list[Mark], flavour: Flavour = Flavour.STREAMLIT) -> str:
    """The text escaped, with each marked span highlighted (a misconception wins over a covered point)."""
    text = str(text or "")
    marks = valid_marks(text, marks)
    if not marks:
        return escape(text)
    labels: dict[int, list[str]] = {}
    for m in marks:
        pos = m.end
        while text[pos - 1].isspace():   # the label goes right after the span's last visible character
            pos -= 1
        labels.setdefault(pos, []).append(_label(m, flavour))
    rendered: list[str | None] = []
    for start, end in _lines(text):
        if not text[start:end].strip():
            rendered.append(None)
            continue
        cuts = sorted({start, end, *(p for m in marks for p in (m.start, m.end) if start < p < end), *labels})
        parts = []
        for a, b in zip(cuts, cuts[1:]):
            if not start <= a < b <= end:
                continue
            covering = [m for m in marks if m.start <= a and b <= m.end]
            tone = Tone.BAD if any(m.tone is Tone.BAD for m in covering) else Tone.GOOD if covering else None
            body = _escape_line(text[a:b], a == start)
            parts.append(_wrap(body, tone, flavour) if tone else body)
            if b in labels:
                parts.append(NBSP + " ".join(labels[b]))
        rendered.append("".join(parts))
    return _join(rendered)


def quote(text: str) -> str:
    """Escaped text in typographic quotes, on one line (for "you said: ..." in lists)."""
    return f"“{escape(' '.join(str(text).split()))}”"
