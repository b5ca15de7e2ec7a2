"""The grader: key-point coverage with evidence, contradiction and misconception checks, gates."""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from embeddings import Encoder, TextIndex
from interviewer.grading import text as tx
from interviewer.grading.verifier import CONTRADICTS, ENTAILS, Verifier, load_verifier
from interviewer.bank import Bank, KeyPoint, Misconception, Rubric
from interviewer.grade import Band, Flag, FlagNote, Grade, MisconceptionHit, PointResult, Span, Status


@dataclass(frozen=True)
class Calibration:
    """Every threshold of the grader, in one place (cosines are for all-MiniLM-L6-v2)."""

    covered: float = 0.65          # best unit-to-point cosine at which a point counts as covered
    partly: float = 0.30           # ... and as partly covered
    credit_floor: float = 0.30     # cosine that earns no credit
    credit_full: float = 0.75      # cosine that earns full credit
    lexical_weight: float = 0.6    # share of a point's credit from its content words found in the unit
    off_topic: float = 0.28        # below this best unit-to-rubric cosine the answer is off-topic
    misconception: float = 0.62    # cosine at which a unit may be asserting a misconception
    misconception_margin: float = 0.03  # claim must beat the key point by this when the terms do not decide
    misconception_penalty: float = 0.40  # subtracted from the score per misconception asserted
    contradiction_penalty: float = 0.2  # subtracted from the score per contradicted key point
    buzzword_cap: float = 0.3      # the most a bare list of terms can score
    min_content_words: int = 2     # fewer content words than this is too short to judge
    strong: float = 0.70           # band boundaries on the final score
    adequate: float = 0.45
    # The learned verifier (interviewer.grading.verifier): similarity proposes, the verifier decides.
    verify_top: int = 3            # units checked per key point, the closest first
    verify_floor: float = 0.30     # units less similar than this to a point are not checked against it
    claim_top: int = 2             # units checked per misconception
    claim_floor: float = 0.40
    entail_covered: float = 0.50   # P(entails) at which a point is covered ...
    entail_partly: float = 0.20    # ... and partly covered
    contradict_block: float = 0.50  # P(contradicts) at which a unit earns no credit for a point
    contradict_show: float = 0.85  # ... and at which the contradiction is shown (precision first)
    assert_claim: float = 0.80     # P(unit entails the claim) at which a misconception is shown
    partly_credit: float = 0.0     # the least a partly covered point earns (share of its weight) ...
    covered_credit: float = 0.8    # ... and the least a covered one earns; a missed point earns nothing
    sim_covered: float = 0.70      # a unit this close to a point covers it unless the verifier says it contradicts
    sim_partly: float = 0.55       # ... and partly covers it
    exclusive_evidence: bool = True  # a sentence that covers one point is not partial evidence of another ...
    exclusive_gap: float = 0.15    # ... when it is at least this much closer to that other point
    wrong_is_no_evidence: bool = True  # a sentence stating a listed misconception covers no other point
    claim_distinct: bool = True    # words the other key points use too are no sign of taking the claim's side
    strict_claims: bool = True     # hedged or mirrored sentences never assert a misconception (see _may_assert)
    # A sentence that swaps a term or label of a point ("bagging reduces bias"): "show" it as a contradiction
    # (no credit, a penalty, the reason shown); "withhold" the point's credit and show nothing; or keep it
    # "silent" (that sentence earns nothing, another may still earn the point)
    swaps: str = "withhold"
    claim_polarity: bool = True    # a negated sentence does not assert a claim that has no negation of its own
    claim_ties: bool = False       # a sentence that says as much of the truth as of the claim may assert it


MAX_GRADED_CHARS = 6000   # longer answers are graded on a prefix (about 900 words)
MAX_UNITS = 60
MINIMAL_ANSWERS = frozenset({
    "fine", "ok", "okay", "yes", "no", "maybe", "it depends", "depends", "good", "sure", "true", "false",
    "good question", "great question", "next", "whatever", "n/a", "na", "none", "nothing", "idk", "?",
})
_RUBRIC_CACHE_SIZE = 20_000


def _vocab(encoder: Encoder) -> frozenset[str]:
    """Whole words the model's tokenizer knows, for telling words from keyboard mash."""
    folder = getattr(encoder, "model_path", None)
    path = Path(folder) / "vocab.txt" if folder else None
    if not path or not path.is_file():
        return frozenset()
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip().isalpha())


MISCONCEPTION_NOTE = "this sentence states a known misconception"
# Negations decide nothing on their own: "kNN has no training phase: it just stores the data" is true.
# Such a unit earns no credit for the point, but no contradiction is shown or charged.
SILENT_NOTES = ("negates the point", "drops the negation")


