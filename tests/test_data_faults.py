"""A data folder that is read-only, full, or holds a damaged index cache or database.

Tests run as root, which ignores file permissions, so read-only and full disks are simulated: a data
folder whose parent is a file, SQLite's read-only open mode, a page limit that makes SQLite report
"database or disk is full", and os.replace raising ENOSPC.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from embeddings import TextIndex
from fakes import Clock, KeywordGrader, open_together, small_bank
from interviewer import settings
from interviewer.engine import Engine
from interviewer.planner import Setup
from interviewer.store import DataFolderError, SchemaTooNew, Store, StoreCorrupt, StoreError, StoreLocked


class FakeEncoder:
    """Deterministic unit vectors from a text's hash; counts its calls."""

    model_id = "fake-encoder"
    dim = 8

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=self.dim) for t in texts]
        out = np.array(rows, dtype=np.float32).reshape(len(texts), self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    return small_bank(tmp_path_factory.mktemp("bank"))


def db_file() -> str:
    return str(settings.load().data_dir / "interviewer.sqlite3")


def played(engine: Engine, clock: Clock, answers=("alpha beta", "/hint", "gamma")):
    interview = engine.start(Setup(tracks=("ml-fundamentals",), length=3, seed=4), clock=clock)
    for text in answers:
        clock.advance(5)
        engine.handle(interview, text)
    return interview


# --- a read-only data folder -------------------------------------------------------------------


def test_a_data_folder_that_cannot_be_created_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder's parent should be")
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(blocker / "data"))
    with pytest.raises(DataFolderError, match=r"Could not create the data folder .*INTERVIEWER_DATA_DIR"):
        Store()
    assert blocker.read_text().startswith("a file")


def test_a_read_only_database_is_a_clear_error_and_stays_untouched(bank, tmp_path):
    store = Store()
    interview = played(Engine(bank, KeywordGrader(), store, data_dir=tmp_path), Clock())
    store.close()
    before = open(db_file(), "rb").read()
    read_only = Store(f"sqlite:///file:{db_file()}?mode=ro&uri=true")  # reading still works
    assert [s.id for s in read_only.list_sessions("me")] == [interview.id]
    engine = Engine(bank, KeywordGrader(), read_only, data_dir=tmp_path)
    resumed = engine.resume(interview.id)
    with pytest.raises(DataFolderError, match="read-only.*INTERVIEWER_DATA_DIR"):
        engine.handle(resumed, "alpha")
    read_only.close()
    assert open(db_file(), "rb").read() == before


