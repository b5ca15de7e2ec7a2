"""Answering by voice in the browser: record, transcribe on this computer, edit, then submit.

Nothing is graded until the candidate submits the (possibly corrected) transcript; a recording that
cannot be used shows why, and the interview goes on untouched: record again, or type. The audio is
saved only when "Keep my recordings" is ticked, and then only that of a submitted answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from interviewer import policy, settings
from interviewer.session import Interview
from interviewer.voice import Transcriber, Transcript, VoiceError, load_transcriber
from interviewer.voice.transcribe import MAX_SECONDS

DRAFT = "voice_draft"      # the one session-state key for a transcript waiting to be submitted
KEEP = "keep_recordings"   # the "Keep my recordings" choice, for the rest of this browser session
KEEP_BOX = "keep_recordings_box"
KEEP_HELP = ("Off: only the transcript you submit is saved, never the audio. On: the audio of each answer you "
             "submit by voice is saved with this interview, to play back in its review, until you delete the "
             "interview or all your data (History). Recordings you redo or don't submit are never saved.")
MIC_HELP = ("No microphone, or the browser blocked it? Allow the microphone for this site (the icon at the left "
            "of the address bar), then reload the page. Typing your answer always works.")


@dataclass(frozen=True)
class Draft:
    """A recording of the waiting prompt, transcribed (or refused, with the reason)."""

    turn: str
    digest: str
    transcript: Transcript | None
    error: str | None


@st.cache_resource(show_spinner="Loading the speech model (first voice answer only)…")
def transcriber(model: str | None, sha256: str | None, threads: int, filler_prompt: bool) -> Transcriber:
    """The Whisper model for these settings (the arguments are the cache key), loaded on the first voice answer."""
    return load_transcriber(settings.load())


def _transcribe(audio: bytes) -> Transcript:
    config = settings.load()
    model = transcriber(str(config.voice_model) if config.voice_model else None, config.voice_model_sha256,
                        config.voice_threads, config.voice_filler_prompt)
    return model.transcribe(audio, "your recording")


def _remember_keep() -> None:
    st.session_state[KEEP] = st.session_state[KEEP_BOX]


def keep_recordings() -> bool:
    """The "Keep my recordings" box (off until ticked); the choice holds across questions and reruns."""
    # The box is not drawn on every run (a button click skips it), and Streamlit forgets the state of
    # a widget it did not draw: the choice lives in its own key and is put back into the box each time.
    st.session_state[KEEP_BOX] = st.session_state.get(KEEP, False)
    return st.checkbox("Keep my recordings", key=KEEP_BOX, on_change=_remember_keep, help=KEEP_HELP)


def voice_answer(interview: Interview) -> tuple[str, Transcript, bytes | None] | None:
    """The microphone, "Keep my recordings", and the editable transcript; once the candidate submits,
    returns (text, transcript, the recording's bytes when they chose to keep it, else None)."""
    turn = f"{interview.id}:{len(interview.entries)}"
    held = st.session_state.get(DRAFT)
    if held is not None and held.turn != turn:
        st.session_state.pop(DRAFT, None)                 # the interview moved on: an old draft is stale
    with st.container(border=True):
        audio = st.audio_input("Answer by voice", key=f"mic_{turn}",
                               help=f"Recorded and transcribed on this computer (up to {MAX_SECONDS / 60:.0f} "
                               "minutes); nothing is graded until you submit the transcript.")
        keep = keep_recordings()
        if audio is None:
            st.caption(MIC_HELP)
            return None
        data = audio.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        draft = st.session_state.get(DRAFT)
        if draft is None or draft.digest != digest:
            with st.spinner("Transcribing on this computer…"):
                try:
                    spoken = _transcribe(data)
                    draft = Draft(turn, digest, spoken, None)
                    st.session_state[f"voice_text_{turn}"] = spoken.text
                except VoiceError as exc:
                    draft = Draft(turn, digest, None, str(exc))
            st.session_state[DRAFT] = draft
        if draft.error or draft.transcript is None:
            st.warning(draft.error or "The recording could not be used.", icon=":material/mic_off:")
            return None
        text = st.text_area("Your answer, transcribed: correct any misheard word, then submit",
                            key=f"voice_text_{turn}", max_chars=policy.MAX_ANSWER_CHARS, height=140)
        row = st.container(horizontal=True, vertical_alignment="center")
        submitted = row.button("Submit spoken answer", type="primary", icon=":material/send:", key=f"say_{turn}")
        row.caption(f"{draft.transcript.duration:.0f} s recorded · transcribed in {draft.transcript.seconds:.1f} s"
                    + (" · the audio will be kept with this interview" if keep else ""))
        if not submitted:
            return None
        if not text.strip():
            st.warning("The transcript is empty: record again, or type your answer.")
            return None
        st.session_state.pop(DRAFT, None)
        return text, draft.transcript, data if keep else None


# The browser's own speech synthesis reads each new question aloud: no server-side model. The switch
# shows only when the browser has a voice; the choice is kept in the browser (localStorage). The
# text spoken is read from the page, so no candidate or bank text is ever put inside this script.
_READ_ALOUD = """
<label class="iv-tts" style="display:none;font-size:0.9rem;opacity:0.85;cursor:pointer">
  <input type="checkbox" class="iv-tts-box"> Read questions aloud
</label>
<script>
(function () {{
  var synth = window.speechSynthesis;
  var boxes = document.querySelectorAll('.iv-tts-box');
  var box = boxes[boxes.length - 1];
  if (!synth || !box) {{ return; }}
  var on = localStorage.getItem('ivReadAloud') === '1';
  box.checked = on;
  box.onchange = function () {{
    localStorage.setItem('ivReadAloud', box.checked ? '1' : '0');
    if (!box.checked) {{ synth.cancel(); }} else {{ window.__ivRead = -1; speak(); }}
  }};
  function show() {{
    if (synth.getVoices().length) {{ box.parentElement.style.display = 'inline-flex'; speak(); }}
  }}
  function speak() {{
    if (!box.checked || window.__ivRead === {count}) {{ return; }}
    window.__ivRead = {count};
    setTimeout(function () {{
      var all = [...document.querySelectorAll('[data-testid="stChatMessage"]')];
      var last = all[all.length - 1];
      if (!last || last.innerText.indexOf('record_voice_over') < 0) {{ return; }}
      var text = last.innerText.replace('record_voice_over', '').replace('Show model answer', '').trim();
      synth.cancel();
      synth.speak(new SpeechSynthesisUtterance(text));
    }}, 300);
  }}
  show();
  if (synth.addEventListener) {{ synth.addEventListener('voiceschanged', show); }}
}})();
</script>
"""


def read_aloud(count: int) -> None:
    """The "Read questions aloud" switch (hidden when the browser has no voice); speaks each new interviewer message."""
    st.html(_READ_ALOUD.format(count=int(count)), unsafe_allow_javascript=True)
