"""Streamlit rendering for app.py (imported only by it): pages, chat bubbles, the timer."""
