"""How an answer was spoken: pace, fillers, pauses and one coaching line, from word timings alone.

Pure functions over :class:`Word` lists, so every figure is tested on hand-made timings. Fillers
are counted for precision: a word that is often a real word ("like", "you know", "I mean") counts
only where the transcript shows it standing apart (commas around it, next to "um"), never as a verb
("I like early stopping") or a comparison ("looks like").
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Sequence

COMFORT_WPM = (120, 160)          # the usual comfortable band for interview speech
LONG_PAUSE_SECONDS = 2.0          # a silence between words this long reads as a stall
MANY_FILLERS_PER_MINUTE = 4.0     # above this (and at least MIN_FILLERS), fillers are the habit to work on
MIN_FILLERS = 3
MANY_LONG_PAUSES = 2
MAIN_SECONDS = (60, 120)          # what interviewers expect: 1-2 minutes for a main technical question
BEHAVIORAL_SECONDS = (90, 180)    # a story with situation, action and result: 1.5-3 minutes
FOLLOW_UP_SECONDS = (20, 90)      # a follow-up: a focused half-minute to a minute and a half
SHORT_FACTOR = 0.5                # under half the expected minimum is "short"

_SOUNDS = re.compile(r"^(u+m+|u+h+|e+r+m*|h+m+|a+h+|m+h?m+|uh+m+)$")   # um, umm, uh, er, erm, hmm, ah, mm, mhm
_ALWAYS = {"basically", "literally"}
_LIKE_NOT_FILLER_BEFORE = {
    # a subject or auxiliary before it: "like" is the verb
    "i", "you", "we", "they", "would", "wouldn't", "do", "don't", "does", "doesn't", "did", "didn't", "to",
    "really", "might", "may", "will", "could", "should", "also", "i'd", "you'd", "we'd", "they'd", "people",
    "users", "not",
    # a comparison: "looks like", "something like", "just like"
    "look", "looks", "looked", "seem", "seems", "seemed", "sound", "sounds", "sounded", "feel", "feels", "felt",
    "something", "just", "things", "much", "more", "less", "exactly", "nothing", "anything", "is", "are"}
_EDGE = ",.;:!?…-—"


@dataclass(frozen=True)
class Word:
    """One transcribed word with its time span in seconds (text as the transcriber wrote it)."""

    text: str
    start: float
    end: float
    probability: float = 1.0


# The delivery habit a coaching line is about: plain string keys, stable in saved sessions.
LONG, SHORT, FILLERS, FAST, SLOW, PAUSES = "too long", "too short", "fillers", "too fast", "too slow", "long pauses"
HABITS = (LONG, FILLERS, FAST, SLOW, PAUSES, SHORT)
NEXT_STEPS = {
    LONG: "Time yourself: give the core answer in the first minute, then stop and let the interviewer ask for more.",
    SHORT: "Say more: state the idea, give one example or number, and one trade-off before you stop.",
    FILLERS: "Replace 'um' and 'like' with a silent breath: pausing sounds more confident than filling.",
    FAST: "Slow down: aim for 120-160 words a minute, and pause briefly after each key point.",
    SLOW: "Keep it moving: plan your first sentence before you start, then speak in full sentences.",
    PAUSES: "Bridge long silences: say what you are thinking ('Let me think about the trade-off...').",
}


@dataclass(frozen=True)
class DeliveryReport:
    """The delivery figures of one spoken answer, and the one thing to work on."""

    duration: float                       # the whole recording, seconds
    speaking_seconds: float               # first word's start to last word's end
    words: int
    wpm: float | None                     # None when there was too little speech to tell
    fillers: tuple[tuple[str, int], ...]  # (filler, count), most frequent first
    filler_count: int
    fillers_per_minute: float
    longest_pause: float
    long_pauses: int
    expected: tuple[int, int]             # the expected answer length, seconds
    habit: str | None                     # one of HABITS, or None when nothing stands out
    coaching: str

    @property
    def pace(self) -> str:
        """"slow", "comfortable" or "fast" against the 120-160 wpm band; "unknown" without a pace."""
        if self.wpm is None:
            return "unknown"
        low, high = COMFORT_WPM
        return "slow" if self.wpm < low else "fast" if self.wpm > high else "comfortable"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form that :meth:`from_dict` reads back without loss."""
        out = asdict(self)
        out["fillers"] = {name: count for name, count in self.fillers}
        out["expected"] = list(self.expected)
        out["pace"] = self.pace
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DeliveryReport":
        """Rebuild a report from :meth:`to_dict` output."""
        fillers = data.get("fillers") or {}
        pairs = tuple(fillers.items()) if isinstance(fillers, dict) else tuple(tuple(p) for p in fillers)
        return cls(float(data["duration"]), float(data["speaking_seconds"]), int(data["words"]),
                   None if data.get("wpm") is None else float(data["wpm"]),
                   tuple((str(name), int(count)) for name, count in pairs), int(data["filler_count"]),
                   float(data["fillers_per_minute"]), float(data["longest_pause"]), int(data["long_pauses"]),
                   (int(data["expected"][0]), int(data["expected"][1])), data.get("habit"), str(data["coaching"]))

    def lines(self) -> list[str]:
        """The figures as short plain-text lines (terminal, PDF)."""
        pace = f"{self.wpm:.0f} words a minute ({self.pace}; comfortable is {COMFORT_WPM[0]}-{COMFORT_WPM[1]})" \
            if self.wpm is not None else "too little speech to measure the pace"
        fillers = ", ".join(f"{name} ×{count}" for name, count in self.fillers) or "none heard"
        return [f"Speaking time: {clock(self.speaking_seconds)} (recording {clock(self.duration)})",
                f"Pace: {pace}",
                f"Fillers: {fillers} ({self.fillers_per_minute:.1f} a minute)",
                f"Pauses: longest {self.longest_pause:.1f} s, {self.long_pauses} over {LONG_PAUSE_SECONDS:.0f} s",
                f"Coaching: {self.coaching}"]


