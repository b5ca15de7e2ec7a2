"""The interview session: the one mutable object. Answers and commands in, replies out."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any, Callable, Protocol

from interviewer import policy
from interviewer.bank import DEEPER, Bank, Difficulty, FollowUp, Question, Rubric
from interviewer.feedback import build_feedback
from interviewer.grade import Grade, Status
from interviewer.planner import Plan, Setup, adapt, pick_next, topic
from interviewer.reply import NextKind, Reply
from interviewer.state import Phase, Prompt, QuestionRecord, State
from interviewer.summary import Summary, question_score, summarize
from interviewer.transcript import (COMMAND_HELP, AnswerGiven, Command, CommandUsed, EndReason, Entry,
                                    FollowUpAsked, HintGiven, InterviewEnded, QuestionAsked, closest_command,
                                    entry_from_dict, entry_to_dict, parse_time, plain, utc_now)
from interviewer.utf8 import repair
from interviewer.voice.delivery import DeliveryReport

FORMAT_VERSION = 1
NATURAL_ENDS = frozenset({EndReason.COMPLETED, EndReason.OUT_OF_QUESTIONS})  # /retry may reopen these
HELP_TEXT = "Commands:\n" + "\n".join(f"  /{c.value:<7} {text}" for c, text in COMMAND_HELP.items())


class Grading(Protocol):
    """What the session needs from a grader."""

    def grade(self, rubric: Rubric, answer: str) -> Grade:
        """Grade one answer against one rubric."""
        ...


class SessionError(RuntimeError):
    """A session that cannot be rebuilt or continued; the message says why and what to do."""


def unknown_command(word: str) -> str:
    """The reply to ``/word`` that is no command: the closest one if any is close, and the list."""
    guess = closest_command(word)
    said = f"/{word}" if word else "A lone /"
    if guess is not None:
        lead = f"Unknown command {said}. Did you mean /{guess.value} ({COMMAND_HELP[guess]})?"
    else:
        lead = f"Unknown command {said}: nothing was sent."
    return f"{lead}\n{HELP_TEXT}"


def choose_follow_up(question: Question, record: QuestionRecord, latest: Grade) -> tuple[FollowUp, str] | None:
    """The follow-up to ask: one tied to a heavy key point the main answer missed (or only partly covered), else a deeper one after a strong answer."""
    if len(record.follow_ups) >= policy.MAX_FOLLOW_UPS or latest.is_non_answer:
        return None
    asked = set(record.follow_ups)
    main = record.grade
    if main is not None and not main.is_non_answer:
        # missed points first, then points only partly covered: an interviewer probes both
        gaps = sorted((p for p in main.points if p.status in (Status.MISSED, Status.PARTLY)
                       and p.weight >= policy.FOLLOW_UP_MIN_WEIGHT),
                      key=lambda p: (p.status is not Status.MISSED, -p.weight))
        for point in gaps:
            how = "missed" if point.status is Status.MISSED else "partly covered"
            for item in question.follow_ups:
                if item.probes == point.key_point_id and item.id not in asked:
                    return item, f"{how} key point {point.key_point_id}: {point.text}"
    if latest.score >= policy.DEEPER_MIN_SCORE:
        for item in question.follow_ups:
            if item.probes == DEEPER and item.id not in asked:
                return item, "strong answer: going deeper"
    return None


class Interview:
    """One interview: asks, grades, follows up and records. Drive it with :meth:`handle`."""

    def __init__(self, bank: Bank, grader: Grading, setup: Setup, plan: Plan, *, session_id: str | None = None,
                 created_at: datetime | None = None, clock: Callable[[], datetime] = utc_now,
                 entries: list[Entry] | None = None) -> None:
        self.bank = bank
        self.grader = grader
        self.setup = setup
        self.plan = plan
        self.clock = clock
        self.id = session_id or str(uuid.uuid4())
        self.created_at = created_at or clock()
        self.entries: list[Entry] = []
        self.state = State()
        for entry in entries or ():
            self.entries.append(entry)
            self.state.apply(entry)

    @classmethod
    def begin(cls, bank: Bank, grader: Grading, setup: Setup, plan: Plan, *,
              clock: Callable[[], datetime] = utc_now, session_id: str | None = None) -> "Interview":
        """A new interview with its first question asked (see :meth:`opening`)."""
        interview = cls(bank, grader, setup, plan, clock=clock, session_id=session_id)
        interview._advance()
        return interview

    # --- what the UI reads -----------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        """Whether a question or follow-up waits for an answer, or the interview is over."""
        return self.state.phase

    @property
    def is_over(self) -> bool:
        """True once the interview has ended."""
        return self.state.phase is Phase.ENDED

    @property
    def current(self) -> Prompt | None:
        """The question or follow-up that waits for an answer."""
        return self.state.current

    def opening(self) -> Reply:
        """The reply that shows where the interview stands: the waiting prompt, or the summary."""
        if self.is_over:
            return self._reply(NextKind.END, summary=self.summary(), new_prompt=False)
        return self._reply(self._prompt_kind(), prompt=self.current.text if self.current else "")

    def summary(self) -> Summary:
        """Scores per question, track and key point; strongest and weakest areas with next steps."""
        answers = [e for e in self.entries if isinstance(e, AnswerGiven)]
        return summarize(self.state, len(answers), sum(e.seconds or 0.0 for e in answers))

    def export(self) -> dict[str, Any]:
        """The transcript as saved to a JSON file: :meth:`to_dict` plus the summary."""
        return {**self.to_dict(), "summary": plain(self.summary().to_dict())}

    def rewind(self, count: int) -> None:
        """Keep only the first ``count`` entries (what is saved, after a failed save); the state is replayed."""
        kept = self.entries[:count]
        self.entries = []
        self.state = State()
        for entry in kept:
            self.entries.append(entry)
            self.state.apply(entry)

    # --- input -----------------------------------------------------------------------------

    def handle(self, text: str) -> Reply:
        """Take one chat message: a command (``/hint``, any case) or an answer."""
        stripped = text.strip()
        if stripped.startswith("/"):
            word = stripped[1:].split()[0] if stripped[1:].split() else ""
            try:
                command = Command.parse(word)
            except ValueError:
                return self._reply(self._prompt_kind(), message=unknown_command(word), new_prompt=False)
            return self.command(command)
        return self.answer(text)

    def command(self, command: Command | str) -> Reply:
        """Run a command by name; the UI buttons call this (or the named methods)."""
        return {Command.HINT: self.hint, Command.SKIP: self.skip, Command.REPEAT: self.repeat,
                Command.ANSWER: self.reveal, Command.RETRY: self.retry, Command.END: self.end,
                Command.HELP: self.help}[Command.parse(command)]()

    def answer(self, text: str, delivery: DeliveryReport | None = None) -> Reply:
        """Grade an answer to the waiting prompt, give feedback, and ask what comes next.

        A spoken answer is graded like a typed one (its transcript is ``text``); its ``delivery``
        figures are kept with the turn for the review.
        """
        mark = len(self.entries)
        prompt = self.current
        if prompt is None:
            return self._reply(NextKind.END, message="The interview is over.", summary=self.summary(), new_prompt=False)
        text = repair(text)[:policy.MAX_ANSWER_CHARS]     # a mis-decoded terminal byte shows as U+FFFD
        grade = self.grader.grade(self._rubric(prompt.question_id, prompt.follow_up_id), text)
        question = self._question(prompt.question_id)
        feedback = build_feedback(grade)
        now = self.clock()
        record = self.state.record(prompt.question_id)
        self._add(AnswerGiven, at=now, question_id=prompt.question_id, follow_up_id=prompt.follow_up_id, text=text,
                  grade=grade, feedback=feedback, seconds=round(max(0.0, (now - prompt.asked_at).total_seconds()), 3),
                  attempt=1 + (prompt.follow_up_id in record.retried), delivery=delivery)
        reply = self._after_answer(prompt, question, record, grade)
        return self._with(reply, mark, feedback=feedback)

    # --- commands --------------------------------------------------------------------------

    def hint(self) -> Reply:
        """The next hint for the waiting main question."""
        mark = len(self.entries)
        prompt = self.current
        if prompt is None:
            return self._refuse(Command.HINT, "The interview is over.")
        if prompt.follow_up_id is not None:
            return self._refuse(Command.HINT, "There are no hints for follow-up questions: answer what you can, "
                                "or /skip it.")
        question = self._question(prompt.question_id)
        used = self.state.record(prompt.question_id).hints_used
        if used >= len(question.hints):
            return self._refuse(Command.HINT, "No more hints for this question. Answer what you can, /skip it, "
                                "or type /answer to see the model answer.")
        self._add(CommandUsed, command=Command.HINT, question_id=prompt.question_id)
        self._add(HintGiven, question_id=prompt.question_id, text=question.hints[used])
        return self._with(self._reply(NextKind.HINT, prompt=question.hints[used]), mark)

    def skip(self) -> Reply:
        """Skip the waiting question or follow-up and move on."""
        mark = len(self.entries)
        prompt = self.current
        if prompt is None:
            return self._refuse(Command.SKIP, "The interview is over.")
        self._add(CommandUsed, command=Command.SKIP, done=True, output="Skipped.", question_id=prompt.question_id,
                  follow_up_id=prompt.follow_up_id)
        return self._with(self._advance("Skipped."), mark)

    def repeat(self) -> Reply:
        """Show the waiting question or follow-up again."""
        mark = len(self.entries)
        prompt = self.current
        if prompt is None:
            return self._refuse(Command.REPEAT, "The interview is over: there is no question to repeat.")
        self._add(CommandUsed, command=Command.REPEAT, output=prompt.text, question_id=prompt.question_id,
                  follow_up_id=prompt.follow_up_id)
        return self._with(self._reply(self._prompt_kind(), prompt=prompt.text), mark)

    def reveal(self) -> Reply:
        """Show the model answer of the waiting prompt (it then scores 0) and move on; ``/answer``."""
        mark = len(self.entries)
        prompt = self.current
        if prompt is None:
            last = next((e for e in reversed(self.entries) if isinstance(e, (QuestionAsked, FollowUpAsked))), None)
            if last is None:
                return self._refuse(Command.ANSWER, "There is no question to show an answer for.")
            model = self._rubric(last.question_id, getattr(last, "follow_up_id", None)).reference_answer
            return self._refuse(Command.ANSWER, f"Model answer to the last question:\n{model}")
        model = self._rubric(prompt.question_id, prompt.follow_up_id).reference_answer
        self._add(CommandUsed, command=Command.ANSWER, done=True, output=model, question_id=prompt.question_id,
                  follow_up_id=prompt.follow_up_id)
        return self._with(self._advance(f"Model answer:\n{model}"), mark)

    def retry(self) -> Reply:
        """Answer the question just answered once more (once per question)."""
        mark = len(self.entries)
        target = self.state.last_answered
        if self.is_over and self.state.end_reason not in NATURAL_ENDS:
            return self._refuse(Command.RETRY, "The interview is over.")
        if target is None:
            return self._refuse(Command.RETRY, "Nothing to retry: /retry lets you answer the question you just "
                                "answered once more.")
        record = self.state.record(target.question_id)
        if target.follow_up_id in record.retried:
            return self._refuse(Command.RETRY, "You have already retried that one (one retry per question).")
        if self.current is not None and self.current.ref == target.ref:
            return self._refuse(Command.RETRY, "You are still on this question: just type your new answer.")
        self._add(CommandUsed, command=Command.RETRY, done=True, question_id=target.question_id,
                  follow_up_id=target.follow_up_id)
        if target.follow_up_id is None:
            self._add(QuestionAsked, question_id=record.question_id, text=record.text, number=record.number,
                      track=record.track, difficulty=record.difficulty, topic=record.topic, targets=record.targets,
                      retry=True)
            kind = NextKind.QUESTION
        else:
            item = self._question(target.question_id).follow_up(target.follow_up_id)
            self._add(FollowUpAsked, question_id=target.question_id, follow_up_id=item.id, text=item.question,
                      probes=item.probes, reason="retry", retry=True)
            kind = NextKind.FOLLOW_UP
        return self._with(self._reply(kind, prompt=target.text, message="Once more:"), mark)

    def end(self) -> Reply:
        """End the interview now; the reply carries the summary."""
        mark = len(self.entries)
        if self.is_over:
            return self._refuse(Command.END, "The interview is already over.")
        self._add(CommandUsed, command=Command.END, done=True)
        return self._with(self._finish(EndReason.BY_CANDIDATE), mark)

    def help(self) -> Reply:
        """The list of commands."""
        mark = len(self.entries)
        self._add(CommandUsed, command=Command.HELP, output=HELP_TEXT)
        kind = self._prompt_kind()
        return self._with(self._reply(kind, message=HELP_TEXT, prompt=self.current.text if self.current else "",
                                      new_prompt=False), mark)

    def stop(self, reason: EndReason = EndReason.INPUT_CLOSED) -> Reply:
        """End the interview without a command (closed input, a UI reset); the reply carries the summary."""
        mark = len(self.entries)
        if self.is_over:
            return self._reply(NextKind.END, summary=self.summary(), new_prompt=False)
        return self._with(self._finish(reason), mark)

    # --- decisions -------------------------------------------------------------------------

    def _after_answer(self, prompt: Prompt, question: Question, record: QuestionRecord, grade: Grade) -> Reply:
        if grade.is_non_answer:
            if (prompt.follow_up_id is None and record.hints_offered < policy.MAX_AUTO_HINTS
                    and record.hints_used < len(question.hints)):
                hint = question.hints[record.hints_used]
                self._add(HintGiven, question_id=question.id, text=hint, offered=True)
                return self._reply(NextKind.HINT, prompt=hint, message="Here is a nudge: have another go, "
                                   "or type /skip to move on.")
            return self._advance("Let's move on.")
        chosen = choose_follow_up(question, record, grade)
        if chosen is None:
            return self._advance()
        item, reason = chosen
        self._add(FollowUpAsked, question_id=question.id, follow_up_id=item.id, text=item.question,
                  probes=item.probes, reason=reason)
        lead = "Let's go deeper." if item.probes == DEEPER else "Let me follow up on that."
        return self._reply(NextKind.FOLLOW_UP, prompt=item.question, message=lead)

    def _target_level(self) -> Difficulty | None:
        fixed = self.setup.fixed_difficulty
        if fixed is not None or not self.setup.adaptive:
            return fixed
        last = self.state.last_record
        if last is None or last.level is None:
            return Difficulty(policy.ADAPTIVE_START)
        score = question_score(last)
        return adapt(last.level, None if score is None else score / 10)

    def _advance(self, message: str = "") -> Reply:
        """Ask the next main question, or end when the interview is complete or the bank runs out."""
        if self.state.main_count >= self.setup.length:
            return self._finish(EndReason.COMPLETED, message)
        level = self._target_level()
        qid = pick_next(self.plan, self.bank, self.state.questions, self.state.asked_tracks(), level)
        if qid is None:
            note = "That was every question available for this setup."
            return self._finish(EndReason.OUT_OF_QUESTIONS, f"{message} {note}".strip())
        question = self.bank.get(qid)
        self._add(QuestionAsked, question_id=qid, text=question.question, number=self.state.main_count + 1,
                  track=question.track, difficulty=question.difficulty, topic=topic(question),
                  level=level if self.setup.adaptive else None, targets=tuple(self.plan.targets.get(qid, ())))
        return self._reply(NextKind.QUESTION, prompt=question.question, message=message)

    def _finish(self, reason: EndReason, message: str = "") -> Reply:
        self._add(InterviewEnded, reason=reason)
        closing = "That's the end of the interview." if reason is not EndReason.OUT_OF_QUESTIONS else ""
        return self._reply(NextKind.END, message=" ".join(p for p in (message, closing) if p),
                           summary=self.summary(), new_prompt=False)

    # --- plumbing --------------------------------------------------------------------------

    def _add(self, cls: type, *, at: datetime | None = None, **values: Any) -> Entry:
        entry = cls(seq=len(self.entries) + 1, at=at or self.clock(), **values)
        self.entries.append(entry)
        self.state.apply(entry)
        return entry

    def _refuse(self, command: Command, message: str) -> Reply:
        """Record a command that changes nothing and say why."""
        mark = len(self.entries)
        prompt = self.current
        self._add(CommandUsed, command=command, output=message, question_id=prompt.question_id if prompt else None,
                  follow_up_id=prompt.follow_up_id if prompt else None)
        return self._with(self._reply(self._prompt_kind(), message=message, prompt=prompt.text if prompt else "",
                                      new_prompt=False), mark)

    def _prompt_kind(self) -> NextKind:
        if self.current is None:
            return NextKind.END
        return NextKind.QUESTION if self.current.follow_up_id is None else NextKind.FOLLOW_UP

    def _question(self, question_id: str) -> Question:
        try:
            return self.bank.get(question_id)
        except KeyError:
            raise SessionError(f"question {question_id!r} of session {self.id} is no longer in the bank; "
                               "restore it (or its custom bank folder) to continue, or start a new interview") from None

    def _rubric(self, question_id: str, follow_up_id: str | None) -> Rubric:
        question = self._question(question_id)
        return question.rubric if follow_up_id is None else question.follow_up(follow_up_id).rubric(question.kind)

    def _reply(self, kind: NextKind, **values: Any) -> Reply:
        prompt = self.current
        record = self.state.questions.get(prompt.question_id) if prompt else None
        return Reply(next=kind, question_id=prompt.question_id if prompt else None,
                     follow_up_id=prompt.follow_up_id if prompt else None, number=record.number if record else 0,
                     total=self.setup.length, targets=record.targets if record else (), **values)

    def _with(self, reply: Reply, mark: int, **values: Any) -> Reply:
        return replace(reply, entries=tuple(self.entries[mark:]), **values)

    # --- serialisation ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form: setup, plan and every entry (the state is rebuilt from them)."""
        return {"format": FORMAT_VERSION, "id": self.id, "profile": self.setup.profile,
                "created_at": self.created_at.isoformat(), "setup": self.setup.to_dict(), "plan": self.plan.to_dict(),
                "entries": [entry_to_dict(e) for e in self.entries]}

    @classmethod
    def from_dict(cls, data: dict[str, Any], bank: Bank, grader: Grading, *,
                  clock: Callable[[], datetime] = utc_now) -> "Interview":
        """Rebuild an interview from :meth:`to_dict` output by replaying its entries."""
        if data.get("format", FORMAT_VERSION) > FORMAT_VERSION:
            raise SessionError(f"session {data.get('id')} was saved by a newer version of the interviewer "
                               f"(format {data['format']}); upgrade to resume it")
        try:
            entries = [entry_from_dict(item) for item in data.get("entries", ())]
            return cls(bank, grader, Setup.from_dict(data["setup"]), Plan.from_dict(data["plan"]),
                       session_id=data["id"], created_at=parse_time(data["created_at"]), clock=clock, entries=entries)
        except (KeyError, TypeError, ValueError) as exc:
            raise SessionError(f"session {data.get('id')} cannot be read ({type(exc).__name__}: {exc}); "
                               "its transcript may be damaged") from exc
