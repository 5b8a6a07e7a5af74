"""Deliveries: claim the due ones (new and retries), send one, record the outcome.

The network call happens outside any transaction; a short transaction stores the result.
A failure is retried with exponential backoff (`next_attempt_at`) up to
ESCALATION_MAX_ATTEMPTS, and never blocks other deliveries, channels or tiers.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from contacts.models import Channel
from escalation import channels
from escalation.messages import ack_label, message_compose
from escalation.models import Delivery, EscalationRun
from escalation.tokens import ack_url

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)  # a sender that died frees its delivery after this


@transaction.atomic
def deliveries_claim_due(*, now: datetime, limit: int = 200) -> list[int]:
    """Mark due deliveries as sending (with a lease) and return their ids for the send tasks.
    Due: pending with next_attempt_at passed, or sending with an expired lease (crashed
    sender). SKIP LOCKED keeps concurrent ticks apart."""
    due = (
        Delivery.objects.select_for_update(skip_locked=True)
        .filter(
            Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=Delivery.Status.SENDING, lease_until__lt=now)
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(due)
    Delivery.objects.filter(pk__in=ids).update(
        status=Delivery.Status.SENDING, lease_until=now + LEASE
    )
    return ids


def _send(delivery: Delivery) -> None:
    run = delivery.run
    message = message_compose(
        title=run.incident.title,
        severity=run.incident.severity,
        workspace=run.workspace.name,
        tier=delivery.tier_index + 1,
        tiers=len(run.version.snapshot["tiers"]),
        ack_url=ack_url(delivery_id=delivery.pk),
        language=run.protocol.language,
        escape=channels.teams_escape if delivery.channel == Channel.TEAMS else None,
    )
    if delivery.channel == Channel.EMAIL:
        channels.email_send(to=delivery.target, message=message)
    elif delivery.channel == Channel.SMS:
        channels.sms_send(to=delivery.target, message=message)
    elif delivery.channel == Channel.SLACK:
        member = delivery.contact.slack_member_id if delivery.contact else ""
        channels.slack_send(webhook_url=delivery.target, message=message, member_id=member)
    elif delivery.channel == Channel.TEAMS:
        label = ack_label(run.protocol.language)
        channels.teams_send(webhook_url=delivery.target, message=message, ack_label=label)
    else:
        raise channels.ChannelError(f"unknown channel {delivery.channel}")


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.ESCALATION_RETRY_BACKOFF * 2 ** (attempts - 1))


def delivery_send(*, delivery: Delivery) -> str:
    """Send one delivery and store the outcome: sent, pending (retry later) or failed.
    Skipped without sending when the run was acknowledged or ended meanwhile. Returns the
    new status. At-least-once: a crash after sending and before storing sends again."""
    if delivery.status not in (Delivery.Status.SENDING, Delivery.Status.PENDING):
        return delivery.status
    if delivery.run.status != EscalationRun.Status.ACTIVE:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SKIPPED,
            error=gettext_noop("not sent: the escalation had ended"),
        )
        return Delivery.Status.SKIPPED
    error, final = "", False
    try:
        _send(delivery)
    except channels.ChannelError as exc:
        error, final = str(exc), isinstance(exc, channels.ChannelRefused)
    now = timezone.now()
    attempts = delivery.attempts + 1
    if not error:
        values = {"status": Delivery.Status.SENT, "sent_at": now, "error": ""}
    elif final or attempts >= settings.ESCALATION_MAX_ATTEMPTS:
        values = {"status": Delivery.Status.FAILED, "error": error}
    else:
        values = {"status": Delivery.Status.PENDING, "error": error,
                  "next_attempt_at": now + _backoff(attempts)}  # fmt: skip
    Delivery.objects.filter(pk=delivery.pk).update(attempts=attempts, lease_until=None, **values)
    log = logger.info if not error else logger.warning
    extra = {"delivery_id": delivery.pk, "channel": delivery.channel, "error": error}
    log("escalation.delivery.%s", values["status"], extra=extra)
    return values["status"]
