"""The app's pages: set-up, interview, review and history. They render state and forward input to the engine."""

from __future__ import annotations

from typing import Sequence

import streamlit as st

from interviewer import policy
from interviewer.bank import Track
from interviewer.chat import (ANSWER_LIMIT, NOT_SAVED, check_answer, messages, planned_questions, progress,
                              stale_input, typed_command, unavailable)
from interviewer.chat import Kind as MessageKind
from interviewer.charts import (CHART_HEIGHT, delivery_chart, point_chart, progress_chart, question_chart,
                                track_chart)
from embeddings.background import BackgroundIndex
from interviewer.engine import Engine
from interviewer.export import file_stem, profile_json, to_json, to_markdown, to_pdf
from interviewer.markup import escape
from interviewer.planner import Level, Setup, SetupError
from interviewer.report import areas_md, clock, coverage_md, delivery_table_md, indexing_label
from interviewer.review import SessionView, describe_setup, history, progress_points, track_counts
from interviewer.identity import Identity
from interviewer.session import Interview
from interviewer.settings import Settings
from interviewer.store import StoreError
from interviewer.tailor import JobCoverage
from interviewer.transcript import Command
from interviewer.voice import Transcript, VoiceError
from interviewer.voice.summary import delivery_points
from ui.auth import signed_in_as
from ui.bubbles import bubbles
from ui.live import follow, sticky_header, timer
from ui.voice import read_aloud, voice_answer

KEY = "interview"          # the one session-state key that holds the live Interview
FINISHED = "finished"      # ?view= for an interview that has just ended: its chat, then the review
BANK_ISSUES_SHOWN = 10
SOURCES = {"tracks": "Tracks", "job": "A job description", "weak": "My weak spots"}
BUTTONS = [(Command.HINT, "Hint", ":material/lightbulb:"), (Command.SKIP, "Skip", ":material/skip_next:"),
           (Command.RETRY, "Retry", ":material/replay:"), (Command.ANSWER, "Reveal answer", ":material/visibility:"),
           (Command.END, "End", ":material/stop_circle:")]
BUTTON_HELP = {Command.HINT: "A nudge that doesn't give the answer away", Command.SKIP: "Move on (scores 0)",
               Command.RETRY: "Answer the question you just answered once more",
               Command.ANSWER: "Show the model answer and move on (scores 0)",
               Command.END: "End the interview now and see your review"}


def go(**params: str) -> None:
    """Switch page by changing the URL's query parameters (kept on reload), then rerun."""
    profile = st.query_params.get("profile")
    st.query_params.clear()
    if profile:
        st.query_params["profile"] = profile
    st.query_params.update(params)
    st.rerun()


def sidebar(default_profile: str, user: Identity | None = None, config: Settings | None = None) -> str:
    """Navigation and the profile name (or who is signed in); returns the profile."""
    with st.sidebar:
        st.markdown("### ML mock interviewer")
        if st.button("New interview", icon=":material/add:", width="stretch"):
            go()
        if st.button("History", icon=":material/history:", width="stretch"):
            go(view="history")
        if user is not None and config is not None:
            signed_in_as(user, config)      # the profile is the identity: no box, no ?profile=
            return user.profile
        profile = st.text_input("Profile", value=st.query_params.get("profile", default_profile),
                                max_chars=policy.MAX_PROFILE_CHARS,
                                help="A name that keeps apart people who share this computer. No account needed.")
        profile = profile.strip() or default_profile
        if profile != st.query_params.get("profile", default_profile):
            if profile == default_profile:
                del st.query_params["profile"]
            else:
                st.query_params["profile"] = profile
        st.caption("Everything runs on this computer: no answer leaves it.")
    return profile


def indexing_progress(build: BackgroundIndex | None) -> None:
    """On a first run, a progress bar over the question index being built, updated every second."""
    if build is None or build.status.finished:
        return

    @st.fragment(run_every=1.0)
    def bar() -> None:
        status = build.status
        if not status.finished:
            st.progress(status.fraction, text=indexing_label(status.done, status.total, status.eta))
        elif status.error is None:
            st.caption("The question index is ready: grading is at full speed.")
        else:
            st.warning(f"The question index could not be built ({escape(status.error)}); answers are still "
                       "graded, a little more slowly. Restart the app to try again.", icon=":material/warning:")

    with st.container(key="indexing"):
        bar()


