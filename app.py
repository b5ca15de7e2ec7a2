"""Streamlit front end: renders the interview and forwards input; no decisions here."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="ML mock interviewer", page_icon="🎙️", layout="centered")
st.title("ML mock interviewer")
st.write("An offline mock interviewer for machine-learning jobs. The interview UI is on its way.")
