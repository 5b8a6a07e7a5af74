"""Acknowledgements: from the app (a member) or from the signed link in a message."""

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from escalation.exceptions import EscalationNotActive
from escalation.messages import ack_via_text
from escalation.models import Delivery, EscalationRun
from incidents.models import IncidentEvent
from incidents.services import incident_event_record
from realtime import events
from realtime.publisher import publish_on_commit

logger = logging.getLogger(__name__)


@transaction.atomic
def escalation_acknowledge(
    *, run: EscalationRun, user: AbstractBaseUser | None, name: str, via: str
) -> EscalationRun:
    """Stop the escalation: no further tiers, unsent deliveries skipped; records who and via
    what on the incident timeline. Raises EscalationNotActive (409) if already stopped."""
    run = (
        EscalationRun.objects.select_for_update(of=("self",))
        .select_related("incident", "protocol", "version")
        .get(pk=run.pk)
    )
    if run.status != EscalationRun.Status.ACTIVE:
        raise EscalationNotActive(
            _("This escalation is no longer running (%(status)s).")
            % {"status": run.get_status_display()},
            {"status": run.status, "acknowledged_by": run.acknowledged_by_name},
        )
    now = timezone.now()
    run.status, run.next_deadline, run.ended_at = run.Status.ACKNOWLEDGED, None, now
    run.acknowledged_at, run.acknowledged_via = now, via
    run.acknowledged_by = user if user is not None and user.is_authenticated else None
    run.acknowledged_by_name = name[:200]
    run.save()
    run.deliveries.filter(status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SKIPPED,
        error=gettext_noop("not sent: the escalation was acknowledged"),
    )
    with translation.override(run.protocol.language):
        summary = _("Escalation acknowledged by %(name)s via %(via)s.") % {
            "name": name,
            "via": ack_via_text(via),
        }
    incident_event_record(
        incident=run.incident,
        kind=IncidentEvent.Kind.ACKNOWLEDGEMENT,
        summary=summary,
        actor=run.acknowledged_by,
        data={"run_id": run.pk, "by": name, "via": via, "tier": run.tier_index + 1},
    )
    publish_on_commit(workspace_id=run.workspace_id, event=events.escalation_updated(run))
    logger.info("escalation.run.acknowledged", extra={"run_id": run.pk, "via": via})
    return run


def escalation_acknowledge_by_link(*, delivery: Delivery) -> EscalationRun:
    """Acknowledge through a message's signed link, once the link has been read into its
    delivery (`selectors.delivery_for_token`): the recipient of that delivery, via its
    channel. Raises EscalationNotActive (409)."""
    return escalation_acknowledge(
        run=delivery.run, user=delivery.user, name=delivery.recipient,
        via=f"{delivery.channel} link",
    )  # fmt: skip
