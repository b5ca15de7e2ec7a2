"""`interviewer practice` end to end: a scripted, piped terminal session with the real grader and model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from interviewer import cli_practice
from interviewer.bank import check_folders
from interviewer.cli import main
from interviewer.engine import Engine
from interviewer.planner import Setup, plan_tracks
from interviewer.session import Interview
from interviewer.store import Store

BANK = Path(__file__).parent / "data" / "terminal-bank"
ANSWERS = {
    # covers bias only: the heavy "variance" point is missed (or only touched), so its follow-up comes next
    "mlf-term-bias-variance": ["Bias is the error that comes from a model that is too simple, so it underfits "
                               "the data, like a straight line fitted to a curve.",
                               "I would collect more training data and add an L2 penalty or dropout, or use a "
                               "simpler model."],
    "mlf-term-regularization": ["I don't know", "/hint", "/answer"],   # a hint is offered; no more; reveal
    "mlf-term-cross-validation": ["You split the data into k folds, train on k minus one of them and validate on "
                                  "the fold you held out, and repeat so every fold is held out once. Then you "
                                  "average the k validation scores. It is less noisy than a single split and "
                                  "every example is used for validation.", "/skip"],  # a follow-up, if any
}


@pytest.fixture
def terminal(encoder, monkeypatch):
    """The CLI with the small terminal bank and the session's loaded model."""
    monkeypatch.setenv("INTERVIEWER_BANK", str(BANK))
    monkeypatch.setenv("INTERVIEWER_BANK_REPLACE", "1")
    monkeypatch.setattr(cli_practice, "build_engine", lambda: Engine.from_settings(encoder))

    def run(args: list[str], script: list[str]):
        return CliRunner().invoke(main, ["practice", *args], input="\n".join(script) + "\n")

    return run


def order(seed: int) -> list[str]:
    bank = check_folders([BANK])
    return list(plan_tracks(bank, Setup(length=3, seed=seed)).pool)


@pytest.mark.slow
def test_scripted_terminal_session(terminal, isolated_data_dir):
    script = [line for qid in order(4) for line in ANSWERS[qid]]
    result = terminal(["--questions", "3", "--seed", "4"], script)
    out = result.output
    assert result.exit_code == 0, out
    assert "Question 1 of 3:" in out and "Question 3 of 3:" in out
    assert "Follow-up: Your model overfits. How would you reduce its variance?" in out
    assert re.search(r"(- missed|~ partly): Variance is error from sensitivity", out)  # probed either way
    assert "Hint: Compare the shapes of the two penalties near zero." in out and "No more hints" in out
    assert "Model answer:\nBoth add a penalty on the weights" in out
    assert "> I don't know" in out                          # piped input is echoed, so the log reads well
    assert "Summary\nOverall:" in out and "That's the end of the interview." in out
    saved = Path(re.search(r"Transcript saved to (\S+)", out).group(1))
    session_id = re.search(r"Session id: (\S+)", out).group(1)
    assert saved.parent == isolated_data_dir / "transcripts" and saved.is_file()
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["id"] == session_id and data["summary"]["end_reason"] == "completed"
    assert [q["outcome"] for q in data["summary"]["questions"]] == [
        "revealed" if qid == "mlf-term-regularization" else "answered"
        for qid in order(4)]
    assert all(q["seconds"] >= 0 for q in data["summary"]["questions"])
    stored = Store().session_data(session_id)
    assert stored["entries"] == data["entries"]
    rebuilt = Interview.from_dict(data, check_folders([BANK]), grader=None)
    assert rebuilt.is_over and rebuilt.to_dict() == {k: v for k, v in data.items() if k != "summary"}


def test_end_of_input_ends_gracefully_with_the_summary(terminal):
    first = order(1)[0]
    result = terminal(["--questions", "2", "--seed", "1"], [ANSWERS[first][0]])
    assert result.exit_code == 0, result.output
    assert "Summary\nOverall:" in result.output and "Transcript saved to" in result.output
    session_id = re.search(r"Session id: (\S+)", result.output).group(1)
    assert Store().list_sessions("me")[0].status == "ended"
    assert Store().session_data(session_id)["entries"][-1]["reason"] == "input closed"


def test_resume_and_list(terminal, encoder):
    engine = Engine.from_settings(encoder)
    interview = engine.start(Setup(length=1, seed=2))
    engine.handle(interview, "/hint")
    listed = terminal(["--list"], [])
    assert interview.id in listed.output and "active" in listed.output
    result = terminal(["--resume", interview.id], ["/end"])
    assert result.exit_code == 0, result.output
    assert f"Session {interview.id}" in result.output and "Question 1 of 1" in result.output
    assert Store().list_sessions("me")[0].status == "ended"


@pytest.mark.parametrize("args, message", [
    (["--weak-spots"], "no weak spots yet"),
    (["--resume", "no-such-session"], "No saved session 'no-such-session'"),
    (["--track", "behavioral"], "no questions in track(s) behavioral"),
])
def test_errors_are_one_clear_line(terminal, args, message):
    result = terminal(args, [])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_job_description_file_tailors_the_interview(terminal, tmp_path):
    jd = tmp_path / "jd.txt"
    jd.write_text("Data Scientist\nResponsibilities:\n- Build sparse linear models with L1 and L2 regularization.\n"
                  "- Fight overfitting in production models.\n", encoding="utf-8")
    result = terminal(["--job-description", str(jd), "--questions", "1"], ["/end"])
    assert result.exit_code == 0, result.output
    assert "Question 1 of 1: What is the difference between L1 and L2 regularization?" in result.output
    assert "(targets: “Build sparse linear models with L1 and L2 regularization.”)" in result.output
