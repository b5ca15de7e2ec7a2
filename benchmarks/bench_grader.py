"""Grader latency: median and p95 to grade one answer of 50, 150 and 400 words, against the raw encode.

Run: .venv/bin/python benchmarks/bench_grader.py [--repeats N]
The overhead ratio is grade time / raw single-text encode time, both measured in this run. The
product grades by similarity and word rules (the learned verifier is off by default); with
``--verifier FOLDER`` the verifier's cost is timed too, as the difference of medians in this run,
with its pair cache emptied before every grade so a repeated answer does not flatter it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from embeddings import load_encoder
from interviewer.bank import load_bank
from interviewer.grading.grader import Grader
from interviewer.grading.verifier import load_verifier

SENTENCES = [
    "Regularization adds a penalty on the size of the weights to the training loss.",
    "With L1 the penalty is the sum of absolute values, so some weights become exactly zero.",
    "That gives a sparse model, which doubles as feature selection when you have many noisy features.",
    "L2 penalizes squared weights and shrinks them smoothly without zeroing them out.",
    "In practice I tune the strength with cross-validation and watch the validation curve.",
    "If the training error is low but validation error is high, I increase the penalty.",
    "Elastic net mixes both penalties, which helps when features are correlated.",
    "For neural networks, weight decay plays the role of L2 and dropout is another regularizer.",
]


def answer_of(words: int) -> str:
    """A realistic answer of about this many words, built from whole sentences."""
    out: list[str] = []
    i = 0
    while sum(len(s.split()) for s in out) < words:
        out.append(SENTENCES[i % len(SENTENCES)])
        i += 1
    return " ".join(out)


def timed(fn, repeats: int) -> list[float]:
    """Wall times of repeated calls, in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--question", default="mlf-l1-vs-l2", help="bank question id")
    parser.add_argument("--verifier", default="", help="a verifier weights folder (or 'on') to time it as well")
    args = parser.parse_args()
    encoder = load_encoder()
    bank = load_bank()
    rules = Grader.for_bank(bank, encoder, verifier=None)   # the product grader (the verifier is off by default)
    verifier = load_verifier(encoder, setting=args.verifier) if args.verifier else None
    verified = Grader(encoder, rules.index, verifier=verifier) if verifier is not None else None
    if args.verifier and verified is None:
        print(f"note: no verifier at {args.verifier!r}: timing the rules path only")
    question = bank.get(args.question)
    rows = []
    for words in (50, 150, 400):
        answer = answer_of(words)

        def cold_verified() -> None:
            verifier.clear_cache()
            verified.grade(question.rubric, answer)

        for _ in range(3):  # warm up every path
            rules.grade(question.rubric, answer)
            encoder.encode([answer])
            if verified is not None:
                cold_verified()
        grade_ms = timed(lambda: rules.grade(question.rubric, answer), args.repeats)
        encode_ms = timed(lambda: encoder.encode([answer]), args.repeats)
        row = {
            "words": len(answer.split()),
            "grade_median_ms": round(statistics.median(grade_ms), 1),
            "grade_p95_ms": round(p95(grade_ms), 1),
            "encode_median_ms": round(statistics.median(encode_ms), 1),
            "encode_p95_ms": round(p95(encode_ms), 1),
        }
        row["overhead_ratio"] = round(row["grade_median_ms"] / row["encode_median_ms"], 2)
        line = (f"{row['words']:>4} words: grade median {row['grade_median_ms']:6.1f} ms  p95 {row['grade_p95_ms']:6.1f} ms"
                f" | raw encode median {row['encode_median_ms']:6.1f} ms | ratio {row['overhead_ratio']:.2f}")
        if verified is not None:
            verified_ms = timed(cold_verified, args.repeats)
            row["with_verifier_median_ms"] = round(statistics.median(verified_ms), 1)
            row["verifier_extra_ms"] = round(row["with_verifier_median_ms"] - row["grade_median_ms"], 1)
            line += f" | with verifier {row['with_verifier_median_ms']:6.1f} ms (+{row['verifier_extra_ms']:.1f} ms)"
        rows.append(row)
        print(line)
    print(json.dumps({"question": question.id, "repeats": args.repeats, "rows": rows}))


if __name__ == "__main__":
    main()
