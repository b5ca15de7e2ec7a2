"""Keeping the recordings of spoken answers: off unless asked, kept byte for byte with their turn, read
only by their owner, listed (not embedded) in the data export, gone with the session, and played back
in the review. Store tests on SQLite and PostgreSQL; the app driven by AppTest.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

import pg
from apphelp import APP, data_dir_with_shared_cache, small_real_bank
from fakes import Clock, KeywordGrader, small_bank
from interviewer import migrations
from interviewer.bank import load_bank
from interviewer.engine import Engine
from interviewer.planner import Setup
from interviewer.store import SessionNotFound, Store, recordings, sessions, turns
from interviewer.transcript import AnswerGiven, Command
from interviewer.voice import Recording, TooLong, Transcript, Word
from interviewer.voice.transcribe import MAX_SECONDS
from voicehelp import RATE, TEXTS, VOICE, joined, samples, wav_bytes

ALICE = "oidc-alice"
BOB = "oidc-bob"
TIMEOUT = 600       # app runs: the first builds the index on a shared 2-core machine; not a speed check


def transcript_of(name: str) -> Transcript:
    """What the transcriber makes of a fixture, by hand: its exact text, the words spread over its length."""
    seconds = len(samples(name)) / RATE
    said = TEXTS[name].split()
    step = seconds / len(said)
    words = tuple(Word(f" {w}", i * step, (i + 0.8) * step, 0.9) for i, w in enumerate(said))
    return Transcript(TEXTS[name], words, seconds, seconds, 0.9, 0.1, "hand-made")


def audio(name: str = "fillers.wav") -> bytes:
    return (VOICE / name).read_bytes()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request):
    if request.param == "sqlite":
        opened = Store()
        yield opened
        opened.close()
        return
    url = pg.fresh_database(request.getfixturevalue("postgres_url"))
    opened = Store(url)
    yield opened
    opened.close()
    pg.drop_database(url)


@pytest.fixture
def engine(store, tmp_path):
    return Engine(small_bank(tmp_path / "bank"), KeywordGrader(), store, data_dir=tmp_path)


def spoken_answer(engine: Engine, profile: str = "me", keep: bool = True, name: str = "fillers.wav"):
    """A new interview whose first answer is spoken (its recording kept when ``keep``); returns it and the answer."""
    interview = engine.start(Setup(length=2, seed=1, profile=profile), clock=Clock())
    engine.answer(interview, TEXTS[name], transcript_of(name), audio(name) if keep else None)
    return interview, [e for e in interview.entries if isinstance(e, AnswerGiven)][-1]


def traces(data: bytes, folder) -> int:
    """How many of 40 short slices of speech in ``data`` some file in ``folder`` contains (a blob is split
    over pages, so one long slice could straddle two; pauses are runs of zeros, so they are left out)."""
    contents = [p.read_bytes() for p in folder.rglob("*") if p.is_file()]
    slices = [data[at:at + 48] for at in range(1000, len(data) - 48, 997)]
    speech = [piece for piece in slices if len(set(piece)) >= 16][:40]
    assert len(speech) == 40
    return sum(any(piece in content for content in contents) for piece in speech)


def rows(store: Store, table: sa.Table = recordings) -> list:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(table)).all()


# --- the store -----------------------------------------------------------------------------------


def test_a_kept_recording_comes_back_byte_for_byte_with_its_turn(engine, store):
    interview, answer = spoken_answer(engine)
    kept = store.recordings_of(interview.id)
    assert list(kept) == [answer.seq]
    assert kept[answer.seq].audio == audio() and kept[answer.seq].format == "audio/wav"
    assert kept[answer.seq].seconds == pytest.approx(12.9, abs=0.05)
    assert engine.resume(interview.id).to_dict() == interview.to_dict()     # the transcript is as before
    engine.handle(interview, "alpha")                                       # later turns keep nothing
    assert list(store.recordings_of(interview.id)) == [answer.seq]


def test_without_keep_no_audio_reaches_the_database(engine, store):
    interview, answer = spoken_answer(engine, keep=False)
    assert answer.delivery is not None                                      # it was a spoken answer
    engine.handle(interview, "alpha beta")
    assert store.recordings_of(interview.id) == {} and rows(store) == []


def test_without_keep_the_database_file_holds_no_audio(isolated_data_dir, tmp_path):
    store = Store()
    engine = Engine(small_bank(tmp_path / "bank"), KeywordGrader(), store, data_dir=tmp_path)
    spoken_answer(engine, keep=False)
    assert traces(audio(), isolated_data_dir) == 0
    spoken_answer(engine, keep=True)                    # the same check finds it once it is kept
    assert traces(audio(), isolated_data_dir) >= 35
    store.close()


def test_deleting_a_session_or_all_data_removes_its_audio(engine, store, isolated_data_dir):
    first, _ = spoken_answer(engine, ALICE)
    second, _ = spoken_answer(engine, ALICE, name="roc_auc.wav")
    bobs, _ = spoken_answer(engine, BOB)
    store.delete_session(first.id, ALICE)
    assert {r.session_id for r in rows(store)} == {second.id, bobs.id}
    with pytest.raises(SessionNotFound):
        store.recordings_of(first.id)
    assert store.delete_profile(ALICE) == 1
    assert {r.session_id for r in rows(store)} == {bobs.id}                  # Bob's recording untouched
    if store.is_sqlite:                                 # and the bytes are gone from the file, not just unlinked
        assert traces(audio("roc_auc.wav"), isolated_data_dir) == 0


def test_another_owner_never_gets_the_audio(engine, store):
    mine, answer = spoken_answer(engine, ALICE)
    assert list(store.recordings_of(mine.id, ALICE)) == [answer.seq]
    with pytest.raises(SessionNotFound) as theirs:
        store.recordings_of(mine.id, BOB)
    with pytest.raises(SessionNotFound) as nobody:
        store.recordings_of("00000000-0000-0000-0000-000000000000", BOB)
    assert str(theirs.value).split("'")[0] == str(nobody.value).split("'")[0]   # same words either way
    with pytest.raises(SessionNotFound):
        store.recordings_of("abc\x00def", ALICE)
    assert store.export_profile(BOB)["sessions"] == []
    with pytest.raises(SessionNotFound):
        store.delete_session(mine.id, BOB)
    assert len(rows(store)) == 1


def test_the_data_export_lists_each_kept_recording_without_the_audio(engine, store):
    spoken, answer = spoken_answer(engine, ALICE)
    typed = engine.start(Setup(length=1, seed=2, profile=ALICE), clock=Clock())
    engine.handle(typed, "alpha")
    exported = store.export_profile(ALICE)
    by_id = {s["id"]: s for s in exported["sessions"]}
    assert by_id[spoken.id]["recordings"] == [{"seq": answer.seq, "format": "audio/wav", "bytes": len(audio()),
                                               "seconds": pytest.approx(12.9, abs=0.05)}]
    assert by_id[typed.id]["recordings"] == []
    assert by_id[spoken.id]["entries"] == spoken.to_dict()["entries"]       # the transcript itself unchanged
    assert len(json.dumps(exported)) < len(audio()) // 4                     # not embedded


def test_a_recording_over_the_limit_is_refused_before_anything_is_saved(engine, store):
    interview = engine.start(Setup(length=2, seed=1), clock=Clock())
    before = store.session_data(interview.id)
    speech = samples("fillers.wav")
    too_long = wav_bytes(joined(*[speech] * int(MAX_SECONDS / (len(speech) / RATE) + 1)))
    with pytest.raises(TooLong, match="over the 5-minute limit, so it cannot be kept.*nothing was saved"):
        engine.answer(interview, TEXTS["fillers.wav"], transcript_of("fillers.wav"), too_long)
    assert store.session_data(interview.id) == before and rows(store) == []
    assert not any(isinstance(e, AnswerGiven) for e in interview.entries)


def test_a_recording_exactly_at_the_limit_is_kept(engine, store):
    interview = engine.start(Setup(length=2, seed=1), clock=Clock())
    clip = wav_bytes(np.resize(samples("fillers.wav"), int(MAX_SECONDS * RATE)))
    engine.answer(interview, TEXTS["fillers.wav"], transcript_of("fillers.wav"), clip)
    (kept,) = store.recordings_of(interview.id).values()
    assert kept.audio == clip and kept.seconds == MAX_SECONDS


def test_a_recording_belongs_to_a_new_answer_turn_only(engine, store):
    interview = engine.start(Setup(length=2, seed=1), clock=Clock())
    with pytest.raises(ValueError, match="pass spoken"):
        engine.answer(interview, "alpha", None, audio())
    engine.handle(interview, "alpha")
    answer = next(e for e in interview.entries if isinstance(e, AnswerGiven))
    with pytest.raises(ValueError, match="not one"):        # already saved: it cannot gain a recording later
        store.save(interview, {answer.seq: Recording.of(audio())})
    assert rows(store) == []


def test_a_version_2_database_gains_the_recordings_table_and_keeps_its_turns(isolated_data_dir):
    isolated_data_dir.mkdir(parents=True, exist_ok=True)
    old = sa.create_engine(f"sqlite:///{isolated_data_dir / 'interviewer.sqlite3'}")
    with old.begin() as conn:
        for number, name, apply in migrations.MIGRATIONS[:2]:
            apply(conn)
            conn.execute(sa.text("INSERT INTO schema_version VALUES (:v, :n, '2025-01-01')"), {"v": number, "n": name})
        conn.execute(sa.text("INSERT INTO sessions (id, profile, created_at, updated_at, setup, status, questions) "
                             "VALUES ('s1', 'me', '2025-01-01', '2025-01-01', '{}', 'ended', 0)"))
        conn.execute(sa.text("INSERT INTO turns VALUES ('s1', 1, 'question', 'q', '{}', '2025-01-01')"))
    old.dispose()
    store = Store()
    assert store.version == migrations.MIGRATIONS[-1][0] and [tuple(r)[:2] for r in rows(store, turns)] == [("s1", 1)]
    assert store.recordings_of("s1") == {} and len(rows(store, sessions)) == 1
    foreign = sa.inspect(store.engine).get_foreign_keys("recordings")
    assert [(f["referred_table"], f["constrained_columns"]) for f in foreign] == [("turns", ["session_id", "seq"])]
    store.close()


# --- the app ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared(tmp_path_factory, request):
    """One small real bank and one index cache for the app tests here."""
    root = tmp_path_factory.mktemp("app")
    bank_dir = small_real_bank(root / "bank")
    data = data_dir_with_shared_cache(root / "data", request.config.cache.mkdir("app-index"))
    return bank_dir, data, load_bank(bank_dir, replace=True)


@pytest.fixture
def app_env(shared, tmp_path, monkeypatch):
    """The app's settings: the shared bank and cache, a database of its own."""
    bank_dir, data, bank = shared
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    for key, value in {"INTERVIEWER_BANK": str(bank_dir), "INTERVIEWER_BANK_REPLACE": "1",
                       "INTERVIEWER_DATA_DIR": str(data), "INTERVIEWER_DATABASE_URL": url}.items():
        monkeypatch.setenv(key, value)
    return {"bank": bank, "url": url, "data": data}


