"""Shared fixtures: an isolated data folder for every test, one real encoder per run."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest

from embeddings import SentenceEncoder


@pytest.fixture(scope="session")
def shared_cache_dir(tmp_path_factory):
    """One embedding-index cache for the whole run: the bank is encoded once, not once per test."""
    return tmp_path_factory.mktemp("index-cache")


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path, monkeypatch, shared_cache_dir):
    """Point every setting at a fresh temporary folder so tests never touch the user's data."""
    data = tmp_path / "data"
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(data))
    monkeypatch.setenv("INTERVIEWER_CACHE_DIR", str(shared_cache_dir))
    for key in ("INTERVIEWER_BANK", "INTERVIEWER_BANK_REPLACE", "INTERVIEWER_MODEL",
                "INTERVIEWER_DATABASE_URL", "INTERVIEWER_PROFILE", "INTERVIEWER_VOICE_MODEL",
                "INTERVIEWER_VOICE_MODEL_SHA256", "INTERVIEWER_VOICE_THREADS", "INTERVIEWER_VOICE_FILLER_PROMPT",
                "INTERVIEWER_AUTH", "INTERVIEWER_AUTH_HEADER", "INTERVIEWER_ALLOWED_DOMAINS"):
        monkeypatch.delenv(key, raising=False)
    return data


@pytest.fixture(scope="session")
def encoder() -> SentenceEncoder:
    """The real packaged all-MiniLM-L6-v2, loaded once for the whole run."""
    return SentenceEncoder()


class CountingEncoder:
    """Wraps the real encoder and counts how many texts it was asked to encode."""

    def __init__(self, inner: SentenceEncoder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.calls = 0
        self.texts = 0

    def encode(self, texts):
        self.calls += 1
        self.texts += len(texts)
        return self.inner.encode(texts)


@pytest.fixture
def counting_encoder(encoder) -> CountingEncoder:
    """The real encoder, with a count of calls (for cache hit/miss tests)."""
    return CountingEncoder(encoder)


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL database URL: INTERVIEWER_TEST_POSTGRES_URL, else a throwaway local server.

    Skips, saying why, only when no server can be started; under CI (``CI`` set) that is a failure
    instead, so the PostgreSQL tests cannot pass by not running.
    """
    import pg

    url = os.environ.get("INTERVIEWER_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    server, reason = pg.start()
    if server is None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL tests must run in CI, but {reason}")
        pytest.skip(f"PostgreSQL tests skipped: {reason}; or set INTERVIEWER_TEST_POSTGRES_URL")
    yield server.url
    server.stop()
