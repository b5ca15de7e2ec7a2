"""Numbered schema migrations. Never edit one that has shipped: add the next number instead.

Each migration defines its tables as they were at that version (not the live definitions in
``store.py``), so replaying them always yields the same schema. Portable SQL only: no SQLite-only
features; JSON is stored as TEXT.
"""

from __future__ import annotations

from typing import Callable

import sqlalchemy as sa


def m001_sessions_and_turns(conn: sa.Connection) -> None:
    """The version table, sessions, and their turns."""
    meta = sa.MetaData()
    sa.Table("schema_version", meta,
             sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("name", sa.String(100), nullable=False),
             sa.Column("applied_at", sa.DateTime, nullable=False))
    sa.Table("sessions", meta,
             sa.Column("id", sa.String(36), primary_key=True),
             sa.Column("profile", sa.String(100), nullable=False, index=True),
             sa.Column("created_at", sa.DateTime, nullable=False),
             sa.Column("updated_at", sa.DateTime, nullable=False),
             sa.Column("setup", sa.Text, nullable=False),
             sa.Column("status", sa.String(20), nullable=False),
             sa.Column("score", sa.Float),
             sa.Column("questions", sa.Integer, nullable=False, server_default="0"))
    sa.Table("turns", meta,
             sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id", ondelete="CASCADE"),
                       primary_key=True),
             sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("kind", sa.String(20), nullable=False),
             sa.Column("question_id", sa.String(200)),
             sa.Column("payload", sa.Text, nullable=False),
             sa.Column("created_at", sa.DateTime, nullable=False))
    meta.create_all(conn)


def m002_point_history(conn: sa.Connection) -> None:
    """Weak-spot history: a Leitner box per profile, question and key point."""
    meta = sa.MetaData()
    table = sa.Table("point_history", meta,
                     sa.Column("profile", sa.String(100), primary_key=True),
                     sa.Column("question_id", sa.String(200), primary_key=True),
                     sa.Column("key_point_id", sa.String(200), primary_key=True),
                     sa.Column("text", sa.Text, nullable=False),
                     sa.Column("box", sa.Integer, nullable=False),
                     sa.Column("due_at", sa.DateTime, nullable=False),
                     sa.Column("times_seen", sa.Integer, nullable=False),
                     sa.Column("times_missed", sa.Integer, nullable=False),
                     sa.Column("last_status", sa.String(20), nullable=False),
                     sa.Column("last_seen", sa.DateTime, nullable=False))
    sa.Index("ix_point_history_due", table.c.profile, table.c.due_at)
    meta.create_all(conn)


def m003_recordings(conn: sa.Connection) -> None:
    """The audio of spoken answers the candidate chose to keep: one row per answer turn, bytes as recorded."""
    meta = sa.MetaData()
    sa.Table("turns", meta,             # the referenced key only, as m001 made it
             sa.Column("session_id", sa.String(36), primary_key=True),
             sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False))
    table = sa.Table("recordings", meta,
                     sa.Column("session_id", sa.String(36), primary_key=True),
                     sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
                     sa.Column("format", sa.String(50), nullable=False),
                     sa.Column("seconds", sa.Float, nullable=False),
                     sa.Column("size", sa.Integer, nullable=False),
                     sa.Column("audio", sa.LargeBinary, nullable=False),
                     sa.Column("created_at", sa.DateTime, nullable=False),
                     sa.ForeignKeyConstraint(["session_id", "seq"], ["turns.session_id", "turns.seq"],
                                             ondelete="CASCADE"))
    table.create(conn)


MIGRATIONS: list[tuple[int, str, Callable[[sa.Connection], None]]] = [
    (1, "m001_sessions_and_turns", m001_sessions_and_turns),
    (2, "m002_point_history", m002_point_history),
    (3, "m003_recordings", m003_recordings),
]


def schema_version(conn: sa.Connection) -> int:
    """The highest migration applied, 0 for an empty database."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(sa.text("SELECT MAX(version) FROM schema_version")).scalar() or 0)
