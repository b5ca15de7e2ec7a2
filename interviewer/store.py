"""Persistence: sessions, their turns, kept recordings and weak-spot history, in SQLite (default) or PostgreSQL.

Every turn is saved as soon as it happens (call :meth:`Store.save` after each step). The schema is
versioned: numbered migrations run on open, each in one transaction with its ``schema_version`` row.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

from interviewer import policy, settings
from interviewer.bank import Bank
from interviewer.grade import Status
from interviewer.migrations import MIGRATIONS, schema_version
from interviewer.planner import Setup
from interviewer.schedule import PointState, WeakSpot, review
from interviewer.session import Grading, Interview
from interviewer.state import Phase
from interviewer.transcript import AnswerGiven, Command, CommandUsed, Entry, QuestionAsked, entry_to_dict, utc_now
from interviewer.utf8 import repair, repair_tree
from interviewer.voice.recording import Recording

LOCK_TIMEOUT_SECONDS = 5.0
meta = sa.MetaData()
sessions = sa.Table(
    "sessions", meta,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("profile", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("setup", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("questions", sa.Integer, nullable=False),
)
turns = sa.Table(
    "turns", meta,
    sa.Column("session_id", sa.String(36), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("question_id", sa.String(200)),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
recordings = sa.Table(          # only when the candidate chose "Keep my recordings"; deleted with the session
    "recordings", meta,
    sa.Column("session_id", sa.String(36), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("format", sa.String(50), nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("audio", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
point_history = sa.Table(
    "point_history", meta,
    sa.Column("profile", sa.String(100), primary_key=True),
    sa.Column("question_id", sa.String(200), primary_key=True),
    sa.Column("key_point_id", sa.String(200), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("box", sa.Integer, nullable=False),
    sa.Column("due_at", sa.DateTime, nullable=False),
    sa.Column("times_seen", sa.Integer, nullable=False),
    sa.Column("times_missed", sa.Integer, nullable=False),
    sa.Column("last_status", sa.String(20), nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
)


class StoreError(RuntimeError):
    """The database cannot be used; the message says what to do."""


class StoreLocked(StoreError):
    """Another program holds the database file."""


class StoreCorrupt(StoreError):
    """The database file is damaged or is not a database."""


class DataFolderError(StoreError):
    """The data folder (or the database file in it) cannot be written: read-only, full, or not a folder."""


class SchemaTooNew(StoreError):
    """The database was written by a newer version of the interviewer."""


class SessionNotFound(StoreError, KeyError):
    """No session with that id."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class SessionInfo:
    """One row of the session list."""

    id: str
    profile: str
    created_at: datetime
    updated_at: datetime
    status: str
    score10: float | None
    questions: int
    setup: Setup


