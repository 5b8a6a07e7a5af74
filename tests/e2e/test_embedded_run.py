"""`make run`'s shape, on its embedded defaults: SQLite, tasks and the channel layer in the
web process, the demo organisation with its live demo feed. The commands are `make run`'s
(migrate, seed_demo, serve); only the SQLite file is a temporary one. Every other test runs
against PostgreSQL and Redis, so this is where the embedded mode proves that the dashboard
moves: the demo sources' polls store mentions and none fails."""

import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import REPO_ROOT, STARTUP_TIMEOUT, ServiceProcess, _free_port

pytestmark = pytest.mark.e2e

FEED_TIMEOUT = 90.0  # the in-process scheduler's first polls, VADER loaded cold


def _stored_mentions(db_path) -> int:
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT count(*) FROM monitoring_mention").fetchone()[0]


def _status(url: str) -> int | None:
    request = urllib.request.Request(url, method="GET")  # noqa: S310 - loopback, our server
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_make_run_defaults_store_the_demo_feed(tmp_path):
    db_path = tmp_path / "db.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{db_path}",
        DEBUG="1",  # as `make run`'s .env
        SECRET_KEY="embedded-run-test-key",
        PYTHONUNBUFFERED="1",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
        # Fixed argv (our interpreter and manage.py): no shell, no user input.
        subprocess.run([*manage, *command], cwd=REPO_ROOT, env=env, check=True)  # noqa: S603
    port = _free_port()
    server = ServiceProcess(
        "serve", [*manage, "serve", "--port", str(port)], env, tmp_path / "serve.log"
    )
    try:
        home = f"http://127.0.0.1:{port}/"
        server.wait_until(lambda: _status(home) == 302, timeout=STARTUP_TIMEOUT, what="the site")

        def fed() -> bool:
            if "poll_source.failed" in server.output():
                server.fail("a demo poll failed")
            return _stored_mentions(db_path) > 0

        server.wait_until(fed, timeout=FEED_TIMEOUT, what="demo mentions")
        assert "poll_source.failed" not in server.output()
    finally:
        server.stop()