def app(**params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(params)
    return at.run()


def no_errors(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def players(at: AppTest) -> list:
    return list(at.get("audio"))


def finished_interview(app_env, keep: bool) -> str:
    """An ended interview in the app's database whose first answer was spoken; returns its id."""
    store = Store(app_env["url"])
    engine = Engine(app_env["bank"], KeywordGrader(), store, data_dir=app_env["data"])
    interview = engine.start(Setup(length=1, seed=1))
    engine.answer(interview, TEXTS["fillers.wav"], transcript_of("fillers.wav"), audio() if keep else None)
    engine.command(interview, Command.END)
    store.close()
    return interview.id


def test_the_review_plays_a_kept_recording(app_env):
    at = app(session=finished_interview(app_env, keep=True))
    no_errors(at)
    assert at.header[0].value == "Review"
    assert len(players(at)) == 1
    at = app(session=finished_interview(app_env, keep=False))
    no_errors(at)
    assert at.header[0].value == "Review" and players(at) == []



def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def answered(store: Store, session: str) -> int:
    return sum(e["kind"] == "answer" for e in store.session_data(session)["entries"])


def record(at: AppTest, name: str) -> AppTest:
    """Record a fixture with the microphone of the waiting prompt (the app transcribes it)."""
    return at.audio_input[0].set_value((name, audio(name), "audio/wav")).run()


@pytest.mark.slow
def test_the_app_keeps_only_submitted_recordings_and_only_when_asked(app_env):
    """Real transcriber and grader: off by default; on, a re-recorded take and an answer typed instead
    of a recording keep nothing; the choice survives a button click; the review plays what was kept."""
    at = app()
    at.number_input(key="setup_length").set_value(5)
    at = button(at.run(), "Start the interview").click().run()
    no_errors(at)
    session = at.query_params["session"]
    saved = Store(app_env["url"])
    keep = at.checkbox(key="keep_recordings_box")
    assert keep.label == "Keep my recordings" and keep.value is False            # off by default

    at = button(record(at, "fillers.wav"), "Submit spoken answer").click().run()
    no_errors(at)
    assert answered(saved, session) == 1 and saved.recordings_of(session) == {}

    at = at.checkbox(key="keep_recordings_box").check().run()
    at = record(record(at, "roc_auc.wav"), "fillers.wav")                         # the first take is discarded
    assert "the audio will be kept" in " ".join(c.value for c in at.caption)
    at = button(at, "Submit spoken answer").click().run()
    no_errors(at)
    kept = saved.recordings_of(session)
    assert answered(saved, session) == 2 and [r.audio for r in kept.values()] == [audio("fillers.wav")]

    at = button(at, "Skip").click().run()                                         # the box is not drawn on this run
    assert at.checkbox(key="keep_recordings_box").value is True
    at = record(at, "roc_auc.wav")
    at = at.chat_input[0].set_value("I would rather type: alpha, beta and gamma.").run()   # typed instead
    no_errors(at)
    assert answered(saved, session) == 3 and saved.recordings_of(session) == kept

    at = button(at, "End").click().run()
    no_errors(at)
    assert at.header[0].value == "Review" and len(players(at)) == 1
    saved.close()
