"""The learned verifier: does an answer unit state a statement, contradict it, or neither?

A cross-encoder on the packaged all-MiniLM-L6-v2: the statement (a key point or a misconception
claim) and the candidate's unit are read together, so attention can compare them word by word,
which similarity of two separate embeddings cannot. Only a LoRA adapter and a three-way head
are trained (``interviewer train-verifier``) and shipped; the packaged weights stay as they are.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

LABELS = ("entails", "contradicts", "neutral")
ENTAILS, CONTRADICTS, NEUTRAL = range(3)
WEIGHTS_DIR = Path(__file__).resolve().parent / "verifier"
ADAPTER_FILE = "adapter.safetensors"
CONFIG_FILE = "config.json"
# The linear layers of each BERT block that get a low-rank update.
TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
           "intermediate.dense", "output.dense")
_CACHE_SIZE = 50_000


class VerifierError(RuntimeError):
    """The verifier's weights are missing or do not fit the packaged model; says how to fix it."""


def _torch():
    import torch  # imported lazily: text-only tools that never verify do not pay for it

    return torch


def build_network(base, rank: int, alpha: float, dropout: float = 0.0, first_layer: int = 0):
    """Wrap a BertModel's target linears with LoRA and add the three-way head (a torch module).

    Only layers from ``first_layer`` up get an update: training then never back-propagates
    through the layers below, which roughly halves a step's cost on a CPU.
    """
    torch = _torch()
    nn = torch.nn

    class LoRALinear(nn.Module):
        def __init__(self, linear: nn.Linear) -> None:
            super().__init__()
            self.base = linear
            self.lora_a = nn.Parameter(torch.randn(rank, linear.in_features) / math.sqrt(linear.in_features))
            self.lora_b = nn.Parameter(torch.zeros(linear.out_features, rank))
            self.scale = alpha / rank
            self.drop = nn.Dropout(dropout)

        def forward(self, x):
            return self.base(x) + (self.drop(x) @ self.lora_a.T @ self.lora_b.T) * self.scale

        def extra_repr(self) -> str:
            return f"rank={rank}"

        def merged(self) -> nn.Linear:
            out = nn.Linear(self.base.in_features, self.base.out_features)
            with torch.no_grad():
                out.weight.copy_(self.base.weight + (self.lora_b @ self.lora_a) * self.scale)
                out.bias.copy_(self.base.bias)
            return out

    class Network(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = base
            for p in self.bert.parameters():
                p.requires_grad_(False)
            for layer in self.bert.encoder.layer[first_layer:]:
                for target in TARGETS:
                    parent_name, _, leaf = target.rpartition(".")
                    parent = layer.get_submodule(parent_name)
                    setattr(parent, leaf, LoRALinear(getattr(parent, leaf)))
            self.head = nn.Linear(base.config.hidden_size, len(LABELS))
            self.drop = nn.Dropout(0.1)

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.drop(pooled))

        def adapter_state(self) -> dict:
            """Only what was trained: the LoRA matrices and the head."""
            return {k: v.detach().clone() for k, v in self.state_dict().items() if "lora_" in k or k.startswith("head.")}

        def merge(self) -> None:
            """Fold every LoRA update into its linear layer, for plain-speed inference."""
            for layer in self.bert.encoder.layer:
                for target in TARGETS:
                    parent_name, _, leaf = target.rpartition(".")
                    parent = layer.get_submodule(parent_name)
                    module = getattr(parent, leaf)
                    if isinstance(module, LoRALinear):
                        setattr(parent, leaf, module.merged())

    return Network()


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Verifier:
    """Probabilities of (entails, contradicts, neutral) for (statement, unit) pairs. Thread-safe."""

    def __init__(self, network, tokenizer, max_length: int, meta: dict) -> None:
        self.network = network
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.meta = meta
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()

    @classmethod
    def load(cls, model_path: str | Path | None = None, weights: Path = WEIGHTS_DIR) -> "Verifier":
        """Load the packaged model, apply the shipped adapter and merge it; raises VerifierError."""
        from embeddings.encoder import ModelError, packaged_model_path

        weights = Path(weights)
        config_path, adapter_path = weights / CONFIG_FILE, weights / ADAPTER_FILE
        if not config_path.is_file() or not adapter_path.is_file():
            raise VerifierError(f"the verifier's weights are missing in {weights}: run `interviewer train-verifier` "
                                "to make them, or set INTERVIEWER_VERIFIER=off to grade without it")
        try:
            meta = json.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise VerifierError(f"{config_path} is unreadable ({exc}); run `interviewer train-verifier`") from exc
        if meta.get("adapter_sha256") and file_sha256(adapter_path) != meta["adapter_sha256"]:
            raise VerifierError(f"{adapter_path} does not match its checksum in {config_path}: the file is damaged; "
                                "restore it from the repository or run `interviewer train-verifier`")
        try:
            folder = Path(model_path) if model_path else packaged_model_path()  # the adapter fits this model only
        except ModelError as exc:
            raise VerifierError(str(exc)) from exc
        torch = _torch()
        from safetensors.torch import load_file
        from transformers import AutoModel, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(str(folder))
            base = AutoModel.from_pretrained(str(folder))
        except (OSError, ValueError) as exc:
            raise VerifierError(f"cannot load the packaged model from {folder}: {exc}") from exc
        network = build_network(base, int(meta["rank"]), float(meta["alpha"]), first_layer=int(meta.get("first_layer", 0)))
        state = {k: v.float() for k, v in load_file(str(adapter_path)).items()}
        missing = set(network.adapter_state()) - set(state)
        if missing:
            raise VerifierError(f"{adapter_path} lacks {len(missing)} tensors (e.g. {sorted(missing)[0]}): it was "
                                "made for another model; run `interviewer train-verifier`")
        try:
            network.load_state_dict(state, strict=False)
        except RuntimeError as exc:
            raise VerifierError(f"{adapter_path} does not fit the packaged model: {exc}") from exc
        network.merge()
        network.eval()
        torch.set_grad_enabled(False)
        return cls(network, tokenizer, int(meta.get("max_length", 96)), meta)

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """One row of (entails, contradicts, neutral) per (statement, unit) pair, in order."""
        out = np.zeros((len(pairs), len(LABELS)), dtype=np.float32)
        todo: list[int] = []
        with self._lock:
            for i, pair in enumerate(pairs):
                hit = self._cache.get(pair)
                if hit is None:
                    todo.append(i)
                else:
                    out[i] = hit
        if todo:
            fresh = self._run([pairs[i] for i in dict.fromkeys(todo)])
            with self._lock:
                for i, row in zip(dict.fromkeys(todo), fresh):
                    self._cache[pairs[i]] = row
                    while len(self._cache) > _CACHE_SIZE:
                        self._cache.popitem(last=False)
            for i in todo:
                out[i] = self._cache.get(pairs[i], out[i])
        return out

    def clear_cache(self) -> None:
        """Forget every verified pair (for benchmarks that must not be flattered by repeats)."""
        with self._lock:
            self._cache.clear()

    def _run(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        torch = _torch()
        with self._lock:  # fast tokenizers are not safe to share between threads
            batch = self.tokenizer([a for a, _ in pairs], [b for _, b in pairs], padding=True, truncation=True,
                                   max_length=self.max_length, return_tensors="pt")
        with torch.inference_mode():
            logits = self.network(batch["input_ids"], batch["attention_mask"], batch.get("token_type_ids"))
            return torch.softmax(logits.float(), dim=-1).numpy()


_loaded: dict[Path, Verifier] = {}
_load_lock = threading.Lock()
log = logging.getLogger(__name__)


def load_verifier(encoder=None, setting: str | None = None) -> Verifier | None:
    """The configured verifier, loaded once per process; None when it is off or cannot apply.

    It is off when ``INTERVIEWER_VERIFIER=off``, and when the encoder is not the packaged model the
    adapter was trained on. Damaged or missing weights are logged and grading falls back to the
    similarity and word-rule checks, so a broken install still grades.
    """
    from interviewer import settings

    setting = setting or settings.load().verifier
    if setting.lower() in ("off", "0", "false", "no"):
        return None
    folder = WEIGHTS_DIR if setting.lower() in ("on", "1", "true", "yes", "auto") else Path(setting).expanduser()
    model_path = getattr(encoder, "model_path", None)
    if encoder is not None and model_path is not None:
        from embeddings.encoder import ModelError, packaged_model_path

        try:
            if Path(model_path).resolve() != packaged_model_path().resolve():
                return None
        except ModelError:
            return None
    with _load_lock:
        if folder not in _loaded:
            try:
                _loaded[folder] = Verifier.load(weights=folder)
            except VerifierError as exc:
                log.warning("grading without the verifier: %s", exc)
                return None
        return _loaded[folder]
