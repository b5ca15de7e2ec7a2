"""Tailoring to a job description: the bank questions most relevant to it, and the lines each targets."""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from embeddings import Encoder, TextIndex
from interviewer import policy
from interviewer.bank import Bank, Question
from interviewer.planner import SetupError

MAX_JD_LINES = 300
SEARCH_K = 256        # index hits kept per job-description line; a question outside them scores 0 there
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦‣>]+|\(?\d{1,2}[.)]|[a-z][.)])\s+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z(])")


_PLUS = re.compile(r"nice[- ]to[- ]have|\b(?:is|are|would be|as) a (?:big |huge )?plus\b|\bbonus\b|\bpreferred\b|"
                   r"desirable|good[- ]to[- ]have|\bideally\b|not required|\bplus(?:es)?:", re.IGNORECASE)
_CONTEXT = re.compile(r"about (?:us|the company)|who we are|\bbenefits\b|we offer|\bperks\b|compensation|salary|"
                      r"holiday|vacation|insurance|equal opportunity|why join|our (?:company|culture|mission)",
                      re.IGNORECASE)
_CORE = re.compile(r"responsibilit|what you(?:'|’)?ll do|what you will do|you will|requirement|qualification|"
                   r"must[- ]have|looking for|who you are|you have|you bring|skills|experience|duties|the role|"
                   r"in this role|your impact|key", re.IGNORECASE)
_HEADING_WORDS = 6


class Centrality(str, enum.Enum):
    """How central a job-description line is to the role: it weights the line in matching."""

    CORE = "core"              # responsibilities and requirements
    OTHER = "other"            # a line under no recognised heading
    PLUS = "plus"              # "nice to have", "... is a plus", preferred
    CONTEXT = "context"        # the title, the company, benefits: not a requirement

    @property
    def weight(self) -> float:
        """The line's weight in ranking questions."""
        return policy.JD_LINE_WEIGHTS[self.value]


@dataclass(frozen=True)
class JobLine:
    """One matchable line of a job description and how central it is."""

    text: str
    centrality: Centrality


@dataclass(frozen=True)
class JobMatch:
    """A question's relevance to a job description and the lines of it that the question targets."""

    question_id: str
    score: float
    targets: tuple[str, ...]     # the first is the line it is chosen for


@dataclass(frozen=True)
class JobCoverage:
    """Which requirements of a job description an interview covers, and which the bank cannot."""

    covered: tuple[tuple[str, str], ...]     # (requirement, question id) for the interview's questions
    elsewhere: tuple[str, ...]               # the bank has a question for it, this interview does not ask it
    beyond_bank: tuple[str, ...]             # no question in the bank is close to it


def _heading(text: str) -> Centrality | None:
    """The section a heading opens, or None when the text is no heading."""
    if _PLUS.search(text):
        return Centrality.PLUS
    if _CORE.search(text):
        return Centrality.CORE
    if _CONTEXT.search(text):
        return Centrality.CONTEXT
    return None


def job_requirements(text: str) -> list[JobLine]:
    """The job description as matchable lines, each weighted by the section it is in and its own wording.

    Headings ("Requirements:", "Nice to have") set the section for the lines below them; a line that
    says it is a plus, or talks about salary or benefits, is weighted as such wherever it stands.
    The first line of a longer description, when it has no sentence end, is taken as the title.
    """
    out: dict[str, Centrality] = {}
    section = Centrality.OTHER
    raw_lines = [raw for raw in text.replace("\r", "\n").split("\n") if raw.strip()]
    for number, raw in enumerate(raw_lines):
        line = _BULLET.sub("", raw).strip()
        short = len(line.split()) <= _HEADING_WORDS
        if line.endswith(":") or (short and _heading(line) is not None and not _BULLET.match(raw)):
            section = _heading(line) or Centrality.OTHER
            continue
        for piece in _SENTENCE_END.split(line):
            piece = " ".join(piece.split()).strip(" ,")
            if piece.endswith(":") or len(re.findall(r"[^\W\d_]{2,}", piece)) < policy.JD_MIN_LINE_WORDS:
                continue
            label, _, rest = piece.partition(":")
            here = (_heading(label) if rest and len(label.split()) <= _HEADING_WORDS else None) or section
            if _PLUS.search(piece):
                here = Centrality.PLUS
            elif _CONTEXT.search(piece):
                here = Centrality.CONTEXT
            elif number == 0 and len(raw_lines) > 1 and not re.search(r"[.!?]$", piece):
                here = Centrality.CONTEXT
            out.setdefault(piece, here)
    return [JobLine(t, c) for t, c in list(out.items())[:MAX_JD_LINES]]


def job_lines(text: str) -> list[str]:
    """The job description as matchable lines: bullets and sentences, headings and fragments dropped."""
    return [line.text for line in job_requirements(text)]


def question_texts(question: Question) -> list[str]:
    """The texts a question is matched on: its wording, its key points and its tags."""
    texts = [question.question, *(point.text for point in question.key_points)]
    if question.tags:
        texts.append("Topics: " + ", ".join(tag.replace("-", " ") for tag in question.tags))
    return texts


