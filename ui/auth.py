"""Sign-in, when the deployment turns it on: Streamlit's st.login / st.user (OpenID Connect) or a
trusted proxy's header. The decisions (which claim, which domains) live in interviewer.identity."""

from __future__ import annotations

import streamlit as st

from interviewer import identity
from interviewer.identity import AuthMode, Identity, SignInRefused
from interviewer.markup import escape
from interviewer.settings import Settings


def current_user(config: Settings) -> Identity | None:
    """The signed-in user; None when sign-in is off. Shows the sign-in page and stops when nobody is signed in."""
    chosen = identity.mode(config)
    if chosen is AuthMode.NONE:
        return None
    if chosen is AuthMode.HEADER:
        return identity.from_headers(dict(st.context.headers), config.auth_header or "", config.allowed_domains)
    if not st.user.is_logged_in:
        st.header("Sign in")
        st.write("Sign in to practise; your interviews are kept for you alone.")
        st.button("Sign in", type="primary", icon=":material/login:", on_click=st.login)
        st.stop()
    try:
        return identity.from_claims(st.user.to_dict(), config.allowed_domains)
    except SignInRefused as exc:
        st.error(escape(str(exc)), icon=":material/block:")
        st.button("Sign out", on_click=st.logout)
        st.stop()


def signed_in_as(user: Identity, config: Settings) -> None:
    """Who is signed in, and a way out (the proxy signs people out in header mode)."""
    st.caption(f"Signed in as **{escape(user.label)}**")
    if identity.mode(config) is AuthMode.OIDC:
        st.button("Sign out", icon=":material/logout:", width="stretch", on_click=st.logout)
    st.caption("Your interviews are stored on this server and shown to you alone.")
