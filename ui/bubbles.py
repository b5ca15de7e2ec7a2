"""Chat bubbles: one :class:`interviewer.chat.Message` drawn with ``st.chat_message``.

All Markdown comes from :mod:`interviewer.report`, which escapes every text it did not write.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import streamlit as st

from interviewer.bank import Bank
from interviewer.chat import Kind, Message
from interviewer.report import message_md
from interviewer.review import model_answer
from interviewer.voice import Recording

AVATARS = {"assistant": ":material/record_voice_over:", "user": ":material/person:"}


def bubble(message: Message, bank: Bank | None, recordings: Mapping[int, Recording] | None = None) -> None:
    """Draw one message; feedback gets its model answer behind an expander, a spoken answer its kept recording."""
    role = message.role.value
    with st.chat_message(role, avatar=AVATARS[role]):
        st.markdown(message_md(message))
        if message.kind is Kind.ANSWER and message.answer is not None and recordings:
            kept = recordings.get(message.answer.seq)
            if kept is not None:
                st.audio(kept.audio, format=kept.format)
        if message.kind is Kind.FEEDBACK and message.question_id:
            reference = model_answer(bank, message.question_id, message.follow_up_id)
            if reference:
                with st.expander("Show model answer"):
                    st.text(reference)


def bubbles(messages: Sequence[Message], bank: Bank | None,
            recordings: Mapping[int, Recording] | None = None) -> None:
    """Draw messages in order; ``recordings`` are the kept ones, by the seq of their answer turn."""
    for message in messages:
        bubble(message, bank, recordings)
