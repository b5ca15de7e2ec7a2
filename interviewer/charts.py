"""The review's charts as Altair specifications: scores per question, per track, per key point, and progress."""

from __future__ import annotations

import textwrap
from itertools import groupby
from typing import Any

import altair as alt

from interviewer.summary import Summary

STATUS_ORDER = ["missed", "partly covered", "covered"]
STATUS_COLOURS = ["#d62728", "#ff9f0e", "#2ca02c"]
OUTCOME_ORDER = ["answered", "skipped", "revealed", "not answered"]
OUTCOME_COLOURS = ["#1f77b4", "#9e9e9e", "#ff9f0e", "#d0d0d0"]
LABEL_GREY = "#808495"   # readable on the light and the dark theme alike
CHART_HEIGHT = 300    # pixels, title and axes included (pass it to st.altair_chart too)
# The key-point chart, in pixels: it fits a 390-pixel phone (Streamlit leaves about 358 of it to a chart).
POINT_CHART_WIDTH = 340
DOT_X, STATUS_X, POINT_X = 6, 15, 67       # the status dot, the status in words, the key point
FONT_PX, LINE_PX = 12, 15
POINT_WRAP = 46        # characters per line in the 274 pixels left of the width: 12-pixel text averages 5.3
HEADING_GAP_PX, QUESTION_GAP_PX, ROW_GAP_PX = 5, 12, 7


def question_rows(summary: Summary) -> list[dict[str, Any]]:
    """One row per main question: label, score (0 when skipped or revealed), outcome, question text (in full: the
    tooltip wraps it)."""
    return [{"label": f"Q{q.number}", "score": q.score10 if q.score10 is not None else 0.0, "outcome": q.outcome,
             "question": " ".join(q.question.split()), "track": q.track.title} for q in summary.questions]


def track_rows(summary: Summary) -> list[dict[str, Any]]:
    """One row per track: its mean score and how many questions it had."""
    return [{"track": t.area, "score": t.score10, "questions": t.questions} for t in summary.tracks]


def point_rows(summary: Summary) -> list[dict[str, Any]]:
    """One row per key point of each main question, with its status, the point in full and wrapped into lines,
    and its place: ``y``, the top of its row in pixels from the top of the chart, and ``row_px``, its height."""
    return _point_layout(summary)[0]