def _db_time(moment: datetime) -> datetime:
    """Naive UTC, the portable way to store a timestamp."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _public(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


class Store:
    """The database of one installation (or one shared deployment)."""

    def __init__(self, url: str | None = None, *, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> None:
        self.url = url or settings.load().database_url
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.where = parsed.database if self.is_sqlite and parsed.database else _public(self.url)
        if self.is_sqlite and parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            _private_file(Path(parsed.database).expanduser())
        kwargs: dict[str, Any] = {"connect_args": {"timeout": lock_timeout}} if self.is_sqlite else {}
        self.engine = sa.create_engine(self.url, **kwargs)
        # SQLite has one writer at a time and its waiters poll; threads of this process (browser
        # sessions) queue on a lock instead, so a burst of saves never reaches the lock timeout,
        # which is left to other processes.
        self._serial: threading.RLock | None = None
        if self.is_sqlite:
            _transactional_sqlite(self.engine)
            _erasing_sqlite(self.engine)
            self._serial = threading.RLock()
        self.version = self.migrate()

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    @contextmanager
    def _tx(self, action: str) -> Iterator[sa.Connection]:
        """One transaction; database failures become a StoreError that says what to do."""
        with self._serial or contextlib.nullcontext():
            try:
                with self.engine.begin() as conn:
                    yield conn
            except sa.exc.DBAPIError as exc:
                raise self._explain(action, exc) from exc
            except ValueError as exc:   # psycopg2 refuses a NUL character before asking the server
                if "NUL" not in str(exc):
                    raise
                raise StoreError(f"Could not {action}: the text contains a NUL character, which "
                                 "PostgreSQL cannot store. Remove it and try again.") from exc

    def _explain(self, action: str, exc: sa.exc.DBAPIError) -> StoreError:
        text = str(exc.orig).lower()
        if "locked" in text or "busy" in text:
            return StoreLocked(f"Could not {action}: the database {self.where} is locked by another program "
                               "(another interviewer window or process?). Close it and try again.")
        if self.is_sqlite and ("readonly" in text or "read-only" in text or "unable to open" in text):
            return DataFolderError(f"Could not {action}: the database {self.where} or its folder is read-only. "
                                   "Set INTERVIEWER_DATA_DIR to a folder you can write to.")
        if "disk is full" in text or "no space left" in text:
            return DataFolderError(f"Could not {action}: the disk holding {self.where} is full. Free some space and "
                                   "try again; what was saved before is intact.")
        if self.is_sqlite and ("not a database" in text or "malformed" in text or "corrupt" in text):
            return StoreCorrupt(f"Could not {action}: {self.where} is damaged or is not a database. Move it "
                                "aside (for example rename it to .bak) and start again; a new one will be created.")
        if isinstance(exc, sa.exc.IntegrityError):
            return StoreError(f"Could not {action}: the session was changed by another window; reload it.")
        return StoreError(f"Could not {action} in {self.where}: {exc.orig}. Check INTERVIEWER_DATABASE_URL "
                          "and that the database is reachable.")

    # --- schema ----------------------------------------------------------------------------

    def migrate(self) -> int:
        """Apply every migration the database lacks; return the schema version."""
        latest = MIGRATIONS[-1][0]
        with self._tx("read the schema version") as conn:
            current = schema_version(conn)
        if current > latest:
            raise SchemaTooNew(f"The database {self.where} has schema version {current}, but this version of the "
                               f"interviewer knows only up to {latest}. Upgrade the interviewer, or point "
                               "INTERVIEWER_DATABASE_URL at another database. Nothing was changed.")
        for number, name, apply in MIGRATIONS:
            if number <= current:
                continue
            with self._tx(f"apply migration {number} ({name})") as conn:
                # Processes starting together: one migrates, the others wait for its lock (SQLite's
                # BEGIN IMMEDIATE, an advisory lock on PostgreSQL), then see it done and skip it.
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key("schema migrations")})
                if schema_version(conn) >= number:
                    current = number
                    continue
                apply(conn)
                conn.execute(sa.text("INSERT INTO schema_version (version, name, applied_at) VALUES (:v, :n, :t)"),
                             {"v": number, "n": name, "t": _db_time(utc_now())})
            current = number
        return current

    # --- sessions and turns ----------------------------------------------------------------

    def create_session(self, interview: Interview) -> None:
        """Save a new session and the turns it has so far."""
        self.save(interview)

    def append_turn(self, session_id: str, entry: Entry, conn: sa.Connection | None = None) -> None:
        """Save one transcript entry of a session."""
        if conn is None:
            with self._tx("save a turn") as own:
                return self.append_turn(session_id, entry, own)
        conn.execute(turns.insert().values(
            session_id=session_id, seq=entry.seq, kind=entry.kind.value,
            question_id=getattr(entry, "question_id", None), payload=json.dumps(entry_to_dict(entry)),
            created_at=_db_time(entry.at)))

    def save(self, interview: Interview, kept: Mapping[int, Recording] | None = None) -> int:
        """Bring the stored session up to date: its row, new turns, weak-spot history. Returns turns added.

        ``kept`` maps the seq of a new spoken answer to its recording, saved in the same transaction.
        """
        now = utc_now()
        summary = interview.summary()
        row = {"profile": interview.setup.profile, "updated_at": _db_time(now),
               "status": "ended" if interview.phase is Phase.ENDED else "active", "score": summary.score10,
               "questions": len(summary.questions)}
        with self._tx("save the session") as conn:
            exists = conn.execute(sa.select(sessions.c.profile).where(sessions.c.id == interview.id)).first()
            if exists and exists.profile != interview.setup.profile:
                # Never write into someone else's session (an id reused or guessed): as if it did not exist.
                raise SessionNotFound(f"No saved session {_shown(interview.id)}.")
            if exists:
                conn.execute(sessions.update().where(sessions.c.id == interview.id).values(**row))
            else:
                head = {k: v for k, v in interview.to_dict().items() if k != "entries"}
                conn.execute(sessions.insert().values(id=interview.id, created_at=_db_time(interview.created_at),
                                                      setup=json.dumps(head), **row))
            last = conn.execute(sa.select(sa.func.max(turns.c.seq)).where(turns.c.session_id == interview.id)).scalar()
            fresh = interview.entries[last or 0:]
            unknown = set(kept or ()) - {e.seq for e in fresh if isinstance(e, AnswerGiven)}
            if unknown:
                raise ValueError(f"a recording is kept with a new answer turn; turns {sorted(unknown)} are not one")
            for entry in fresh:
                self.append_turn(interview.id, entry, conn)
                self._update_points(conn, interview, entry)
                if kept and entry.seq in kept:
                    record = kept[entry.seq]
                    conn.execute(recordings.insert().values(
                        session_id=interview.id, seq=entry.seq, format=record.format, seconds=record.seconds,
                        size=record.size, audio=record.audio, created_at=_db_time(entry.at)))
        return len(fresh)

    def session_data(self, session_id: str, owner: str | None = None) -> dict[str, Any]:
        """A stored session as :meth:`Interview.to_dict` output (no bank needed).

        With an ``owner`` (sign-in on), someone else's session is :class:`SessionNotFound`, exactly
        like one that does not exist: an id reveals nothing. Text that UTF-8 cannot carry (saved by
        an older version from a mis-decoded terminal) comes back repaired, so no page crashes on it.
        """
        missing = SessionNotFound(f"No saved session {_shown(session_id)}; list them with "
                                  "`interviewer practice --list`.")
        if not _storable(session_id):
            raise missing
        with self._tx("load the session") as conn:
            row = conn.execute(sa.select(sessions.c.setup).where(*_owned(session_id, owner))).first()
            if row is None:
                raise missing
            payloads = conn.execute(sa.select(turns.c.payload).where(turns.c.session_id == session_id)
                                    .order_by(turns.c.seq)).scalars().all()
        return repair_tree({**json.loads(row.setup), "entries": [json.loads(p) for p in payloads]})

    def recordings_of(self, session_id: str, owner: str | None = None) -> dict[int, Recording]:
        """The kept recordings of a session, by the seq of their answer turn (empty when none was kept).

        Scoped like :meth:`session_data`: with an ``owner``, someone else's session is SessionNotFound.
        """
        if not _storable(session_id):
            raise SessionNotFound(f"No saved session {_shown(session_id)}.")
        with self._tx("load the recordings") as conn:
            if conn.execute(sa.select(sessions.c.id).where(*_owned(session_id, owner))).first() is None:
                raise SessionNotFound(f"No saved session {_shown(session_id)}.")
            rows = conn.execute(sa.select(recordings).where(recordings.c.session_id == session_id)
                                .order_by(recordings.c.seq)).all()
        return {r.seq: Recording(bytes(r.audio), r.seconds, r.format) for r in rows}

    def load_session(self, session_id: str, bank: Bank, grader: Grading, *, owner: str | None = None,
                     clock: Callable[[], datetime] = utc_now) -> Interview:
        """Rebuild a saved interview exactly, ready to continue (after a crash or a page refresh)."""
        return Interview.from_dict(self.session_data(session_id, owner), bank, grader, clock=clock)

    def delete_session(self, session_id: str, owner: str) -> None:
        """Remove one of ``owner``'s sessions, its turns and recordings (weak-spot history is per profile:
        see delete_profile)."""
        with self._tx("delete the interview") as conn:
            if not _storable(session_id) or conn.execute(
                    sa.select(sessions.c.id).where(*_owned(session_id, owner))).first() is None:
                raise SessionNotFound(f"No saved session {_shown(session_id)}.")
            conn.execute(recordings.delete().where(recordings.c.session_id == session_id))
            conn.execute(turns.delete().where(turns.c.session_id == session_id))
            conn.execute(sessions.delete().where(sessions.c.id == session_id))

    def delete_profile(self, profile: str) -> int:
        """Remove every row of one profile: sessions, their turns and recordings, weak-spot history. Returns
        sessions removed."""
        if not _storable(profile):
            return 0
        mine = sa.select(sessions.c.id).where(sessions.c.profile == profile)
        with self._tx("delete your data") as conn:
            conn.execute(recordings.delete().where(recordings.c.session_id.in_(mine)))
            conn.execute(turns.delete().where(turns.c.session_id.in_(mine)))
            removed = conn.execute(sessions.delete().where(sessions.c.profile == profile)).rowcount
            conn.execute(point_history.delete().where(point_history.c.profile == profile))
        return removed

    def export_profile(self, profile: str) -> dict[str, Any]:
        """Everything stored for one profile, JSON-ready: every session with its turns, and weak-spot history.

        Each session lists its kept recordings (answer turn, format, size, length), not their audio:
        that plays on the session's review page.
        """
        if not _storable(profile):
            return {"profile": profile, "sessions": [], "weak_spot_history": []}
        mine = sa.select(sessions.c.id).where(sessions.c.profile == profile)
        with self._tx("export your data") as conn:
            ids = conn.execute(mine.order_by(sessions.c.created_at)).scalars().all()
            history_rows = conn.execute(sa.select(point_history).where(point_history.c.profile == profile)
                                        .order_by(point_history.c.question_id, point_history.c.key_point_id)).all()
            kept: dict[str, list[dict[str, Any]]] = {}
            for row in conn.execute(sa.select(recordings.c.session_id, recordings.c.seq, recordings.c.format,
                                              recordings.c.size, recordings.c.seconds)
                                    .where(recordings.c.session_id.in_(mine)).order_by(recordings.c.seq)):
                kept.setdefault(row.session_id, []).append({"seq": row.seq, "format": row.format, "bytes": row.size,
                                                            "seconds": row.seconds})
        points = [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row._mapping.items()}
                  for row in history_rows]
        return repair_tree({"profile": profile, "exported_at": utc_now().isoformat(),
                            "sessions": [{**self.session_data(i, profile), "recordings": kept.get(i, [])} for i in ids],
                            "weak_spot_history": points})

    def list_sessions(self, profile: str, limit: int = 50) -> list[SessionInfo]:
        """A profile's sessions, newest first."""
        if not _storable(profile):
            return []
        query = sa.select(sessions).where(sessions.c.profile == profile).order_by(
            sessions.c.created_at.desc()).limit(limit)
        with self._tx("list sessions") as conn:
            rows = conn.execute(query).all()
        return [SessionInfo(r.id, r.profile, _aware(r.created_at), _aware(r.updated_at), r.status, r.score,
                            r.questions, Setup.from_dict(repair_tree(json.loads(r.setup))["setup"])) for r in rows]

    def recent_question_ids(self, profile: str, sessions_back: int = policy.RECENT_SESSIONS) -> set[str]:
        """Main questions asked in the profile's latest sessions."""
        if not _storable(profile):
            return set()
        latest = (sa.select(sessions.c.id).where(sessions.c.profile == profile)
                  .order_by(sessions.c.created_at.desc()).limit(sessions_back).subquery())
        query = sa.select(turns.c.question_id).distinct().where(
            turns.c.session_id.in_(sa.select(latest.c.id)), turns.c.kind == QuestionAsked.kind.value)
        with self._tx("read recent questions") as conn:
            return set(conn.execute(query).scalars().all())

    # --- weak spots ------------------------------------------------------------------------

    def _update_points(self, conn: sa.Connection, interview: Interview, entry: Entry) -> None:
        """Move each key point of a main question through its Leitner box after an answer, skip or reveal."""
        if isinstance(entry, AnswerGiven) and entry.follow_up_id is None:
            results = [(p.key_point_id, p.text, p.status) for p in entry.grade.points] + wrong_claims(interview, entry)
        elif (isinstance(entry, CommandUsed) and entry.done and entry.command in (Command.SKIP, Command.ANSWER)
              and entry.follow_up_id is None and entry.question_id in interview.bank):
            results = [(p.id, p.text, Status.MISSED) for p in interview.bank.get(entry.question_id).key_points]
        else:
            return
        profile = interview.setup.profile
        if conn.dialect.name == "postgresql":
            # Replicas may update one profile's history at once: serialise that read-modify-write
            # (SQLite needs nothing: its writers already hold the whole file, see BEGIN IMMEDIATE).
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(profile)})
        for point_id, text, status in results:
            key = (point_history.c.profile == profile, point_history.c.question_id == entry.question_id,
                   point_history.c.key_point_id == point_id)
            old = conn.execute(sa.select(point_history).where(*key)).first()
            before = PointState(old.box, _aware(old.due_at), old.times_seen, old.times_missed,
                                Status(old.last_status)) if old else None
            after = review(before, status, entry.at)
            values = {"text": text, "box": after.box, "due_at": _db_time(after.due_at), "times_seen": after.times_seen,
                      "times_missed": after.times_missed, "last_status": after.last_status.value,
                      "last_seen": _db_time(entry.at)}
            if old:
                conn.execute(point_history.update().where(*key).values(**values))
            else:
                conn.execute(point_history.insert().values(profile=profile, question_id=entry.question_id,
                                                           key_point_id=point_id, **values))

    def weak_spots(self, profile: str, now: datetime | None = None, *, due_only: bool = True) -> list[WeakSpot]:
        """Key points the profile has missed before, most urgent first (only those due by ``now``, by default)."""
        if not _storable(profile):
            return []
        query = sa.select(point_history).where(point_history.c.profile == profile, point_history.c.times_missed > 0)
        if due_only:
            query = query.where(point_history.c.due_at <= _db_time(now or utc_now()))
        query = query.order_by(point_history.c.last_seen.desc(), point_history.c.box,
                               point_history.c.times_missed.desc(), point_history.c.question_id,
                               point_history.c.key_point_id)
        with self._tx("read weak spots") as conn:
            rows = conn.execute(query).all()
        spots = [WeakSpot(r.question_id, r.key_point_id, repair(r.text), r.box, _aware(r.due_at), r.times_missed,
                          Status(r.last_status), _aware(r.last_seen)) for r in rows]
        return sorted(spots, key=lambda spot: spot.last_status is not Status.MISSED)   # stable: recency kept


