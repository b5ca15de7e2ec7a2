"""Sign-in end to end in real Chromium: an OpenID Connect provider (oidc-provider-mock) started here on
127.0.0.1, the app signing users in through Streamlit's st.login, two users who cannot see or resume
each other's interviews by URL, history or export, on SQLite and PostgreSQL; the trusted-header mode
refusing requests without its header, and the header ignored when that mode is off.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from apphelp import APP, REPO, app_env, data_dir_with_shared_cache, small_real_bank, stop_process, wait_until_up

CHROMIUM = Path("/usr/bin/chromium")
STARTUP_SECONDS = 900
STEP_MS = 300_000
MSG = '[data-testid="stChatMessage"]'
ALICE_ANSWER = "Alice's private answer: overfitting is learning the noise of the training data."

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                 "(.ci/run installs it with apt-get)")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def provider():
    """A local OpenID Connect provider: any client id, users chosen on its consent form by subject."""
    import werkzeug.serving
    from oidc_provider_mock import app as provider_app

    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"        # plain http on 127.0.0.1, for the test only
    server = werkzeug.serving.make_server("127.0.0.1", 0, provider_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def start_app(root: Path, env: dict[str, str], extra_args: tuple[str, ...] = (),
              port: int | None = None) -> tuple[subprocess.Popen, str]:
    port = port or free_port()
    log = open(root / "streamlit.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false", *extra_args],
                            cwd=REPO, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    wait_until_up(proc, url, root / "streamlit.log", STARTUP_SECONDS)
    return proc, url


def base_env(root: Path, request, database_url: str | None = None) -> dict[str, str]:
    bank = small_real_bank(root / "bank")
    data = data_dir_with_shared_cache(root / "data", request.config.cache.mkdir("app-index"))
    return app_env(bank, data, database_url)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


def new_page(browser, headers: dict[str, str] | None = None):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True,
                                  extra_http_headers=headers or {})
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    return page


def sign_in(page, url: str, subject: str) -> None:
    """Open the app, press Sign in, choose the subject on the provider's form, land back signed in."""
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(url + "*")
    signed_in(page, subject)


def signed_in(page, who: str) -> None:
    """Wait for the sidebar to name the signed-in user."""
    page.get_by_text("Signed in as").wait_for()
    assert f"Signed in as {who}" in body(page)


def start_interview(page) -> str:
    page.get_by_role("button", name="Start the interview").click()
    page.get_by_placeholder("Type your answer").wait_for()
    return page.url.split("session=")[1].split("&")[0]


def send(page, text: str) -> None:
    box = page.get_by_placeholder("Type your answer")
    box.fill(text)
    box.press("Enter")
    page.locator(MSG).filter(has_text="/10").first.wait_for()


def body(page) -> str:
    page.wait_for_timeout(1500)
    return page.locator("body").inner_text().replace("\u2060", "")   # escape() puts word joiners in addresses