def setup_caption(setup: Setup, engine: Engine | None = None, question_ids: Sequence[str] = ()) -> None:
    """The chosen set-up, on one line, and the job description behind an expander with what it covers."""
    st.caption(" · ".join(f"**{label}:** {escape(value)}" for label, value in describe_setup(setup)))
    if setup.job_description:
        coverage = job_coverage(engine, setup.job_description, tuple(question_ids)) if engine else None
        label = "Job description"
        if coverage is not None:
            total = len(coverage.covered) + len(coverage.elsewhere) + len(coverage.beyond_bank)
            label += f": {len(coverage.covered)} of {total} requirements covered"
        with st.expander(label):
            if coverage is not None:
                st.markdown(coverage_md(coverage, {qid: n for n, qid in enumerate(question_ids, 1)}))
                st.divider()
            st.text(setup.job_description)


@st.cache_data(show_spinner=False, max_entries=64)
def job_coverage(_engine: Engine, job_description: str, question_ids: tuple[str, ...]) -> JobCoverage:
    """The coverage of a job description by these questions (it encodes the description: kept per input)."""
    return _engine.job_coverage(job_description, question_ids)


# --- set-up ------------------------------------------------------------------------------------


def setup_page(engine: Engine, profile: str) -> None:
    """Choose tracks, difficulty, length, or paste a job description, or practise weak spots."""
    st.header("Set up your interview")
    if engine.bank.issues:
        shown = "\n".join(f"- {escape(str(issue))}" for issue in engine.bank.issues[:BANK_ISSUES_SHOWN])
        more = len(engine.bank.issues) - BANK_ISSUES_SHOWN
        st.warning(f"Part of your question bank could not be loaded and was skipped; fix it and restart the "
                   f"app:\n{shown}" + (f"\n- … and {more} more" if more > 0 else ""), icon=":material/warning:")
    counts = track_counts(engine.bank)
    sources = ["tracks", "job"] + (["weak"] if engine.store.weak_spots(profile, due_only=False) else [])
    source = st.radio("Questions from", sources, format_func=SOURCES.get, horizontal=True, key="setup_source")
    job = ""
    if source == "job":
        job = st.text_area("Job description", height=200, max_chars=policy.MAX_JD_CHARS, key="setup_job",
                           placeholder="Paste the role's responsibilities and requirements.")
    label = "Tracks" if source == "tracks" else "Limit to tracks (optional)"
    tracks = st.multiselect(label, list(counts), format_func=lambda t: f"{t.title} ({counts[t]} questions)",
                            placeholder="All tracks", key="setup_tracks")
    difficulty = st.segmented_control("Difficulty", [level.value for level in Level], default=Level.MIXED.value,
                                      required=True, key="setup_difficulty",
                                      help="Adaptive starts at mid and moves up after strong answers, down after weak ones.")
    length = st.number_input("Number of questions", 1, policy.MAX_LENGTH, policy.DEFAULT_LENGTH, key="setup_length")
    if source == "weak":
        st.caption("Questions whose key points you missed, or where you said something wrong, the most recent "
                   "first.")
    if st.button("Start the interview", type="primary", icon=":material/play_arrow:"):
        if source == "job" and not job.strip():
            raise SetupError("paste a job description first (the role's responsibilities and requirements), "
                             "or choose questions from tracks")
        setup = Setup(tracks=tuple(Track(t) for t in tracks), difficulty=difficulty or Level.MIXED.value,
                      length=int(length), job_description=job if source == "job" else None,
                      weak_spots=source == "weak", profile=profile)
        with st.spinner("Choosing your questions…"):
            interview = engine.start(setup)
        st.session_state[KEY] = interview
        go(session=interview.id)


# --- interview ---------------------------------------------------------------------------------


def live_interview(engine: Engine, session_id: str, owner: str | None = None) -> Interview:
    """The interview in this browser session, or rebuilt from the store (after a reload or a new tab).

    With sign-in on (``owner``), only one of the user's own: anyone else's id is "not found".
    """
    held = st.session_state.get(KEY)
    if held is None or held.id != session_id or (owner is not None and held.setup.profile != owner):
        held = engine.resume(session_id, owner=owner)
        st.session_state[KEY] = held
    return held


