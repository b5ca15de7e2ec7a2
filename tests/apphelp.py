"""Shared set-up for the app tests: a small real bank (two shipped track files) and a reusable index cache."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"
TRACK_FILES = 2
PREFERRED = ("probability-statistics.yaml", "evaluation-metrics.yaml")   # technical, compact


def small_real_bank(folder: Path) -> Path:
    """Copy two shipped track files into ``folder``: real questions, and an index quick to build."""
    shipped = sorted((REPO / "questions").glob("*.yaml"), key=lambda p: (p.name not in PREFERRED, p.stat().st_size))
    files = shipped[:TRACK_FILES]
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy(path, folder / path.name)
    return folder


def data_dir_with_shared_cache(data: Path, cache: Path) -> Path:
    """A fresh data folder whose index cache is a persistent folder (pytest's cache), built once across runs."""
    data.mkdir(parents=True, exist_ok=True)
    link = data / "cache"
    if not link.exists():
        link.symlink_to(cache, target_is_directory=True)
    return data


def app_env(bank: Path, data: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment for the app under test: the small bank only, the given data folder and database."""
    env = {"INTERVIEWER_BANK": str(bank), "INTERVIEWER_BANK_REPLACE": "1", "INTERVIEWER_DATA_DIR": str(data),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    if database_url:
        env["INTERVIEWER_DATABASE_URL"] = database_url
    return env


def stop_process(proc: subprocess.Popen) -> None:
    """Stop a server started for a test or a benchmark: terminate, then kill if it does not exit in 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


def wait_until_up(proc: subprocess.Popen, url: str, log: Path, seconds: float) -> None:
    """Wait until the server at ``url`` says it is healthy; kill it and fail with its log if it exits or is late."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/_stcore/health", timeout=5) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"streamlit did not start: {log.read_text()[-3000:]}")
        time.sleep(0.3)
