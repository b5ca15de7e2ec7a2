"""A faiss inner-product index over texts, cached on disk by model id and content hash."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Callable, Sequence

import faiss
import numpy as np

from embeddings.encoder import Encoder

log = logging.getLogger(__name__)

CACHE_VERSION = 1
BUILD_CHUNK = 64      # texts encoded between two progress reports (and between two grading calls' turns)


def content_hash(texts: Sequence[str]) -> str:
    """A digest of the texts and their order: the cache key's content part."""
    digest = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()[:24]


class TextIndex:
    """Unit vectors for a fixed list of texts, searchable by cosine (inner product).

    Read-only once built, so one instance is safely shared by every session.
    """

    def __init__(self, texts: Sequence[str], vectors: np.ndarray, *, from_cache: bool = False) -> None:
        if vectors.shape[0] != len(texts):
            raise ValueError(f"{len(texts)} texts but {vectors.shape[0]} vectors")
        self.texts = list(texts)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.vectors.setflags(write=False)
        self.from_cache = from_cache
        self._position = {text: i for i, text in enumerate(self.texts)}
        self._index = faiss.IndexFlatIP(self.vectors.shape[1])
        if len(self.texts):
            self._index.add(self.vectors)

    @classmethod
    def build(cls, texts: Sequence[str], encoder: Encoder, cache_dir: Path | None = None,
              progress: Callable[[int, int], None] | None = None) -> "TextIndex":
        """Load the index for these texts from ``cache_dir``, or encode them and save it there.

        With ``progress``, texts are encoded in chunks of :data:`BUILD_CHUNK` and ``progress(done, total)``
        is called before the first and after each chunk; the encoder is free between chunks.
        """
        texts = list(texts)
        path = None
        if cache_dir is not None:
            path = cache_path(cache_dir, encoder.model_id, texts)
            cached = _read_cache(path, len(texts), encoder.dim)
            if cached is not None:
                return cls(texts, cached, from_cache=True)
        if not texts:
            vectors = np.zeros((0, encoder.dim), dtype=np.float32)
        elif progress is None:
            vectors = encoder.encode(texts)
        else:
            # Chunks of texts of similar length: a chunk is padded to its longest text, and the bank's
            # texts run from 5 words to 250, so chunks in bank order encoded 2.7 times slower.
            order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
            vectors = np.zeros((len(texts), encoder.dim), dtype=np.float32)
            progress(0, len(texts))
            for start in range(0, len(texts), BUILD_CHUNK):
                chunk = order[start:start + BUILD_CHUNK]
                vectors[chunk] = encoder.encode([texts[i] for i in chunk])
                progress(min(start + BUILD_CHUNK, len(texts)), len(texts))
        if path is not None:
            _write_cache(path, vectors)
        return cls(texts, vectors)

    @staticmethod
    def is_cached(texts: Sequence[str], model_id: str, cache_dir: Path) -> bool:
        """Whether a sound cache for these texts and this model exists, checked without any model."""
        texts = list(texts)
        return _read_cache(cache_path(cache_dir, model_id, texts), len(texts), None) is not None

    def __len__(self) -> int:
        return len(self.texts)

    def vector(self, text: str) -> np.ndarray:
        """The stored unit vector of one of the indexed texts."""
        return self.vectors[self._position[text]]

    def __contains__(self, text: object) -> bool:
        return text in self._position

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k cosine scores and positions for each query row."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(k, len(self.texts)))
        if not self.texts:
            empty = np.zeros((queries.shape[0], 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        return self._index.search(queries, k)


def cache_path(cache_dir: Path, model_id: str, texts: Sequence[str]) -> Path:
    """Where the index of these texts, encoded by this model, is cached."""
    slug = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in model_id)
    return Path(cache_dir) / f"{slug}-{content_hash(texts)}.npz"


def _read_cache(path: Path, count: int, dim: int | None) -> np.ndarray | None:
    """The cached vectors, or None when the file is missing, corrupt or does not fit (any width if dim is None)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            vectors = np.array(data["vectors"], dtype=np.float32)
            checksum = hashlib.sha256(vectors.tobytes()).hexdigest()
        width = dim or vectors.shape[1]
        if meta.get("version") != CACHE_VERSION or meta.get("sha256") != checksum or vectors.shape != (count, width):
            raise ValueError("cache does not match its own checksum or the texts")
        return vectors
    except Exception as exc:  # a corrupt cache is rebuilt, never fatal
        log.warning("Ignoring corrupt index cache %s (%s); rebuilding it.", path, exc)
        return None


def _write_cache(path: Path, vectors: np.ndarray) -> None:
    """Save vectors atomically; a read-only or full disk only costs a rebuild next time."""
    meta = json.dumps({"version": CACHE_VERSION, "sha256": hashlib.sha256(vectors.tobytes()).hexdigest()})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, vectors=vectors, meta=np.array(meta))
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("Could not write index cache %s (%s); continuing without it.", path, exc)
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except (OSError, UnboundLocalError):
            pass
