"""The end-of-interview summary: scores per question, track and key point, strengths, next steps."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from statistics import mean
from typing import Any

from interviewer import policy
from interviewer.bank import Difficulty, Track
from interviewer.grade import Status
from interviewer.state import Outcome, QuestionRecord, State
from interviewer.transcript import AnswerGiven, Entry

NOT_ANSWERED = "not answered"


@dataclass(frozen=True)
class FollowUpScore:
    """How one follow-up went."""

    follow_up_id: str
    outcome: str
    score10: float | None


@dataclass(frozen=True)
class QuestionScore:
    """How one main question went: its score (0 for a skip or reveal), follow-ups, hints and time."""

    number: int
    question_id: str
    question: str
    track: Track
    difficulty: Difficulty
    topic: str
    outcome: str
    score10: float | None
    follow_ups: tuple[FollowUpScore, ...] = ()
    hints_used: int = 0
    seconds: float = 0.0
    missed: tuple[str, ...] = ()


@dataclass(frozen=True)
class PointScore:
    """One key point of a main question, as the final answer left it."""

    question_id: str
    key_point_id: str
    text: str
    weight: float
    status: str


@dataclass(frozen=True)
class AreaScore:
    """An area (a track, or a question's topic) and its mean score."""

    area: str
    score10: float
    questions: int


@dataclass(frozen=True)
class WeakArea:
    """A weak area and the concrete next step for it."""

    area: str
    score10: float
    next_step: str


@dataclass(frozen=True)
class Summary:
    """The whole interview at a glance."""

    score10: float | None
    questions: tuple[QuestionScore, ...]
    tracks: tuple[AreaScore, ...]
    points: tuple[PointScore, ...]
    strongest: tuple[AreaScore, ...]
    weakest: tuple[WeakArea, ...]
    answers: int
    seconds: float
    end_reason: str | None

    def text(self) -> str:
        """A plain-text rendering for the terminal."""
        overall = f"{self.score10:.1f}/10" if self.score10 is not None else "no graded answers"
        lines = [f"Overall: {overall} over {len(self.questions)} question(s), {self.answers} answer(s), "
                 f"{_clock(self.seconds)} answering."]
        for q in self.questions:
            score = f"{q.score10:.1f}" if q.score10 is not None else " - "
            extra = [f"follow-ups {', '.join(_fu(f) for f in q.follow_ups)}"] if q.follow_ups else []
            extra += [f"{q.hints_used} hint(s)"] if q.hints_used else []
            extra += [q.outcome] if q.outcome != Outcome.ANSWERED.value else []
            lines.append(f"  Q{q.number} [{score}] {q.track.title} / {q.difficulty.value}: {_short(q.question)}"
                         + (f" ({'; '.join(extra)})" if extra else "") + f" {_clock(q.seconds)}")
        if len(self.tracks) > 1:
            lines.append("By track: " + ", ".join(f"{t.area} {t.score10:.1f}" for t in self.tracks))
        if self.strongest:
            lines.append("Strongest: " + ", ".join(f"{a.area} ({a.score10:.1f})" for a in self.strongest))
        for area in self.weakest:
            lines.append(f"Work on {area.area} ({area.score10:.1f}): {area.next_step}")
        if self.weakest:
            lines.append("Weak-spot practice: interviewer practice --weak-spots")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form that :meth:`from_dict` reads back without loss."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Summary":
        """Rebuild a summary from :meth:`to_dict` output."""
        questions = tuple(QuestionScore(**{**q, "track": Track(q["track"]), "difficulty": Difficulty(q["difficulty"]),
                                           "follow_ups": tuple(FollowUpScore(**f) for f in q["follow_ups"]),
                                           "missed": tuple(q["missed"])}) for q in data["questions"])
        return cls(data["score10"], questions, tuple(AreaScore(**a) for a in data["tracks"]),
                   tuple(PointScore(**p) for p in data["points"]), tuple(AreaScore(**a) for a in data["strongest"]),
                   tuple(WeakArea(**w) for w in data["weakest"]), data["answers"], data["seconds"], data["end_reason"])


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fu(item: FollowUpScore) -> str:
    return f"{item.score10:.1f}" if item.score10 is not None else item.outcome


def question_score(record: QuestionRecord) -> float | None:
    """A main question's score out of 10: its final answer's, 0 after a skip or reveal, None while pending."""
    if record.outcome is Outcome.ANSWERED and record.grade is not None:
        return record.grade.score10
    if record.outcome in (Outcome.SKIPPED, Outcome.REVEALED):
        return 0.0
    return None


def point_scores(record: QuestionRecord) -> list[PointScore]:
    """The key points of a main question as its final answer left them (all missed after a skip or reveal)."""
    if record.grade is None:
        return []
    give_up = record.outcome in (Outcome.SKIPPED, Outcome.REVEALED) or record.grade.is_non_answer
    return [PointScore(record.question_id, p.key_point_id, p.text, p.weight,
                       Status.MISSED.value if give_up else p.status.value) for p in record.grade.points]


def _next_step(records: list[QuestionRecord]) -> str:
    """What to do about a weak area: the heaviest missed points to learn, and how to practise them."""
    missed = sorted((p for r in records for p in point_scores(r) if p.status != Status.COVERED.value),
                    key=lambda p: -p.weight)
    gave_up = [r for r in records if r.outcome in (Outcome.SKIPPED, Outcome.REVEALED) or not point_scores(r)]
    steps = []
    if missed:
        steps.append("learn to say, in your own words: " + " / ".join(f"“{p.text}”" for p in missed[:2]))
    if gave_up:
        numbers = ", ".join(f"Q{r.number}" for r in gave_up)
        steps.append(f"study the model answer to {numbers} and explain it aloud in your own words")
    steps.append("then practise it again with weak-spot practice")
    text = "; ".join(steps)
    return text[0].upper() + text[1:] + "."


def summarize(state: State, answers: int, seconds: float) -> Summary:
    """The summary of an interview from its state."""
    records = list(state.questions.values())
    scores = {r.question_id: question_score(r) for r in records}
    questions = tuple(QuestionScore(
        r.number, r.question_id, r.text, r.track, r.difficulty, r.topic,
        r.outcome.value if r.outcome is not Outcome.PENDING else NOT_ANSWERED, scores[r.question_id],
        tuple(FollowUpScore(fid, r.follow_up_outcomes.get(fid, Outcome.PENDING).value,
                            r.follow_up_grades[fid].score10 if fid in r.follow_up_grades else None)
              for fid in r.follow_ups),
        r.hints_used, round(sum(r.seconds), 3),
        tuple(p.text for p in point_scores(r) if p.status == Status.MISSED.value),
    ) for r in records)
    scored = [r for r in records if scores[r.question_id] is not None]

    def areas(key) -> list[tuple[AreaScore, list[QuestionRecord]]]:
        groups: dict[str, list[QuestionRecord]] = {}
        for r in scored:
            groups.setdefault(key(r), []).append(r)
        return [(AreaScore(name, round(mean(scores[r.question_id] for r in rs), 1), len(rs)), rs)
                for name, rs in groups.items()]

    tracks = tuple(a for a, _ in areas(lambda r: r.track.title))
    topics = areas(lambda r: r.topic)
    strongest = tuple(sorted((a for a, _ in topics if a.score10 >= policy.STRONG_AREA_SCORE10),
                             key=lambda a: -a.score10)[:policy.MAX_AREAS_SHOWN])
    weak = sorted(((a, rs) for a, rs in topics if a.score10 < policy.WEAK_AREA_SCORE10), key=lambda x: x[0].score10)
    weakest = tuple(WeakArea(a.area, a.score10, _next_step(rs)) for a, rs in weak[:policy.MAX_AREAS_SHOWN])
    overall = round(mean(scores[r.question_id] for r in scored), 1) if scored else None
    return Summary(overall, questions, tracks, tuple(p for r in records for p in point_scores(r)), strongest,
                   weakest, answers, round(seconds, 3), state.end_reason.value if state.end_reason else None)



def summary_of(entries: list[Entry]) -> Summary:
    """The summary of a transcript, without the bank (for reviewing saved or exported sessions)."""
    answers = [e for e in entries if isinstance(e, AnswerGiven)]
    return summarize(State.replay(entries), len(answers), sum(e.seconds or 0.0 for e in answers))
