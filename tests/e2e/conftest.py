"""Fixtures for the end-to-end tests: a real ASGI server and a real Celery worker, started as
subprocesses on loopback against pytest-django's test database, plus headless Chromium.

The server and worker commands are the production ones: docker-compose.yml runs the same
`web` and `worker` commands (keep the two in step).
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, connections
from kombu import Exchange, Queue
from playwright.sync_api import Page, expect, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
STARTUP_TIMEOUT = 30.0
TASK_TIMEOUT = 20.0
OUTPUT_TAIL_CHARS = 20_000
BROWSER_TIMEOUT_MS = 15_000  # page actions and expect(): a first poll loads VADER cold
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


# docker-compose.yml `web` runs this with `--host 0.0.0.0 --port 8000`.
def asgi_command(host: str, port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "uvicorn", "crisiscenter.asgi:application"),
        *("--host", host, "--port", str(port), "--lifespan", "on", "--ws-max-size", "65536"),
    ]


# docker-compose.yml `worker` runs this with `--concurrency=2` and no `-Q` (default queue).
def worker_command(queue: str) -> list[str]:
    return [
        *(sys.executable, "-m", "celery", "-A", "crisiscenter", "worker", "-l", "info"),
        *("--concurrency=1", "--pool=prefork", "-Q", queue),
    ]


class ServiceProcess:
    """A subprocess in its own process group, its stdout and stderr captured to a file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        with log_path.open("wb") as log:
            # Fixed argv built above (our interpreter, our module names): no shell, no user input.
            self.proc = subprocess.Popen(  # noqa: S603
                argv,
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own group: the prefork children go with the worker
            )

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def tail(self) -> str:
        text = self.output()
        return text[-OUTPUT_TAIL_CHARS:] if len(text) > OUTPUT_TAIL_CHARS else text

    def fail(self, why: str) -> None:
        pytest.fail(f"{self.name}: {why}\n--- {self.name} output ---\n{self.tail()}")

    def wait_until(self, ready: Callable[[], bool], *, timeout: float, what: str) -> None:
        """Poll `ready` until true; fail with the captured output on timeout or early exit."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.fail(f"exited with code {self.proc.returncode} while waiting for {what}")
            if ready():
                return
            time.sleep(0.1)
        self.fail(f"no {what} within {timeout:.0f} s")

    def stop(self) -> None:
        """SIGTERM the group (graceful shutdown), SIGKILL whatever is left after 10 s."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # prefork children outliving the parent
            os.killpg(self.proc.pid, signal.SIGKILL)


class AsgiServer(ServiceProcess):
    url: str


class CeleryWorker(ServiceProcess):
    queue: str

    def enqueue(self, task: Any, *args: Any) -> str:
        """Send `task(*args)` through the real broker to this worker's queue; returns its id."""
        return task.apply_async(args=list(args), queue=self.queue).id

    def wait_for_task(self, task_id: str, *, timeout: float = TASK_TIMEOUT) -> None:
        """Wait until the worker logs the task as finished; fail if it raised."""

        def finished() -> bool:
            output = self.output()
            if f"[{task_id}] raised" in output or f"[{task_id}] retry" in output:
                self.fail(f"task {task_id} did not succeed")
            return f"[{task_id}] succeeded" in output

        self.wait_until(finished, timeout=timeout, what=f"success of task {task_id}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _test_database_url() -> str:
    """DATABASE_URL of the database pytest-django created (test_<name>), for subprocesses."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture(scope="session")
def service_env(django_db_setup: None) -> dict[str, str]:
    """The test process's environment, pointed at the test database, as production runs."""
    if connection.vendor != "postgresql" or settings.EMBEDDED:
        pytest.skip("e2e tests need DATABASE_URL (PostgreSQL) and REDIS_URL")
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "SOURCES_ALLOW_PRIVATE_URLS": "1",  # feeds and instances served on loopback
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the servers run with Django's checks on
    return env


@pytest.fixture(scope="session")
def asgi_server(service_env: dict[str, str], tmp_path_factory) -> Iterator[AsgiServer]:
    """uvicorn serving crisiscenter.asgi on a free loopback port, ready once /healthz is 200."""
    port = _free_port()
    log = tmp_path_factory.mktemp("e2e") / "uvicorn.log"
    server = AsgiServer("uvicorn", asgi_command("127.0.0.1", port), service_env, log)
    server.url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:  # noqa: S310
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False  # not listening yet, or 503 while a dependency is unreachable

    try:
        server.wait_until(healthy, timeout=STARTUP_TIMEOUT, what="200 from /healthz")
        yield server
    finally:
        server.stop()


def _delete_queue(app: Any, name: str) -> None:
    """Remove the run's queue and its binding keys from Redis (kombu deletes only the bindings
    its channel knows, hence declare, then delete)."""
    with app.connection_for_write() as conn:
        queue = Queue(name, Exchange(name), routing_key=name)(conn.default_channel)
        queue.declare()
        queue.delete()


@pytest.fixture(scope="session")
def celery_worker(service_env: dict[str, str], tmp_path_factory) -> Iterator[CeleryWorker]:
    """A prefork Celery worker consuming a queue unique to this run (no stray worker steals it).

    Ready once it has run a real task from that queue: poll_source for a source that does not
    exist, which takes the vanished-row path.
    """
    from crisiscenter.celery import app
    from monitoring.tasks import poll_source

    queue = f"e2e-{uuid.uuid4().hex[:12]}"
    log = tmp_path_factory.mktemp("e2e") / "celery-worker.log"
    worker = CeleryWorker("celery worker", worker_command(queue), service_env, log)
    worker.queue = queue
    try:
        worker.wait_for_task(worker.enqueue(poll_source, 0), timeout=STARTUP_TIMEOUT)
        yield worker
    finally:
        worker.stop()
        _delete_queue(app, queue)


@pytest.fixture(autouse=True)
def _allow_sync_orm_next_to_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    # Playwright's sync API keeps its own asyncio loop "running" on this thread (it switches
    # greenlets), so Django would refuse every ORM call made while a browser is open with
    # "You cannot call this from an async context". Nothing runs on that loop while the ORM
    # blocks, so the check protects nothing here, and with transactional_db every write
    # commits, so the connection the test body gets (see `page`) sees and is seen by all.
    # Scoped to each e2e test (monkeypatch): not the rest of the suite, not the servers.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page(transactional_db: None) -> Iterator[Page]:
    """A fresh headless Chromium page. Depends on transactional_db, so the browser is closed
    before the database is flushed."""
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        expect.set_options(timeout=BROWSER_TIMEOUT_MS)
        yield context.new_page()
        context.close()
        browser.close()
    finally:
        # While Playwright's loop runs, asgiref files Django's connections per async context,
        # so the test body had a connection of its own; close it here or it outlives the test
        # and DROP DATABASE at the end of the session fails ("accessed by other users").
        connections.close_all()
        playwright.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """On failure, attach the servers' captured output to the report."""
    report = yield
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, ServiceProcess):
                report.sections.append((f"{value.name} output (tail)", value.tail()))
    return report
