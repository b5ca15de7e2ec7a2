"""The review's charts as Altair specifications: scores per question, per track, per key point, and progress."""

from __future__ import annotations

from typing import Any

import altair as alt

from interviewer.summary import Summary

STATUS_ORDER = ["missed", "partly covered", "covered"]
STATUS_COLOURS = ["#d62728", "#ff9f0e", "#2ca02c"]
OUTCOME_ORDER = ["answered", "skipped", "revealed", "not answered"]
OUTCOME_COLOURS = ["#1f77b4", "#9e9e9e", "#ff9f0e", "#d0d0d0"]
LABEL_LIMIT = 70
LABEL_GREY = "#808495"   # readable on the light and the dark theme alike
CHART_HEIGHT = 300    # pixels, title and axes included (pass it to st.altair_chart too)


def _short(text: str, limit: int = LABEL_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def question_rows(summary: Summary) -> list[dict[str, Any]]:
    """One row per main question: label, score (0 when skipped or revealed), outcome, question text."""
    return [{"label": f"Q{q.number}", "score": q.score10 if q.score10 is not None else 0.0, "outcome": q.outcome,
             "question": _short(q.question, 120), "track": q.track.title} for q in summary.questions]


def track_rows(summary: Summary) -> list[dict[str, Any]]:
    """One row per track: its mean score and how many questions it had."""
    return [{"track": t.area, "score": t.score10, "questions": t.questions} for t in summary.tracks]


def point_rows(summary: Summary) -> list[dict[str, Any]]:
    """One row per key point of each main question, with its status."""
    numbers = {q.question_id: q.number for q in summary.questions}
    return [{"question": f"Q{numbers.get(p.question_id, '?')}", "point": _short(p.text), "status": p.status,
             "weight": p.weight, "order": i} for i, p in enumerate(summary.points)]


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


def point_chart(summary: Summary) -> alt.Chart:
    """A dot per key point, in the column of its status (missed, partly covered, covered)."""
    rows = point_rows(summary)
    return alt.Chart(_data(rows), title="Key points").mark_circle(size=140, opacity=1).encode(
        x=alt.X("status:N", title=None, scale=alt.Scale(domain=STATUS_ORDER), axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("point:N", title=None, sort=alt.EncodingSortField("order"), axis=alt.Axis(labelLimit=420)),
        color=alt.Color("status:N", scale=alt.Scale(domain=STATUS_ORDER, range=STATUS_COLOURS), legend=None),
        row=alt.Row("question:N", title=None, sort=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        tooltip=["question:N", "point:N", "status:N", "weight:Q"],
    ).properties(height=alt.Step(22), width=alt.Step(95)).resolve_scale(y="independent")


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