def controls(interview: Interview) -> tuple[str | None, Command | None]:
    """The buttons and the chat input, pinned to the bottom; returns what the candidate sent.

    Once the interview is over: the way to the review, and Retry where it still applies.
    """
    reasons = unavailable(interview)
    clicked = None
    if interview.is_over:
        with st.bottom, st.container(key="iv-controls", horizontal=True, gap="small"):
            if st.button("See your review", type="primary", icon=":material/insights:", key="see_review"):
                go(session=interview.id)
            if reasons[Command.RETRY] is None and st.button("Retry", icon=":material/replay:",
                                                            key=f"cmd_{Command.RETRY.value}",
                                                            help=BUTTON_HELP[Command.RETRY]):
                clicked = Command.RETRY
        return None, clicked
    with st.bottom, st.container(key="iv-controls"):
        row = st.container(horizontal=True, gap="small", vertical_alignment="center")
        for command, label, icon in BUTTONS:
            if row.button(label, icon=icon, key=f"cmd_{command.value}", disabled=reasons[command] is not None,
                          help=reasons[command] or BUTTON_HELP[command]):
                clicked = command
        row.caption(f"Up to {ANSWER_LIMIT:,} characters · type /help for typed commands")
        text = st.chat_input("Type your answer", key="answer")
    return text, clicked


def interview_page(engine: Engine, interview: Interview, owner: str | None = None) -> None:
    """The chat: header with progress, timer and the waiting question (pinned), the transcript, and the input."""
    about = st.container()
    head = st.container(key="iv-head")
    board = st.empty()          # the transcript; redrawn in place when another tab moved the interview on
    live = st.container()       # the answer being graded, replies that are not saved, notices
    voice = st.container()
    text, clicked = controls(interview)
    shown = messages(interview.entries, interview.setup.length)
    with board.container():
        bubbles(shown, engine.bank)
    with voice:
        spoken = voice_answer(interview) if clicked is None else None
    with live:
        if text is not None or clicked is not None or spoken:
            st.session_state.pop(KEPT, None)     # new input: an earlier notice has been read
            seen = interview
            interview, grew = act(engine, interview, text, clicked, spoken, owner)
            if grew and answered(text, spoken):
                st.session_state.pop(UNSAVED, None)   # an answer went through: the one that failed was re-sent
            if grew and interview.is_over and clicked is not Command.END:
                go(session=interview.id, view=FINISHED)    # the last feedback stays in sight; the review is offered
            if grew:
                st.rerun()    # redraw everything (buttons included) from the new state; the review after End
            if interview is not seen:
                with board.container():
                    bubbles(messages(interview.entries, interview.setup.length), engine.bank)
        elif KEPT in st.session_state:           # any later rerun (a timer, the index bar) keeps it in sight
            show_kept(*st.session_state[KEPT])
        failed = st.session_state.get(UNSAVED)
        if failed and failed[0] == interview.id:  # until an answer is saved, a click (Hint, ...) keeps it in sight
            show_unsaved(*failed[1:])
        last_feedback = [i for i, m in enumerate(shown) if m.kind is MessageKind.FEEDBACK][-1:]
        follow(len(interview.entries), interview.id, last_feedback[0] if interview.is_over and last_feedback else None)
        read_aloud(len(interview.entries))
    with about:
        setup_caption(interview.setup, engine, planned_questions(interview))
    with head:
        sticky_header()
        now = progress(interview)
        st.progress(now.fraction, text=now.label())
        timer(now.seconds, engine.time_target(interview))
        if interview.current is not None:
            st.container(key="iv-prompt").markdown(escape(interview.current.text))


def act(engine: Engine, interview: Interview, text: str | None, clicked: Command | None,
        spoken: tuple[str, Transcript, bytes | None] | None = None,
        owner: str | None = None) -> tuple[Interview, bool]:
    """Send an answer (typed or spoken, with its recording when kept) and/or a command to the engine
    (it grades and saves).

    Returns the interview now live (the saved one, when another tab had moved it on) and whether
    its transcript grew. Both an answer and a click can arrive in one run: a click during grading
    interrupts the run, and Streamlit hands the unprocessed answer to the next run along with the
    click. The answer, typed first, goes first. Nothing typed vanishes: what is not sent stays on
    the page with the reason.
    """
    unsent = spoken[0] if spoken is not None else text
    try:
        latest = caught_up(engine, interview, owner)
        mark = len(latest.entries)
        if unsent is not None and not kept(stale_input(interview, latest, typed_command(unsent)), unsent):
            if spoken is not None:
                send(engine, latest, *spoken)
            else:
                send(engine, latest, unsent)
        if clicked is not None and not kept(stale_input(interview, latest, clicked)) and not latest.is_over:
            engine.command(latest, clicked)
    except (StoreError, VoiceError) as exc:
        # The engine undid the unsaved step (or refused a recording to keep before grading); the
        # candidate's text stays on the page to send again.
        # Shown by the page, and on every later run until an answer is saved (session state).
        st.session_state[UNSAVED] = (interview.id, str(exc), unsent if unsent and unsent.strip() else None)
        return interview, False
    return latest, len(latest.entries) > mark


