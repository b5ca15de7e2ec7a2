"""Audio for the voice tests: the committed fixtures (tests/data/voice) and clips made from them or from numbers."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np

VOICE = Path(__file__).resolve().parent / "data" / "voice"
RATE = 16_000
# The exact text each fixture speaks (tests/data/voice/README.md says how they were made).
TEXTS = {
    "roc_auc.wav": ("A ROC curve plots the true positive rate against the false positive rate at every threshold. "
                    "A random classifier lies on the diagonal with an AUC of 0.5. The AUC is the chance that a "
                    "random positive is ranked above a random negative."),
    "fillers.wav": ("Um, so overfitting is when, like, the model memorizes the training data. Uh, you know, it "
                    "fails on new data. Basically, I would use cross validation, and, um, I like early stopping."),
    "german.wav": "Ein Entscheidungsbaum teilt die Daten in kleinere Gruppen auf, bis jede Gruppe rein ist.",
}
# The bank question (and follow-up) each English fixture answers.
QUESTIONS = {"roc_auc.wav": ("eval-pr-vs-roc", "roc-basics"), "fillers.wav": ("mlf-overfitting", None)}
FILLERS_SAID = {"um": 2, "uh": 1, "like": 1, "you know": 1, "basically": 1}


def samples(name: str) -> np.ndarray:
    """A fixture's samples as int16."""
    with wave.open(str(VOICE / name)) as handle:
        assert handle.getframerate() == RATE and handle.getnchannels() == 1
        return np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16)


def wav_bytes(data: np.ndarray, rate: int = RATE) -> bytes:
    """A mono 16-bit WAV file's bytes."""
    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(np.asarray(data, dtype=np.int16).tobytes())
    return out.getvalue()


def write_wav(path: Path, data: np.ndarray, rate: int = RATE) -> Path:
    """Write a mono 16-bit WAV file."""
    path.write_bytes(wav_bytes(data, rate))
    return path


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.int16)


def noise(seconds: float, level: float = 3000.0, seed: int = 0) -> np.ndarray:
    """White noise at a clearly audible level."""
    return np.random.default_rng(seed).normal(0, level, int(seconds * RATE)).clip(-32768, 32767).astype(np.int16)


def joined(*parts: np.ndarray) -> np.ndarray:
    return np.concatenate(parts).astype(np.int16)


def encode(path: Path, data: np.ndarray, codec: str, fmt: str | None = None, rate: int = RATE) -> Path:
    """The samples encoded with PyAV (e.g. opus in WEBM, vorbis in OGG, mp3, aac in M4A)."""
    import av

    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=48_000 if codec == "libopus" else rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(np.asarray(data, dtype=np.int16).reshape(1, -1), format="s16",
                                           layout="mono")
        frame.sample_rate = rate
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=stream.rate)
        for piece in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(piece):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level edit distance over the reference's word count (case and punctuation ignored)."""
    def norm(text: str) -> list[str]:
        return "".join(ch.lower() if ch.isalnum() or ch in " .'" else " " for ch in text).replace(". ", " ").split()

    ref, hyp = norm(reference), norm(hypothesis)
    ref = [w.rstrip(".") for w in ref]
    hyp = [w.rstrip(".") for w in hyp]
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(1, len(ref))
