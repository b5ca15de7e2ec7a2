"""What an interview is made of: the candidate's setup, and the plan of questions drawn from it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from interviewer import policy
from interviewer.bank import Bank, Difficulty, Question, Track
from interviewer.choice import Choice, parse_choice


class SetupError(ValueError):
    """An interview that cannot be set up as asked; the message says what to change."""


class Level(Choice):
    JUNIOR = "junior"
    MID = "mid"
    SENIOR = "senior"
    MIXED = "mixed"
    ADAPTIVE = "adaptive"


class Mode(Choice):
    TRACKS = "tracks"
    JOB = "job"
    WEAK_SPOTS = "weak-spots"


@dataclass(frozen=True)
class Setup:
    """What the candidate chose: tracks, level, length, seed, and a job description or weak spots."""

    tracks: tuple[Track, ...] = ()            # empty means every track
    difficulty: Level = Level.MIXED
    length: int = policy.DEFAULT_LENGTH
    seed: int | None = None
    job_description: str | None = None
    weak_spots: bool = False
    profile: str = "me"

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "tracks", tuple(dict.fromkeys(parse_choice(Track, t) for t in self.tracks)))
            object.__setattr__(self, "difficulty", Level.parse(self.difficulty))
        except ValueError as exc:
            raise SetupError(str(exc)) from None
        if isinstance(self.length, bool) or not isinstance(self.length, int) or not 1 <= self.length <= policy.MAX_LENGTH:
            raise SetupError(f"the number of questions must be a whole number from 1 to {policy.MAX_LENGTH}, "
                             f"not {self.length!r}")
        jd = (self.job_description or "").strip() or None
        object.__setattr__(self, "job_description", jd)
        if jd and len(jd) > policy.MAX_JD_CHARS:
            raise SetupError(f"the job description is {len(jd):,} characters; paste at most "
                             f"{policy.MAX_JD_CHARS:,} (the role, responsibilities and requirements)")
        if jd and self.weak_spots:
            raise SetupError("choose either a job description or weak-spot practice, not both")
        if not str(self.profile).strip() or len(str(self.profile)) > policy.MAX_PROFILE_CHARS:
            raise SetupError(f"the profile name must have 1 to {policy.MAX_PROFILE_CHARS} characters")
        if any(ch.isspace() and ch != " " or not ch.isprintable() for ch in str(self.profile)):
            raise SetupError("the profile name must be one line of printable characters")

    @property
    def mode(self) -> Mode:
        """Where the questions come from."""
        return Mode.WEAK_SPOTS if self.weak_spots else Mode.JOB if self.job_description else Mode.TRACKS

    @property
    def fixed_difficulty(self) -> Difficulty | None:
        """The one difficulty asked for, or None for mixed and adaptive."""
        return Difficulty(self.difficulty.value) if self.difficulty.value in {d.value for d in Difficulty} else None

    @property
    def adaptive(self) -> bool:
        """Whether the difficulty follows the candidate's answers."""
        return self.difficulty is Level.ADAPTIVE

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form that :meth:`from_dict` reads back without loss."""
        return {"tracks": [t.value for t in self.tracks], "difficulty": self.difficulty.value, "length": self.length,
                "seed": self.seed, "job_description": self.job_description, "weak_spots": self.weak_spots,
                "profile": self.profile}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Setup":
        """Rebuild a setup from :meth:`to_dict` output."""
        return cls(tracks=tuple(data.get("tracks", ())), difficulty=data.get("difficulty", Level.MIXED.value),
                   length=data.get("length", policy.DEFAULT_LENGTH), seed=data.get("seed"),
                   job_description=data.get("job_description"), weak_spots=bool(data.get("weak_spots", False)),
                   profile=data.get("profile", "me"))


@dataclass(frozen=True)
class Plan:
    """The candidate questions in order of preference, and how to draw from them."""

    pool: tuple[str, ...]
    avoid: frozenset[str] = frozenset()        # asked in recent sessions: only when the rest runs out
    rotate_tracks: bool = True                 # balance tracks rather than follow the pool order strictly
    targets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # job-description lines per question

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form that :meth:`from_dict` reads back without loss."""
        return {"pool": list(self.pool), "avoid": sorted(self.avoid), "rotate_tracks": self.rotate_tracks,
                "targets": {qid: list(lines) for qid, lines in self.targets.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Plan":
        """Rebuild a plan from :meth:`to_dict` output."""
        return cls(tuple(data["pool"]), frozenset(data.get("avoid", ())), bool(data.get("rotate_tracks", True)),
                   {qid: tuple(lines) for qid, lines in data.get("targets", {}).items()})


def eligible(bank: Bank, setup: Setup) -> list[Question]:
    """The bank's questions in the chosen tracks, or a SetupError that lists the tracks available."""
    chosen = [q for q in bank if not setup.tracks or q.track in setup.tracks]
    if not chosen:
        have = ", ".join(sorted({q.track.value for q in bank})) or "none"
        raise SetupError(f"no questions in track(s) {', '.join(t.value for t in setup.tracks)}; "
                         f"tracks with questions: {have}")
    return chosen


def plan_tracks(bank: Bank, setup: Setup, recent: Iterable[str] = ()) -> Plan:
    """A shuffled pool (reproducible with ``setup.seed``); recently asked questions come last."""
    pool = [q.id for q in eligible(bank, setup)]
    random.Random(setup.seed).shuffle(pool)
    return Plan(tuple(pool), frozenset(recent) & set(pool), rotate_tracks=True)


def plan_ranked(ranked: Sequence[str], bank: Bank, setup: Setup, recent: Iterable[str] = (),
                targets: Mapping[str, tuple[str, ...]] | None = None) -> Plan:
    """A pool in a given order (job-description relevance, weak-spot urgency), kept to the chosen tracks."""
    allowed = {q.id for q in eligible(bank, setup)}
    pool = tuple(dict.fromkeys(qid for qid in ranked if qid in allowed))
    if not pool:
        raise SetupError("none of the matching questions is in the chosen tracks; choose more tracks")
    kept = {qid: tuple(lines) for qid, lines in (targets or {}).items() if qid in pool}
    return Plan(pool, frozenset(recent) & set(pool), rotate_tracks=False, targets=kept)


def pick_next(plan: Plan, bank: Bank, asked: Mapping[str, Any], track_counts: Mapping[Track, int],
              target: Difficulty | None) -> str | None:
    """The next question: nearest the target level, then not recently asked, then track balance, then pool order."""
    best: tuple | None = None
    choice = None
    for position, qid in enumerate(plan.pool):
        if qid in asked or qid not in bank:
            continue
        question = bank.get(qid)
        key = (
            abs(question.difficulty.rank - target.rank) if target is not None else 0,
            qid in plan.avoid,
            track_counts.get(question.track, 0) if plan.rotate_tracks else 0,
            position,
        )
        if best is None or key < best:
            best, choice = key, qid
    return choice


def adapt(level: Difficulty, score: float | None) -> Difficulty:
    """One level up after a strong main answer, one down after a weak one, a skip or a reveal (score None)."""
    step = -1 if score is None or score < policy.ADAPT_DOWN_SCORE else 1 if score >= policy.ADAPT_UP_SCORE else 0
    levels = list(Difficulty)
    return levels[min(max(level.rank + step, 0), len(levels) - 1)]


def topic(question: Question) -> str:
    """A short name for the area a question belongs to: its first tag, else its track."""
    if question.tags:
        return question.tags[0].replace("-", " ").replace("_", " ")
    return question.track.title
