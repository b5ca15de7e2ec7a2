"""The shipped bank is complete and valid; each kind of content mistake is caught with the right message."""

from __future__ import annotations

import collections
import copy
import json
import re

import pytest
import yaml
from click.testing import CliRunner

from interviewer.bank import DEEPER, Difficulty, Kind, Track, check_folders, load_bank
from interviewer.cli import main
from interviewer.settings import SHIPPED_BANK


@pytest.fixture(scope="module")
def shipped():
    return load_bank()


def test_shipped_bank_is_clean_and_large_enough(shipped):
    assert check_folders([SHIPPED_BANK]).issues == ()
    assert len(shipped) >= 225
    per_track = collections.Counter(q.track for q in shipped)
    assert len(Track) == 9 and set(per_track) == set(Track)
    assert min(per_track.values()) >= 14
    assert per_track[Track.LLM_GENAI] >= 20
    per_level = collections.Counter(q.difficulty for q in shipped)
    assert min(per_level.values()) >= len(shipped) // 4
    per_track_level = collections.Counter((q.track, q.difficulty) for q in shipped)
    assert all(per_track_level[(t, d)] >= 4 for t in Track for d in Difficulty), per_track_level


def test_llm_track_is_titled():
    assert Track.parse("llm-genai") is Track.LLM_GENAI
    assert Track.LLM_GENAI.title == "LLMs and generative AI"


def test_every_shipped_question_is_complete(shipped):
    for q in shipped:
        assert q.question and q.reference_answer and q.tags and q.hints, q.id
        assert 3 <= len(q.key_points) <= 6, q.id
        assert len({p.id for p in q.key_points}) == len(q.key_points), q.id
        if q.kind is not Kind.BEHAVIORAL:
            assert q.misconceptions, q.id
        for wrong in q.misconceptions:
            assert wrong.claim and wrong.correction, q.id
        assert len(q.follow_ups) >= 2, q.id
        for item in q.follow_ups:
            assert item.probes == DEEPER or item.probes in {p.id for p in q.key_points}, (q.id, item.id)
            assert item.reference_answer and 2 <= len(item.key_points) <= 4, (q.id, item.id)


def test_behavioral_questions_are_graded_on_star(shipped):
    for q in shipped.by_track(Track.BEHAVIORAL):
        text = " ".join(p.id + " " + p.text for p in q.key_points).lower()
        assert any(word in text for word in ("result", "outcome", "measur")), q.id


RUBRIC_NOTE = re.compile(r"^I (described|named|set the scene|walked through|made clear|shared what I learned"
                         r"|explained (what|how|who|why)\b|gave (a|an|the) (measurable|concrete|outcome|result|specific))")


def test_behavioral_key_points_are_what_a_candidate_says(shipped):
    """Story-agnostic sentences with alternatives, not notes about the answer ("I described the gap ...")."""
    for q in (q for q in shipped if q.kind is Kind.BEHAVIORAL):
        for item in (q, *q.follow_ups):
            for point in item.key_points:
                assert not RUBRIC_NOTE.match(point.text), (q.id, point.id, point.text)
                assert point.alternatives, (q.id, point.id)


def _good() -> dict:
    return {
        "id": "mlf-x", "track": "ml-fundamentals", "difficulty": "mid", "question": "What is X?",
        "tags": ["x"], "reference_answer": "X is a thing.",
        "key_points": [{"id": f"k{i}", "text": f"Point number {i} about X.", "weight": 1.0} for i in range(3)],
        "misconceptions": [{"claim": "X is not a thing.", "correction": "It is.", "key_point": "k0"}],
        "follow_ups": [{"id": f"f{i}", "probes": "k0" if i else "deeper", "question": "Why?", "reference_answer": "Because.",
                        "key_points": [{"id": "a", "text": "Because A."}, {"id": "b", "text": "Because B."}]}
                       for i in range(2)],
        "hints": ["Think about X."],
    }


def _broken(edit):
    data = copy.deepcopy(_good())
    edit(data)
    return data


