"""Two hosts behind one PostgreSQL: two API processes share keys, revocations and one rate limit per key, and a
conversation started on one app process opens on the other (issue 27). All four processes start at once."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.test_e2e_browser import CHROMIUM, CHROMIUM_ARGS, QUESTION, _ask, _browser_or_skip, _free_port, ready

ROOT = Path(__file__).resolve().parent.parent


def _get(port: int, path: str, key: str | None = None) -> int:
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        con.request("GET", path, headers={"Authorization": f"Bearer {key}"} if key else {})
        r = con.getresponse()
        r.read()
        return r.status
    finally:
        con.close()


@pytest.fixture
def hosts(pg_url, shipped_index, tmp_path):
    """Two API processes and two app processes on free loopback ports, each with files of its own (as on two hosts) and
    one database; yields (api ports, app urls, the environment the operator's commands run with)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), "MYTHQA_DATABASE_URL": pg_url,
           "MYTHQA_API_REQUESTS_PER_MINUTE": "4", "MYTHQA_INDEX": str(shipped_index), "MYTHQA_CORPUS": str(ROOT / "corpus")}  # fmt: skip
    procs, wait = [], []
    for host in ("a", "b"):
        own = tmp_path / host  # what stays on a host: SQLite paths (unused with the database) and the operator token
        own.mkdir()
        host_env = env | {"MYTHQA_FEEDBACK_DB": str(own / "feedback.sqlite3"), "MYTHQA_API_KEYS_DB": str(own / "keys.sqlite3")}
        api_port, app_port = _free_port(), _free_port()
        api = [sys.executable, "-m", "api", "--index", str(shipped_index), "--port", str(api_port)]
        app = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address", "127.0.0.1",
               "--server.port", str(app_port), "--browser.gatherUsageStats", "false"]  # fmt: skip
        for name, cmd, health in (
            ("api", api, f"http://127.0.0.1:{api_port}/v1/health"),
            ("app", app, f"http://127.0.0.1:{app_port}/_stcore/health"),
        ):
            log = own / f"{name}.log"
            with open(log, "w") as out:
                procs.append(subprocess.Popen(cmd, cwd=ROOT, env=host_env, stdout=out, stderr=subprocess.STDOUT))
            wait.append((health, procs[-1], log, name, api_port if name == "api" else app_port))
    try:
        deadline = time.monotonic() + 180
        for health, proc, log, _, _ in wait:
            ready(health, proc, log, deadline)
        apis = [port for *_, name, port in wait if name == "api"]
        apps = [f"http://127.0.0.1:{port}" for *_, name, port in wait if name == "app"]
        yield apis, apps, env
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    for _, _, log, _, _ in wait:
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def _keys(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "api.keys", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_two_api_and_two_app_processes_share_one_database(hosts):
    (a, b), (app_a, app_b), env = hosts
    key = _keys(env, "create", "newsroom")  # the operator's command on any host: the key works on both
    assert re.fullmatch(r"mqa_\S+", key)
    assert [_get(a, "/v1/myths", key), _get(b, "/v1/myths", key), _get(a, "/v1/myths", key), _get(b, "/v1/myths", key)] == [200] * 4
    assert (_get(a, "/v1/myths", key), _get(b, "/v1/myths", key)) == (429, 429)  # 4 a minute, counted across both

    other = _keys(env, "create", "bot")
    assert (_get(a, "/v1/myths", other), _get(b, "/v1/myths", other)) == (200, 200)
    assert _keys(env, "revoke", "bot").startswith("Revoked key 2")
    assert (_get(b, "/v1/myths", other), _get(a, "/v1/myths", other)) == (401, 401)

    sync_playwright = _browser_or_skip()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})  # one browser: its cookie goes to both ports
        page = context.new_page()
        page.goto(app_a)
        page.get_by_placeholder("Ask a question about the myths…").wait_for(timeout=120_000)
        _ask(page, QUESTION, 2)
        page.wait_for_url(re.compile(r"[?&]c=[0-9a-f]{32}"), timeout=30_000)  # stored: the conversation has its address
        conversation = re.search(r"[?&]c=([0-9a-f]{32})", page.url).group(1)
        on_b = context.new_page()
        on_b.goto(f"{app_b}/?c={conversation}")
        on_b.locator('[data-testid="stChatMessage"]').nth(1).locator('[data-testid="stFeedback"]').wait_for(timeout=60_000)
        assert on_b.locator('[data-testid="stChatMessage"]').first.inner_text().strip().endswith(QUESTION)
        # listed among this visitor's: the sidebar is drawn after the turns, so it may arrive a moment later
        on_b.locator('[data-testid="stSidebar"]').get_by_text(QUESTION[:40]).first.wait_for(timeout=30_000)
        browser.close()
    with psycopg.connect(env["MYTHQA_DATABASE_URL"]) as con:  # one turn, in the one database both apps use
        assert con.execute("SELECT count(*) FROM turns WHERE conversation_id = %s", (conversation,)).fetchone()[0] == 1
