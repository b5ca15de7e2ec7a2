"""Test doubles for the session tests: a small bank on disk, a keyword grader, a hand-driven clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

from interviewer.bank import Bank, check_folders
from interviewer.grade import Band, Flag, FlagNote, Grade, MisconceptionHit, PointResult, Span, Status

TRACKS = {"ml-fundamentals": "mlf", "evaluation-metrics": "eval"}
LEVELS = ("junior", "mid", "senior")


def question(qid: str, track: str, difficulty: str, text: str | None = None, tags: tuple[str, ...] = (),
             points: tuple[str, str, str] | None = None) -> dict:
    """A valid bank question whose key points are named alpha (2.0), beta (1.0) and gamma (0.5)."""
    alpha, beta, gamma = points or (f"Alpha point of {qid}.", f"Beta point of {qid}.", f"Gamma point of {qid}.")
    return {
        "id": qid, "track": track, "difficulty": difficulty, "tags": list(tags) or ["-".join(qid.split("-")[:2])],
        "question": text or f"Question {qid}?",
        "reference_answer": f"The model answer to {qid}: alpha, beta and gamma.",
        "key_points": [
            {"id": "alpha", "text": alpha, "weight": 2.0},
            {"id": "beta", "text": beta, "weight": 1.0},
            {"id": "gamma", "text": gamma, "weight": 0.5},
        ],
        "misconceptions": [{"claim": f"A wrong claim about {qid}.", "correction": "The right one.",
                            "key_point": "alpha"}],
        "follow_ups": [
            {"id": f"fu-{probe}", "probes": probe, "question": f"Follow-up on {probe} for {qid}?",
             "reference_answer": f"The model follow-up answer on {probe}.",
             "key_points": [{"id": "x", "text": "Point x."}, {"id": "y", "text": "Point y."}]}
            for probe in ("alpha", "beta", "deeper")
        ],
        "hints": [f"First hint for {qid}.", f"Second hint for {qid}."],
    }


def write_bank(folder: Path, questions: list[dict]) -> Bank:
    """Write questions to a bank folder (one file per track) and load it strictly."""
    folder.mkdir(parents=True, exist_ok=True)
    by_track: dict[str, list[dict]] = {}
    for item in questions:
        by_track.setdefault(item["track"], []).append(item)
    for track, items in by_track.items():
        (folder / f"{track}.yaml").write_text(yaml.safe_dump(items, sort_keys=False), encoding="utf-8")
    bank = check_folders([folder])
    assert not bank.issues, bank.issues
    return bank


def small_bank(folder: Path, per_level: int = 2) -> Bank:
    """Two tracks x three levels x ``per_level`` questions, ids like ``mlf-mid-1``."""
    return write_bank(folder, [question(f"{prefix}-{level}-{i}", track, level)
                               for track, prefix in TRACKS.items() for level in LEVELS for i in range(per_level)])


class KeywordGrader:
    """Covers a key point when the answer contains its id as a word; "I don't know" is a non-answer."""

    def __init__(self) -> None:
        self.calls = 0

    def grade(self, rubric, answer: str) -> Grade:
        self.calls += 1
        words = re.findall(r"[a-z]+", answer.lower())
        if not words or "know" in words:
            flag = FlagNote(Flag.DONT_KNOW if words else Flag.EMPTY, "No answer.")
            points = tuple(PointResult(p.id, p.text, p.weight, Status.MISSED, 0.0) for p in rubric.key_points)
            return Grade(0.0, Band.NO_ANSWER, points, (), (flag,), len(answer), len(answer))
        points = []
        for p in rubric.key_points:
            hit = re.search(rf"\b{re.escape(p.id)}\b", answer.lower())
            evidence = Span(hit.start(), hit.end(), answer[hit.start():hit.end()]) if hit else None
            points.append(PointResult(p.id, p.text, p.weight, Status.COVERED if hit else Status.MISSED,
                                      0.9 if hit else 0.1, evidence))
        total = sum(p.weight for p in rubric.key_points)
        score = round(sum(p.weight for p in points if p.status is Status.COVERED) / total, 4)
        band = Band.STRONG if score >= 0.7 else Band.ADEQUATE if score >= 0.45 else Band.WEAK
        wrong = ()
        if "wrongly" in words and rubric.misconceptions:      # asserts the rubric's first misconception
            claim = rubric.misconceptions[0]
            wrong = (MisconceptionHit(claim.claim, claim.correction, 0.9, Span(0, len(answer), answer)),)
        return Grade(score, band, tuple(points), wrong, (), len(answer), len(answer))


class Clock:
    """A clock the test moves by hand; every reading is timezone-aware UTC."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def open_together(factory, count: int = 4):
    """Call factory from ``count`` threads released at the same instant; return (results, exceptions)."""
    import threading

    barrier = threading.Barrier(count)
    opened, failed = [], []

    def run():
        barrier.wait()
        try:
            opened.append(factory())
        except Exception as exc:  # noqa: BLE001 - returned to the caller, which asserts on it
            failed.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return opened, failed
