"""Grade the answer suite (eight kinds of answer per bank question) and compare with whole-answer cosine.

Run: .venv/bin/python benchmarks/answer_suite.py [FOLDER]   (default: benchmarks/answer_suite)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from embeddings import load_encoder
from interviewer.bank import load_bank
from interviewer.grading.evaluate import read_suite, suite_report
from interviewer.grading.grader import Grader

HERE = Path(__file__).resolve().parent


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "answer_suite"
    bank = load_bank()
    grader = Grader.for_bank(bank, load_encoder())
    report = suite_report(grader, bank, read_suite(folder))
    print(f"{report['questions']} questions; skipped (unknown id): {report['skipped'] or 'none'}")
    print(f"{'kind':14} {'n':>3} {'grader':>7} {'cosine':>7} {'good>kind':>10} {'cosine good>kind':>17}")
    for kind, row in report["kinds"].items():
        print(f"{kind:14} {row['n']:>3} {row['mean']:>7.3f} {row['cosine_mean']:>7.3f} "
              f"{row.get('good_wins', float('nan')):>10.2f} {row.get('cosine_good_wins', float('nan')):>17.2f}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
