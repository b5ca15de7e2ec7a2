"""The store: migrated schema, upgrades, bad files, saving every turn, resuming, history, weak spots."""

from __future__ import annotations

import os
import sqlite3
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fakes import Clock, KeywordGrader, small_bank
from interviewer import migrations, settings
from interviewer.engine import Engine
from interviewer.grade import Status
from interviewer.planner import Setup, SetupError, plan_tracks
from interviewer.schedule import PointState, review
from interviewer.session import Interview
from interviewer.store import SchemaTooNew, SessionNotFound, Store, StoreCorrupt, StoreLocked, meta

EXPECTED_TABLES = {"schema_version", "sessions", "turns", "point_history", "recordings"}
LATEST = migrations.MIGRATIONS[-1][0]


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    return small_bank(tmp_path_factory.mktemp("bank"))


@pytest.fixture
def store():
    opened = Store()
    yield opened
    opened.close()


@pytest.fixture
def engine(bank, store, tmp_path):
    return Engine(bank, KeywordGrader(), store, data_dir=tmp_path / "data")


def sqlite_path() -> str:
    return str(settings.load().data_dir / "interviewer.sqlite3")


# --- schema ----------------------------------------------------------------------------------


def test_default_database_is_sqlite_in_the_data_folder(store):
    assert store.is_sqlite and os.path.isfile(sqlite_path())


def test_migrated_schema_matches_the_live_table_definitions(store):
    inspector = sa.inspect(store.engine)
    assert EXPECTED_TABLES <= set(inspector.get_table_names())
    for table in meta.sorted_tables:
        have = {c["name"] for c in inspector.get_columns(table.name)}
        assert have == {c.name for c in table.columns}, table.name
        assert set(inspector.get_pk_constraint(table.name)["constrained_columns"]) == {c.name for c in table.primary_key}
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT version, name FROM schema_version ORDER BY version")).all()
    assert [tuple(r) for r in rows] == [(n, name) for n, name, _ in migrations.MIGRATIONS]
    assert store.version == migrations.MIGRATIONS[-1][0]


def test_reopening_applies_nothing_twice(store):
    again = Store()
    assert again.version == store.version
    with again.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM schema_version")).scalar() == len(migrations.MIGRATIONS)
    again.close()


def test_an_old_database_is_upgraded_and_keeps_its_data():
    os.makedirs(os.path.dirname(sqlite_path()), exist_ok=True)
    engine = sa.create_engine(f"sqlite:///{sqlite_path()}")
    with engine.begin() as conn:                          # a database at version 1
        migrations.m001_sessions_and_turns(conn)
        conn.execute(sa.text("INSERT INTO schema_version VALUES (1, 'm001_sessions_and_turns', '2025-01-01')"))
        conn.execute(sa.text("INSERT INTO sessions (id, profile, created_at, updated_at, setup, status, questions) "
                             "VALUES ('s1', 'me', '2025-01-01', '2025-01-01', '{}', 'ended', 0)"))
    engine.dispose()
    store = Store()
    assert store.version == LATEST
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id FROM sessions")).scalar() == "s1"
        assert conn.execute(sa.text("SELECT COUNT(*) FROM point_history")).scalar() == 0
        assert conn.execute(sa.text("SELECT COUNT(*) FROM recordings")).scalar() == 0
    store.close()


def test_a_newer_schema_is_refused_untouched(store):
    with store.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO schema_version VALUES (99, 'm099_from_the_future', '2030-01-01')"))
    store.close()
    before = open(sqlite_path(), "rb").read()
    with pytest.raises(SchemaTooNew, match=f"schema version 99.*knows only up to {LATEST}.*Upgrade the interviewer"):
        Store()
    assert open(sqlite_path(), "rb").read() == before


def test_a_failing_migration_changes_nothing(monkeypatch):
    def broken(conn):
        conn.execute(sa.text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("boom")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, (LATEST + 1, "m_broken", broken)])
    monkeypatch.setattr("interviewer.store.MIGRATIONS", migrations.MIGRATIONS)
    with pytest.raises(RuntimeError, match="boom"):
        Store()
    inspector = sa.inspect(sa.create_engine(f"sqlite:///{sqlite_path()}"))
    assert "half_done" not in inspector.get_table_names() and "point_history" in inspector.get_table_names()


