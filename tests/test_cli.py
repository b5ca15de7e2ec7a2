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


def test_eval_of_a_blind_suite_honours_limit_and_writes_predictions_with_flags(tmp_path):
    from apphelp import REPO

    suite = (REPO / "benchmarks" / "answer-suite-7" / "answers.jsonl").read_text(encoding="utf-8").splitlines()
    wrong = next(line for line in suite if json.loads(line)["kind"] == "wrong_listed")
    path, out = tmp_path / "answers.jsonl", tmp_path / "predictions.jsonl"
    path.write_text("\n".join([wrong, suite[0], suite[1]]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(path), "--limit", "2", "--predictions", str(out)])
    assert result.exit_code == 0, result.output
    assert "n=2" in result.output.splitlines()[0]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [json.loads(wrong)["id"], json.loads(suite[0])["id"]]
    assert rows[0]["kind"] == "wrong_listed" and rows[0]["expected"] == 0.1
    assert all(0.0 <= r["predicted"] <= 1.0 and isinstance(r["flags"], list) for r in rows)
