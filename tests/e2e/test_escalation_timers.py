"""Escalation timers survive a worker crash: the deadline lives in the database.

A real Celery worker runs `escalation.tick` (the test plays beat, sending a tick every
second to the worker's own queue). Tier 1 is alerted; the worker is SIGKILLed; the tier-1
deadline passes with no worker alive; a new worker starts and tier 2 fires, once.
"""

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from django.utils import timezone

from contacts.models import Contact
from escalation import services
from escalation.models import Delivery, EscalationRun
from escalation.tasks import send_delivery, tick
from incidents.models import Incident, IncidentEvent
from tests.e2e.conftest import STARTUP_TIMEOUT, CeleryWorker, _delete_queue, worker_command
from tests.factories import IncidentFactory, MembershipFactory, WorkspaceFactory
from tests.loopback import QuietHandler, loopback_server

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TIER1_WAIT = 3


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[str]]]:
    """A local Slack-style webhook receiver; records the path of each POST."""
    hits: list[str] = []

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    with loopback_server(Handler) as url:
        yield url, hits


def _start_worker(env: dict, queue: str, log) -> CeleryWorker:
    worker = CeleryWorker("celery worker", worker_command(queue), env, log)
    worker.queue = queue
    worker.wait_for_task(worker.enqueue(send_delivery, 0), timeout=STARTUP_TIMEOUT)
    return worker


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_escalation_deadline_survives_worker_kill(service_env, tmp_path, webhook):
    from crisiscenter.celery import app

    url, hits = webhook
    queue = f"e2e-esc-{uuid.uuid4().hex[:10]}"
    workspace = WorkspaceFactory()
    admin = MembershipFactory(workspace=workspace, role="admin").user
    first = Contact.objects.create(
        workspace=workspace, kind="management", name="Tier One", slack_webhook_url=url + "/tier1"
    )
    second = Contact.objects.create(
        workspace=workspace, kind="legal", name="Tier Two", slack_webhook_url=url + "/tier2"
    )
    services.protocol_create(
        workspace=workspace,
        values={"name": "Fast", "min_severity": 1, "language": "en"},
        tiers=[
            {"contact_ids": [first.pk], "channels": ["slack"], "wait_seconds": TIER1_WAIT},
            {"contact_ids": [second.pk], "channels": ["slack"], "wait_seconds": 600},
        ],
        by=admin,
    )
    incident = IncidentFactory(workspace=workspace, status=Incident.Status.ACTIVE, severity=3)

    stop = threading.Event()

    def beat() -> None:  # what `celery beat` does, at 1 s instead of 10 s
        while not stop.is_set():
            tick.apply_async(queue=queue)
            stop.wait(1.0)

    worker = _start_worker(
        {**service_env, "ESCALATION_ALLOW_PRIVATE_WEBHOOKS": "1"}, queue, tmp_path / "worker1.log"
    )
    beat_thread = threading.Thread(target=beat, daemon=True)
    beat_thread.start()
    try:
        _wait(lambda: "/tier1" in hits, 30, "tier 1 on the webhook")
        # Kill only once tier 1 is stored as sent: a kill between the webhook's answer and that
        # write is the at-least-once resend case (lease expiry), not what this test is about.
        _wait(
            lambda: Delivery.objects.filter(
                run__incident=incident, tier_index=0, status="sent"
            ).exists(),
            30,
            "tier 1 stored as sent",
        )
        os.killpg(worker.proc.pid, signal.SIGKILL)  # the whole worker, no graceful shutdown
        worker.proc.wait(timeout=10)

        run = EscalationRun.objects.get(incident=incident)
        assert run.status == "active"
        assert run.tier_index == 0
        assert run.next_deadline is not None
        # the deadline passes while no worker is alive: nothing can fire
        while timezone.now() < run.next_deadline + timezone.timedelta(seconds=1):
            time.sleep(0.2)
        time.sleep(1)
        assert "/tier2" not in hits

        worker = _start_worker(
            {**service_env, "ESCALATION_ALLOW_PRIVATE_WEBHOOKS": "1"},
            queue,
            tmp_path / "worker2.log",
        )
        _wait(lambda: "/tier2" in hits, 30, "tier 2 after the restart")
        time.sleep(2)  # more ticks: still one message per tier
        assert hits.count("/tier1") == 1
        assert hits.count("/tier2") == 1
        run.refresh_from_db()
        assert run.tier_index == 1
        assert run.status == "active"
        assert set(Delivery.objects.filter(run=run).values_list("tier_index", "status")) == {
            (0, "sent"),
            (1, "sent"),
        }
        assert IncidentEvent.objects.filter(incident=incident, kind="escalation").count() == 2
    finally:
        stop.set()
        beat_thread.join(timeout=5)
        worker.stop()
        _delete_queue(app, queue)
