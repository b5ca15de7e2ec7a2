"""Delivery figures on hand-made word timings: pace, pauses, fillers ('like' as a verb not counted), coaching."""

from __future__ import annotations

import pytest

from interviewer.voice.delivery import (FILLERS, LONG, PAUSES, SHORT, SLOW, FAST, DeliveryReport, Word, analyse,
                                        expected_seconds, filler_counts, pauses)


def timed(text: str, start: float = 0.0, step: float = 0.4, gaps: dict[int, float] | None = None) -> list[Word]:
    """Words of ``text`` one every ``step`` seconds (each lasting 0.3 s), with extra silence before word i."""
    out, now = [], start
    for i, token in enumerate(text.split()):
        now += (gaps or {}).get(i, 0.0)
        out.append(Word(" " + token, now, now + 0.3))
        now += step
    return out


def fillers(text: str) -> dict[str, int]:
    return filler_counts(timed(text))


def test_pace_is_words_per_minute_of_speaking_time():
    words = timed(" ".join(["word"] * 100), start=2.0, step=0.42)   # 100 words over 41.88 s of speech
    report = analyse(words, duration=50.0)
    assert report.words == 100
    assert report.speaking_seconds == pytest.approx(41.88, abs=0.01)
    assert report.wpm == pytest.approx(100 / (41.88 / 60), abs=0.1)
    assert report.pace == "comfortable"
    assert report.duration == 50.0


@pytest.mark.parametrize("step, pace", [(0.3, "fast"), (0.6, "slow"), (0.45, "comfortable")])
def test_pace_band(step, pace):
    assert analyse(timed(" ".join(["word"] * 80), step=step), 60).pace == pace


def test_no_pace_from_a_couple_of_words():
    report = analyse(timed("yes indeed"), 1.5)
    assert report.wpm is None and report.pace == "unknown"


def test_pauses_longest_and_long_ones():
    words = timed("one two three four five six", gaps={2: 2.5, 4: 1.0, 5: 3.2})
    gaps = pauses(words)
    assert gaps[1] == pytest.approx(0.1 + 2.5) and gaps[4] == pytest.approx(0.1 + 3.2)
    report = analyse(words, 12)
    assert report.longest_pause == pytest.approx(3.3)
    assert report.long_pauses == 2


def test_overlapping_timestamps_are_not_negative_pauses():
    words = [Word(" a", 0.0, 1.0), Word(" b", 0.8, 1.2)]
    assert pauses(words) == [0.0]


def test_filler_sounds_in_any_spelling():
    assert fillers("Um, so I think uh the umm answer, uhh, er is hmm this.") == {"um": 2, "uh": 2, "er": 1, "hmm": 1}


def test_basically_and_literally_always_count():
    assert fillers("Basically, the model is literally memorising data, basically.") == {"basically": 2, "literally": 1}


@pytest.mark.parametrize("text", [
    "I like early stopping.",
    "We would like to reduce variance.",
    "Models like BERT are pretrained.",
    "It looks like, the validation loss goes up.",
    "That sounds like overfitting.",
    "Do you like random forests?",
    "Something like ten folds.",
    "They don't like it.",
    "It is like a tree of decisions.",
])
def test_like_as_a_verb_or_comparison_is_not_a_filler(text):
    assert "like" not in fillers(text)


@pytest.mark.parametrize("text", [
    "Overfitting is when, like, the model memorises the data.",
    "Like, the model memorises the data.",
    "It was like, really slow.",
    "The model uh like memorises.",
    "So like, um, you tune it.",
])
def test_like_standing_apart_is_a_filler(text):
    assert fillers(text).get("like") == 1


def test_you_know_and_i_mean_only_as_asides():
    assert fillers("It fails, you know, on new data. I mean, it overfits.") == {"you know": 1, "I mean": 1}
    assert fillers("Do you know the answer? You know the bias term. What I mean, is this.") == {}


def test_filler_rate_per_minute_and_most_frequent_first():
    text = "um the model um like, is uh good basically " + " ".join(["word"] * 52)
    report = analyse(timed(text, step=0.5), 30)
    assert report.filler_count == 5
    assert report.fillers[0] == ("um", 2)
    assert report.fillers_per_minute == pytest.approx(5 / (report.speaking_seconds / 60), abs=0.1)
    assert report.habit == FILLERS and "5 fillers" in report.coaching


def test_coaching_a_long_answer_names_the_time_and_the_expectation():
    report = analyse(timed(" ".join(["word"] * 400), step=0.4), 170)   # 2:40 at 150 wpm
    assert report.habit == LONG
    assert report.coaching.startswith("You spoke for 2:40: interviewers expect 1-2 minutes for a question like this")


def test_coaching_order_fast_slow_pauses_short_and_clear():
    assert analyse(timed(" ".join(["w"] * 150), step=0.3), 50).habit == FAST
    assert analyse(timed(" ".join(["w"] * 60), step=0.7), 50).habit == SLOW
    paused = timed(" ".join(["w"] * 160), step=0.42, gaps={40: 3.0, 90: 2.5})
    assert analyse(paused, 80).habit == PAUSES
    assert analyse(timed(" ".join(["w"] * 50), step=0.42), 25).habit == SHORT
    clear = analyse(timed(" ".join(["w"] * 200), step=0.42), 90)
    assert clear.habit is None and clear.coaching.startswith("Clear delivery")


def test_expected_length_depends_on_the_question():
    assert expected_seconds(behavioral=False, follow_up=False) == (60, 120)
    assert expected_seconds(behavioral=True, follow_up=False) == (90, 180)
    assert expected_seconds(behavioral=True, follow_up=True) == (20, 90)
    report = analyse(timed(" ".join(["w"] * 300), step=0.42), 130, expected=(20, 90))
    assert report.habit == LONG and "20 seconds to 1.5 minutes" in report.coaching


def test_report_round_trips_through_json_form():
    report = analyse(timed("um so like, the model uh overfits " + " ".join(["w"] * 30)), 20)
    data = report.to_dict()
    assert data["fillers"] == dict(report.fillers) and data["pace"] == report.pace
    assert DeliveryReport.from_dict(data) == report
    assert any(line.startswith("Pace:") for line in report.lines())


def test_no_words_gives_an_empty_report():
    report = analyse([], 3.0)
    assert (report.words, report.wpm, report.filler_count, report.long_pauses) == (0, None, 0, 0)
