"""Odd data at the edges: bad eval files, undecodable terminal input, NUL bytes in ids and names, and
stored text UTF-8 cannot carry. Each ends in a clear message or a repaired text, never a traceback."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from interviewer.cli import main
from interviewer.utf8 import repair, repair_tree

GOOD_LINE = {"id": "a", "question": "Q?", "reference_answers": ["R."], "answer": "A.", "score": 1.0}


@pytest.mark.parametrize("content, message", [
    (b'[1, 2, 3]\n', "must be one JSON object"),
    (json.dumps(GOOD_LINE).encode() + b'\n{"answer": "caf\xe9", "score": 1}\n', ":2: not UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested too deeply"),
    ((json.dumps({**GOOD_LINE, "score": 0.5}) + "\n" + json.dumps(GOOD_LINE).replace("1.0", "NaN")).encode(),
     ":2: not valid JSON.*NaN"),
    (json.dumps(GOOD_LINE).replace("1.0", "Infinity").encode(), "not valid JSON.*Infinity"),
    (json.dumps(GOOD_LINE).replace("1.0", '"nan"').encode(), "score must be a finite number"),
    (json.dumps(GOOD_LINE).replace("1.0", "true").encode(), "score must be a finite number"),
    (b"{not json\n", "not valid JSON"),
])
def test_eval_refuses_a_bad_file_with_the_line_and_no_traceback(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["eval", str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, RecursionError)
    assert result.output.startswith("Error: ")
    import re
    assert re.search(message, result.output), result.output


def test_repair_replaces_only_what_utf8_cannot_carry():
    assert repair("café 🙂 plain") == "café 🙂 plain"
    assert repair("bad \udce9 byte \ud800") == "bad \ufffd byte \ufffd"
    assert repair_tree({"a": ["x\udc80", 1, None], "b\udc81": "ok"}) == {"a": ["x\ufffd", 1, None], "b\ufffd": "ok"}


# --- `interviewer practice`: bytes from a non-UTF-8 terminal, an over-long answer ----------------


@pytest.fixture
def practice(tmp_path, monkeypatch):
    """`interviewer practice` on a small bank with the keyword grader (no model needed)."""
    from fakes import KeywordGrader, small_bank
    from interviewer import cli_practice
    from interviewer.engine import Engine
    from interviewer.store import Store

    bank = small_bank(tmp_path / "bank")
    store = Store()
    monkeypatch.setattr(cli_practice, "build_engine", lambda: Engine(bank, KeywordGrader(), store, data_dir=tmp_path))

    def run(stdin: bytes):
        result = CliRunner().invoke(main, ["practice", "--questions", "1", "--seed", "3"], input=stdin)
        assert result.exit_code == 0, result.output
        (info,) = store.list_sessions("me")
        answers = [e["text"] for e in store.session_data(info.id)["entries"] if e["kind"] == "answer"]
        return result.output, answers

    return run


def test_practice_decodes_latin1_bytes_robustly_and_the_answer_is_storable(practice):
    out, answers = practice("caf\xe9 alpha beta\n/end\n".encode("latin-1"))
    assert answers == ["caf\ufffd alpha beta"]
    answers[0].encode("utf-8")                        # no lone surrogate reaches the database


def test_practice_says_when_it_cuts_an_over_long_answer(practice):
    out, answers = practice(("alpha " * 5_000 + "\n/end\n").encode())
    assert "has 30,000 characters: only the first 20,000 are graded and saved" in out
    assert len(answers[0]) == 20_000