def _point_layout(summary: Summary) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The key-point rows, and a heading above each question's rows (its number and topic), placed one under
    the other."""
    questions = {q.question_id: q for q in summary.questions}
    rows: list[dict[str, Any]] = []
    headings: list[dict[str, Any]] = []
    y = 0.0
    for question_id, points in groupby(summary.points, key=lambda p: p.question_id):
        asked = questions.get(question_id)
        label = f"Q{asked.number}" if asked else "Q?"
        heading = wrap_lines(f"{label} · {asked.topic}" if asked else label)
        y += QUESTION_GAP_PX if headings else 0
        headings.append({"question": label, "heading": "\n".join(heading), "y": y})
        y += len(heading) * LINE_PX + HEADING_GAP_PX
        for p in points:
            lines = wrap_lines(p.text)
            height = max(len(lines), p.status.count(" ") + 1) * LINE_PX
            rows.append({"question": label, "point": " ".join(p.text.split()), "lines": "\n".join(lines),
                         "status": p.status, "status_lines": p.status.replace(" ", "\n"), "weight": p.weight,
                         "y": y, "row_px": height})
            y += height + ROW_GAP_PX
    return rows, headings


def wrap_lines(text: str, width: int = POINT_WRAP) -> list[str]:
    """``text`` on lines of at most ``width`` characters, broken between words (never cut short)."""
    return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False) or [""]


def _data(rows: list[dict[str, Any]]) -> alt.Data:
    return alt.Data(values=rows)


def question_chart(summary: Summary) -> alt.LayerChart:
    """A bar per main question, 0-10, coloured by outcome, its score written above it (so a 0 shows too)."""
    base = alt.Chart(_data(question_rows(summary)), title="Score per question").encode(
        x=alt.X("label:N", title=None, sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("score:Q", title="score", scale=alt.Scale(domain=[0, 10])),
        tooltip=["label:N", "question:N", "track:N", alt.Tooltip("score:Q", format=".1f"), "outcome:N"],
    )
    bars = base.mark_bar().encode(color=alt.Color("outcome:N", legend=alt.Legend(orient="right", title=None),
                                                  scale=alt.Scale(domain=OUTCOME_ORDER, range=OUTCOME_COLOURS)))
    labels = base.mark_text(dy=-8, color=LABEL_GREY).encode(text=alt.Text("score:Q", format=".1f"))
    return (bars + labels).properties(height=CHART_HEIGHT)


def track_chart(summary: Summary) -> alt.Chart:
    """A horizontal bar per track with its mean score."""
    rows = track_rows(summary)
    return alt.Chart(_data(rows), title="Score per track").mark_bar().encode(
        y=alt.Y("track:N", title=None, sort="-x", axis=alt.Axis(labelLimit=220)),
        x=alt.X("score:Q", title="mean score", scale=alt.Scale(domain=[0, 10])),
        tooltip=["track:N", alt.Tooltip("score:Q", format=".1f"), "questions:Q"],
    ).properties(height=max(60, 34 * len(rows)))


def point_chart(summary: Summary) -> alt.LayerChart:
    """Each key point in full, wrapped, under its question: a dot in its status colour and the status in words.

    Wrapped to fit a 390-pixel phone: sentences of 8-25 words cut to one axis label lost their ends, and a
    grid of status columns beside them did not fit the screen.
    """
    rows, headings = _point_layout(summary)
    height = round(rows[-1]["y"] + rows[-1]["row_px"]) if rows else LINE_PX
    y_px = alt.Scale(domain=[0, height], range=[0, height])       # y in pixels, from the top
    tooltip = ["question:N", alt.Tooltip("point:N", title="key point"), "status:N", "weight:Q"]
    points = alt.Chart(_data(rows)).encode(y=alt.Y("y:Q", scale=y_px, axis=None), tooltip=tooltip)
    dots = points.mark_circle(size=90, opacity=1, yOffset=LINE_PX / 2).encode(
        x=alt.value(DOT_X), color=alt.Color("status:N", scale=alt.Scale(domain=STATUS_ORDER, range=STATUS_COLOURS),
                                           legend=None))
    text = dict(align="left", baseline="top", lineBreak="\n", lineHeight=LINE_PX, fontSize=FONT_PX)
    statuses = points.mark_text(**text, color=LABEL_GREY).encode(x=alt.value(STATUS_X), text="status_lines:N")
    words = points.mark_text(**text, color=LABEL_GREY).encode(x=alt.value(POINT_X), text="lines:N")
    titles = alt.Chart(_data(headings)).mark_text(**text, color=LABEL_GREY, fontWeight="bold").encode(
        x=alt.value(0), y=alt.Y("y:Q", scale=y_px, axis=None), text="heading:N", tooltip=alt.value(None))
    # The height is the rows' own, the title comes on top: Streamlit's theme would fit the title in too, and the
    # last rows, placed in pixels, would fall off the bottom.
    return alt.layer(titles, dots, statuses, words, title="Key points").properties(
        width=POINT_CHART_WIDTH, height=height, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def progress_chart(points: list[dict[str, Any]]) -> alt.Chart:
    """Score over time, one line per track (``review.progress_points`` rows)."""
    # Local wall-clock time without an offset, so the chart shows the same times as the session list.
    rows = [{**p, "date": p["date"].astimezone().replace(tzinfo=None).isoformat(timespec="seconds")} for p in points]
    return alt.Chart(_data(rows), title="Progress per track").mark_line(point=True).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %d %H:%M", labelAngle=0, labelOverlap=True)),
        y=alt.Y("score:Q", title="score", scale=alt.Scale(domain=[0, 10])),
        color=alt.Color("track:N", legend=alt.Legend(orient="right", title=None)),
        tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d %H:%M"), "track:N", alt.Tooltip("score:Q", format=".1f")],
    ).properties(height=CHART_HEIGHT)


def delivery_chart(points: list[dict[str, Any]]) -> alt.FacetChart:
    """Pace and fillers per minute over time, one panel each (``voice.summary.delivery_points`` rows)."""
    rows = [{**p, "date": p["date"].astimezone().replace(tzinfo=None).isoformat(timespec="seconds")} for p in points]
    return alt.Chart(_data(rows), title="Delivery of spoken answers").mark_line(point=True).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %d %H:%M", labelAngle=0, labelOverlap=True)),
        y=alt.Y("value:Q", title=None),
        color=alt.Color("measure:N", legend=None),
        tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d %H:%M"), "measure:N", alt.Tooltip("value:Q", format=".1f")],
    ).properties(height=120).facet(row=alt.Row("measure:N", title=None, header=alt.Header(labelAngle=0,
                                                                                       labelAlign="left"))
                                   ).resolve_scale(y="independent")