@pytest.mark.parametrize("content", [b"this is not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_corrupt_file_is_a_clear_error(content):
    os.makedirs(os.path.dirname(sqlite_path()), exist_ok=True)
    with open(sqlite_path(), "wb") as handle:
        handle.write(content)
    with pytest.raises(StoreCorrupt, match="damaged or is not a database.*Move it aside"):
        Store()


def test_a_locked_file_is_a_clear_error(store):
    holder = sqlite3.connect(sqlite_path(), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreLocked, match="locked by another program"):
            Store(lock_timeout=0.05)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# --- sessions and turns ----------------------------------------------------------------------


def test_every_turn_is_saved_at_once_and_the_session_resumes_exactly(engine, bank):
    clock = Clock()
    interview = engine.start(Setup(tracks=("ml-fundamentals",), length=3, seed=5), clock=clock)
    for text in ["beta gamma", "x", "/hint", "I don't know", "alpha beta", "/retry"]:
        clock.advance(4)
        engine.handle(interview, text)
        fresh = Store()                                   # a second process sees every turn already
        assert len(fresh.session_data(interview.id)["entries"]) == len(interview.entries)
        fresh.close()
    resumed = engine.resume(interview.id, clock=clock)
    assert resumed.to_dict() == interview.to_dict() and resumed.entries == interview.entries
    assert resumed.current == interview.current
    assert resumed.handle("alpha").entries[1:] == interview.handle("alpha").entries[1:]


def test_save_is_idempotent(engine, store):
    interview = engine.start(Setup(length=2, seed=1))
    assert store.save(interview) == 0
    interview.handle("alpha")
    assert store.save(interview) == 2 and store.save(interview) == 0


def test_unknown_session_id(store, bank):
    with pytest.raises(SessionNotFound, match="No saved session 'nope'"):
        store.load_session("nope", bank, KeywordGrader())


def test_sessions_are_listed_per_profile_newest_first_with_score(engine, store):
    clock = Clock()
    first = engine.start(Setup(length=1, seed=1), clock=clock)
    engine.handle(first, "alpha beta gamma")
    engine.command(first, "end")
    clock.advance(3600)
    second = engine.start(Setup(length=1, seed=2, difficulty="senior"), clock=clock)
    engine.start(Setup(length=1, profile="someone-else"), clock=clock)
    listed = store.list_sessions("me")
    assert [s.id for s in listed] == [second.id, first.id]
    assert listed[1].status == "ended" and listed[1].score10 == 10.0 and listed[1].questions == 1
    assert listed[0].status == "active" and listed[0].score10 is None
    assert listed[0].setup.difficulty.value == "senior" and listed[0].created_at.tzinfo is not None


def test_recent_question_ids_cover_the_latest_sessions_of_the_profile(engine, store, bank):
    clock = Clock()
    asked = []
    for seed in range(4):
        clock.advance(60)
        interview = engine.start(Setup(length=1, seed=seed, tracks=("evaluation-metrics",)), clock=clock)
        asked.append(interview.current.question_id)
    other = engine.start(Setup(length=1, profile="guest", tracks=("ml-fundamentals",)), clock=clock)
    recent = store.recent_question_ids("me", sessions_back=3)
    assert recent == set(asked[1:])
    assert other.current.question_id not in recent


def test_recent_questions_are_avoided_by_new_interviews(engine, bank):
    track = {q.id for q in bank.by_track(bank.questions[0].track)}
    setup = Setup(tracks=(bank.questions[0].track,), length=2, seed=0)
    clock = Clock()
    first = engine.start(setup, clock=clock)
    seen = set()
    while not first.is_over:
        seen.add(first.current.question_id)
        engine.command(first, "skip")
    clock.advance(60)
    second = engine.start(Setup(tracks=setup.tracks, length=2, seed=0), clock=clock)
    assert second.current.question_id in track - seen


# --- weak spots ------------------------------------------------------------------------------


def test_leitner_boxes():
    now = Clock()()
    missed = review(None, Status.MISSED, now)
    assert (missed.box, missed.due_at, missed.times_missed) == (1, now, 1)
    up = review(missed, Status.COVERED, now)
    assert (up.box, up.due_at - now) == (2, timedelta(days=1))
    top = review(PointState(5, now), Status.COVERED, now)
    assert top.box == 5 and top.due_at - now == timedelta(days=21)
    assert review(PointState(3, now), Status.PARTLY, now).box == 3
    assert review(PointState(4, now), Status.MISSED, now).box == 1


def test_weak_spots_are_scheduled_missed_first(engine, store, bank):
    clock = Clock()
    interview = engine.start(Setup(tracks=("ml-fundamentals",), length=2, seed=3), clock=clock)
    q1 = interview.current.question_id
    engine.handle(interview, "alpha beta")               # gamma missed; -> deeper follow-up
    engine.command(interview, "skip")
    q2 = interview.current.question_id
    engine.command(interview, "skip")                     # every point of q2 missed
    spots = store.weak_spots("me", clock())
    assert [(s.question_id, s.key_point_id) for s in spots][:1] in ([(q1, "gamma")], [(q2, "alpha")])
    assert {(s.question_id, s.key_point_id) for s in spots} == {(q1, "gamma"), (q2, "alpha"), (q2, "beta"), (q2, "gamma")}
    assert all(s.box == 1 for s in spots)
    assert not store.weak_spots("guest", clock())

    clock.advance(60)
    practice = engine.start(Setup(weak_spots=True, length=2), clock=clock)
    assert set(practice.plan.pool) == {q1, q2}
    engine.handle(practice, "alpha beta gamma")           # the first weak question, now answered well
    answered = practice.entries[1].question_id
    later = {(s.question_id, s.key_point_id): s for s in store.weak_spots("me", clock(), due_only=False)}
    assert later[(answered, "gamma")].box == 2 and later[(answered, "gamma")].due_at == clock() + timedelta(days=1)
    due_now = {s.question_id for s in store.weak_spots("me", clock())}
    assert answered not in due_now                       # answered well: it comes back later


def test_weak_spots_come_most_recent_first_and_include_what_was_said_wrong(engine, store, bank):
    clock = Clock()
    done = []
    for answer in ("I don't know", "alpha beta gamma, wrongly", "I don't know"):    # old miss, misconception, new miss
        interview = engine.start(Setup(tracks=("ml-fundamentals",), length=1, seed=len(done)), clock=clock)
        while interview.current.question_id in done:
            engine.command(interview, "skip")
        done.append(interview.current.question_id)
        engine.handle(interview, answer)
        clock.advance(3600)
    old, wrong, recent = done
    spots = store.weak_spots("me", clock())
    assert [s.question_id for s in spots][0] == recent
    said = [s for s in spots if s.question_id == wrong]
    assert [s.key_point_id for s in said] == ["misconception-1"] and said[0].text.startswith("Correct this: ")
    practice = engine.start(Setup(weak_spots=True, length=3), clock=clock)
    assert list(practice.plan.pool[:3]) == [recent, wrong, old]


def test_weak_spot_practice_needs_history(engine):
    with pytest.raises(SetupError, match="no weak spots yet for profile 'me'"):
        engine.start(Setup(weak_spots=True))


def test_weak_spots_not_yet_due_are_used_when_nothing_is_due(engine, store):
    clock = Clock()
    interview = engine.start(Setup(tracks=("ml-fundamentals",), length=1, seed=3), clock=clock)
    qid = interview.current.question_id
    engine.handle(interview, "beta")
    engine.command(interview, "skip")
    clock.advance(60)
    practice = engine.start(Setup(weak_spots=True, length=1), clock=clock)
    engine.handle(practice, "alpha beta gamma")           # covered: every point climbs to box 2, due tomorrow
    assert not store.weak_spots("me", clock())
    again = engine.start(Setup(weak_spots=True, length=1), clock=clock)
    assert again.current.question_id == qid


@pytest.mark.postgres
def test_postgres_round_trip(bank, postgres_url):
    import uuid

    store = Store(postgres_url)
    assert store.version == migrations.MIGRATIONS[-1][0] and not store.is_sqlite
    profile = f"pg-{uuid.uuid4().hex[:8]}"
    setup = Setup(length=1, seed=1, profile=profile)
    interview = Interview.begin(bank, KeywordGrader(), setup, plan_tracks(bank, setup))
    interview.handle("alpha")
    store.save(interview)
    assert store.load_session(interview.id, bank, KeywordGrader()).to_dict() == interview.to_dict()
    assert [s.id for s in store.list_sessions(profile)] == [interview.id]
    assert store.recent_question_ids(profile) == {interview.entries[0].question_id}
    assert {s.key_point_id for s in store.weak_spots(profile)} == {"beta", "gamma"}
    store.close()
