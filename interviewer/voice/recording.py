"""The audio of a spoken answer, kept with its turn only when the candidate ticked "Keep my recordings".

The bytes are kept exactly as recorded (the browser's WAV); nothing here re-encodes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from interviewer.voice.transcribe import MAX_SECONDS, SAMPLE_RATE, TooLong, decode

WAV = "audio/wav"      # what st.audio_input records


@dataclass(frozen=True)
class Recording:
    """One recording: its bytes as recorded, its length in seconds, and its MIME type."""

    audio: bytes
    seconds: float
    format: str = WAV

    @property
    def size(self) -> int:
        """Its length in bytes."""
        return len(self.audio)

    @classmethod
    def of(cls, audio: bytes, format: str = WAV) -> "Recording":
        """A recording to keep, measured from its own bytes; over the five-minute limit it is
        :class:`~interviewer.voice.TooLong` (unreadable: ``UnreadableAudio``), as before transcribing."""
        data = bytes(audio)
        try:
            samples = decode(data, "your recording")
        except TooLong as exc:
            raise TooLong(f"Your recording is over the {MAX_SECONDS / 60:.0f}-minute limit, so it cannot be kept, "
                          "and nothing was saved. Record a shorter answer, or untick \"Keep my recordings\".") from exc
        return cls(data, round(len(samples) / SAMPLE_RATE, 3), format)