class Grader:
    """Grades free-text answers against a rubric. Thread-safe; share one per process."""

    def __init__(self, encoder: Encoder, index: TextIndex | None = None, calibration: Calibration | None = None,
                 verifier: "Verifier | None" = None) -> None:
        self.encoder = encoder
        self.index = index
        self.cal = calibration or Calibration()
        self.verifier = verifier
        self._vocab = _vocab(encoder)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def for_bank(cls, bank: Bank, encoder: Encoder, cache_dir: Path | None = None,
                 verifier: "Verifier | None | str" = "auto") -> "Grader":
        """A grader whose rubric vectors come from a cached faiss index over the whole bank.

        ``verifier="auto"`` loads the shipped verifier as configured (see :func:`load_verifier`).
        """
        if verifier == "auto":
            verifier = load_verifier(encoder)
        return cls(encoder, TextIndex.build(bank.texts(), encoder, cache_dir), verifier=verifier)

    # --- vectors ---------------------------------------------------------------------------

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for rubric texts: from the bank index, the LRU cache, or one encode call."""
        out: list[np.ndarray | None] = []
        missing: list[str] = []
        with self._lock:
            for text in texts:
                if self.index is not None and text in self.index:
                    out.append(self.index.vector(text))
                elif text in self._cache:
                    self._cache.move_to_end(text)
                    out.append(self._cache[text])
                else:
                    out.append(None)
                    missing.append(text)
        if missing:
            fresh = dict(zip(dict.fromkeys(missing), self.encoder.encode(list(dict.fromkeys(missing)))))
            with self._lock:
                for text, vector in fresh.items():
                    self._cache[text] = vector
                while len(self._cache) > _RUBRIC_CACHE_SIZE:
                    self._cache.popitem(last=False)
            out = [fresh[t] if v is None else v for t, v in zip(texts, out)]
        if not out:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.vstack(out).astype(np.float32, copy=False)

    # --- gates -----------------------------------------------------------------------------

    def _gibberish(self, body: str, rubric: Rubric) -> bool:
        tokens = [w for w in tx.words(body) if w.isalpha() and len(w) > 1]
        if len(tokens) < 2 or not self._vocab:
            return False
        # The rubric's own words count as known; the ~30k-word vocabulary is not copied per answer.
        rubric_words = {w for t in rubric.texts() for w in tx.words(t)}

        def known(word: str) -> bool:
            return word in self._vocab or word in rubric_words

        share = sum(1 for w in tokens if known(w) or known(tx.stem(w))) / len(tokens)
        return share < 0.5

    def _gate(self, body: str, rubric: Rubric) -> FlagNote | None:
        """A flag that makes the answer a non-answer, or None when it deserves grading."""
        stripped = body.strip()
        if not stripped:
            return FlagNote(Flag.EMPTY, "The answer is empty.")
        if tx.latin_share(stripped) < 0.5 and any(ch.isalpha() for ch in stripped):
            return FlagNote(Flag.GIBBERISH, "I can only grade answers written in English.")
        if tx.says_dont_know(stripped):
            return FlagNote(Flag.DONT_KNOW, "You said you don't know. That's fine in practice: "
                            "ask for a hint, or reveal the model answer and try again later.")
        normal = " ".join(tx.words(stripped))
        terms = tx.content_terms(stripped)
        rubric_terms = set().union(*(tx.content_terms(t) for t in rubric.texts()))
        # One on-point word ("vibration") can be an answer; one stray word ("fine") is not.
        if normal in MINIMAL_ANSWERS or len(terms) < self.cal.min_content_words and not terms & rubric_terms:
            return FlagNote(Flag.TOO_SHORT, "The answer is too short to judge: explain your reasoning "
                            "in a few sentences, as you would out loud.")
        if self._gibberish(stripped, rubric):
            return FlagNote(Flag.GIBBERISH, "This doesn't read as English words, so it can't be graded.")
        return None

    @staticmethod
    def _buzzwords(body: str) -> bool:
        """A bare list of terms: few function words, no sentence carrying an explanation."""
        tokens = tx.words(body)
        if len(tokens) < 3:
            return False
        function_share = sum(1 for w in tokens if w in tx.STOPWORDS) / len(tokens)
        items = [p for p in re.split(r"[,;\n•·|/]+|\s-\s", body) if p.strip()]
        short_items = sum(1 for p in items if len(p.split()) <= 3)
        return function_share < 0.12 or (len(items) >= 3 and short_items / len(items) >= 0.75 and function_share < 0.25)

    # --- grading ---------------------------------------------------------------------------

    def grade(self, rubric: Rubric, answer: str) -> Grade:
        """Grade one answer against one rubric."""
        return self.grade_any((rubric,), answer)

    def grade_any(self, rubrics: Sequence[Rubric], answer: str) -> Grade:
        """Grade one answer against rubrics that are alternative correct answers: the best grade wins.

        The answer is split and encoded once, however many rubrics there are.
        """
        if not rubrics:
            raise ValueError("grade_any needs at least one rubric")
        answer = answer if isinstance(answer, str) else str(answer)
        flags: list[FlagNote] = []
        body = tx.clean(answer[:MAX_GRADED_CHARS])
        if len(answer) > MAX_GRADED_CHARS:
            cut = max(body.rfind(". "), body.rfind("\n"))
            body = body[: cut + 1] if cut > MAX_GRADED_CHARS // 2 else body
            flags.append(FlagNote(Flag.TOO_LONG, f"The answer is {len(answer.split()):,} words long; I graded the "
                                  f"first {len(body.split()):,}. In an interview, aim for one to two minutes."))
        # Graded in one spelling ("quantisation" as "quantization"); evidence is quoted as written.
        written, body = body, tx.americanise(body)
        units = tx.units(body)
        kept = [u for u in units if not tx.is_instruction(u.text)]
        if len(kept) < len(units):
            flags.append(FlagNote(Flag.INSTRUCTIONS, "Instructions to the grader were ignored; only the "
                                  "substance of the answer counts."))
        kept = kept[:MAX_UNITS]
        substance = " ".join(u.text for u in kept)
        if not substance.strip() and len(kept) < len(units):
            flags.append(FlagNote(Flag.TOO_SHORT, "Apart from instructions to the grader, the answer says nothing "
                                  "about the question."))
            return self._non_answer(rubrics[0], flags, len(body), len(answer))
        grades: list[Grade] = []
        unit_vecs: np.ndarray | None = None
        rejected = tx.rejected_in_context(body, kept)
        homes = tx.sentence_of(body, kept)
        for rubric in rubrics:
            gate = self._gate(substance, rubric)
            if gate is not None:
                grades.append(self._non_answer(rubric, [*flags, gate], len(body), len(answer)))
                continue
            if unit_vecs is None:
                unit_vecs = self.encoder.encode([u.text for u in kept])
            grades.append(self._grade_units(rubric, kept, unit_vecs, substance, list(flags), len(body), len(answer),
                                            rejected, homes))
        best = max(grades, key=lambda g: g.score)
        return _as_written(best, written) if written != body else best

    def _non_answer(self, rubric: Rubric, flags: list[FlagNote], graded: int, total: int) -> Grade:
        points = tuple(PointResult(p.id, p.text, p.weight, Status.MISSED, 0.0) for p in rubric.key_points)
        return Grade(0.0, Band.NO_ANSWER, points, (), tuple(flags), graded, total)

    def _grade_units(self, rubric: Rubric, units: list[tx.Unit], unit_vecs: np.ndarray, substance: str,
                     flags: list[FlagNote], graded: int, total: int, rejected: frozenset[int] = frozenset(),
                     homes: Sequence[str] = ()) -> Grade:
        cal = self.cal
        points = rubric.key_points
        phrasings = [(i, phrase) for i, point in enumerate(points) for phrase in point.phrasings]
        claims = list(rubric.misconceptions)
        rubric_texts = [phrase for _, phrase in phrasings] + [m.claim for m in claims] + [rubric.question, rubric.reference_answer]
        rubric_vecs = self.vectors(rubric_texts)
        sims = unit_vecs @ rubric_vecs.T  # units x rubric texts
        n_phr = len(phrasings)
        phrase_sims = sims[:, :n_phr]
        claim_sims = sims[:, n_phr:n_phr + len(claims)]
        topic = float(sims.max()) if sims.size else 0.0

        if self.verifier is not None:
            results, hits = _Verified(self, rubric, units, phrase_sims, phrasings, claim_sims, rejected).assess()
        else:
            results, hits = self._by_rules(rubric, units, phrase_sims, phrasings, claims, claim_sims, rejected, homes)

        if topic < cal.off_topic and not any(r.status is not Status.MISSED for r in results):
            flags.append(FlagNote(Flag.OFF_TOPIC, f"This looks off-topic: the question was about "
                                  f"{_topic_phrase(rubric.question)}."))
            return self._non_answer(rubric, flags, graded, total)
        score, parts = self.score_of(results, hits)
        if self._buzzwords(substance):
            flags.append(FlagNote(Flag.BUZZWORDS, "This is a list of terms without explanation: say what each "
                                  "one means and why it matters here."))
            parts["buzzword_cap"] = round(score - min(score, cal.buzzword_cap * parts["coverage"]), 4)
            score = min(score, cal.buzzword_cap * parts["coverage"])
        if any(r.note for r in results):
            flags.append(FlagNote(Flag.CONTRADICTION, "Part of the answer says the opposite of a key point: "
                                  "check the points marked as contradicted."))
        band = Band.STRONG if score >= cal.strong else Band.ADEQUATE if score >= cal.adequate else Band.WEAK
        details = {**parts, "topic": round(topic, 4), "misconceptions": float(len(hits))}
        return Grade(round(score, 4), band, tuple(results), tuple(hits), tuple(flags), graded, total, details)

    def score_of(self, results: Sequence[PointResult], hits: Sequence[MisconceptionHit]) -> tuple[float, dict]:
        """The score from what the candidate is shown: credit per point status, minus each shown penalty."""
        cal = self.cal
        weight = sum(r.weight for r in results)
        coverage = sum(r.weight * r.credit for r in results) / weight if weight else 0.0
        contradicted = sum(1 for r in results if r.note and r.note != MISCONCEPTION_NOTE)  # already penalised
        penalty_m = cal.misconception_penalty * len(hits)
        penalty_c = cal.contradiction_penalty * contradicted
        score = float(np.clip(coverage - penalty_m - penalty_c, 0.0, 1.0))
        return score, {"coverage": round(coverage, 4), "misconception_penalty": round(penalty_m, 4),
                       "contradiction_penalty": round(penalty_c, 4)}

    def _by_rules(self, rubric: Rubric, units: list[tx.Unit], phrase_sims: np.ndarray, phrasings: list,
                  claims: list[Misconception], claim_sims: np.ndarray,
                  rejected: frozenset[int] = frozenset(),
                  homes: Sequence[str] = ()) -> tuple[list[PointResult], list[MisconceptionHit]]:
        """Point statuses and misconceptions from similarity and the word-list checks (no verifier).

        ``rejected`` holds the start offsets of units that, in their context, name an idea to reject it;
        ``homes`` the sentence each unit belongs to.
        """
        checker = _Contradictions(rubric, units, phrase_sims, phrasings, self.cal.covered, self.cal.exclusive_evidence,
                                  self.cal.exclusive_gap)
        hits = self._misconceptions(rubric, units, claims, claim_sims, checker, rejected)
        checker.rejected = rejected
        checker.homes = tuple(homes)
        for hit in hits:
            if hit.key_point_id:
                checker.block(hit.evidence.start, hit.key_point_id)
        results = [self._score_point(i, point, units, checker)[0] for i, point in enumerate(rubric.key_points)]
        return results, hits

    def _score_point(self, index: int, point: KeyPoint, units: list[tx.Unit],
                     checker: "_Contradictions") -> tuple[PointResult, float]:
        """Credit for one key point: its best unit, unless that unit negates or swaps its meaning."""
        cal = self.cal
        sims = checker.per_point[:, index]
        best_sim = float(sims.max()) if sims.size else 0.0
        contradicted: tuple[tx.Unit, float, str] | None = None
        for u in np.argsort(-sims)[:3]:
            sim = float(sims[u])
            unit = units[u]
            note = checker.note(int(u), index)
            if note is None and contradicted is not None and sim < cal.covered:
                break  # the closest sentence contradicts the point; a vaguer one does not outweigh it
            if note is not None and (note.startswith(SILENT_NOTES) or unit.start in checker.rejected
                                     or (cal.swaps == "silent" and note != MISCONCEPTION_NOTE)
                                     or tx.rejects(unit.text)
                                     or note != MISCONCEPTION_NOTE and checker.covers_other(int(u), index)):
                # a negation, a rejected idea, or a sentence about another point ("L1 does not zero
                # weights" is no statement about L2): no credit from it, and nothing shown
                continue
            if note is None and sim < cal.covered and checker.covers_other(int(u), index):
                continue  # a sentence that says another point is no evidence of this one
            if note is None and cal.wrong_is_no_evidence and checker.asserts_misconception(int(u)):
                continue  # a sentence that states a known misconception is no evidence of another point
            if note is None:
                lexical = _lexical(point, unit.text, checker.topic)
                floor, full = cal.credit_floor, cal.credit_full
                blend = (1 - cal.lexical_weight) * sim + cal.lexical_weight * (floor + lexical * (full - floor))
                status = Status.COVERED if sim >= cal.covered else Status.PARTLY if sim >= cal.partly else Status.MISSED
                evidence = Span(unit.start, unit.end, unit.text) if status is not Status.MISSED else None
                credit = _credit(status, _ramp(blend, floor, full), cal)
                return PointResult(point.id, point.text, point.weight, status, round(sim, 4), evidence,
                                   credit=credit), credit
            if contradicted is None:
                contradicted = (unit, sim, note)
        if contradicted is None:  # the close units only negate or reject: missed, with nothing to show
            return PointResult(point.id, point.text, point.weight, Status.MISSED, round(best_sim, 4)), 0.0
        if cal.swaps == "withhold" and contradicted[2] != MISCONCEPTION_NOTE:
            return PointResult(point.id, point.text, point.weight, Status.MISSED, round(best_sim, 4)), 0.0
        # Every close unit contradicts the point: it is missed, with the reason, and earns little.
        unit, sim, note = contradicted
        if sim < cal.partly:  # a far-off unit that happens to contradict is not worth reporting
            return PointResult(point.id, point.text, point.weight, Status.MISSED, round(best_sim, 4)), 0.0
        return PointResult(point.id, point.text, point.weight, Status.MISSED, round(best_sim, 4),
                           Span(unit.start, unit.end, unit.text), note), 0.0

    def _misconceptions(self, rubric: Rubric, units: list[tx.Unit], claims: list[Misconception],
                        claim_sims: np.ndarray, points: "_Contradictions",
                        rejected: frozenset[int] = frozenset()) -> list[MisconceptionHit]:
        """Listed misconceptions that a unit asserts: it is about the claim and takes the claim's side.

        ``points`` gives each key point's phrasings, their content terms and each unit's similarity.
        """
        hits: list[MisconceptionHit] = []
        ids = points.ids
        per_point = points.per_point
        for m, wrong in enumerate(claims):
            for u in np.argsort(-claim_sims[:, m])[:2]:
                claim_sim = float(claim_sims[u, m])
                if claim_sim < self.cal.misconception:
                    break
                nearest = int(np.argmax(per_point[u]))
                truth = ids.index(wrong.key_point) if wrong.key_point in ids else nearest
                # The unit must be about this claim: its nearest key point is the one the claim
                # contradicts, or the claim itself is nearer than any key point.
                if nearest != truth and claim_sim <= float(per_point[u, nearest]):
                    continue
                truth_phrases = points.phrases[truth]
                text = units[u].text
                if units[u].start in rejected or tx.rejects(text) or _denies(text, wrong.claim):
                    continue
                if self.cal.strict_claims and not _may_assert(text, wrong.claim, truth_phrases, self.cal.claim_polarity):
                    continue
                elsewhere = (set().union(*(terms for i, terms in enumerate(points.terms) if i != truth))
                             if self.cal.claim_distinct else set())
                if _takes_claim_side(units[u].text, wrong, truth_phrases, points.terms[truth], points.negated[truth],
                                     claim_sim, float(per_point[u, truth]), self.cal.misconception_margin,
                                     self.cal.strict_claims, self.cal.claim_ties, elsewhere):
                    unit = units[u]
                    hits.append(MisconceptionHit(wrong.claim, wrong.correction, round(claim_sim, 4),
                                                 Span(unit.start, unit.end, unit.text), ids[truth]))
                    break
        return hits


class _Verified:
    """Point statuses and misconceptions decided by the learned verifier on pairs that similarity proposes."""

    def __init__(self, grader: "Grader", rubric: Rubric, units: list[tx.Unit], phrase_sims: np.ndarray,
                 phrasings: list, claim_sims: np.ndarray, rejected: frozenset[int] = frozenset()) -> None:
        self.cal = grader.cal
        self.rejected = rejected
        self.verifier = grader.verifier
        self.rubric = rubric
        self.units = units
        self.phrase_sims = phrase_sims
        self.phrasings = phrasings
        self.claim_sims = claim_sims
        owners = np.array([owner for owner, _ in phrasings])
        self.columns = [np.flatnonzero(owners == i) for i in range(len(rubric.key_points))]

    def _point_pairs(self) -> list[tuple[int, int, int, float]]:
        """(point, unit, phrasing column, similarity) for the closest units of each point."""
        cal = self.cal
        out = []
        for i, columns in enumerate(self.columns):
            sims = self.phrase_sims[:, columns]
            best_col = sims.argmax(axis=1)
            best = sims.max(axis=1)
            for u in np.argsort(-best)[:cal.verify_top]:
                if best[u] < cal.verify_floor:
                    break
                out.append((i, int(u), int(columns[best_col[u]]), float(best[u])))
        return out

    def _claim_pairs(self) -> list[tuple[int, int, float]]:
        cal = self.cal
        out = []
        for m in range(self.claim_sims.shape[1]):
            for u in np.argsort(-self.claim_sims[:, m])[:cal.claim_top]:
                if self.claim_sims[u, m] < cal.claim_floor:
                    break
                out.append((m, int(u), float(self.claim_sims[u, m])))
        return out

    def assess(self) -> tuple[list[PointResult], list[MisconceptionHit]]:
        cal = self.cal
        points = self.rubric.key_points
        claims = self.rubric.misconceptions
        point_pairs = self._point_pairs()
        claim_pairs = self._claim_pairs()
        texts = ([(self.phrasings[col][1], self.units[u].text) for _, u, col, _ in point_pairs]
                 + [(claims[m].claim, self.units[u].text) for m, u, _ in claim_pairs])
        probs = self.verifier.probabilities(texts) if texts else np.zeros((0, 3), dtype=np.float32)
        point_probs, claim_probs = probs[:len(point_pairs)], probs[len(point_pairs):]

        hits: list[MisconceptionHit] = []
        asserted: set[tuple[int, str | None]] = set()
        for (m, u, sim), p in zip(claim_pairs, claim_probs):
            wrong = claims[m]
            unit = self.units[u]
            if (p[ENTAILS] < cal.assert_claim or unit.start in self.rejected or tx.rejects(unit.text)
                    or any(h.claim == wrong.claim for h in hits)):
                continue
            hits.append(MisconceptionHit(wrong.claim, wrong.correction, round(sim, 4),
                                         Span(unit.start, unit.end, unit.text), wrong.key_point))
            asserted.add((u, wrong.key_point))

        candidates: dict[int, list[tuple[int, float, float, float]]] = {}
        for (i, u, _, sim), p in zip(point_pairs, point_probs):
            candidates.setdefault(i, []).append((u, float(p[ENTAILS]), float(p[CONTRADICTS]), sim))
        results = []
        for i, point in enumerate(points):
            results.append(self._point(i, point, candidates.get(i, []), asserted))
        return results, hits

    def _level(self, entails: float, sim: float) -> int:
        """2 covered, 1 partly, 0 missed: the verifier's entailment, or a close paraphrase it did not contradict."""
        cal = self.cal
        if entails >= cal.entail_covered or sim >= cal.sim_covered:
            return 2
        return 1 if entails >= cal.entail_partly or sim >= cal.sim_partly else 0

    def _point(self, i: int, point: KeyPoint, candidates: list[tuple[int, float, float, float]],
               asserted: set[tuple[int, str | None]]) -> PointResult:
        cal = self.cal
        best_sim = max((sim for *_, sim in candidates), default=0.0)
        usable = [(u, e, c, sim) for u, e, c, sim in candidates
                  if c < cal.contradict_block and (u, point.id) not in asserted]
        if usable:
            u, e, _, sim = max(usable, key=lambda row: (self._level(row[1], row[3]), row[1], row[3]))
            status = (Status.COVERED, Status.PARTLY, Status.MISSED)[2 - self._level(e, sim)]
            if status is not Status.MISSED:
                unit = self.units[u]
                credit = _credit(status, max(e, _ramp(sim, cal.credit_floor, cal.credit_full)), cal)
                return PointResult(point.id, point.text, point.weight, status, round(sim, 4),
                                   Span(unit.start, unit.end, unit.text), credit=credit)
        # Not stated. Say why only when a close unit clearly says the opposite.
        against = [(u, c, sim) for u, e, c, sim in candidates if c >= cal.contradict_show and e < cal.entail_partly
                   and self.units[u].start not in self.rejected and not tx.rejects(self.units[u].text)
                   and (u, point.id) not in asserted]
        if against:
            u, _, sim = max(against, key=lambda row: row[1])
            unit = self.units[u]
            return PointResult(point.id, point.text, point.weight, Status.MISSED, round(best_sim, 4),
                               Span(unit.start, unit.end, unit.text), "this sentence says the opposite of the point")
        return PointResult(point.id, point.text, point.weight, Status.MISSED, round(best_sim, 4))


