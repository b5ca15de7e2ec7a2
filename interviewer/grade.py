"""What the grader returns: frozen values the session, the UI and the store all share."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any


class Band(str, enum.Enum):
    STRONG = "strong"
    ADEQUATE = "adequate"
    WEAK = "weak"
    NO_ANSWER = "no answer"


class Status(str, enum.Enum):
    COVERED = "covered"
    PARTLY = "partly covered"
    MISSED = "missed"


class Flag(str, enum.Enum):
    EMPTY = "empty"
    TOO_SHORT = "too_short"
    DONT_KNOW = "dont_know"
    OFF_TOPIC = "off_topic"
    GIBBERISH = "gibberish"
    TOO_LONG = "too_long"
    BUZZWORDS = "buzzwords"
    INSTRUCTIONS = "instructions"
    CONTRADICTION = "contradiction"


# Flags after which the answer earns nothing: the session offers a hint instead of a follow-up.
NON_ANSWER_FLAGS = frozenset({Flag.EMPTY, Flag.TOO_SHORT, Flag.DONT_KNOW, Flag.OFF_TOPIC, Flag.GIBBERISH})


@dataclass(frozen=True)
class Span:
    """A character range of the candidate's answer, with the text it covers."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class PointResult:
    """How one key point fared in an answer."""

    key_point_id: str
    text: str
    weight: float
    status: Status
    similarity: float
    evidence: Span | None = None
    note: str | None = None  # why a close match was not credited (negation, swapped term)
    credit: float = 0.0      # share of the point's weight earned: 0 when missed, at least 0.8 when covered


@dataclass(frozen=True)
class MisconceptionHit:
    """A listed misconception the answer asserts, with the sentence that asserts it."""

    claim: str
    correction: str
    similarity: float
    evidence: Span
    key_point_id: str | None = None


@dataclass(frozen=True)
class FlagNote:
    """A plain-language remark about the answer as a whole."""

    flag: Flag
    message: str


@dataclass(frozen=True)
class Grade:
    """The grade of one answer: score in 0..1, band, per-point evidence, misconceptions, flags."""

    score: float
    band: Band
    points: tuple[PointResult, ...] = ()
    misconceptions: tuple[MisconceptionHit, ...] = ()
    flags: tuple[FlagNote, ...] = ()
    graded_chars: int = 0
    answer_chars: int = 0
    details: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def score10(self) -> float:
        """The score as users see it: 0-10 with one decimal."""
        return round(self.score * 10, 1)

    @property
    def is_non_answer(self) -> bool:
        """True when the answer was empty, minimal, "I don't know", off-topic or gibberish."""
        return self.band is Band.NO_ANSWER or any(note.flag in NON_ANSWER_FLAGS for note in self.flags)

    def has(self, flag: Flag) -> bool:
        """Whether the grade carries this flag."""
        return any(note.flag is flag for note in self.flags)

    def with_status(self, status: Status) -> list[PointResult]:
        """The key points with this status, in rubric order."""
        return [p for p in self.points if p.status is status]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form that :meth:`from_dict` reads back without loss."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Grade":
        """Rebuild a grade from :meth:`to_dict` output."""
        def span(raw: dict | None) -> Span | None:
            return Span(**raw) if raw else None

        return cls(
            score=float(data["score"]),
            band=Band(data["band"]),
            points=tuple(PointResult(**{**p, "status": Status(p["status"]), "evidence": span(p.get("evidence"))})
                         for p in data.get("points", ())),
            misconceptions=tuple(MisconceptionHit(**{**m, "evidence": span(m["evidence"])})
                                 for m in data.get("misconceptions", ())),
            flags=tuple(FlagNote(Flag(f["flag"]), f["message"]) for f in data.get("flags", ())),
            graded_chars=int(data.get("graded_chars", 0)),
            answer_chars=int(data.get("answer_chars", 0)),
            details={k: float(v) for k, v in data.get("details", {}).items()},
        )