UNSAVED = "unsaved_answer"  # session state: the interview, the error of a failed save, and the text not saved


def answered(text: str | None, spoken: tuple | None) -> bool:
    """Whether this run sent an answer (spoken, or typed and not a /command)."""
    return spoken is not None or (text is not None and bool(text.strip()) and not text.strip().startswith("/"))


def show_unsaved(error: str, text: str | None) -> None:
    st.error(escape(error), icon=":material/error:")
    if text:
        st.warning(NOT_SAVED)
        st.code(text, language=None, wrap_lines=True)


KEPT = "kept_notice"   # session state: why input was not sent, and its text, until the candidate acts again


def kept(reason: str | None, text: str | None = None) -> bool:
    """Show why input from a stale tab was not sent, with the text to copy; False when there is no reason.

    The notice stays on the page across reruns until the next input, so the text cannot vanish."""
    if reason is None:
        return False
    st.session_state[KEPT] = (reason, text)
    show_kept(reason, text)
    return True


def show_kept(reason: str, text: str | None) -> None:
    st.warning(reason, icon=":material/sync_problem:")
    if text and text.strip():
        st.code(text, language=None, wrap_lines=True)


def caught_up(engine: Engine, interview: Interview, owner: str | None) -> Interview:
    """The interview as saved: this one, or a fresh copy when another tab or window moved it on."""
    if len(engine.store.session_data(interview.id)["entries"]) == len(interview.entries):
        return interview
    latest = engine.resume(interview.id, owner=owner)
    st.session_state[KEY] = latest
    return latest


def send(engine: Engine, interview: Interview, text: str, spoken: Transcript | None = None,
         audio: bytes | None = None) -> None:
    """Grade an answer (with a spinner) or run a typed command; refuse an empty or too long answer.

    A spoken answer (its edited transcript) is always graded as an answer, never read as a command;
    its ``audio`` (only when the candidate keeps recordings) is saved with it.
    A typed command that changes nothing (unknown, or refused) gets its reply here, in the chat.
    """
    if not text.strip():
        st.warning("Type an answer first, or use a button.")
    elif (problem := check_answer(text)) is not None:
        st.warning(problem)
        st.code(text, language=None, wrap_lines=True)
    elif spoken is None and text.strip().startswith("/"):
        reply = engine.handle(interview, text)
        if not reply.entries and reply.message:
            with st.chat_message("user", avatar=":material/person:"):
                st.markdown(escape(text))
            with st.chat_message("assistant", avatar=":material/record_voice_over:"):
                st.text(reply.message)
    else:
        pending = st.empty()
        try:
            with pending.container():
                with st.chat_message("user", avatar=":material/person:"):
                    st.markdown(escape(text))
                with st.chat_message("assistant", avatar=":material/record_voice_over:"):
                    with st.spinner("Grading your answer…"):
                        if spoken is not None:
                            engine.answer(interview, text, spoken, audio)
                        else:
                            engine.handle(interview, text)
        finally:
            # Only once the spinner has gone: clearing its place first crashes the page (a race in Streamlit).
            pending.empty()


# --- review ------------------------------------------------------------------------------------


def review_page(engine: Engine, view: SessionView, owner: str | None = None) -> None:
    """Scores, charts, strongest and weakest areas, downloads, and the full transcript with feedback
    (and a player under each spoken answer whose recording was kept)."""
    st.header("Review")
    setup_caption(view.setup, engine, view.question_ids)
    s = view.summary
    cols = st.columns(4)
    cols[0].metric("Overall", f"{s.score10:.1f}/10" if s.score10 is not None else "–")
    cols[1].metric("Questions", len(s.questions))
    cols[2].metric("Answers", s.answers)
    cols[3].metric("Time answering", clock(s.seconds))
    if s.questions:
        tabs = st.tabs(["Per question", "Per track", "Per key point"])
        tabs[0].altair_chart(question_chart(s), width="stretch", height=CHART_HEIGHT)
        tabs[1].altair_chart(track_chart(s), width="stretch", height=max(160, 60 + 40 * len(s.tracks)))
        if s.points:
            tabs[2].altair_chart(point_chart(s), width="stretch")
        else:
            tabs[2].info("No graded key points yet.")
    st.markdown(areas_md(s))
    if s.weakest and st.button("Practise my weak spots", icon=":material/fitness_center:", key="practise_weak",
                               help="A new interview on the key points you missed and what you got wrong"):
        with st.spinner("Choosing your questions…"):
            interview = engine.start(Setup(weak_spots=True, profile=view.setup.profile))
        st.session_state[KEY] = interview
        go(session=interview.id)
    if view.delivery is not None:
        st.subheader("Delivery of your spoken answers")
        st.markdown(delivery_table_md(view.delivery))
    downloads(engine, view)
    st.subheader("Transcript")
    bubbles(messages(view.entries, view.setup.length), engine.bank, engine.store.recordings_of(view.id, owner))
    if st.button("Start a new interview", type="primary", icon=":material/add:"):
        go()


