"""Streamlit front end: renders the interview and forwards input; every decision lives in interviewer/.

The URL says where you are (``?session=<id>``, ``?view=history``, ``?profile=<name>``), so a reload
or a reopened link lands on the same page, and the interview resumes from the store. An interview
that has ended opens on its review, except right after its last turn (``&view=finished``): then the
chat stays, with the last feedback in sight, and offers the review.
"""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import streamlit as st

from embeddings import BackgroundEncoder, ModelError, start_encoder
from embeddings.background import BackgroundIndex
from interviewer import settings
from interviewer.bank import Bank, BankError, load_bank
from interviewer.engine import Engine, grader_now
from interviewer.grading.grader import Grader
from interviewer.identity import AuthError
from interviewer.markup import escape
from interviewer.planner import SetupError
from interviewer.review import SessionView
from interviewer.session import SessionError
from interviewer.store import Store, StoreCorrupt, StoreError
from ui import auth, pages

st.set_page_config(page_title="ML mock interviewer", page_icon="🎙️", layout="centered")


# Heavy, read-only resources: built once per process and shared by every browser session.
@st.cache_resource(show_spinner=False)
def encoder(model_path: str | None) -> BackgroundEncoder:
    """The sentence encoder, loading in the background: the set-up page does not wait for it."""
    loading = start_encoder(model_path)

    def freeze_when_loaded() -> None:
        try:
            loading.wait()
        except ModelError:
            return
        gc.freeze()  # the model lives as long as the process: keep it out of every later collection

    threading.Thread(target=freeze_when_loaded, name="freeze-encoder", daemon=True).start()
    return loading


@st.cache_resource(show_spinner=False)
def bank_and_grader(bank_dir: str | None, replace: bool, model_path: str | None,
                    cache_dir: str) -> tuple[Bank, Grader, BackgroundIndex | None]:
    """The question bank and a grader; on a first run its index over the bank builds in the background."""
    bank = load_bank(Path(bank_dir) if bank_dir else None, replace=replace, strict=False)
    grader, indexing = grader_now(bank, encoder(model_path), Path(cache_dir))
    return bank, grader, indexing


@st.cache_resource(show_spinner=False)
def engine(bank_dir: str | None, replace: bool, model_path: str | None, data_dir: str, database_url: str,
           cache_dir: str) -> Engine:
    """The engine: bank, grader, store (schema migrated on open)."""
    bank, grader, indexing = bank_and_grader(bank_dir, replace, model_path, cache_dir)
    live = Engine(bank, grader, Store(database_url), encoder=encoder(model_path), data_dir=Path(data_dir),
                  indexing=indexing)
    # The model, bank and grader live as long as the process: keep them out of every later collection
    # (a full collection walked the model's objects for about a second).
    gc.freeze()
    return live


def main() -> None:
    """Pick the page from the URL and draw it."""
    config = settings.load()
    st.title("ML mock interviewer")
    user = auth.current_user(config)             # None when sign-in is off (one person on this computer)
    owner = user.profile if user else None       # with sign-in, every read and write is scoped to it
    profile = pages.sidebar(config.profile, user, config)
    # Shown only when loading takes longer than half a second: on a first start, not on every rerun.
    with st.spinner("Starting up: loading the question bank…", show_time=True):
        live = engine(str(config.bank_dir) if config.bank_dir else None, config.bank_replace, config.model_path,
                      str(config.data_dir), config.database_url, str(config.cache_dir))
    loading = encoder(config.model_path)
    if loading.error is not None:   # the model failed to load in the background: say so on every page
        raise loading.error
    pages.indexing_progress(live.indexing)
    session_id = st.query_params.get("session")
    if st.query_params.get("view") == "history":
        pages.history_page(live, profile)
    elif session_id:
        interview = pages.live_interview(live, session_id, owner)
        if interview.is_over and st.query_params.get("view") != pages.FINISHED:
            pages.review_page(live, SessionView.from_interview(interview), owner)
        else:
            pages.interview_page(live, interview, owner)
    else:
        pages.setup_page(live, profile)


try:
    main()
except (StoreError, SessionError, SetupError, BankError, ModelError, AuthError) as exc:
    st.error(escape(str(exc)), icon=":material/error:")   # the message may quote the URL: escape it
    if isinstance(exc, StoreCorrupt):
        # Let go of the damaged file: once it is moved aside, the next page load opens a new database
        # instead of the old file this process still holds open.
        engine.clear()