def download_all(page) -> dict:
    with page.expect_download() as info:
        page.get_by_role("button", name="Download all my data (JSON)").click()
    return json.loads(Path(info.value.path()).read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def oidc_app(request, provider, tmp_path_factory):
    """The app with OpenID Connect sign-in (only @uni.example accounts), on SQLite or PostgreSQL."""
    root = tmp_path_factory.mktemp(f"signin-{request.param}")
    database_url = None
    if request.param == "postgres":
        import pg

        database_url = pg.fresh_database(request.getfixturevalue("postgres_url"))
    port = free_port()
    secrets = root / "secrets.toml"
    secrets.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "a-test-cookie-secret-{os.urandom(8).hex()}"
client_id = "interviewer-test"
client_secret = "not-a-real-secret"
server_metadata_url = "{provider}/.well-known/openid-configuration"
""")
    env = {**base_env(root, request, database_url), "INTERVIEWER_AUTH": "oidc",
           "INTERVIEWER_ALLOWED_DOMAINS": "uni.example", "AUTHLIB_INSECURE_TRANSPORT": "1"}
    proc, url = start_app(root, env, ("--secrets.files", str(secrets)), port)
    yield {"url": url, "provider": provider, "db": database_url or f"sqlite:///{root / 'data' / 'interviewer.sqlite3'}"}
    stop_process(proc)


def test_two_users_cannot_see_or_resume_each_others_interviews(browser, oidc_app):
    url = oidc_app["url"]
    alice = new_page(browser)
    alice.goto(url)
    assert "Set up your interview" not in body(alice)                 # nothing before signing in
    sign_in(alice, url, "alice@uni.example")
    session = start_interview(alice)
    send(alice, ALICE_ANSWER)

    bob = new_page(browser)
    sign_in(bob, url, "bob@uni.example")
    bob.goto(f"{url}?session={session}")
    bob.get_by_text("No saved session").wait_for()
    text = body(bob)
    assert "No saved session" in text and "Alice's private answer" not in text
    assert "forbidden" not in text.lower()
    bob.goto(f"{url}?view=history")
    bob.get_by_text("No interviews yet").wait_for()
    exported = download_all(bob)
    assert exported["sessions"] == [] and session not in json.dumps(exported)

    alice.goto(f"{url}?view=history")
    alice.get_by_role("button", name="Resume").wait_for()
    assert alice.get_by_role("button", name="Resume").count() == 1
    mine = download_all(alice)
    assert [s["id"] for s in mine["sessions"]] == [session]
    assert ALICE_ANSWER in json.dumps(mine, ensure_ascii=False)

    from interviewer.store import Store
    store = Store(oidc_app["db"])
    assert store.session_data(session)["entries"]                    # Bob's visit wrote nothing into it
    assert not [e for e in store.session_data(session)["entries"] if "bob" in json.dumps(e).lower()]
    store.close()

    alice.get_by_role("button", name="Sign out").click()
    alice.wait_for_url(lambda now: not now.startswith(f"{url}?view=history"))
    if alice.url.startswith(oidc_app["provider"]):                    # the provider's end-session page
        alice.get_by_role("button", name="End session").click()
    alice.goto(f"{url}?session={session}")
    alice.get_by_role("button", name="Sign in").wait_for()
    assert "Alice's private answer" not in body(alice)                  # signed out: the sign-in page only


def test_an_account_outside_the_allowed_domains_is_refused(browser, oidc_app):
    eve = new_page(browser)
    eve.goto(oidc_app["url"])
    eve.get_by_role("button", name="Sign in").click()
    eve.locator('input[name="sub"]').fill("eve@evil.example")
    eve.get_by_role("button", name="Authorize").click()
    eve.get_by_text("may not use this app").wait_for()
    assert "Set up your interview" not in body(eve)


def test_deleting_all_my_data_in_the_browser_removes_only_mine(browser, oidc_app):
    url = oidc_app["url"]
    carol = new_page(browser)
    sign_in(carol, url, "carol@uni.example")
    start_interview(carol)
    carol.goto(f"{url}?view=history")
    carol.get_by_text("I understand that deleting cannot be undone").click()
    carol.get_by_role("button", name="Delete all my data").click()
    carol.get_by_text("No interviews yet").wait_for()
    from interviewer.store import Store
    store = Store(oidc_app["db"])
    with store.engine.connect() as conn:
        import sqlalchemy as sa
        profiles = {r[0] for r in conn.execute(sa.text("SELECT DISTINCT profile FROM sessions"))}
    store.close()
    assert profiles and all(p.startswith("oidc-") for p in profiles)   # Alice's (or others') rows remain
    assert len(download_all(carol)["sessions"]) == 0


# --- trusted header ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def header_app(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("header")
    env = {**base_env(root, request), "INTERVIEWER_AUTH": "header", "INTERVIEWER_AUTH_HEADER": "X-Forwarded-Email"}
    proc, url = start_app(root, env)
    yield url
    stop_process(proc)


@pytest.fixture(scope="module")
def open_app(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("no-auth")
    proc, url = start_app(root, base_env(root, request))
    yield url
    stop_process(proc)


def test_header_mode_refuses_a_request_without_the_header_and_separates_users(browser, header_app):
    outsider = new_page(browser)
    outsider.goto(header_app)
    outsider.get_by_text("did not come through the sign-in proxy").wait_for()
    text = body(outsider)
    assert "did not come through the sign-in proxy" in text and "Set up your interview" not in text

    dave = new_page(browser, {"X-Forwarded-Email": "dave@uni.example"})
    dave.goto(header_app)
    signed_in(dave, "dave@uni.example")
    session = start_interview(dave)
    erin = new_page(browser, {"X-Forwarded-Email": "erin@uni.example"})
    erin.goto(f"{header_app}?session={session}")
    erin.get_by_text("No saved session").wait_for()
    # the profile is the identity: naming Dave's (guessable) profile in the URL shows Erin her own history
    erin.goto(f"{header_app}?view=history&profile=header:dave@uni.example")
    erin.get_by_text("No interviews yet").wait_for()
    assert erin.get_by_role("button", name="Review").count() + erin.get_by_role("button", name="Resume").count() == 0


def test_the_header_is_ignored_when_header_mode_is_off(browser, open_app):
    page = new_page(browser, {"X-Forwarded-Email": "mallory@uni.example"})
    page.goto(open_app)
    page.get_by_text("Set up your interview").wait_for()
    text = body(page)
    assert "Signed in as" not in text and "mallory" not in text
    assert page.get_by_test_id("stTextInputField").input_value() == "me"       # the local profile box
