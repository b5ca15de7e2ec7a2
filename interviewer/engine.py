"""The shared machinery behind every interview: bank, grader, job matcher and store, wired together.

Build one :class:`Engine` per process (the UI wraps it in ``st.cache_resource``; it is read-only
apart from the database) and keep each candidate's :class:`Interview` in one session-state key.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from embeddings import Encoder, TextIndex, load_encoder
from embeddings.background import BackgroundIndex
from interviewer import policy, settings
from interviewer.bank import Bank, Kind, load_bank
from interviewer.planner import Mode, Plan, Setup, SetupError, eligible, plan_ranked, plan_tracks
from interviewer.schedule import question_order
from interviewer.session import Grading, Interview, Reply
from interviewer.store import DataFolderError, Store, StoreError
from interviewer.tailor import JobCoverage, JobMatcher, select
from interviewer.transcript import AnswerGiven, Command, EndReason, utc_now
from interviewer.voice.delivery import analyse, expected_seconds
from interviewer.voice.recording import Recording
from interviewer.voice.transcribe import Transcript

if TYPE_CHECKING:
    from interviewer.grading.grader import Grader


class Engine:
    """Starts, runs, saves and resumes interviews. Thread-safe; share one per process."""

    def __init__(self, bank: Bank, grader: Grading, store: Store, *, encoder: Encoder | None = None,
                 data_dir: Path | None = None, indexing: BackgroundIndex | None = None) -> None:
        self.bank = bank
        self.indexing = indexing          # the question index still being built on a first run, else None
        self.grader = grader
        self.store = store
        self.encoder = encoder if encoder is not None else getattr(grader, "encoder", None)
        self.data_dir = Path(data_dir) if data_dir else settings.load().data_dir
        self._matcher: JobMatcher | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, encoder: Encoder | None = None, *, strict: bool = False) -> "Engine":
        """Everything from the environment: the configured bank, the packaged model, the database URL."""
        from interviewer.grading.grader import Grader

        config = settings.load()
        bank = load_bank(config.bank_dir, replace=config.bank_replace, strict=strict)
        encoder = encoder or load_encoder(config.model_path)
        grader = Grader.for_bank(bank, encoder, config.cache_dir)
        return cls(bank, grader, Store(config.database_url), encoder=encoder, data_dir=config.data_dir)

    def matcher(self) -> JobMatcher:
        """The job-description matcher, built on first use (its index is cached on disk)."""
        with self._lock:
            if self._matcher is None:
                if self.encoder is None:
                    raise SetupError("tailoring to a job description needs the embedding model")
                self._matcher = JobMatcher(self.bank, self.encoder, settings.load().cache_dir,
                                           source=getattr(self.grader, "index", None))
            return self._matcher

    # --- starting --------------------------------------------------------------------------

    def plan(self, setup: Setup, now: datetime | None = None) -> Plan:
        """The questions an interview draws from, for this setup and this profile's history."""
        if setup.mode is Mode.WEAK_SPOTS:
            spots = (self.store.weak_spots(setup.profile, now)
                     or self.store.weak_spots(setup.profile, now, due_only=False))
            if not spots:
                raise SetupError(f"no weak spots yet for profile {setup.profile!r}: practise a normal interview "
                                 "first; the key points you miss are scheduled here for review")
            return plan_ranked(question_order(spots), self.bank, setup)
        recent = self.store.recent_question_ids(setup.profile)
        if setup.mode is Mode.TRACKS:
            return plan_tracks(self.bank, setup, recent)
        allowed = {q.id for q in eligible(self.bank, setup)}
        level = setup.fixed_difficulty
        at_level = {qid for qid in allowed if self.bank.get(qid).difficulty is level}
        if level is not None and len(at_level) >= setup.length:
            allowed = at_level
        matches = self.matcher().rank(setup.job_description or "")
        fresh = allowed - set(recent)        # choose among questions not asked lately, so the spread survives
        chosen = select(matches, self.bank, setup.length, fresh if len(fresh) >= setup.length else allowed)
        spare = [m for m in matches if m.question_id in allowed and m not in chosen]
        ranked = chosen + spare[: max(0, policy.JD_POOL_FACTOR * setup.length - len(chosen))]
        return plan_ranked([m.question_id for m in ranked], self.bank, setup, recent,
                           {m.question_id: m.targets for m in ranked})

    def job_coverage(self, job_description: str, question_ids: Sequence[str]) -> JobCoverage:
        """Which requirements of a job description these questions cover, and which the bank cannot."""
        return self.matcher().coverage(job_description, question_ids)

    def start(self, setup: Setup, *, clock: Callable[[], datetime] = utc_now) -> Interview:
        """A new interview, its first question asked and the session saved."""
        interview = Interview.begin(self.bank, self.grader, setup, self.plan(setup, clock()), clock=clock)
        self.store.create_session(interview)
        return interview

    # --- running ---------------------------------------------------------------------------

    def _saved(self, interview: Interview, step: Callable[[], Reply], recording: Recording | None = None) -> Reply:
        """Run one step and save it (with the recording of the answer it graded, if any); if the save
        fails, undo the step and raise the StoreError.

        So the interview in memory never runs ahead of the database: what the candidate sent is
        either saved or refused with a message (the UI keeps their text in front of them).
        """
        mark = len(interview.entries)
        reply = step()
        answered = [e.seq for e in interview.entries[mark:] if isinstance(e, AnswerGiven)]
        kept = {answered[0]: recording} if recording is not None and answered else None
        try:
            self.store.save(interview, kept)
        except StoreError:
            interview.rewind(mark)
            raise
        return reply

    def handle(self, interview: Interview, text: str) -> Reply:
        """Pass a chat message (answer or typed command) to the interview and save what it produced."""
        return self._saved(interview, lambda: interview.handle(text))

    def answer(self, interview: Interview, text: str, spoken: Transcript | None = None,
               audio: bytes | None = None) -> Reply:
        """Grade an answer (never a command) and save it; a spoken one keeps its delivery figures.

        ``audio``, the spoken answer's recording as recorded, is stored with the turn: pass it only
        when the candidate chose to keep their recordings. Over the five-minute limit it is refused
        (:class:`~interviewer.voice.TooLong`) before anything is graded or saved.
        """
        if audio is not None and spoken is None:
            raise ValueError("a recording is kept only with the spoken answer it was transcribed into: pass spoken")
        recording = Recording.of(audio) if audio is not None else None
        delivery = None
        if spoken is not None and interview.current is not None:
            delivery = analyse(spoken.words, spoken.duration, self.expected_length(interview))
        return self._saved(interview, lambda: interview.answer(text, delivery=delivery), recording)

    def expected_length(self, interview: Interview) -> tuple[int, int]:
        """How long, in seconds, an answer to the waiting prompt is expected to take."""
        prompt = interview.current
        behavioral = (prompt is not None and prompt.question_id in self.bank
                      and self.bank.get(prompt.question_id).kind is Kind.BEHAVIORAL)
        return expected_seconds(behavioral, follow_up=prompt is not None and prompt.follow_up_id is not None)

    def time_target(self, interview: Interview, targets: tuple[int, int] | None = None) -> int | None:
        """The gentle time target, in seconds, for the waiting prompt: a story's is longer; None when off."""
        prompt = interview.current
        if prompt is None:
            return None
        technical, story = targets if targets is not None else settings.load().time_targets
        behavioral = (prompt.follow_up_id is None and prompt.question_id in self.bank
                      and self.bank.get(prompt.question_id).kind is Kind.BEHAVIORAL)
        seconds = story if behavioral else technical
        return seconds or None

    def command(self, interview: Interview, command: Command | str) -> Reply:
        """Run a command (a UI button) and save it."""
        return self._saved(interview, lambda: interview.command(command))

    def stop(self, interview: Interview, reason: EndReason = EndReason.INPUT_CLOSED) -> Reply:
        """End an interview without a command (closed input) and save it."""
        return self._saved(interview, lambda: interview.stop(reason))

    def resume(self, session_id: str, *, owner: str | None = None, clock: Callable[[], datetime] = utc_now) -> Interview:
        """A saved interview rebuilt exactly, ready to continue; with ``owner``, only one of theirs."""
        return self.store.load_session(session_id, self.bank, self.grader, owner=owner, clock=clock)

    def export(self, interview: Interview, folder: Path | None = None) -> Path:
        """Write the transcript (entries and summary) as JSON in the data folder; return its path."""
        return write_transcript(interview, folder or self.data_dir / "transcripts")


