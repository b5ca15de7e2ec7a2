"""Answering by voice: transcription on the CPU (transcribe), delivery coaching (delivery), kept audio (recording).

Importing this package loads no model: faster-whisper is imported on the first transcription.
"""

from interviewer.voice.delivery import DeliveryReport, Word, analyse, expected_seconds
from interviewer.voice.recording import Recording
from interviewer.voice.transcribe import (NoSpeech, NotEnglish, Silence, TooLong, TooShort, Transcriber, Transcript,
                                          UnreadableAudio, VoiceError, VoiceModelError, load_transcriber)

__all__ = ["DeliveryReport", "NoSpeech", "NotEnglish", "Recording", "Silence", "TooLong", "TooShort", "Transcriber",
           "Transcript", "UnreadableAudio", "VoiceError", "VoiceModelError", "Word", "analyse", "expected_seconds",
           "load_transcriber"]
