"""The interviewer's policy in one place: follow-ups, hints, adaptive difficulty, scheduling."""

from __future__ import annotations

# --- the interview ---------------------------------------------------------------------------
DEFAULT_LENGTH = 5            # main questions in an interview unless the candidate says otherwise
MAX_LENGTH = 30               # more than this is a marathon, not an interview
MAX_FOLLOW_UPS = 2            # follow-ups per main question, at most
FOLLOW_UP_MIN_WEIGHT = 1.0    # a missed key point this heavy (or heavier) earns a follow-up on it
DEEPER_MIN_SCORE = 0.70       # an answer scoring this well (0..1) earns a "deeper" follow-up
MAX_AUTO_HINTS = 1            # after a non-answer, hints offered before the interviewer moves on
MAX_ANSWER_CHARS = 20_000     # longer answers are cut here before grading and saving
MAX_JD_CHARS = 50_000         # a pasted job description longer than this is refused
MAX_PROFILE_CHARS = 100       # the store's profile column

# --- adaptive difficulty ---------------------------------------------------------------------
ADAPTIVE_START = "mid"        # the level an adaptive interview starts at
ADAPT_UP_SCORE = 0.70         # a main answer at least this good moves one level up
ADAPT_DOWN_SCORE = 0.40       # a main answer below this (or a skip or reveal) moves one level down

# --- question choice -------------------------------------------------------------------------
RECENT_SESSIONS = 3           # questions from this many of the profile's latest sessions are not repeated
JD_POOL_FACTOR = 3            # a tailored interview keeps this many candidates per slot (for adaptive)
JD_MAX_TRACK_SHARE = 0.5      # no track fills more than this share of a tailored interview
JD_TARGET_MIN_SIM = 0.30      # a job-description line this close to a question is shown as its target
JD_TARGET_MARGIN = 0.08       # ... when it is also within this margin of the question's best line
JD_MAX_TARGETS = 2            # lines shown per question
JD_MIN_LINE_WORDS = 3         # shorter lines (headings, "Requirements:") are not matched
JD_LINE_WEIGHTS = {"core": 1.0, "other": 0.85, "plus": 0.45, "context": 0.2}   # by a line's centrality
JD_COVER_MIN_SIM = 0.40       # a question this close to a requirement covers it (the bank's best is below: not at all)

# --- summary ---------------------------------------------------------------------------------
STRONG_AREA_SCORE10 = 7.0     # an area at or above this is listed among the strongest
WEAK_AREA_SCORE10 = 5.0       # an area below this is listed among the weakest, with a next step
MAX_AREAS_SHOWN = 3

# --- weak-spot schedule (Leitner boxes) ------------------------------------------------------
# A point starts in box 1 when missed and climbs one box per covered answer; the box sets how
# long until it is due again, so a point missed recently comes back sooner than one known well.
LEITNER_INTERVAL_DAYS = {1: 0, 2: 1, 3: 3, 4: 7, 5: 21}
LEITNER_MAX_BOX = max(LEITNER_INTERVAL_DAYS)