def test_a_transcript_export_to_a_read_only_or_full_folder_is_a_clear_error(bank, tmp_path, monkeypatch):
    store = Store()
    engine = Engine(bank, KeywordGrader(), store, data_dir=tmp_path)
    interview = played(engine, Clock())
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DataFolderError, match="Could not save the transcript.*session itself is saved"):
        engine.export(interview, blocker / "transcripts")

    def no_space(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    folder = tmp_path / "transcripts"
    with pytest.raises(DataFolderError, match="No space left on device"):
        engine.export(interview, folder)
    assert list(folder.iterdir()) == []                       # no half-written temporary file left behind
    monkeypatch.undo()
    assert engine.export(interview, folder).is_file()
    assert len(store.session_data(interview.id)["entries"]) == len(interview.entries)


# --- a full disk ---------------------------------------------------------------------------------


def test_a_full_disk_loses_no_saved_turn_and_catches_up_once_there_is_room(bank, tmp_path):
    clock = Clock()
    store = Store()
    engine = Engine(bank, KeywordGrader(), store, data_dir=tmp_path)
    interview = played(engine, clock)
    saved = store.session_data(interview.id)
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

    @event.listens_for(store.engine, "connect")
    def _full(dbapi_connection, _record):                  # SQLite says "database or disk is full"
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    store.engine.dispose()
    with pytest.raises(DataFolderError, match="disk holding .* is full.*saved before is intact"):
        engine.handle(interview, "beta " * 5000 + "alpha")
    assert not interview.is_over                              # the interview itself goes on in memory
    event.remove(store.engine, "connect", _full)
    store.engine.dispose()
    assert store.session_data(interview.id) == saved          # what was saved is intact
    engine.handle(interview, "gamma")                         # room again: the next save catches up
    assert len(store.session_data(interview.id)["entries"]) == len(interview.entries)
    assert engine.resume(interview.id).to_dict() == interview.to_dict()


def test_index_cache_on_a_full_disk_only_costs_a_rebuild(tmp_path, monkeypatch, caplog):
    def no_space(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    encoder = FakeEncoder()
    with caplog.at_level(logging.WARNING):
        index = TextIndex.build(["a", "b"], encoder, tmp_path)
    assert len(index) == 2 and "Could not write index cache" in caplog.text
    assert list(tmp_path.iterdir()) == []


def test_index_cache_under_a_file_is_skipped(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert len(TextIndex.build(["a", "b"], FakeEncoder(), blocker / "cache")) == 2


# --- a corrupt index cache -----------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "wrong-shape"])
def test_a_corrupt_index_cache_is_rebuilt(tmp_path, damage):
    encoder = FakeEncoder()
    texts = ["precision", "recall", "f1"]
    TextIndex.build(texts, encoder, tmp_path)
    (path,) = tmp_path.glob("*.npz")
    good = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"\x00\xff not an npz" * 50)
    elif damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        with open(path, "wb") as handle:
            np.savez(handle, vectors=np.zeros((1, 8), dtype=np.float32), meta=np.array('{"version": 1}'))
    rebuilt = TextIndex.build(texts, encoder, tmp_path)
    assert not rebuilt.from_cache and encoder.calls == 2
    assert TextIndex.build(texts, encoder, tmp_path).from_cache and encoder.calls == 2   # rewritten whole


# --- a corrupt, locked or newer database: a named error, the file untouched -------------------------


@pytest.mark.parametrize("content", [b"garbage" * 500, b"SQLite format 3\x00" + b"\x13" * 5000, b""])
def test_a_corrupt_database_is_named_and_left_as_it_was(content):
    os.makedirs(os.path.dirname(db_file()), exist_ok=True)
    with open(db_file(), "wb") as handle:
        handle.write(content)
    if content:
        with pytest.raises(StoreCorrupt, match="damaged or is not a database"):
            Store()
        assert open(db_file(), "rb").read() == content
    else:                                                      # an empty file is a new database
        assert Store().version >= 1


def test_a_locked_database_is_named_untouched_and_the_session_catches_up(bank, tmp_path):
    clock = Clock()
    store = Store(lock_timeout=0.05)
    engine = Engine(bank, KeywordGrader(), store, data_dir=tmp_path)
    interview = played(engine, clock)
    saved = store.session_data(interview.id)
    holder = sqlite3.connect(db_file(), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        before = open(db_file(), "rb").read()
        with pytest.raises(StoreLocked, match="locked by another program"):
            Store(lock_timeout=0.05)
        with pytest.raises(StoreLocked):
            engine.handle(interview, "alpha beta gamma")
        assert open(db_file(), "rb").read() == before
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.session_data(interview.id) == saved
    engine.handle(interview, "/repeat")
    assert engine.resume(interview.id).to_dict() == interview.to_dict()


def test_a_newer_schema_is_named_and_untouched_and_every_store_error_is_a_store_error():
    store = Store()
    with store.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO schema_version VALUES (7, 'm007_future', '2031-01-01')"))
    store.close()
    before = open(db_file(), "rb").read()
    with pytest.raises(SchemaTooNew) as caught:
        Store()
    assert isinstance(caught.value, StoreError) and "Nothing was changed" in str(caught.value)
    assert open(db_file(), "rb").read() == before
    assert issubclass(DataFolderError, StoreError) and issubclass(StoreCorrupt, StoreError)


def test_processes_opening_a_new_sqlite_database_together_migrate_it_once():
    opened, failed = open_together(Store)
    assert not failed and len(opened) == 4
    with opened[0].engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM schema_version")).scalar() == opened[0].version
    for store in opened:
        store.close()
