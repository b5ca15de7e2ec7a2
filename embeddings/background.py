"""Building a :class:`TextIndex` in a background thread, with progress anyone can read while it runs."""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from embeddings.encoder import Encoder
from embeddings.index import TextIndex

log = logging.getLogger(__name__)
_LIVE: "weakref.WeakSet[BackgroundIndex]" = weakref.WeakSet()


class _Stopped(Exception):
    """Raised inside a build that was asked to stop."""


@atexit.register
def _stop_all() -> None:
    """Stop running builds before the interpreter exits: a daemon thread killed inside the model's
    native code aborts the process ("terminate called without an active exception")."""
    for build in list(_LIVE):
        build.stop(timeout=30)


@dataclass(frozen=True)
class BuildStatus:
    """Where a background build stands: texts encoded so far, of how many, and a rough time left."""

    done: int
    total: int
    seconds: float                 # since the build started
    finished: bool = False
    error: str | None = None       # why it stopped early (grading goes on without the index)

    @property
    def fraction(self) -> float:
        """Share of the texts encoded (1.0 once finished)."""
        return 1.0 if self.finished or not self.total else min(self.done / self.total, 1.0)

    @property
    def eta(self) -> float | None:
        """Seconds left at the pace so far; None before the first chunk is done."""
        if self.finished or self.done <= 0:
            return None if not self.finished else 0.0
        return self.seconds / self.done * (self.total - self.done)


class BackgroundIndex:
    """Encodes texts into a cached :class:`TextIndex` on a daemon thread; ``on_done`` gets the index.

    The encoder is shared: the build encodes in small chunks, so a grading call waits at most one
    chunk for it.
    """

    def __init__(self, texts: Sequence[str], encoder: Encoder, cache_dir: Path | None,
                 on_done: Callable[[TextIndex], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._texts = list(texts)
        self._encoder = encoder
        self._cache_dir = cache_dir
        self._on_done = on_done
        self._clock = clock
        self._started = clock()
        self._status = BuildStatus(0, len(self._texts), 0.0)
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="index-build", daemon=True)

    def start(self) -> "BackgroundIndex":
        """Start the build (once); returns self."""
        self._started = self._clock()
        _LIVE.add(self)
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the build to stop after its current chunk and wait for it; True once it has ended."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def status(self) -> BuildStatus:
        """The latest progress (safe from any thread)."""
        with self._lock:
            status = self._status
        if status.finished:
            return status
        return BuildStatus(status.done, status.total, self._clock() - self._started)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the build has finished (or failed); True when it has."""
        return self._finished.wait(timeout)

    def _report(self, done: int, total: int, finished: bool = False, error: str | None = None) -> None:
        if self._stopping.is_set() and not finished:
            raise _Stopped()
        with self._lock:
            self._status = BuildStatus(done, total, self._clock() - self._started, finished, error)

    def _run(self) -> None:
        try:
            index = TextIndex.build(self._texts, self._encoder, self._cache_dir, progress=self._report)
            if self._on_done is not None:
                self._on_done(index)
            self._report(len(self._texts), len(self._texts), finished=True)
        except _Stopped:
            self._report(self.status.done, len(self._texts), finished=True, error="stopped")
        except Exception as exc:  # a failed build only costs speed: answers are still graded, vectors on demand
            log.exception("Building the question index failed; grading goes on without it.")
            self._report(self.status.done, len(self._texts), finished=True, error=str(exc) or type(exc).__name__)
        finally:
            self._finished.set()
