"""Measure the grader on human-graded answers: Pearson, Spearman, ROC AUC, against a raw-cosine baseline."""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from interviewer.bank import Bank, KeyPoint, Misconception, Rubric
from interviewer.grading.grader import Grader, derive_key_points

SPLITS = ("all", "tune", "holdout")


class EvalFileError(ValueError):
    """A graded-answers file that cannot be read; the message names the line."""


@dataclass(frozen=True)
class Item:
    """One human-graded answer with what the grader needs to grade it."""

    id: str
    question: str
    answer: str
    score: float
    references: tuple[str, ...]
    key_points: tuple[str, ...] = ()
    misconceptions: tuple[Misconception, ...] = ()
    question_id: str | None = None


@dataclass
class Report:
    """Correlations of the grader and of the raw-cosine baseline with the human scores."""

    n: int
    pearson: float
    spearman: float
    auc: float
    seconds: float
    baseline_pearson: float
    baseline_spearman: float
    baseline_auc: float
    split: str = "all"
    predictions: list[float] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        """The summary as printed by ``interviewer eval --json``."""
        out = {k: v for k, v in self.__dict__.items() if k != "predictions"}
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def read_items(path: Path) -> list[Item]:
    """Read a graded-answers JSONL file (see shared/data/graded-answers/README.md).

    Every line must be one JSON object in UTF-8 with a finite numeric ``score``; anything else is an
    :class:`EvalFileError` naming the line (NaN or Infinity would silently turn every figure into 0).
    """
    items = []
    try:
        raw_lines = Path(path).read_bytes().splitlines()
    except OSError as exc:
        raise EvalFileError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    for number, raw in enumerate(raw_lines, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EvalFileError(f"{path}:{number}: not UTF-8 (byte {exc.start + 1} of the line); save the file "
                                "as UTF-8") from None
        if not line.strip():
            continue
        try:
            row = json.loads(line, parse_constant=_no_constant)
        except RecursionError:
            raise EvalFileError(f"{path}:{number}: the JSON is nested too deeply; each line must be one flat "
                                "JSON object") from None
        except ValueError as exc:
            raise EvalFileError(f"{path}:{number}: not valid JSON ({exc})") from None
        if not isinstance(row, dict):
            raise EvalFileError(f"{path}:{number}: each line must be one JSON object "
                                f"{{\"answer\": ..., \"score\": ...}}, not a JSON {type(row).__name__}")
        try:
            score = row["score"]
            if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
                raise ValueError(f"score must be a finite number, not {score!r}")
            refs = row.get("reference_answers") or ([row["reference_answer"]] if row.get("reference_answer") else [])
            items.append(Item(
                id=str(row.get("id", number)), question=str(row.get("question", "")), answer=str(row["answer"]),
                score=float(score), references=tuple(str(r) for r in refs),
                key_points=tuple(str(k) for k in row.get("key_points") or ()),
                misconceptions=tuple(_misconception(m) for m in row.get("misconceptions") or ()),
                question_id=row.get("question_id"),
            ))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EvalFileError(f"{path}:{number}: {exc.__class__.__name__}: {exc}") from exc
        if not items[-1].references and not items[-1].question_id:
            raise EvalFileError(f"{path}:{number}: needs reference_answers or a question_id")
    return items


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a grade can have")


def _misconception(raw: object) -> Misconception:
    if isinstance(raw, str):
        return Misconception(raw, "")
    if isinstance(raw, dict):
        return Misconception(str(raw["claim"]), str(raw.get("correction", "")), raw.get("key_point"))
    raise TypeError(f"a misconception must be text or a mapping, not {type(raw).__name__}")


def in_split(question: str, split: str) -> bool:
    """Questions are split in two halves by a hash of their text: ``tune`` and ``holdout``."""
    if split == "all":
        return True
    half = int(hashlib.sha256(question.encode("utf-8")).hexdigest(), 16) % 2
    return (half == 0) == (split == "tune")


class RubricBuilder:
    """Rubrics for items: from the bank by question id, or one per reference answer.

    A file's reference answers are alternatives ("the terminals are not connected", "there is a
    gap between them"): an answer needs to match one of them, so each becomes its own rubric and
    the best grade counts. Merging them into one rubric mixes a negated phrasing with a positive
    one and blinds the negation checks.
    """

    def __init__(self, bank: Bank | None = None) -> None:
        self.bank = bank
        self._cache: dict[tuple, tuple[Rubric, ...]] = {}

    def __call__(self, item: Item) -> tuple[Rubric, ...]:
        """The rubrics to grade this item against, at least one."""
        if item.question_id:
            if self.bank is None or item.question_id not in self.bank:
                raise EvalFileError(f"item {item.id}: unknown question_id {item.question_id!r}")
            return (self.bank.get(item.question_id).rubric,)
        key = (item.question, item.references, item.key_points, item.misconceptions)
        if key not in self._cache:
            self._cache[key] = self._derive(item)
        return self._cache[key]

    @staticmethod
    def _derive(item: Item) -> tuple[Rubric, ...]:
        """Listed key points make one rubric; otherwise each reference answer gives its key points."""
        if item.key_points:
            points = tuple(KeyPoint(f"p{i + 1}", t) for i, t in enumerate(item.key_points))
            return (Rubric(item.question, " ".join(item.references[:1]), points, item.misconceptions),)
        return tuple(Rubric(item.question, ref, derive_key_points(ref), item.misconceptions)
                     for ref in dict.fromkeys(item.references))

    def texts(self, item: Item) -> list[str]:
        """Every rubric text of the item, to encode before grading is timed."""
        return [t for rubric in self(item) for t in rubric.texts()]


def baseline_scores(grader: Grader, items: Sequence[Item], rubric_for: RubricBuilder) -> list[float]:
    """Whole-answer cosine to the closest reference answer: what typical interview bots do."""
    answers = grader.encoder.encode([item.answer for item in items])
    out = []
    for item, vector in zip(items, answers):
        refs = item.references or (rubric_for(item)[0].reference_answer,)
        out.append(float((grader.vectors(list(refs)) @ vector).max()))
    return out


def evaluate(grader: Grader, items: Sequence[Item], bank: Bank | None = None, split: str = "all") -> Report:
    """Grade every item of the split and correlate the scores with the human grades."""
    chosen = [item for item in items if in_split(item.question, split)]
    if len(chosen) < 2:
        raise EvalFileError(f"only {len(chosen)} item(s) in split {split!r}: nothing to correlate")
    rubric_for = RubricBuilder(bank)
    # Encode rubric texts before the clock starts, as the bank's index would have them ready.
    grader.vectors(list(dict.fromkeys(t for item in chosen for t in rubric_for.texts(item))))
    start = time.perf_counter()
    predicted = [grader.grade_any(rubric_for(item), item.answer).score for item in chosen]
    seconds = time.perf_counter() - start
    baseline = baseline_scores(grader, chosen, rubric_for)
    human = [item.score for item in chosen]
    return Report(
        n=len(chosen), pearson=pearson(predicted, human), spearman=spearman(predicted, human),
        auc=auc(predicted, [h >= 1.0 for h in human]), seconds=seconds,
        baseline_pearson=pearson(baseline, human), baseline_spearman=spearman(baseline, human),
        baseline_auc=auc(baseline, [h >= 1.0 for h in human]), split=split, predictions=predicted,
    )


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson correlation; 0.0 when either side is constant."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks with ties averaged (as scipy.stats.rankdata)."""
    arr = np.asarray(values, dtype=float)
    order = np.argsort(arr, kind="mergesort")
    ranks = np.empty(len(arr))
    sorted_vals = arr[order]
    i = 0
    while i < len(arr):
        j = i
        while j + 1 < len(arr) and sorted_vals[j + 1] == sorted_vals[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman rank correlation."""
    return pearson(_ranks(x), _ranks(y))


def auc(scores: Sequence[float], positive: Iterable[bool]) -> float:
    """ROC AUC of scores for the positive class (Mann-Whitney, ties count half)."""
    flags = np.asarray(list(positive), dtype=bool)
    n_pos, n_neg = int(flags.sum()), int((~flags).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = _ranks(scores)
    return float((ranks[flags].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


SUITE_KINDS = ("good", "partial", "misconception", "wrong", "off_topic", "minimal", "buzzwords", "injection")


@dataclass(frozen=True)
class SuiteCase:
    """One bank question with a candidate answer of each kind."""

    question_id: str
    answers: dict[str, str]


def read_suite(folder: Path) -> list[SuiteCase]:
    """Read benchmarks/answer_suite/*.yaml: a list of {question_id, answers: {kind: text}} per file."""
    import yaml

    cases = []
    for path in sorted(Path(folder).glob("*.yaml")):
        for row in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            answers = {k: str(v) for k, v in (row.get("answers") or {}).items() if k in SUITE_KINDS}
            cases.append(SuiteCase(str(row["question_id"]), answers))
    return cases


def suite_report(grader: Grader, bank: Bank, cases: Sequence[SuiteCase]) -> dict:
    """Per answer kind: mean grader score, mean whole-answer cosine, and how often the good answer beats it."""
    scores: dict[str, dict[str, list[float]]] = {"grader": {}, "cosine": {}}
    wins: dict[str, dict[str, list[bool]]] = {"grader": {}, "cosine": {}}
    skipped = []
    for case in cases:
        if case.question_id not in bank or "good" not in case.answers:
            skipped.append(case.question_id)
            continue
        question = bank.get(case.question_id)
        reference = grader.vectors([question.reference_answer])[0]
        kinds = [k for k in SUITE_KINDS if k in case.answers]
        texts = [case.answers[k] for k in kinds]
        cosine = dict(zip(kinds, (grader.encoder.encode(texts) @ reference).tolist()))
        graded = {k: grader.grade(question.rubric, case.answers[k]).score for k in kinds}
        for name, values in (("grader", graded), ("cosine", cosine)):
            for kind in kinds:
                scores[name].setdefault(kind, []).append(values[kind])
                if kind != "good":
                    wins[name].setdefault(kind, []).append(values["good"] > values[kind])
    kinds_out = {}
    for kind in SUITE_KINDS:
        if kind not in scores["grader"]:
            continue
        kinds_out[kind] = {
            "n": len(scores["grader"][kind]),
            "mean": round(float(np.mean(scores["grader"][kind])), 3),
            "cosine_mean": round(float(np.mean(scores["cosine"][kind])), 3),
        }
        if kind != "good":
            kinds_out[kind]["good_wins"] = round(float(np.mean(wins["grader"][kind])), 3)
            kinds_out[kind]["cosine_good_wins"] = round(float(np.mean(wins["cosine"][kind])), 3)
    return {"questions": len(cases) - len(skipped), "skipped": skipped, "kinds": kinds_out}


# --- answer-suite-2: blind answers to bank questions, by kind -----------------------------------------

GOOD_KINDS = ("good", "good_rejects", "good_terse")
WRONG_KINDS = ("wrong_listed", "wrong_unlisted")
STORY_TRACKS = ("behavioral", "situational")  # graded on the story: their own kinds and targets
SUITE2_KINDS = ("good", "good_rejects", "good_terse", "partial", "mixed", "wrong_listed", "wrong_unlisted", "offtopic")


@dataclass(frozen=True)
class BlindAnswer:
    """One line of answer-suite-2: a blind answer of a known kind to a bank question."""

    id: str
    question_id: str
    track: str
    kind: str
    answer: str
    score: float
    false_claim: str | None = None
    rejected_misconception: str | None = None


def is_suite2(path: Path) -> bool:
    """Whether a JSONL file is in answer-suite-2's format (lines carry a ``kind``) rather than graded answers."""
    try:
        with Path(path).open(encoding="utf-8") as handle:
            first = next((line for line in handle if line.strip()), "")
        row = json.loads(first) if first else {}
    except (OSError, ValueError):
        return False
    return isinstance(row, dict) and "kind" in row and "question_id" in row


def read_blind(path: Path) -> list[BlindAnswer]:
    """Read answer-suite-2's answers.jsonl."""
    out = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append(BlindAnswer(str(row["id"]), str(row["question_id"]), str(row.get("track", "")),
                                   str(row["kind"]), str(row["answer"]), float(row["score"]),
                                   row.get("false_claim"), row.get("rejected_misconception")))
        except (ValueError, KeyError, TypeError) as exc:
            raise EvalFileError(f"{path}:{number}: {exc.__class__.__name__}: {exc}") from exc
    return out


def _touches(span_text: str, sentence: str | None) -> bool:
    """Whether a flagged unit is (part of) the given sentence."""
    if not sentence:
        return False
    a, b = " ".join(span_text.split()).strip(" .").lower(), " ".join(sentence.split()).strip(" .").lower()
    return bool(a) and (a in b or b in a)


def flagged_units(grade) -> list[str]:
    """The answer units the candidate is told are wrong: misconceptions and contradicted points."""
    return [m.evidence.text for m in grade.misconceptions] + [p.evidence.text for p in grade.points
                                                               if p.note and p.evidence]


def blind_report(grader: Grader, bank: Bank, answers: Sequence[BlindAnswer], split: str = "all") -> dict:
    """Per kind: mean score; per question: orderings; flag rates. Technical and behavioral apart."""
    chosen = [a for a in answers if in_split(a.question_id, split)]
    missing = sorted({a.question_id for a in chosen if a.question_id not in bank})
    rows = []
    for item in chosen:
        if item.question_id in missing:
            continue
        question = bank.get(item.question_id)
        grade = grader.grade(question.rubric, item.answer)
        flags = flagged_units(grade)
        rows.append({
            "id": item.id, "question_id": item.question_id, "kind": item.kind, "expected": item.score,
            "group": "behavioral" if item.track in STORY_TRACKS or question.kind.value == "behavioral" else "technical",
            "score": grade.score, "flags": flags,
            "false_flagged": any(_touches(f, item.false_claim) for f in flags),
            "misconception_on_false": any(_touches(m.evidence.text, item.false_claim) for m in grade.misconceptions),
        })
    out: dict = {"split": split, "n": len(rows), "unknown_questions": missing}
    for group in ("technical", "behavioral"):
        mine = [r for r in rows if r["group"] == group]
        if not mine:
            continue
        kinds = {}
        for kind in SUITE2_KINDS:
            scores = [r["score"] for r in mine if r["kind"] == kind]
            if scores:
                kinds[kind] = {"n": len(scores), "mean": round(float(np.mean(scores)), 3),
                               "min": round(float(np.min(scores)), 3)}
        by_q: dict[str, dict[str, float]] = {}
        for r in mine:
            by_q.setdefault(r["question_id"], {})[r["kind"]] = r["score"]
        order = {}
        for other in ("partial", "mixed", *WRONG_KINDS, "offtopic"):
            wins = [s["good"] > s[other] for s in by_q.values() if "good" in s and other in s]
            if wins:
                order[f"good>{other}"] = round(float(np.mean(wins)), 3)
        good = [r for r in mine if r["kind"] in GOOD_KINDS]
        listed = [r for r in mine if r["kind"] == "wrong_listed"]
        mixed = [r for r in mine if r["kind"] == "mixed"]
        group_out = {"kinds": kinds, "orderings": order,
                     "false_flag_rate": round(float(np.mean([bool(r["flags"]) for r in good])), 3) if good else None,
                     "false_flags": [r["id"] for r in good if r["flags"]],
                     "pearson": round(pearson([r["score"] for r in mine], [r["expected"] for r in mine]), 3)}
        if group == "technical":
            group_out["listed_caught"] = round(float(np.mean([r["misconception_on_false"] for r in listed])), 3) if listed else None
            group_out["mixed_false_flagged"] = round(float(np.mean([r["false_flagged"] for r in mixed])), 3) if mixed else None
        out[group] = group_out
    out["rows"] = rows
    return out


def reference_report(grader: Grader, bank: Bank) -> dict:
    """Every question's and follow-up's reference answer graded against its own rubric."""
    rows = []
    for question in bank:
        rubrics = [(question.id, question.rubric)] + [(f"{question.id}/{f.id}", f.rubric(question.kind))
                                                      for f in question.follow_ups]
        for rid, rubric in rubrics:
            grade = grader.grade(rubric, rubric.reference_answer)
            rows.append({"id": rid, "score": grade.score, "misconceptions": [m.claim for m in grade.misconceptions],
                         "contradictions": [p.key_point_id for p in grade.points if p.note]})
    scores = [r["score"] for r in rows]
    return {"n": len(rows), "median": round(float(np.median(scores)), 3) if scores else None,
            "below_0.8": [r["id"] for r in rows if r["score"] < 0.8],
            "flagged": [r["id"] for r in rows if r["misconceptions"] or r["contradictions"]],
            "rows": rows}
