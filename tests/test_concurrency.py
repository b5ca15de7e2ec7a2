"""Simultaneous interviews in one process (Streamlit serves each browser session in a thread).

One shared Engine, grader, encoder and store; every session must see and save only its own questions,
answers and grades, and no turn may be lost. No timing is asserted: speed is benchmarks/bench_load.py.
"""

from __future__ import annotations

import threading

import pytest

from fakes import KeywordGrader, small_bank
from interviewer.bank import load_bank
from interviewer.engine import Engine
from interviewer.grading.grader import Grader
from interviewer.planner import Setup
from interviewer.store import Store
from interviewer.transcript import AnswerGiven


def run_together(engine: Engine, count: int, answer_for) -> list[dict]:
    """Start ``count`` interviews at the same moment, each in its own thread; what each one saw."""
    barrier = threading.Barrier(count)
    logs = [{"profile": f"thread-{i}", "sent": [], "grades": [], "error": None} for i in range(count)]

    def candidate(i: int) -> None:
        log = logs[i]
        try:
            barrier.wait()
            interview = engine.start(Setup(length=2, seed=i, profile=log["profile"]))
            log["id"] = interview.id
            while not interview.is_over:
                prompt = interview.current
                text = answer_for(engine, prompt, i)
                log["sent"].append(text)
                reply = engine.handle(interview, text)
                log["grades"] += [e.grade for e in reply.entries if isinstance(e, AnswerGiven)]
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            log["error"] = repr(exc)

    threads = [threading.Thread(target=candidate, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return logs


def assert_isolated(engine: Engine, logs: list[dict]) -> None:
    for log in logs:
        assert log["error"] is None, log["error"]
        assert [s.id for s in engine.store.list_sessions(log["profile"])] == [log["id"]]
        saved = engine.resume(log["id"])
        given = [e for e in saved.entries if isinstance(e, AnswerGiven)]
        assert [e.text for e in given] == log["sent"]
        assert [e.grade for e in given] == log["grades"]
        assert saved.is_over


def test_many_sessions_at_once_with_a_keyword_grader(tmp_path):
    store = Store(lock_timeout=0.05)      # threads queue in the process: none waits on SQLite's lock
    engine = Engine(small_bank(tmp_path / "bank"), KeywordGrader(), store, data_dir=tmp_path)
    answers = ["alpha beta gamma", "beta", "I don't know", "alpha gamma", "x"]
    logs = run_together(engine, 16, lambda _e, prompt, i: f"{answers[(i + len(prompt.text)) % 5]} (candidate {i})")
    assert_isolated(engine, logs)
    store.close()


@pytest.mark.slow
def test_sessions_at_once_share_the_real_grader_safely(encoder, shared_cache_dir, tmp_path):
    bank = load_bank()
    engine = Engine(bank, Grader.for_bank(bank, encoder, shared_cache_dir), Store(), data_dir=tmp_path)

    def answer(engine, prompt, i):
        question = engine.bank.get(prompt.question_id)
        reference = (question.reference_answer if prompt.follow_up_id is None
                     else question.follow_up(prompt.follow_up_id).reference_answer)
        sentences = reference.split(". ")
        return ". ".join(sentences[: 1 + i % len(sentences)]) + f". I saw this in project {i}."

    logs = run_together(engine, 6, answer)
    assert_isolated(engine, logs)
    for log in logs:                      # a grade made under contention equals a grade made alone
        saved = engine.resume(log["id"])
        for entry in (e for e in saved.entries if isinstance(e, AnswerGiven)):
            question = bank.get(entry.question_id)
            rubric = question.rubric if entry.follow_up_id is None else question.follow_up(entry.follow_up_id).rubric(question.kind)
            assert engine.grader.grade(rubric, entry.text) == entry.grade
    engine.store.close()


def test_sentence_splitting_and_stemming_are_thread_safe():
    """pysbd and snowball keep their working text in the instance: threads must not share one."""
    import sys

    from interviewer.grading import text as tx

    answers = [f"Answer {i} starts here. Dr. Lee said the second part, case {i}! A third? Yes, {i}." for i in range(24)]
    words = ["regularization", "overfitting", "generalization", "probabilities", "normalization", "happily"] * 20
    expected = {a: tx.sentences(a) for a in answers}
    stems = {w: tx._stemmer().stemWord(w) for w in words}
    wrong: list[str] = []

    def work(k: int) -> None:
        for _ in range(20):
            wrong.extend(a for a in answers[k::4] if tx.sentences(a) != expected[a])
            wrong.extend(w for w in words[k::4] if tx._stemmer().stemWord(w) != stems[w])

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)           # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not wrong
