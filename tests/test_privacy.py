"""Private by default: the app listens on this computer only, shows no tracebacks, and keeps its
database readable by this user alone."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import psutil
import pytest

from apphelp import APP, REPO, stop_process, wait_until_up
from interviewer.store import Store

CONFIG = REPO / ".streamlit" / "config.toml"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_data_folder_and_database_are_private(isolated_data_dir):
    Store().close()
    assert mode(isolated_data_dir) == 0o700
    assert mode(isolated_data_dir / "interviewer.sqlite3") == 0o600


def test_an_existing_world_readable_database_is_tightened(isolated_data_dir):
    isolated_data_dir.mkdir(parents=True)
    db = isolated_data_dir / "interviewer.sqlite3"
    Store().close()
    db.chmod(0o644)
    Store().close()
    assert mode(db) == 0o600


def test_the_config_binds_to_loopback_and_hides_error_details():
    config = tomllib.loads(CONFIG.read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["showErrorDetails"] == "none"


def test_the_config_skips_streamlits_full_collection_after_every_run():
    # gc.collect(2) after each run walked the model's heap: 0.6-1.2 s per run, two runs per click
    assert tomllib.loads(CONFIG.read_text())["runner"]["postScriptGC"] is False


def test_make_run_binds_to_loopback_unless_told_otherwise():
    def line(*extra: str) -> str:
        out = subprocess.run(["make", "-n", "run", *extra], cwd=REPO, capture_output=True, text=True, check=True).stdout
        return next(row for row in out.splitlines() if "streamlit run" in row)

    assert "--server.address 127.0.0.1" in line()
    assert "--server.address 0.0.0.0" in line("ADDRESS=0.0.0.0")


def non_loopback_ipv4() -> str | None:
    """An IPv4 address of this machine that is not 127.x (None when it has none)."""
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family == socket.AF_INET and not address.address.startswith("127."):
                return address.address
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_the_server_refuses_connections_from_other_addresses(tmp_path):
    """Started as `make run` starts it (no address given): reachable on 127.0.0.1, refused elsewhere."""
    other = non_loopback_ipv4()
    if other is None:
        pytest.skip("this machine has no non-loopback IPv4 address to connect through")
    port = free_port()
    log = open(tmp_path / "streamlit.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port)],
                            cwd=REPO, env={**os.environ, "INTERVIEWER_DATA_DIR": str(tmp_path / "data")},
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(proc, f"http://127.0.0.1:{port}/", tmp_path / "streamlit.log", 120)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((other, port), timeout=10).close()
    finally:
        stop_process(proc)
        log.close()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_an_unexpected_error_shows_no_traceback_or_path_in_the_browser(tmp_path):
    """With the project's config, an exception no page catches reaches the browser without its details."""
    from playwright.sync_api import sync_playwright

    from test_browser import launch

    script = tmp_path / "boom.py"
    script.write_text("raise RuntimeError('secret-detail from ' + __file__)\n")
    port = free_port()
    log = open(tmp_path / "streamlit.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)],
                            cwd=REPO, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(proc, f"http://127.0.0.1:{port}/", tmp_path / "streamlit.log", 120)
        with sync_playwright() as p:
            browser, page = launch(p)
            try:
                page.goto(f"http://127.0.0.1:{port}/")
                page.get_by_test_id("stException").or_(page.get_by_role("alert")).first.wait_for(timeout=60_000)
                text = page.locator("body").inner_text()
            finally:
                browser.close()
        assert "error" in text.lower()                                    # something went wrong, it says so
        assert "secret-detail" not in text and "Traceback" not in text and str(tmp_path) not in text
        assert "secret-detail" in (tmp_path / "streamlit.log").read_text()   # the details are in the server log
    finally:
        stop_process(proc)
        log.close()