def clock(seconds: float) -> str:
    """Seconds as m:ss."""
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def _bare(text: str) -> str:
    """A word lower-cased without the punctuation around it."""
    return text.strip().strip(_EDGE + "\"'()").lower()


def _ends_clause(text: str) -> bool:
    return text.strip().endswith(tuple(_EDGE))


def filler_counts(words: Sequence[Word]) -> dict[str, int]:
    """How often each filler was said: sounds (um, uh), 'basically', and 'like' / 'you know' / 'I mean' used as fillers."""
    bare = [_bare(w.text) for w in words]
    sound = [bool(_SOUNDS.match(b)) for b in bare]
    counts: dict[str, int] = {}

    def add(name: str) -> None:
        counts[name] = counts.get(name, 0) + 1

    for i, word in enumerate(bare):
        before = bare[i - 1] if i else ""
        after = bare[i + 1] if i + 1 < len(bare) else ""
        apart_before = i == 0 or _ends_clause(words[i - 1].text)
        if sound[i]:
            add("uh" if word.startswith("u") and word.endswith("h") else "um" if word.startswith("u") else word)
        elif word in _ALWAYS:
            add(word)
        elif word == "like":
            if before in _LIKE_NOT_FILLER_BEFORE and not apart_before:
                continue                         # "I like", "would like", "looks like": a verb or a comparison
            next_to_sound = (i > 0 and sound[i - 1]) or (i + 1 < len(bare) and sound[i + 1])
            if next_to_sound or _ends_clause(words[i].text):
                add("like")                      # "when, like, the model", "like, um"
        elif word == "know" and before == "you" and (_ends_clause(words[i].text) or (i + 1 < len(bare) and sound[i + 1])):
            if i < 2 or bare[i - 2] not in {"do", "did", "if", "don't", "didn't", "would", "as", "what"}:
                add("you know")
        elif word == "mean" and before == "i" and _ends_clause(words[i].text):
            if i < 2 or bare[i - 2] not in {"what", "do", "don't", "did", "didn't"}:
                add("I mean")
    return counts


