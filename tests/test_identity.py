"""Per-user isolation: identities from OpenID Connect claims or a trusted header, and a store whose
every read and write of sessions, turns, history, weak spots and exports is scoped to one profile,
on SQLite and PostgreSQL. Deleting removes every row of that user and nothing else."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

import pg
from fakes import Clock, KeywordGrader, small_bank
from interviewer import settings
from interviewer.engine import Engine
from interviewer.identity import AuthConfigError, AuthMode, SignInRefused, from_claims, from_headers, mode
from interviewer.planner import Setup
from interviewer.store import SessionNotFound, Store, point_history, sessions, turns

ALICE = "oidc-alice"
BOB = "oidc-bob"


# --- identities ---------------------------------------------------------------------------------


def test_the_profile_is_a_stable_digest_of_issuer_and_subject():
    a = from_claims({"iss": "https://id.example", "sub": "123", "email": "a@uni.example"})
    assert from_claims({"iss": "https://id.example", "sub": "123", "email": "renamed@uni.example"}).profile == a.profile
    assert a.profile.startswith("oidc-") and a.label == "a@uni.example"
    assert from_claims({"iss": "https://other.example", "sub": "123"}).profile != a.profile
    assert from_claims({"iss": "https://id.example", "sub": "124"}).profile != a.profile
    assert Setup(profile=a.profile).profile == a.profile                 # a valid profile name


@pytest.mark.parametrize("claims, message", [
    ({"email": "a@uni.example"}, "no subject"),
    ({"sub": "1", "email": "a@gmail.example"}, "only @uni.example"),
    ({"sub": "1"}, "only @uni.example"),
    ({"sub": "1", "email": "a@uni.example", "email_verified": False}, "not verified"),
])
def test_the_allow_list_and_missing_claims_refuse_sign_in(claims, message):
    with pytest.raises(SignInRefused, match=message):
        from_claims(claims, ("uni.example",))


def test_header_mode_needs_the_header_and_reads_only_the_configured_one():
    with pytest.raises(SignInRefused, match="no X-Forwarded-Email header"):
        from_headers({"Host": "x", "X-Forwarded-User": "mallory"}, "X-Forwarded-Email")
    who = from_headers({"x-forwarded-email": "Alice@Uni.example"}, "X-Forwarded-Email", ("uni.example",))
    assert who.profile == "header:alice@uni.example"
    with pytest.raises(SignInRefused, match="only @uni.example"):
        from_headers({"X-Forwarded-Email": "eve@evil.example"}, "X-Forwarded-Email", ("uni.example",))


def test_sign_in_is_off_unless_configured_and_header_mode_needs_its_header(monkeypatch):
    assert mode(settings.load()) is AuthMode.NONE
    monkeypatch.setenv("INTERVIEWER_AUTH", "header")
    with pytest.raises(AuthConfigError, match="INTERVIEWER_AUTH_HEADER"):
        mode(settings.load())
    monkeypatch.setenv("INTERVIEWER_AUTH", "kerberos")
    with pytest.raises(AuthConfigError, match="none, oidc, header"):
        mode(settings.load())


# --- the store, scoped to one profile, on both databases ------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request):
    if request.param == "sqlite":
        store = Store()
        yield store
        store.close()
        return
    url = pg.fresh_database(request.getfixturevalue("postgres_url"))
    store = Store(url)
    yield store
    store.close()
    pg.drop_database(url)


@pytest.fixture
def engine(store, tmp_path):
    return Engine(small_bank(tmp_path / "bank"), KeywordGrader(), store, data_dir=tmp_path)


def interview_of(engine: Engine, profile: str, answers=("alpha beta", "gamma")):
    interview = engine.start(Setup(length=2, seed=2, profile=profile), clock=Clock())
    for text in answers:
        engine.handle(interview, text)
    return interview


def rows(store: Store) -> dict[str, list]:
    with store.engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(sa.select(t)).all()] for t in (sessions, turns, point_history)}


def test_another_users_session_is_not_found_not_forbidden(engine, store):
    mine = interview_of(engine, ALICE)
    assert engine.resume(mine.id, owner=ALICE).to_dict() == mine.to_dict()
    with pytest.raises(SessionNotFound) as theirs:
        engine.resume(mine.id, owner=BOB)
    with pytest.raises(SessionNotFound) as nobody:
        engine.resume("00000000-0000-0000-0000-000000000000", owner=BOB)
    assert str(theirs.value).split("'")[0] == str(nobody.value).split("'")[0]    # same words either way
    assert [s.id for s in store.list_sessions(ALICE)] == [mine.id] and store.list_sessions(BOB) == []
    assert store.weak_spots(BOB, due_only=False) == [] and store.export_profile(BOB)["sessions"] == []


def test_an_answer_is_never_saved_into_someone_elses_session(engine, store):
    mine = interview_of(engine, ALICE)
    before = store.session_data(mine.id)
    data = mine.to_dict()
    data["setup"]["profile"] = BOB                                  # a forged or reused id
    forged = type(mine).from_dict(data, engine.bank, engine.grader)
    with pytest.raises(SessionNotFound):
        engine.handle(forged, "an answer Bob typed")
    assert store.session_data(mine.id) == before


def test_export_holds_all_of_one_users_data_and_nothing_of_anyone_else(engine, store):
    first, second = interview_of(engine, ALICE), interview_of(engine, ALICE, ("/skip",))
    interview_of(engine, BOB, ("bob's secret answer",))
    exported = store.export_profile(ALICE)
    assert [s["id"] for s in exported["sessions"]] == [first.id, second.id]
    assert exported["sessions"][0]["entries"] == first.to_dict()["entries"]
    assert exported["weak_spot_history"] and all(p["profile"] == ALICE for p in exported["weak_spot_history"])
    assert "bob's secret" not in json.dumps(exported)


def test_deleting_one_interview_or_everything_removes_exactly_that_users_rows(engine, store):
    keep, drop = interview_of(engine, ALICE), interview_of(engine, ALICE)
    bobs = interview_of(engine, BOB)
    bob_rows = {name: [r for r in table if BOB in r or bobs.id in r] for name, table in rows(store).items()}
    with pytest.raises(SessionNotFound):
        store.delete_session(drop.id, BOB)                             # not Bob's to delete
    store.delete_session(drop.id, ALICE)
    left = rows(store)
    assert drop.id not in {r[0] for r in left["turns"]} | {r[0] for r in left["sessions"]}
    assert keep.id in {r[0] for r in left["sessions"]}
    assert store.delete_profile(ALICE) == 1
    left = rows(store)
    assert left == bob_rows                                            # only Bob's rows remain, all of them
    assert all(len(v) for v in left.values())