def downloads(engine: Engine, view: SessionView) -> None:
    """Markdown, JSON and PDF downloads of the session, each built only when its button is clicked
    (a 30-question PDF took 26 s to build, and used to be rebuilt on every render)."""
    stem = file_stem(view)
    answers = view.model_answers(engine.bank)
    row = st.container(horizontal=True)
    row.download_button("Markdown", lambda: to_markdown(view, answers), f"{stem}.md", "text/markdown",
                        icon=":material/download:", on_click="ignore", key="dl_md")
    row.download_button("JSON", lambda: to_json(view), f"{stem}.json", "application/json",
                        icon=":material/download:", on_click="ignore", key="dl_json")
    row.download_button("PDF", lambda: to_pdf(view, answers), f"{stem}.pdf", "application/pdf",
                        icon=":material/download:", on_click="ignore", key="dl_pdf")


# --- history -----------------------------------------------------------------------------------


def history_page(engine: Engine, profile: str) -> None:
    """Past sessions with date, set-up and score, and progress over time per track."""
    st.header("History")
    if not profile.startswith(("oidc-", "header:")):
        st.caption(f"Profile: {escape(profile)}")
    rows = history(engine.store, profile)
    if not rows:
        st.info("No interviews yet for this profile. Start one with **New interview**.")
        your_data(engine, profile)
        return
    points = progress_points(rows)
    if points:
        st.altair_chart(progress_chart(points), width="stretch", height=CHART_HEIGHT)
    spoken = delivery_points([(row.info.created_at, row.info.id, row.delivery) for row in rows])
    if spoken:
        st.altair_chart(delivery_chart(spoken), width="stretch")
    for row in rows:
        info = row.info
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            score = f"{info.score10:.1f}/10" if info.score10 is not None else "–"
            tracks = ", ".join(f"{escape(name)} {value:.1f}" for name, value in row.tracks)
            gave_up = f" · {row.gave_up} skipped or revealed" if row.gave_up else ""
            st.markdown(f"**{info.created_at.astimezone():%Y-%m-%d %H:%M}** · {score} · {row.answered}/{info.setup.length} "
                        f"answered{gave_up} · {escape(info.status)}  \n"
                        + " · ".join(f"{label}: {escape(value)}" for label, value in describe_setup(info.setup)
                                     if label != "Profile")
                        + (f"  \nBy track: {tracks}" if tracks else ""), width="stretch")
            label = "Review" if info.status == "ended" else "Resume"
            if st.button(label, key=f"open_{info.id}"):
                go(session=info.id)
            with st.popover("Delete", icon=":material/delete:", help="Delete this interview and its answers"):
                st.caption("This interview, its answers, grades and any kept recordings are removed for good.")
                if st.button("Delete it for good", key=f"delete_{info.id}", type="primary"):
                    engine.store.delete_session(info.id, profile)
                    st.session_state.pop(KEY, None)
                    st.rerun()
    your_data(engine, profile)


def your_data(engine: Engine, profile: str) -> None:
    """Download everything stored for this profile as JSON, or delete all of it."""
    st.subheader("Your data")
    st.download_button("Download all my data (JSON)", lambda: profile_json(engine.store.export_profile(profile)),
                       "my-interview-data.json", "application/json", icon=":material/download:",
                       on_click="ignore", key="dl_all")
    sure = st.checkbox("I understand that deleting cannot be undone", key="delete_all_sure")
    if st.button("Delete all my data", icon=":material/delete_forever:", disabled=not sure, key="delete_all"):
        engine.store.delete_profile(profile)
        st.session_state.pop(KEY, None)
        st.rerun()
