"""Validate answers.jsonl against questions.jsonl (structure, scores, claims, word counts).

Usage: python3 validate_answers.py [FOLDER]; the folder holding both files, by default this file's own
(suite 6 is checked with `python3 ../answer-suite-5/validate_answers.py .`).
"""
import json, re, sys
from collections import defaultdict

import os
D = (sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))).rstrip("/") + "/"
KINDS = ["good", "good_rejects", "good_terse", "partial", "wrong_listed", "wrong_unlisted", "mixed"]
FIELDS = ["id", "question_id", "track", "kind", "answer", "score", "false_claim", "rejected_misconception"]
SCORES = {"good": 1.0, "good_rejects": 1.0, "good_terse": 0.85, "partial": 0.4,
          "wrong_listed": 0.1, "wrong_unlisted": 0.1, "mixed": 0.6}
RANGES = {"good": (70, 160), "good_rejects": (70, 160), "good_terse": (35, 60), "partial": (30, 80),
          "wrong_listed": (40, 90), "wrong_unlisted": (40, 90), "mixed": (60, 140)}
NEG = re.compile(r"\b(not|no|never|none|nothing|neither|nor|without|cannot|isn't|aren't|doesn't|don't|didn't|"
                 r"won't|can't|wasn't|weren't|hasn't|haven't|shouldn't|wouldn't)\b|n't\b", re.I)

qs = [json.loads(l) for l in open(D + "questions.jsonl")]
qmap = {q["question_id"]: q for q in qs}
errors = []
lines = open(D + "answers.jsonl").read().splitlines()
if len(lines) != 7 * len(qs):
    errors.append(f"expected {7 * len(qs)} lines, got {len(lines)}")
rows = []
for i, l in enumerate(lines, 1):
    try:
        rows.append(json.loads(l))
    except Exception as e:
        errors.append(f"line {i}: invalid JSON: {e}")
expected = [(q["question_id"], k) for q in qs for k in KINDS]
got = [(r.get("question_id"), r.get("kind")) for r in rows]
if got != expected:
    errors.append("(question, kind) pairs missing, duplicated or out of order")
ids = [r.get("id") for r in rows]
if len(set(ids)) != len(ids):
    errors.append("duplicate ids")
wc = defaultdict(list)
for i, r in enumerate(rows, 1):
    tag = f"line {i} ({r.get('id')})"
    if list(r.keys()) != FIELDS:
        errors.append(f"{tag}: fields/order {list(r.keys())}")
        continue
    q = qmap.get(r["question_id"])
    if q is None:
        errors.append(f"{tag}: unknown question_id"); continue
    k = r["kind"]
    if k not in KINDS: errors.append(f"{tag}: bad kind"); continue
    if r["id"] != f"{r['question_id']}--{k}": errors.append(f"{tag}: id format")
    if r["track"] != q["track"]: errors.append(f"{tag}: track mismatch")
    if r["score"] != SCORES[k]: errors.append(f"{tag}: score {r['score']}")
    a = r["answer"]
    if not isinstance(a, str) or not a.strip(): errors.append(f"{tag}: empty answer")
    n = len(a.split()); wc[k].append(n)
    lo, hi = RANGES[k]
    if not lo <= n <= hi: errors.append(f"{tag}: {n} words outside {lo}-{hi}")
    fc = r["false_claim"]
    if k in ("wrong_listed", "wrong_unlisted", "mixed"):
        if not isinstance(fc, str) or not fc or fc not in a:
            errors.append(f"{tag}: false_claim missing or not a verbatim substring")
    elif fc is not None:
        errors.append(f"{tag}: false_claim should be null")
    rm = r["rejected_misconception"]
    if k == "good_rejects":
        if rm not in q["misconception_claims"]:
            errors.append(f"{tag}: rejected_misconception not a verbatim claim")
    elif rm is not None:
        errors.append(f"{tag}: rejected_misconception should be null")
    if k == "good_terse" and not NEG.search(a):
        errors.append(f"{tag}: good_terse lacks a negation")
    # listed claims must be reworded, not copied
    for c in q["misconception_claims"]:
        if c.lower().rstrip(".") in a.lower():
            errors.append(f"{tag}: misconception claim copied verbatim")
    # no long verbatim runs from the reference answer (12-word window)
    ref = q["reference_answer"].lower().split()
    grams = {" ".join(ref[j:j + 12]) for j in range(len(ref) - 11)}
    aw = a.lower().split()
    if any(" ".join(aw[j:j + 12]) in grams for j in range(len(aw) - 11)):
        errors.append(f"{tag}: shares a 12-word run with the reference answer")

print("word counts per kind (min-max, mean):")
for k in KINDS:
    v = wc[k]
    if v: print(f"  {k:15s} {min(v):4d}-{max(v):4d}  mean {sum(v)/len(v):.0f}  (allowed {RANGES[k][0]}-{RANGES[k][1]})")
if errors:
    print(f"FAILED: {len(errors)} problem(s)"); [print("  " + e) for e in errors]; sys.exit(1)
print(f"OK: {len(rows)} lines, all checks passed")
