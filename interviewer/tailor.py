"""Tailoring to a job description: the bank questions most relevant to it, and the lines each targets."""

from __future__ import annotations

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


@dataclass(frozen=True)
class JobMatch:
    """A question's relevance to a job description and the lines of it that the question targets."""

    question_id: str
    score: float
    targets: tuple[str, ...]


def job_lines(text: str) -> list[str]:
    """The job description as matchable lines: bullets and sentences, headings and fragments dropped."""
    out: dict[str, None] = {}
    for raw in text.replace("\r", "\n").split("\n"):
        line = _BULLET.sub("", raw).strip()
        for piece in _SENTENCE_END.split(line):
            piece = " ".join(piece.split()).strip(" ,")
            if piece.endswith(":"):           # a heading ("About the role:"), not a requirement
                continue
            if len(re.findall(r"[^\W\d_]{2,}", piece)) >= policy.JD_MIN_LINE_WORDS:
                out.setdefault(piece, None)
    return list(out)[:MAX_JD_LINES]


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
        """Every question, most relevant first: its best line, blended with its three best lines' mean."""
        lines = job_lines(job_description)
        if not lines:
            raise SetupError("the job description has no line of three or more words to match; "
                             "paste the responsibilities and requirements")
        rel = self.relevance(lines)
        top = np.sort(rel, axis=1)[:, ::-1][:, :3]
        scores = 0.6 * top[:, 0] + 0.4 * top.mean(axis=1)
        matches = []
        for q_pos in np.argsort(-scores, kind="stable"):
            row = rel[q_pos]
            best = float(row.max())
            chosen = [i for i in np.argsort(-row, kind="stable")[:policy.JD_MAX_TARGETS]
                      if row[i] >= policy.JD_TARGET_MIN_SIM and row[i] >= best - policy.JD_TARGET_MARGIN]
            matches.append(JobMatch(self.bank.questions[q_pos].id, round(float(scores[q_pos]), 4),
                                    tuple(lines[i] for i in chosen)))
        return matches


def select(matches: Sequence[JobMatch], bank: Bank, count: int, allowed: set[str] | None = None) -> list[JobMatch]:
    """The top matches with track diversity: no track takes more than its share while others remain."""
    pool = [m for m in matches if allowed is None or m.question_id in allowed]
    cap = max(1, math.ceil(count * policy.JD_MAX_TRACK_SHARE))
    chosen: list[JobMatch] = []
    per_track: dict[object, int] = {}
    for relaxed in (False, True):
        for match in pool:
            if len(chosen) >= count:
                return chosen
            if match in chosen:
                continue
            track = bank.get(match.question_id).track
            if not relaxed and per_track.get(track, 0) >= cap:
                continue
            chosen.append(match)
            per_track[track] = per_track.get(track, 0) + 1
    return chosen
