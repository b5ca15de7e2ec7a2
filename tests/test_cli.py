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
