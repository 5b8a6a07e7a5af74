"""Celery entry points for escalation: the scheduler tick and one send task per delivery."""

import logging

from celery import shared_task
from django.utils import timezone

from escalation import selectors, services

logger = logging.getLogger(__name__)


@shared_task(name="escalation.tick", bind=True, ignore_result=True, soft_time_limit=50)
def tick(self) -> dict:
    """Start runs for incidents that need one, advance runs past their deadline, and enqueue a
    send task per due delivery. Beat runs it every 10 s; safe to run twice or concurrently."""
    now = timezone.now()
    started = services.escalation_runs_start_due(now=now)
    advanced = services.escalation_runs_advance_due(now=now)
    due = services.deliveries_claim_due(now=now)
    # Sends follow the queue this tick came from (the e2e test runs a worker on its own queue).
    queue = (self.request.delivery_info or {}).get("routing_key") or None
    for delivery_id in due:
        send_delivery.apply_async(args=[delivery_id], queue=queue)
    return {"started": len(started), "advanced": len(advanced), "sent": len(due)}


@shared_task(
    name="escalation.send_delivery",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=50,
    time_limit=60,
)
def send_delivery(delivery_id: int) -> None:
    """Send one delivery; failures are stored on the row and retried by a later tick."""
    delivery = selectors.delivery_get_for_send(delivery_id=delivery_id)
    if delivery is None:
        logger.info("escalation.send_delivery.skipped", extra={"delivery_id": delivery_id})
        return
    services.delivery_send(delivery=delivery)
