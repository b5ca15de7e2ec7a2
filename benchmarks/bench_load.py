"""Load: N simultaneous interviews through one shared Engine (grader, encoder, index, store).

Each interview runs in its own thread, as Streamlit serves each browser session in a thread, and
answers a few questions with realistic answers built from the shipped bank's reference answers
(whole, partial, reordered, padded, or "I don't know"). Reported per N: feedback latency per answer
(``Engine.handle``: grading plus saving the turn) at p50/p95/max, throughput in answers per second,
and an isolation check: every session's saved transcript holds exactly its own questions, answers
and grades, and each grade equals a fresh single-threaded grade of the same answer. Also: the knee
(the smallest N whose p95 passes one second) and the process's resident memory at start, with the
app loaded, and after the 50-session round.

Run: .venv/bin/python benchmarks/bench_load.py [--n 1,10,50] [--answers 3]
Uses a temporary data folder and SQLite. INTERVIEWER_CACHE_DIR, when set, reuses an index cache.
Not a test: figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviewer.transcript import AnswerGiven, FollowUpAsked, QuestionAsked  # noqa: E402

TRACKS = ("ml-fundamentals", "evaluation-metrics", "data-modeling", "probability-statistics",
          "cs-fundamentals", "ml-system-design", "behavioral", "situational")
KNEE_SECONDS = 1.0


def rss_mb() -> float:
    """Resident set size of this process in MiB (psutil if installed, else /proc/self/status)."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q / 100
    low, high = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def realistic_answer(reference: str, rng: random.Random, session: int) -> str:
    """A candidate-like answer derived from a reference answer, different per session."""
    sentences = [s.strip() for s in reference.replace("\n", " ").split(". ") if s.strip()]
    kind = rng.choice(["full", "partial", "partial", "reordered", "padded", "dont-know"])
    if kind == "dont-know" and rng.random() < 0.5:
        return f"I don't know, sorry (team {session})."
    if kind == "partial":
        sentences = sentences[: max(1, len(sentences) // 2)]
    elif kind == "reordered":
        rng.shuffle(sentences)
    elif kind == "padded":
        sentences = ["Good question, let me think about it"] + sentences + ["That is roughly how I would approach it"]
    body = ". ".join(s.rstrip(".") for s in sentences) + "."
    return f"{body} In my last project (team {session}) this came up in practice."


@dataclass
class SessionLog:
    """What one simulated candidate sent and saw."""

    number: int
    profile: str
    session_id: str = ""
    sent: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    grades: list = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    error: str | None = None


def run_candidate(engine, log: SessionLog, answers: int, barrier: threading.Barrier, seed: int) -> None:
    """One browser session: start, answer ``answers`` prompts, end."""
    from interviewer.planner import Setup

    rng = random.Random(seed)
    try:
        barrier.wait()
        interview = engine.start(Setup(tracks=(TRACKS[log.number % len(TRACKS)],), length=answers, seed=seed,
                                       profile=log.profile))
        log.session_id = interview.id
        for _ in range(answers):
            if interview.is_over:
                break
            prompt = interview.current
            log.asked.append(f"{prompt.question_id}/{prompt.follow_up_id or ''}")
            question = engine.bank.get(prompt.question_id)
            reference = (question.reference_answer if prompt.follow_up_id is None
                         else question.follow_up(prompt.follow_up_id).reference_answer)
            text = realistic_answer(reference, rng, log.number)
            log.sent.append(text)
            start = time.perf_counter()
            reply = engine.handle(interview, text)
            log.latencies.append(time.perf_counter() - start)
            log.grades.extend(e.grade for e in reply.entries if isinstance(e, AnswerGiven))
        engine.command(interview, "end")
    except Exception as exc:  # noqa: BLE001 - a benchmark reports every failure, it does not stop
        log.error = f"{type(exc).__name__}: {exc}"


def isolation_problems(engine, logs: list[SessionLog]) -> list[str]:
    """Every way a session's saved transcript differs from what its own candidate sent and saw."""
    problems = []
    owners: dict[str, str] = {}
    for log in logs:
        if log.error:
            problems.append(f"session {log.number}: {log.error}")
            continue
        listed = [s.id for s in engine.store.list_sessions(log.profile)]
        if listed != [log.session_id]:
            problems.append(f"session {log.number}: profile lists {listed}")
        saved = engine.resume(log.session_id)
        given = [e for e in saved.entries if isinstance(e, AnswerGiven)]
        asked = [f"{e.question_id}/{e.follow_up_id or ''}" for e in given]
        shown = {e.question_id for e in saved.entries if isinstance(e, (QuestionAsked, FollowUpAsked))}
        if [e.text for e in given] != log.sent:
            problems.append(f"session {log.number}: saved answers differ from the ones sent")
        if [e.grade for e in given] != log.grades:
            problems.append(f"session {log.number}: saved grades differ from the ones shown")
        if asked != log.asked or not {a.split("/")[0] for a in asked} <= shown:
            problems.append(f"session {log.number}: saved questions differ from the ones shown")
        for entry in given:
            question = engine.bank.get(entry.question_id)
            rubric = question.rubric if entry.follow_up_id is None else question.follow_up(entry.follow_up_id).rubric(question.kind)
            if engine.grader.grade(rubric, entry.text) != entry.grade:
                problems.append(f"session {log.number}: grade of an answer differs from a fresh grade of it")
        for text in log.sent:
            owners.setdefault(text, log.session_id)
            if owners[text] != log.session_id:
                problems.append(f"session {log.number}: an answer also appears in session {owners[text]}")
    return problems


def run_round(engine, n: int, answers: int, round_seed: int) -> dict:
    """N candidates at once; latency, throughput and isolation for that round."""
    logs = [SessionLog(i, f"load-{round_seed}-{n}-{i}") for i in range(n)]
    barrier = threading.Barrier(n)
    threads = [threading.Thread(target=run_candidate, args=(engine, log, answers, barrier, round_seed * 1000 + i))
               for i, log in enumerate(logs)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    latencies = [x for log in logs for x in log.latencies]
    problems = isolation_problems(engine, logs)
    return {"n": n, "answers": len(latencies), "p50_ms": round(1000 * percentile(latencies, 50), 1),
            "p95_ms": round(1000 * percentile(latencies, 95), 1), "max_ms": round(1000 * max(latencies, default=0), 1),
            "mean_ms": round(1000 * statistics.fmean(latencies), 1) if latencies else None,
            "throughput_per_s": round(len(latencies) / wall, 2), "wall_s": round(wall, 2),
            "errors": sum(1 for log in logs if log.error), "isolation_ok": not problems, "problems": problems[:5]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="1,10,50", help="comma-separated numbers of simultaneous interviews")
    parser.add_argument("--answers", type=int, default=3, help="answers per interview")
    args = parser.parse_args()
    counts = [int(x) for x in args.n.split(",")]

    rss_start = rss_mb()
    data = Path(tempfile.mkdtemp(prefix="bench-load-"))
    os.environ["INTERVIEWER_DATA_DIR"] = str(data)
    os.environ.setdefault("INTERVIEWER_CACHE_DIR", str(data / "cache"))
    os.environ.pop("INTERVIEWER_DATABASE_URL", None)
    from interviewer.engine import Engine

    loading = time.perf_counter()
    engine = Engine.from_settings()
    load_s = time.perf_counter() - loading
    engine.grader.grade(engine.bank.questions[0].rubric, "A warm-up answer about the question.")
    rss_loaded = rss_mb()
    print(f"data folder {data} (SQLite); engine loaded in {load_s:.1f} s; cores: {os.cpu_count()}; "
          f"load average {os.getloadavg()[0]:.1f} (other work on the machine skews every figure)")

    rows = []
    rss_after_50 = None
    sessions_before_50 = 0
    for i, n in enumerate(counts):
        row = run_round(engine, n, args.answers, i + 1)
        row["rss_mb_after"] = round(rss_mb())
        rows.append(row)
        if n == 50:
            rss_after_50 = rss_mb()
            sessions_before_50 = sum(counts[: i + 1])
    knee = next((r["n"] for r in rows if r["p95_ms"] > 1000 * KNEE_SECONDS), None)

    print(f"\n{'N':>4} {'answers':>8} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9} {'answers/s':>10} {'wall s':>8} "
          f"{'errors':>7} {'RSS MiB':>8}  isolation")
    for r in rows:
        print(f"{r['n']:>4} {r['answers']:>8} {r['p50_ms']:>9.1f} {r['p95_ms']:>9.1f} {r['max_ms']:>9.1f} "
              f"{r['throughput_per_s']:>10.2f} {r['wall_s']:>8.2f} {r['errors']:>7} {r['rss_mb_after']:>8}  "
              f"{'ok' if r['isolation_ok'] else 'FAILED: ' + '; '.join(r['problems'])}")
    below = [r["n"] for r in rows if r["p95_ms"] <= 1000 * KNEE_SECONDS]
    print(f"\nknee (p95 > {KNEE_SECONDS:.0f} s): " + (f"N = {knee} (largest N still under: {max(below) if below else 'none'})"
                                                    if knee else "not reached at these N"))
    print(f"resident memory: {rss_start:.0f} MiB at process start, {rss_loaded:.0f} MiB with the app loaded, "
          + (f"{rss_after_50:.0f} MiB after the 50-session round ({sessions_before_50} sessions in all)"
             if rss_after_50 else "no 50-session round")
          + f"; MALLOC_ARENA_MAX={os.environ.get('MALLOC_ARENA_MAX', 'unset')}")
    print(json.dumps({"bench": "load", "cores": os.cpu_count(), "load_average": round(os.getloadavg()[0], 2),
                      "answers_per_session": args.answers, "rounds": rows, "knee_n": knee,
                      "rss_mb": {"start": round(rss_start), "loaded": round(rss_loaded),
                                 "after_50": round(rss_after_50) if rss_after_50 else None,
                                 "sessions_by_then": sessions_before_50},
                      "malloc_arena_max": os.environ.get("MALLOC_ARENA_MAX"),
                      "engine_load_s": round(load_s, 1)}))


if __name__ == "__main__":
    main()