BAD = {
    "unknown track": (lambda d: d.update(track="astrology"), "track", "unknown track 'astrology'; valid: ml-fundamentals"),
    "unknown difficulty": (lambda d: d.update(difficulty="expert"), "difficulty", "valid: junior, mid, senior"),
    "unknown kind": (lambda d: d.update(kind="quiz"), "kind", "unknown kind"),
    "missing question": (lambda d: d.pop("question"), "question", "missing or empty"),
    "empty reference": (lambda d: d.update(reference_answer="  "), "reference_answer", "missing or empty"),
    "two key points": (lambda d: d["key_points"].pop(), "key_points", "needs 3-6, has 2"),
    "duplicate key point": (lambda d: d["key_points"][1].update(id="k0"), "key_points[1].id", "duplicate key point id"),
    "bad weight": (lambda d: d["key_points"][0].update(weight=-1), "key_points[0].weight", "must be a number"),
    "no misconception": (lambda d: d.update(misconceptions=[]), "misconceptions", "needs at least 1"),
    "misconception to nowhere": (lambda d: d["misconceptions"][0].update(key_point="k9"), "misconceptions[0].key_point",
                                 "names key point 'k9', which does not exist"),
    "one follow-up": (lambda d: d["follow_ups"].pop(), "follow_ups", "needs at least 2"),
    "follow-up to nowhere": (lambda d: d["follow_ups"][1].update(probes="k7"), "follow_ups[1].probes",
                             "names key point 'k7', which does not exist"),
    "follow-up without key points": (lambda d: d["follow_ups"][0].update(key_points=[]), "follow_ups[0].key_points",
                                     "needs 2-4, has 0"),
    "no hint": (lambda d: d.update(hints=[]), "hints", "needs at least 1"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_question_is_rejected_with_the_field_and_line(name, tmp_path):
    edit, field, message = BAD[name]
    questions = [dict(_good(), id="mlf-fine"), _broken(edit)]
    (tmp_path / "ml.yaml").write_text(yaml.safe_dump(questions, sort_keys=False), encoding="utf-8")
    bank = check_folders([tmp_path])
    assert [q.id for q in bank.questions] == ["mlf-fine"]
    matching = [i for i in bank.issues if i.field == field and message in i.message]
    assert matching, [str(i) for i in bank.issues]
    issue = matching[0]
    assert issue.question_id == "mlf-x" and issue.file.endswith("ml.yaml") and issue.line and issue.line > 1
    assert f"ml.yaml:{issue.line}" in str(issue)


def test_behavioral_question_needs_no_misconception(tmp_path):
    data = _broken(lambda d: d.update(kind="behavioral", track="behavioral", misconceptions=[]))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump([data]), encoding="utf-8")
    assert check_folders([tmp_path]).issues == ()


def test_custom_bank_extends_and_overrides_the_shipped_one(tmp_path, monkeypatch, shipped):
    first = shipped.questions[0]
    extra = [dict(_good(), id="zz-new"), dict(_good(), id=first.id, question="Replaced?")]
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump(extra), encoding="utf-8")
    merged = load_bank(tmp_path)
    assert len(merged) == len(shipped) + 1
    assert merged.get(first.id).question == "Replaced?"
    alone = load_bank(tmp_path, replace=True)
    assert {q.id for q in alone} == {"zz-new", first.id}
    monkeypatch.setenv("INTERVIEWER_BANK", str(tmp_path))
    monkeypatch.setenv("INTERVIEWER_BANK_REPLACE", "1")
    result = CliRunner().invoke(main, ["validate", "--json"])
    assert result.exit_code == 0, result.output
    assert {q["id"] for q in json.loads(result.output)["questions"]} == {"zz-new", first.id}


def test_validate_on_the_shipped_bank_exits_zero():
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "no problems found" in result.output
    data = json.loads(CliRunner().invoke(main, ["validate", "--json"]).output)
    assert data["errors"] == [] and set(data["questions"][0]) == {"id", "track", "difficulty", "question"}