def wrong_claims(interview: Interview, entry: AnswerGiven) -> list[tuple[str, str, Status]]:
    """A misconception the answer asserted, as a point to practise again: the key point it contradicts
    when it names one (and the answer did not cover), else the misconception itself, studied by its correction."""
    covered = {p.key_point_id for p in entry.grade.points if p.status is not Status.MISSED}
    question = interview.bank.get(entry.question_id) if entry.question_id in interview.bank else None
    claims = [m.claim for m in question.misconceptions] if question is not None else []
    out = []
    for hit in entry.grade.misconceptions:
        if hit.key_point_id is not None and hit.key_point_id not in covered:
            continue          # already scheduled as a miss
        number = (claims.index(hit.claim) + 1 if hit.claim in claims
                  else hashlib.sha256(hit.claim.encode()).hexdigest()[:8])
        out.append((f"misconception-{number}", f"Correct this: {hit.correction}", Status.MISSED))
    return out


def _owned(session_id: str, owner: str | None) -> tuple:
    """The WHERE clauses for one session, of one owner when sign-in is on."""
    where = (sessions.c.id == session_id,)
    return where + ((sessions.c.profile == owner,) if owner is not None else ())


def _storable(key: str) -> bool:
    """Whether an id or profile name can be looked up at all: PostgreSQL refuses text with a NUL
    (the driver raises ValueError before asking), and no saved id or profile name contains one."""
    return isinstance(key, str) and "\x00" not in key