def grader_now(bank: Bank, encoder: Encoder, cache_dir: Path) -> tuple["Grader", BackgroundIndex | None]:
    """A grader ready at once: with the cached question index, or without it while it builds in the background.

    Without the index the grader encodes each rubric when an answer needs it (the first question
    needs a few dozen texts, not the whole bank); the finished index is handed to the grader.
    """
    from interviewer.grading.grader import Grader
    from interviewer.grading.verifier import load_verifier

    texts = bank.texts()
    if TextIndex.is_cached(texts, encoder.model_id, cache_dir):
        return Grader.for_bank(bank, encoder, cache_dir), None
    grader = Grader(encoder, None, verifier=load_verifier(encoder))

    def attach(index: TextIndex) -> None:
        grader.index = index          # one reference swap: a grading call sees either no index or all of it

    return grader, BackgroundIndex(texts, encoder, cache_dir, on_done=attach).start()


def write_transcript(interview: Interview, folder: Path) -> Path:
    """Save an interview's transcript to ``folder`` atomically, named by date and session id."""
    path = folder / f"{interview.created_at:%Y-%m-%d-%H%M%S}-{interview.id[:8]}.json"
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:  # lone surrogates as JSON escapes
            json.dump(interview.export(), handle, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise DataFolderError(f"Could not save the transcript in {folder}: {exc.strerror or exc}. The session "
                              "itself is saved; free some space or set INTERVIEWER_DATA_DIR to a writable "
                              "folder, then export again.") from exc
    return path
