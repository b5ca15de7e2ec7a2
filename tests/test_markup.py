"""Escaping and highlighting: candidate text can never become HTML, a link, an image or formatting."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interviewer.markup import JOINER, NBSP, Flavour, Mark, Tone, escape, highlight, quote


@pytest.mark.parametrize("text, inert", [
    ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)\\>"),
    ("[click](http://evil.example)", "\\[click\\](http"),
    ("![pic](x.png)", "!\\[pic\\](x.png)"),
    ("**bold** _it_ `code` ~~gone~~", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~gone\\~\\~"),
    ("$x^2$ and :red[red] and :material/home:", "\\$x^2\\$ and \\:red\\[red\\] and \\:material/home\\:"),
    ("&lt;b&gt;", "\\&lt;b\\&gt;"),
    ("# heading", "\\# heading"),
    ("> quote", "\\> quote"),
    ("| a | b |", "\\| a \\| b \\|"),
])
def test_markup_characters_are_escaped(text, inert):
    assert inert in escape(text)


@pytest.mark.parametrize("text", ["www.evil.example", "http://evil.example", "https://e.example/x", "me@evil.example",
                                  "mailto:me@evil.example"])
def test_autolinks_are_broken_by_an_invisible_joiner(text):
    shown = escape(text)
    assert JOINER in shown
    assert shown.replace(JOINER, "").replace("\\", "") == text


@pytest.mark.parametrize("line, start", [("- item", "\\- item"), ("+ item", "\\+ item"), ("1. item", "1\\. item"),
                                         ("2) item", "2\\) item"), ("===", "\\==="), ("    code", NBSP * 4 + "code")])
def test_line_starts_cannot_make_lists_headings_or_code(line, start):
    assert escape(line) == start


def test_line_breaks_are_kept_and_blank_lines_make_paragraphs():
    assert escape("a\nb\n\nc") == "a  \nb\n\nc"
    assert escape("a\r\nb") == "a  \nb"


@given(st.text(max_size=200))
def test_escaped_text_has_no_unescaped_markup(text):
    shown = escape(text)
    unescaped = re.sub(r"\\.", "", shown)
    assert not re.search(r"[<>\[\]`*_|~$:&@#]", unescaped)


def test_highlight_wraps_each_span_and_labels_it():
    text = "Bias is error from simple models. Variance is sensitivity to data. Bigger data fixes bias."
    good = Mark(0, 33, "①")
    bad = Mark(text.index("Bigger"), len(text), "⚠", Tone.BAD)
    shown = highlight(text, [good, bad])
    assert shown.startswith(":green-background[:green[Bias is error from simple models.]]")
    assert ":green-badge[①]" in shown and ":red-background[:red[Bigger data fixes bias.]]" in shown
    assert "Variance is sensitivity to data." in shown
    plain = highlight(text, [good, bad], Flavour.COMMONMARK)
    assert plain.startswith("**Bias is error from simple models.**") and "*Bigger data fixes bias.*" in plain


def test_highlighted_text_is_still_escaped():
    text = "I'd use <b>L1</b> [x](http://e.example) here."
    shown = highlight(text, [Mark(0, len(text), "①")])
    assert "\\<b\\>" in shown and "\\[x\\]" in shown and f"http{JOINER}" in shown


def test_a_misconception_wins_over_an_overlapping_covered_span():
    text = "Adding data reduces bias."
    shown = highlight(text, [Mark(0, len(text), "①"), Mark(0, len(text), "⚠", Tone.BAD)])
    assert ":red-background" in shown and ":green-background" not in shown
    assert "①" in shown and "⚠" in shown


@pytest.mark.parametrize("mark", [Mark(5, 500, "①"), Mark(-1, 3, "①"), Mark(3, 3, "①"), Mark(3, 4, "①")])
def test_spans_outside_the_text_or_on_blanks_are_ignored(mark):
    assert highlight("abc   def", [mark]) == escape("abc   def")


def test_a_span_across_lines_is_wrapped_line_by_line():
    shown = highlight("first line\nsecond line", [Mark(0, 22, "①")])
    assert shown == ":green-background[:green[first line]]  \n:green-background[:green[second line]] :green-badge[①]"\
        .replace(" :green-badge", NBSP + ":green-badge")


def test_quote_escapes_and_flattens():
    assert quote("a\n*b*") == "“a \\*b\\*”"
