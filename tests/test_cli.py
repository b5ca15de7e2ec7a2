"""The small CLI commands: warm, grade."""

from __future__ import annotations

import json

from click.testing import CliRunner

from interviewer.cli import main


def test_warm_builds_the_index_once_then_loads_it():
    runner = CliRunner()
    first = runner.invoke(main, ["warm"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(main, ["warm"])
    assert second.exit_code == 0 and "loaded from cache" in second.output
    assert "model not loaded" in second.output  # an up-to-date cache is checked without the model


def test_warm_rebuilds_a_corrupt_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    runner = CliRunner()
    assert "built" in runner.invoke(main, ["warm"]).output
    (cached,) = (tmp_path / "cache").glob("*.npz")
    cached.write_bytes(b"not an npz file")
    again = runner.invoke(main, ["warm"])
    assert again.exit_code == 0 and "built" in again.output and "model not loaded" not in again.output
    assert "loaded from cache" in runner.invoke(main, ["warm"]).output


def test_grade_one_answer_from_stdin():
    answer = "L1 adds the absolute values of the weights and pushes some of them to exactly zero, so it selects features."
    result = CliRunner().invoke(main, ["grade", "mlf-l1-vs-l2", "--json"], input=answer)
    assert result.exit_code == 0, result.output
    grade = json.loads(result.output)
    assert grade["question_id"] == "mlf-l1-vs-l2" and 0 < grade["score"] <= 1
    assert any(p["status"] != "missed" and p["evidence"] for p in grade["points"])


def test_grade_unknown_question_is_one_clear_error():
    result = CliRunner().invoke(main, ["grade", "no-such-question"], input="anything")
    assert result.exit_code == 1 and "no question 'no-such-question'" in result.output
