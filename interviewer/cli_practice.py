"""`interviewer practice`: the same interview in a terminal, plain stdin/stdout, fine when piped."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TextIO

import click

from embeddings import ModelError
from interviewer import policy, settings
from interviewer.bank import BankError, Track
from interviewer.engine import Engine
from interviewer.planner import Level, Setup, SetupError
from interviewer.session import Interview, SessionError
from interviewer.store import StoreError
from interviewer.transcript import AnswerGiven
from interviewer.utf8 import repair
from interviewer.voice import VoiceModelError

MAX_JD_BYTES = 200_000
AUDIO_SUFFIXES = (".wav", ".mp3", ".m4a", ".ogg", ".webm")


def build_engine() -> Engine:
    """The engine from the environment (tests replace this to share one loaded model)."""
    return Engine.from_settings()


def utf8_stdin() -> TextIO:
    """Standard input decoded as UTF-8 whatever the locale; undecodable bytes become U+FFFD, not stored garbage."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:
        return sys.stdin
    return io.TextIOWrapper(buffer, encoding="utf-8", errors="replace", newline=None)


def _read_answer(stream: TextIO, echo_input: bool) -> str | None:
    """One non-empty line from the candidate, or None at end of input."""
    while True:
        if not echo_input:
            click.echo("> ", nl=False)
        line = stream.readline()
        if not line:
            return None
        if line.strip():
            if echo_input:
                click.echo(f"> {line.rstrip()}")
            return repair(line.rstrip("\r\n"))


def voice_files(folder: Path) -> list[Path]:
    """The audio answers in a folder, in name order."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
    if not files:
        raise click.ClickException(f"no audio files ({', '.join(AUDIO_SUFFIXES)}) in {folder}")
    return files


def _spoken_answers(engine: Engine, interview: Interview, files: list[Path]) -> None:
    """Answer each prompt with the next audio file; a file that cannot be used is reported and skipped."""
    from interviewer.voice import VoiceError, load_transcriber

    transcriber = load_transcriber()
    queue = list(files)
    while not interview.is_over and queue:
        path = queue.pop(0)
        try:
            spoken = transcriber.transcribe(path, path.name)
        except VoiceError as exc:
            click.echo(f"[{path.name}] skipped: {exc}\n")
            continue
        click.echo(f"> [{path.name}] {spoken.text}")
        reply = engine.answer(interview, spoken.text, spoken)
        said = next((e for e in reply.entries if isinstance(e, AnswerGiven)), None)
        click.echo("\n" + reply.text())
        if said is not None and said.delivery is not None:
            click.echo("\nDelivery\n" + "\n".join(f"  {line}" for line in said.delivery.lines()))
        click.echo("")
    if not interview.is_over:
        click.echo("\n" + engine.stop(interview).text() + "\n")


def _run(engine: Engine, interview: Interview, stream: TextIO, voice: list[Path] | None = None) -> None:
    """Ask, read, reply until the interview ends or input closes; then save and say where."""
    click.echo(f"Session {interview.id}. Answer in one line; /help lists the commands.\n")
    click.echo(interview.opening().text() + "\n")
    if voice is not None:
        _spoken_answers(engine, interview, voice)
    echo_input = not stream.isatty()
    while not interview.is_over:
        text = _read_answer(stream, echo_input)
        if text is not None and len(text) > policy.MAX_ANSWER_CHARS and not text.strip().startswith("/"):
            click.echo(f"(Your answer has {len(text):,} characters: only the first {policy.MAX_ANSWER_CHARS:,} "
                       "are graded and saved.)")
        reply = engine.stop(interview) if text is None else engine.handle(interview, text)
        click.echo("\n" + reply.text() + "\n")
    path = engine.export(interview)
    click.echo(f"Transcript saved to {path}")
    click.echo(f"Session id: {interview.id}")


def _list(engine: Engine, profile: str) -> None:
    rows = engine.store.list_sessions(profile)
    if not rows:
        click.echo(f"No saved sessions for profile {profile!r}.")
    for row in rows:
        score = f"{row.score10:.1f}" if row.score10 is not None else "-"
        what = ("weak spots" if row.setup.weak_spots else "job description" if row.setup.job_description
                else ", ".join(t.value for t in row.setup.tracks) or "all tracks")
        click.echo(f"{row.id}  {row.created_at:%Y-%m-%d %H:%M}  {row.status:<6}  score {score:>4}  "
                   f"{row.questions} question(s)  {what}, {row.setup.difficulty.value}")


@click.command("practice")
@click.option("--track", "tracks", multiple=True, metavar="TRACK",
              type=click.Choice([t.value for t in Track], case_sensitive=False),
              help="A track to draw questions from (repeat for several; default: every track).")
@click.option("--difficulty", type=click.Choice([lv.value for lv in Level], case_sensitive=False),
              default=Level.MIXED.value, show_default=True, help="A level, mixed, or adaptive (follows your answers).")
@click.option("--questions", "length", type=click.IntRange(1, policy.MAX_LENGTH), default=policy.DEFAULT_LENGTH,
              show_default=True, help="Number of main questions.")
@click.option("--job-description", "jd_file", type=click.Path(exists=True, dir_okay=False, allow_dash=False),
              help="A text file with a job description: the interview is tailored to it.")
@click.option("--weak-spots", is_flag=True, help="Practise the key points you missed before, most urgent first.")
@click.option("--seed", type=int, help="A random seed, for a reproducible choice of questions.")
@click.option("--profile", help="Your local profile name (default: INTERVIEWER_PROFILE or 'me').")
@click.option("--resume", "session_id", metavar="SESSION_ID", help="Continue a saved session.")
@click.option("--list", "list_only", is_flag=True, help="List your saved sessions and exit.")
@click.option("--voice-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Answer with the audio files in this folder, in name order (WAV, MP3, M4A, OGG, WEBM); "
              "the interview ends when they run out.")
def practice(tracks: tuple[str, ...], difficulty: str, length: int, jd_file: str | None, weak_spots: bool,
             seed: int | None, profile: str | None, session_id: str | None, list_only: bool,
             voice_dir: Path | None) -> None:
    """Run a mock interview in the terminal, then print the summary and where the transcript is saved.

    Type each answer on one line, or a command: /hint /skip /repeat /answer /retry /end /help.
    End of input (Ctrl-D, or the end of a piped file) ends the interview gracefully.
    """
    profile = profile or settings.load().profile
    try:
        job_description = None
        if jd_file:
            with open(jd_file, encoding="utf-8", errors="replace") as handle:
                job_description = handle.read(MAX_JD_BYTES)
        setup = None if session_id or list_only else Setup(
            tracks=tracks, difficulty=difficulty, length=length, seed=seed, job_description=job_description,
            weak_spots=weak_spots, profile=profile)
        voice = voice_files(voice_dir) if voice_dir else None
        click.echo("Loading the question bank and the model…", err=True)
        engine = build_engine()
        for issue in engine.bank.issues:
            click.echo(f"warning: skipped: {issue}", err=True)
        if list_only:
            _list(engine, profile)
            return
        interview = engine.resume(session_id) if session_id else engine.start(setup)
        _run(engine, interview, utf8_stdin(), voice)
    except (SetupError, StoreError, BankError, ModelError, SessionError, OSError, VoiceModelError) as exc:
        raise click.ClickException(str(exc)) from exc