def pauses(words: Sequence[Word]) -> list[float]:
    """The silences between consecutive words, in seconds (never negative)."""
    return [max(0.0, b.start - a.end) for a, b in zip(words, words[1:])]


def expected_seconds(behavioral: bool, follow_up: bool) -> tuple[int, int]:
    """What interviewers expect for this kind of question, in seconds."""
    if follow_up:
        return FOLLOW_UP_SECONDS
    return BEHAVIORAL_SECONDS if behavioral else MAIN_SECONDS


def _span(bounds: tuple[int, int]) -> str:
    low, high = bounds
    if low % 60 == 0 and high % 60 == 0:
        return f"{low // 60}-{high // 60} minutes"
    if low < 60:
        return f"{low} seconds to {high / 60:g} minutes"
    return f"{low / 60:g}-{high / 60:g} minutes"


def analyse(words: Sequence[Word], duration: float, expected: tuple[int, int] = MAIN_SECONDS) -> DeliveryReport:
    """The delivery report of one spoken answer from its words, their timings and the recording's length."""
    words = [w for w in words if w.text.strip()]
    speaking = max(0.0, words[-1].end - words[0].start) if words else 0.0
    minutes = speaking / 60
    wpm = round(len(words) / minutes, 1) if speaking >= 3.0 and words else None
    counts = filler_counts(words)
    fillers = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    total = sum(counts.values())
    rate = round(total / minutes, 1) if minutes > 0 else 0.0
    gaps = pauses(words)
    longest = round(max(gaps, default=0.0), 2)
    long_count = sum(1 for g in gaps if g >= LONG_PAUSE_SECONDS)
    habit, line = coach(speaking, wpm, total, rate, long_count, longest, expected)
    return DeliveryReport(round(duration, 2), round(speaking, 2), len(words), wpm, fillers, total, rate, longest,
                          long_count, expected, habit, line)


def coach(speaking: float, wpm: float | None, fillers: int, rate: float, long_pauses: int, longest: float,
          expected: tuple[int, int]) -> tuple[str | None, str]:
    """The one habit that matters most, and a plain-language line about it."""
    low, high = expected
    span = _span(expected)
    if speaking > high:
        return LONG, (f"You spoke for {clock(speaking)}: interviewers expect {span} for a question like this. "
                      "Lead with the core idea and stop sooner.")
    if fillers >= MIN_FILLERS and rate > MANY_FILLERS_PER_MINUTE:
        return FILLERS, (f"{fillers} fillers ({rate:.1f} a minute): try a short silent pause instead of "
                         "'um' or 'like'.")
    if wpm is not None and wpm > COMFORT_WPM[1]:
        return FAST, f"{wpm:.0f} words a minute is fast: slow down to {COMFORT_WPM[0]}-{COMFORT_WPM[1]} so every point lands."
    if wpm is not None and wpm < COMFORT_WPM[0]:
        return SLOW, f"{wpm:.0f} words a minute is slow: aim for {COMFORT_WPM[0]}-{COMFORT_WPM[1]}, in full sentences."
    if long_pauses >= MANY_LONG_PAUSES:
        return PAUSES, (f"{long_pauses} long pauses (the longest {longest:.1f} s): think aloud to bridge them, "
                        "so the interviewer can follow your reasoning.")
    if speaking < low * SHORT_FACTOR:
        return SHORT, (f"You spoke for {clock(speaking)}: interviewers expect {span} for a question like this. "
                       "Add an example or a trade-off.")
    return None, f"Clear delivery: {clock(speaking)} at a comfortable pace with few fillers. Keep it up."
