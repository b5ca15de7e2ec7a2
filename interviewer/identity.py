"""Who is using the app: nobody in particular (one person on a laptop), or a signed-in user.

With sign-in on, the profile under which sessions, turns and weak spots are stored is derived from
the identity, never typed or taken from the URL. The UI reads the claims (``st.user``) or the request
headers (``st.context.headers``) and hands them here; every decision is made in this module.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum
from typing import Any, Mapping

from interviewer import policy
from interviewer.settings import Settings


class AuthMode(str, Enum):
    """How users are told apart."""

    NONE = "none"       # one person on this computer: the profile box, no sign-in
    OIDC = "oidc"       # OpenID Connect through Streamlit's st.login (secrets.toml [auth])
    HEADER = "header"   # a trusted authenticating proxy names the user in a header

    @classmethod
    def parse(cls, value: str) -> "AuthMode":
        """The mode named by INTERVIEWER_AUTH; an unknown name lists the valid ones."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise AuthConfigError(f"INTERVIEWER_AUTH={value!r} is not a sign-in mode; use one of: "
                                  + ", ".join(m.value for m in cls)) from None


class AuthError(RuntimeError):
    """Sign-in cannot go ahead; the message says what to do."""


class AuthConfigError(AuthError):
    """The sign-in settings are incomplete or contradictory (a deployment mistake, not the user's)."""


class SignInRefused(AuthError):
    """This request or account may not use the app."""


@dataclass(frozen=True)
class Identity:
    """A signed-in user: ``profile`` keys every row of theirs in the store; ``label`` is shown to them."""

    profile: str
    label: str


def mode(config: Settings) -> AuthMode:
    """The configured sign-in mode, checked for the settings it needs."""
    chosen = AuthMode.parse(config.auth)
    if chosen is AuthMode.HEADER and not config.auth_header:
        raise AuthConfigError("INTERVIEWER_AUTH=header needs INTERVIEWER_AUTH_HEADER, the header your "
                              "authenticating proxy sets (for example X-Forwarded-Email)")
    return chosen


def _allowed(email: str | None, domains: tuple[str, ...]) -> None:
    if not domains:
        return
    domain = email.rsplit("@", 1)[1].lower() if email and "@" in email else None
    if domain not in domains:
        raise SignInRefused(f"The account {email or '(no e-mail)'} may not use this app: only "
                            + ", ".join(f"@{d}" for d in domains) + " addresses are allowed. "
                            "Sign out and sign in with another account.")


def from_claims(claims: Mapping[str, Any], domains: tuple[str, ...] = ()) -> Identity:
    """The identity behind OpenID Connect claims: the profile is a digest of issuer and subject.

    ``sub`` is stable for one account at one provider (an e-mail address can change hands or be
    renamed), so it keys the data; the e-mail is only shown and checked against the allow-list.
    """
    subject = str(claims.get("sub") or "").strip()
    if not subject:
        raise SignInRefused("The identity provider sent no subject ('sub' claim); sign in again.")
    email = str(claims.get("email") or "").strip() or None
    if domains and email and claims.get("email_verified") is False:
        raise SignInRefused(f"The e-mail address {email} is not verified by the identity provider; "
                            "verify it there, then sign in again.")
    _allowed(email, domains)
    digest = hashlib.sha256(f"{claims.get('iss', '')}\n{subject}".encode("utf-8", "replace")).hexdigest()[:32]
    label = email or str(claims.get("name") or subject)
    return Identity(profile=f"oidc-{digest}", label=label[:200])


def from_headers(headers: Mapping[str, str], header: str, domains: tuple[str, ...] = ()) -> Identity:
    """The identity a trusted proxy put in ``header``; a request without it is refused."""
    value = next((v for k, v in headers.items() if k.lower() == header.lower()), None)
    value = (value or "").strip()
    if not value:
        raise SignInRefused(f"This request did not come through the sign-in proxy (no {header} header). "
                            "Open the app through its public address.")
    if len(value) > policy.MAX_PROFILE_CHARS - 7 or not value.isprintable():
        raise SignInRefused(f"The {header} header does not hold a usable user name.")
    _allowed(value if "@" in value else None, domains)
    return Identity(profile=f"header:{value.lower()}", label=value)