class JobMatcher:
    """A faiss index over every question's texts, searched with the lines of a job description."""

    def __init__(self, bank: Bank, encoder: Encoder, cache_dir: Path | None = None,
                 source: TextIndex | None = None) -> None:
        """Vectors come from ``source`` (the grader's bank index) where it has them; the rest are encoded."""
        owners: dict[str, list[int]] = {}
        for q_pos, question in enumerate(bank.questions):
            for text in question_texts(question):
                owners.setdefault(text, [])
                if q_pos not in owners[text]:
                    owners[text].append(q_pos)
        texts = list(owners)
        known = [t for t in texts if source is not None and t in source]
        extra = TextIndex.build([t for t in texts if source is None or t not in source], encoder, cache_dir)
        rows = {t: source.vector(t) for t in known} if source is not None else {}
        rows.update(zip(extra.texts, extra.vectors))
        vectors = np.vstack([rows[t] for t in texts]) if texts else np.zeros((0, encoder.dim), dtype=np.float32)
        self.bank = bank
        self.encoder = encoder
        self.index = TextIndex(texts, vectors)
        self._owners = [owners[text] for text in texts]

    def relevance(self, lines: Sequence[str]) -> np.ndarray:
        """A (questions x lines) matrix: each question's best cosine to each line."""
        rel = np.zeros((len(self.bank.questions), len(lines)), dtype=np.float32)
        if not lines or not len(self.index):
            return rel
        scores, hits = self.index.search(self.encoder.encode(list(lines)), SEARCH_K)
        for line, (row_scores, row_hits) in enumerate(zip(scores, hits)):
            for score, hit in zip(row_scores, row_hits):
                if hit < 0:
                    continue
                for q_pos in self._owners[hit]:
                    rel[q_pos, line] = max(rel[q_pos, line], score)
        return rel

    def rank(self, job_description: str) -> list[JobMatch]:
        """Every question, most relevant first: its best weighted line, blended with its three best lines' mean.

        A line weighs by its centrality (a requirement over a "nice to have", benefits hardly at all).
        """
        lines = self._lines(job_description)
        rel = self.relevance([line.text for line in lines])
        weighted = rel * np.array([line.centrality.weight for line in lines], dtype=np.float32)[None, :]
        top = np.sort(weighted, axis=1)[:, ::-1][:, :3]
        scores = 0.6 * top[:, 0] + 0.4 * top.mean(axis=1)
        matches = []
        for q_pos in np.argsort(-scores, kind="stable"):
            row = weighted[q_pos]
            best = float(row.max())
            chosen = [i for i in np.argsort(-row, kind="stable")[:policy.JD_MAX_TARGETS]
                      if rel[q_pos, i] >= policy.JD_TARGET_MIN_SIM and row[i] >= best - policy.JD_TARGET_MARGIN
                      and lines[i].centrality is not Centrality.CONTEXT]
            matches.append(JobMatch(self.bank.questions[q_pos].id, round(float(scores[q_pos]), 4),
                                    tuple(lines[i].text for i in chosen)))
        return matches

    def coverage(self, job_description: str, question_ids: Sequence[str]) -> JobCoverage:
        """The requirements (not the title or benefits) these questions cover, and those the bank cannot."""
        lines = [line for line in self._lines(job_description) if line.centrality is not Centrality.CONTEXT]
        rel = self.relevance([line.text for line in lines])
        positions = {q.id: i for i, q in enumerate(self.bank.questions)}
        asked = [qid for qid in question_ids if qid in positions]
        covered, elsewhere, beyond = [], [], []
        for i, line in enumerate(lines):
            sims = [(float(rel[positions[qid], i]), qid) for qid in asked]
            best_here = max(sims, default=(0.0, ""))
            if best_here[0] >= policy.JD_COVER_MIN_SIM:
                covered.append((line.text, best_here[1]))
            elif float(rel[:, i].max(initial=0.0)) >= policy.JD_COVER_MIN_SIM:
                elsewhere.append(line.text)
            else:
                beyond.append(line.text)
        return JobCoverage(tuple(covered), tuple(elsewhere), tuple(beyond))

    @staticmethod
    def _lines(job_description: str) -> list[JobLine]:
        lines = job_requirements(job_description)
        if not lines:
            raise SetupError("the job description has no line of three or more words to match; "
                             "paste the responsibilities and requirements")
        return lines


def select(matches: Sequence[JobMatch], bank: Bank, count: int, allowed: set[str] | None = None) -> list[JobMatch]:
    """The top matches, spread out: each over a requirement (its first target line) not yet taken while
    any remain, and no track taking more than its share while others remain."""
    pool = [m for m in matches if allowed is None or m.question_id in allowed]
    cap = max(1, math.ceil(count * policy.JD_MAX_TRACK_SHARE))
    chosen: list[JobMatch] = []
    per_track: dict[object, int] = {}
    lines: set[str] = set()
    for spread, capped in ((True, True), (False, True), (False, False)):
        for match in pool:
            if len(chosen) >= count:
                return chosen
            if match in chosen:
                continue
            track = bank.get(match.question_id).track
            line = match.targets[0] if match.targets else None
            if (spread and (line is None or line in lines)) or (capped and per_track.get(track, 0) >= cap):
                continue
            chosen.append(match)
            per_track[track] = per_track.get(track, 0) + 1
            if line is not None:
                lines.add(line)
    return chosen
