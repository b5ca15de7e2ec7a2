"""Weak-spot scheduling: a Leitner box per key point, so a point missed recently comes back sooner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from interviewer import policy
from interviewer.grade import Status


@dataclass(frozen=True)
class PointState:
    """Where one key point stands for one profile."""

    box: int
    due_at: datetime
    times_seen: int = 0
    times_missed: int = 0
    last_status: Status = Status.MISSED


@dataclass(frozen=True)
class WeakSpot:
    """A key point the candidate has missed before, with its box and when it is due again."""

    question_id: str
    key_point_id: str
    text: str
    box: int
    due_at: datetime
    times_missed: int
    last_status: Status
    last_seen: datetime | None = None     # when it was last answered, skipped or revealed


def review(previous: PointState | None, status: Status, now: datetime) -> PointState:
    """The point's state after one more answer: covered climbs a box, partly stays, missed drops to box 1."""
    box = previous.box if previous else 1
    if status is Status.COVERED:
        box = min(box + 1, policy.LEITNER_MAX_BOX)
    elif status is Status.MISSED:
        box = 1
    return PointState(
        box=box,
        due_at=now + timedelta(days=policy.LEITNER_INTERVAL_DAYS[box]),
        times_seen=(previous.times_seen if previous else 0) + 1,
        times_missed=(previous.times_missed if previous else 0) + (status is Status.MISSED),
        last_status=status,
    )


def question_order(spots: Iterable[WeakSpot]) -> list[str]:
    """Question ids to practise, the most recent weak spot first: a point missed (or contradicted) last
    time before one since answered better, then the latest, then the lowest box and the most misses."""
    best: dict[str, tuple] = {}
    for spot in spots:
        seen = -spot.last_seen.timestamp() if spot.last_seen is not None else 0.0
        key = (spot.last_status is not Status.MISSED, seen, spot.box, -spot.times_missed)
        if spot.question_id not in best or key < best[spot.question_id]:
            best[spot.question_id] = key
    return sorted(best, key=lambda qid: (best[qid], qid))