class _Contradictions:
    """Which answer units contradict which key points, decided on each point's distinctive terms."""

    def __init__(self, rubric: Rubric, units: list[tx.Unit], phrase_sims: np.ndarray, phrasings: list,
                 covered: float, exclusive: bool = True, exclusive_gap: float = 0.0) -> None:
        self.units = units
        self.covered = covered
        self.exclusive = exclusive
        self.exclusive_gap = exclusive_gap
        points = rubric.key_points
        self.ids = [p.id for p in points]
        self.phrases = [[phrase for owner, phrase in phrasings if owner == i] for i in range(len(points))]
        owners = np.array([owner for owner, _ in phrasings])
        self.per_point = np.stack([phrase_sims[:, owners == i].max(axis=1) for i in range(len(points))], axis=1)
        self.nearest = self.per_point.argmax(axis=1)
        self.terms = terms = [set().union(*(tx.content_terms(p) for p in group)) for group in self.phrases]
        topic = tx.content_terms(rubric.question)
        self.topic = topic
        # A point's distinctive terms: its own words that few other points of the question use.
        self.distinct = []
        limit = max(1, (len(terms) - 1) // 3)
        for i, own in enumerate(terms):
            shared = {t: sum(1 for j, other in enumerate(terms) if j != i and t in other) for t in own}
            mine = {t for t in own - topic - _contrast_stems() if shared[t] <= limit}
            self.distinct.append(mine or (own - topic - _contrast_stems()) or own)
        self.negated = [set().union(*(tx.negated_terms(p) for p in group)) for group in self.phrases]
        self._cache: dict[tuple[int, int], str | None] = {}
        self._blocked: set[tuple[int, int]] = set()
        self.rejected: frozenset[int] = frozenset()
        self.homes: tuple[str, ...] = ()

    def block(self, start: int, point_id: str) -> None:
        """Mark the unit starting at ``start`` as asserting a misconception against ``point_id``."""
        for u, unit in enumerate(self.units):
            if unit.start == start and point_id in self.ids:
                self._blocked.add((u, self.ids.index(point_id)))

    def asserts_misconception(self, u: int) -> bool:
        """Whether unit u was found to assert a listed misconception (against any point)."""
        return any(unit == u for unit, _ in self._blocked)

    def direct(self, u: int, i: int) -> str | None:
        """Why unit u says the opposite of point i (a swapped contrast term or a negation), or None."""
        key = (u, i)
        if key not in self._cache:
            text = self.units[u].text
            note = _contradiction(self.phrases[i], self.distinct[i], self.negated[i], text)
            home = self.homes[u] if u < len(self.homes) else text
            if note is None and home != text:
                # "Bagging reduces bias, ..., while boosting reduces variance": the clause alone names one
                # subject; its sentence shows the exchange.
                swap = _binding_swap(self.phrases[i], home, paired=True)
                if swap and tx.content_terms(text) & _contrast_stems() & self.terms[i]:
                    note = swap
            if (note is None and int(self.nearest[u]) == i and tx.content_terms(text) & self.distinct[i]
                    and not tx.negated(home)):  # "sets don't promise any order" agrees with "unordered"
                # A clause about the point but without its subject ("some coefficients become exactly
                # zero") takes the subject from its sentence ("Because of the shape of the L2 penalty, ...").
                for context in dict.fromkeys((text, home)):
                    swap = tx.swapped_terms(self.phrases[i][:1], context)  # the point's own subject only
                    if swap and (context == text or not {swap[0], swap[1]} & set(tx.words(text))):
                        note = f"says “{swap[1]}” where the point says “{swap[0]}”"
                        break
            self._cache[key] = note
        return self._cache[key]

    def covers_other(self, u: int, i: int) -> bool:
        """Whether unit u is plainly about another key point than i: it covers that one and is nearer to it."""
        j = int(self.nearest[u])
        return (self.exclusive and j != i and self.per_point[u, j] >= self.covered
                and self.per_point[u, j] - self.per_point[u, i] >= self.exclusive_gap)

    def note(self, u: int, i: int) -> str | None:
        """Why unit u cannot be evidence for point i, or None when it can."""
        if (u, i) in self._blocked:
            return MISCONCEPTION_NOTE
        return self.direct(u, i)


@functools.lru_cache(maxsize=1)
def _contrast_stem_groups() -> tuple[frozenset[str], ...]:
    return tuple(frozenset(tx.stem(w) for w in group) for group in tx.CONTRAST_SETS)


@functools.lru_cache(maxsize=1)
def _contrast_stems() -> frozenset[str]:
    return frozenset(tx.stem(w) for group in tx.CONTRAST_SETS for w in group)


def _contradiction(phrases: Sequence[str], distinct: set[str], point_negated: set[str], unit: str) -> str | None:
    """A swap or negation, in a clause of the unit that carries the point's distinctive terms."""
    point_words = {w for p in phrases for w in tx.words(p)}
    # An idea that is negative in every phrasing ("never appears in both") tolerates negations.
    point_negates = all(tx.negated_terms(p) for p in phrases)
    swap = _binding_swap(phrases, unit)
    if swap:
        return swap
    for n, clause in enumerate(_clauses(unit)):
        terms = tx.content_terms(clause)
        if not terms & distinct:
            continue
        # "..., not their values" contrasts with what came before; it does not deny the point.
        corrective = n > 0 and bool(tx.words(clause)) and tx.words(clause)[0] in tx.NEGATION_CUES
        swap = tx.swapped_terms(phrases, clause)
        if swap:
            return f"says “{swap[1]}” where the point says “{swap[0]}”"
        said = tx.identifiers(clause)
        if 0 < len(said) <= 2:  # labels ("terminal 1 and 4"), not the numbers of a calculation
            closest = max((tx.identifiers(p) for p in phrases), key=lambda ids: len(ids & said))
            extra, lacking = said - closest, closest - said
            # One label for another of the same noun ("terminal 2" for "terminal 3") is a swap too.
            single = len(said) == len(closest) == 1
            if extra and lacking and (said & closest or single) and _labelled(clause) & _labelled(" ".join(phrases)):
                return f"says “{sorted(extra)[0]}” where the point says “{sorted(lacking)[0]}”"
        negated = set() if corrective else tx.negated_terms(clause)
        if any(w.startswith("~") and w[1:] in point_words for w in negated):
            continue  # "not the same" where the point says "different": agreement
        denied = (negated & distinct) - point_negated
        if denied and not point_negates:
            return f"negates the point (“not … {sorted(denied)[0]}”)"
        # The reverse: the point says "not connected", the clause plainly says "connected".
        asserted = {t for t in (point_negated & terms & distinct) - negated if _COPULA.search(_stem_line(clause, t))}
        if asserted and point_negates and not tx.negated(clause) and not _NON_PREFIX.search(clause):
            return f"drops the negation of “{sorted(asserted)[0]}”"
    return None


def _labelled(text: str) -> set[str]:
    """The stemmed nouns that carry a label in the text ("terminal 2", "bulb C" -> {"termin", "bulb"})."""
    tokens = tx.words(text)
    labels = tx.identifiers(text)
    return {tx.stem(tokens[i - 1]) for i, w in enumerate(tokens)
            if i and w in labels and tokens[i - 1].isalpha() and tokens[i - 1] not in tx.STOPWORDS
            and tokens[i - 1] not in _ARITHMETIC}


# "times 2", "over 16": numbers in a calculation, not labels of a noun
_ARITHMETIC = frozenset("times plus minus over divided multiplied equals".split())


_COPULA = re.compile(r"\b(?:is|are|was|were|be|been|being|stays?|remains?)\s+(?:\w+\s+)?@")


def _stem_line(clause: str, term: str) -> str:
    """The clause with every word whose stem is ``term`` replaced by "@", for copula look-ups."""
    return " ".join("@" if tx.stem(w) == term else w for w in tx.words(clause))


_NON_PREFIX = re.compile(r"\b(?:non|un|in|dis)-?\w", re.IGNORECASE)


def _binding_swap(phrases: Sequence[str], unit: str, any_subject: bool = False, paired: bool = False) -> str | None:
    """Two subjects whose predicates the unit exchanges ("A does x while B does y" said as "A does y ...").

    Subjects are opposed terms (L1/L2, CP/AP, content-based/collaborative); with ``any_subject``, any
    term or keyword ("WHERE", "HAVING") that only one clause of the phrase uses, which only a check
    that may veto a flag can afford. With ``paired``, the two subjects must be opposites of one
    contrast set (bagging/boosting), as a long sentence needs before its clauses are compared.
    """
    unit_clauses = [_terms(c, any_subject) for c in _clauses(unit)]
    if len(unit_clauses) < 2:
        return None
    for phrase in phrases:
        point_clauses = [(c, _terms(c, any_subject)) for c in _clauses(phrase)]
        for i, (text_a, terms_a) in enumerate(point_clauses):
            for text_b, terms_b in point_clauses[i + 1:]:
                only_a, only_b = terms_a - terms_b, terms_b - terms_a
                pool = _contrast_stems() if not any_subject else only_a | only_b
                subject_a = _first_present(text_a, only_a & pool, unit_clauses)
                subject_b = _first_present(text_b, only_b & pool, unit_clauses)
                if not subject_a or not subject_b:
                    continue
                if paired and not any({subject_a, subject_b} <= group for group in _contrast_stem_groups()):
                    continue
                ja = next(j for j, c in enumerate(unit_clauses) if subject_a in c)
                jb = next(j for j, c in enumerate(unit_clauses) if subject_b in c)
                if ja == jb:
                    continue
                pred_a, pred_b = only_a - {subject_a}, only_b - {subject_b}
                kept = len(unit_clauses[ja] & pred_a) + len(unit_clauses[jb] & pred_b)
                swapped = len(unit_clauses[ja] & pred_b) + len(unit_clauses[jb] & pred_a)
                if swapped >= 2 and swapped > kept:
                    return f"gives “{subject_a}” what belongs to “{subject_b}”"
    return None


def _terms(text: str, keywords: bool) -> set[str]:
    """Content terms, plus, with ``keywords``, capitalised keywords that are stopwords ("WHERE")."""
    terms = tx.content_terms(text)
    if keywords:
        terms |= {tx.stem(w.lower()) for w in re.findall(r"\b[A-Z]{2,}\b", text)}
    return terms


def _first_present(text: str, candidates: set[str], unit_clauses: list[set[str]]) -> str | None:
    """The first word of text (stemmed) that is among candidates and said somewhere in the unit."""
    for word in tx.words(text):
        term = tx.stem(word)
        if term in candidates and any(term in c for c in unit_clauses):
            return term
    return None


def _as_written(grade: Grade, written: str) -> Grade:
    """The grade with every evidence span's text taken from the answer as the candidate wrote it."""
    def span(evidence: Span | None) -> Span | None:
        return evidence and Span(evidence.start, evidence.end, written[evidence.start:evidence.end])

    return replace(grade, points=tuple(replace(p, evidence=span(p.evidence)) for p in grade.points),
                   misconceptions=tuple(replace(m, evidence=span(m.evidence)) for m in grade.misconceptions))


def _clauses(unit: str) -> list[str]:
    # a comma inside a number ("4,096") separates no clauses
    pieces = [p for p in re.split(r"[;:]|,(?!\d{3}(?!\d))|\bbut\b|\bwhereas\b|\bwhile\b|\bunlike\b", unit) if p.strip()]
    return pieces or [unit]


def _credit(status: Status, ramp: float, cal: Calibration) -> float:
    """What a point earns, by the status the candidate is shown: a covered point at least 0.8 of its
    weight, a partly covered one between a floor and the covered minimum, a missed one nothing."""
    if status is Status.COVERED:
        return round(max(ramp, cal.covered_credit), 4)
    if status is Status.PARTLY:
        return round(min(max(ramp, cal.partly_credit), cal.covered_credit), 4)
    return 0.0


def _ramp(value: float, low: float, high: float) -> float:
    return float(np.clip((value - low) / (high - low), 0.0, 1.0))


def _lexical(point: KeyPoint, unit: str, topic: set[str]) -> float:
    """The best share of a phrasing's content words, other than the question's own, that the unit uses."""
    have = tx.content_terms(unit)
    best = 0.0
    for phrase in point.phrasings:
        terms = tx.content_terms(phrase)
        need = (terms - topic) or terms
        if need:
            best = max(best, len(need & have) / len(need))
    return best


def _denies(unit: str, claim: str) -> bool:
    """Whether the unit negates what the claim asserts ("it's not concept drift" against "... is concept drift")."""
    claim_denied = tx.negated_terms(claim)
    # "PCA is not scale-invariant" denies "You don't need to scale before PCA, because it's scale-invariant":
    # a negation of what the claim asserts, not of what it already denies.
    denied = {t for t in tx.negated_terms(unit, corrective=True) if not t.startswith("~")} - claim_denied
    return bool(denied & (tx.content_terms(claim) - claim_denied))


_ABSOLUTE = re.compile(r"\b(?:always|never|every|all|any|must|only|guarantee[sd]?|impossible|no\s+need)\b", re.I)
_STRONG_ABSOLUTE = re.compile(r"\b(?:always|never|every|must|guaranteed?|impossible)\b", re.I)
_HEDGE = re.compile(r"\b(?:can(?![’']t)|could(?![’']t)|may|might|sometimes|often|usually|depends|as\s+long\s+as|unless|if|when|"
                    r"provided|fine\s+as|acceptable)\b", re.I)


def _may_assert(unit: str, claim: str, truth: Sequence[str] = (), polarity: bool = True) -> bool:
    """Whether the unit can be asserting the claim at all (precision first: a doubt is no assertion).

    It cannot when it pairs the claim's subjects and predicates the other way round (it states the
    truth the claim swaps), when it uses the opposite of one of the claim's contrast terms, when it
    is negated and the claim has no negation of its own, or when the claim is wrong by an absolute
    ("always", "never") that the unit hedges instead ("can be fine as long as ...").
    """
    if _binding_swap([claim], unit, any_subject=True):
        return False
    if tx.swapped_terms(claim, unit, cancel=False) and not tx.swapped_terms(truth, unit):
        return False  # "lowers the variance" against a claim that it "raises the variance"
    if polarity and tx.negated(unit) and not tx.negated_terms(claim) and not tx.negated(claim):
        return False  # "skew doesn't hold up offline" against "skew is the same as drift"
    if _ABSOLUTE.search(claim) and not _STRONG_ABSOLUTE.search(unit) and _HEDGE.search(unit):
        return False
    return True


def _takes_claim_side(unit: str, wrong: Misconception, truth: Sequence[str], truth_terms: set[str],
                      truth_denied: set[str], claim_sim: float, truth_sim: float, margin: float,
                      strict: bool = False, ties: bool = True,
                      elsewhere: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether the unit sides with the misconception on the terms where claim and truth differ.

    ``truth_terms`` and ``truth_denied`` are the content terms and the negated terms of the ``truth``
    phrasings (``_Contradictions.terms`` and ``.negated``).
    ``elsewhere`` holds the content terms of the question's other key points: when the unit is nearer
    the truth than the claim, a word they use too ("model", "make") is no sign that it takes the
    claim's side, unless the claim has no word of its own.
    """
    if tx.swapped_terms(truth, unit) and not tx.swapped_terms(wrong.claim, unit):
        return True
    claim_denied = tx.negated_terms(wrong.claim)
    unit_denied = tx.negated_terms(unit)
    if unit_denied & (claim_denied - truth_denied):
        return True
    said = tx.content_terms(unit)
    claim_terms = tx.content_terms(wrong.claim)
    own = claim_terms - truth_terms
    if claim_sim > truth_sim:
        elsewhere = frozenset()  # closer to the claim than to the truth: every word of the claim's own counts
    pro = len(said & ((own - elsewhere) or own))
    con = len(said & (truth_terms - claim_terms))
    if strict and not pro and claim_terms - truth_terms:
        return False  # nothing of what makes the claim wrong is said: similarity alone is no assertion
    if pro != con:
        return pro > con and claim_sim >= truth_sim - margin
    if strict and not ties and pro:
        return False  # as much of the truth as of the claim: no confident assertion
    return claim_sim > truth_sim + margin


def _topic_phrase(question: str) -> str:
    short = question.strip().rstrip("?.")
    return f"“{short[:120]}{'…' if len(short) > 120 else ''}”"


def derive_key_points(reference: str) -> tuple[KeyPoint, ...]:
    """Key points from a reference answer when a question has none: one per sentence or clause."""
    pieces = [u.text.strip(" .") for u in tx.units(tx.clean(reference)) if tx.content_terms(u.text)]
    if not pieces:
        pieces = [reference.strip()]
    return tuple(KeyPoint(f"p{i + 1}", piece) for i, piece in enumerate(pieces))


def rubric_from_reference(question: str, reference: str, key_points: Sequence[str] | None = None,
                          misconceptions: Sequence[Misconception] = ()) -> Rubric:
    """A rubric for a question given only as text: key points as listed, or derived from the reference."""
    points = tuple(KeyPoint(f"p{i + 1}", t) for i, t in enumerate(key_points)) if key_points else derive_key_points(reference)
    return Rubric(question, reference, points, tuple(misconceptions))
