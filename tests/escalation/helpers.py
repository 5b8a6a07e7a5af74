"""The tick's steps run in the test process: the same services, sends applied in-process
(the real broker and worker are covered by tests/e2e/test_escalation_timers.py)."""

from datetime import datetime

from escalation import services
from escalation.tasks import send_delivery


def tick_in_process(now: datetime) -> list[int]:
    services.escalation_runs_start_due(now=now)
    services.escalation_runs_advance_due(now=now)
    due = services.deliveries_claim_due(now=now)
    for delivery_id in due:
        send_delivery.apply(args=[delivery_id])
    return due