def _shown(key: str) -> str:
    """An id as quoted in a message: printable and short (it may come from a URL)."""
    return repr("".join(ch if ch.isprintable() else "?" for ch in str(key))[:80])


def _private_file(path: Path) -> None:
    """Create the database's folder (0700) and file (0600) for this user only; tighten an existing file.

    Answers are personal: another account on the same computer must not read them. SQLite gives its
    journal and WAL files the database file's permissions, so they follow.
    """
    folder = path.parent
    try:
        if not folder.exists():
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            folder.chmod(0o700)     # mkdir's mode is filtered by the umask; be exact
    except OSError as exc:
        raise DataFolderError(f"Could not create the data folder {folder}: {exc.strerror or exc}. Set "
                              "INTERVIEWER_DATA_DIR to a folder you can write to.") from exc
    try:
        os.close(os.open(path, os.O_CREAT | os.O_RDONLY, 0o600))
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    except OSError:
        pass    # a read-only file or folder: SQLite's own open says so, with the right advice


def _lock_key(profile: str) -> int:
    """A stable signed 64-bit key for a PostgreSQL advisory lock on one profile's history."""
    return int.from_bytes(hashlib.sha256(profile.encode("utf-8", "surrogatepass")).digest()[:8], "big", signed=True)


def _erasing_sqlite(engine: sa.Engine) -> None:
    """Make SQLite overwrite what is deleted with zeros: a deleted interview (its answers, its kept
    recordings) must not linger in the file's free pages, where any file reader could still find it."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA secure_delete = ON")


def _transactional_sqlite(engine: sa.Engine) -> None:
    """Make pysqlite run DDL inside transactions too, so a migration is all-or-nothing.

    Every transaction takes the write lock at BEGIN (IMMEDIATE): two writers that both read first
    and then upgrade can deadlock, and SQLite answers that with an immediate "database is locked"
    instead of waiting; taking the lock up front makes them queue for up to the lock timeout.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
