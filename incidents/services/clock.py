"""The response clock: a breach is recorded once on the timeline and raised as an alert."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from incidents.exceptions import IncidentInputInvalid
from incidents.models import Incident, IncidentEvent, ResponseClockPolicy
from incidents.selectors import (
    OPEN_STATUSES,
    incident_ids_with_tasks_turned_overdue,
    response_clock_policy_list,
)
from incidents.services.refresh import incident_response_due_set
from incidents.services.timeline import incident_event_record, incident_publish
from monitoring.models import Alert
from realtime import events
from realtime.publisher import publish_on_commit

logger = logging.getLogger(__name__)


@transaction.atomic
def incident_response_clock_breach(*, incident_id: int, now: datetime) -> Alert | None:
    """If the incident's first public reaction is overdue at `now` (persisted deadline, no
    reaction, still open), record the breach once: timeline event, an attached
    `response_clock` alert, `alert.created` + `incident.updated`. Idempotent (state check
    under a row lock); returns the alert, or None when nothing was due."""
    incident = (
        Incident.objects.select_for_update()
        .filter(
            pk=incident_id,
            status__in=OPEN_STATUSES,
            response_at__isnull=True,
            response_breached_at__isnull=True,
            response_due_at__lte=now,
        )
        .first()
    )
    if incident is None:
        return None
    minutes = round(
        (
            incident.response_due_at
            - min(t for t in (incident.first_alert_at, incident.opened_at) if t is not None)
        ).total_seconds()
        / 60
    )
    incident.response_breached_at = now
    incident.save(update_fields=["response_breached_at"])
    alert = Alert.objects.create(
        workspace_id=incident.workspace_id,
        rule_kind=Alert.Kind.RESPONSE_CLOCK,
        severity=incident.severity,
        status=Alert.Status.ATTACHED,
        details={"incident": incident.title, "incident_id": incident.pk, "minutes": minutes},
        mention_ids=[],
        created_at=now,
        last_seen_at=now,
    )
    incident.alerts.add(alert)
    incident_event_record(
        incident=incident,
        kind=IncidentEvent.Kind.CLOCK,
        summary=_("Response clock breached: no first public reaction within %(minutes)s minutes")
        % {"minutes": minutes},
        data={"action": "breached", "due_at": incident.response_due_at.isoformat(),
              "alert_id": alert.pk},
        at=now,
    )  # fmt: skip
    publish_on_commit(workspace_id=incident.workspace_id, event=events.alert_created(alert))
    incident_publish(incident)
    logger.info("incidents.response_clock.breached", extra={"incident_id": incident.pk})
    return alert


@transaction.atomic
def response_clock_policy_set(*, workspace_id: int, minutes: dict[int, int]) -> dict[int, int]:
    """Store minutes to the first public reaction per severity (1-4, 5 to 10080 minutes) and
    move the deadlines of open incidents whose clock still runs. Idempotent."""
    for severity, value in minutes.items():
        if severity not in (1, 2, 3, 4) or not 5 <= value <= 10080:
            raise IncidentInputInvalid(
                _("Give minutes (5 to 10080) for severities 1 to 4."), {"severity": severity}
            )
    for severity, value in minutes.items():
        ResponseClockPolicy.objects.update_or_create(
            workspace_id=workspace_id, severity=severity, defaults={"minutes": value}
        )
    for incident in Incident.objects.select_for_update().filter(
        workspace_id=workspace_id, status__in=OPEN_STATUSES, response_at__isnull=True
    ):
        if incident_response_due_set(incident):
            incident_publish(incident)
    return response_clock_policy_list(workspace_id=workspace_id)


def incidents_announce_overdue_tasks(*, since: datetime, now: datetime) -> list[int]:
    """Publish `incident.updated` (with the new `overdue_tasks`) for open incidents whose
    tasks turned overdue in (since, now]. Read-only apart from the push; safe to rerun
    (a repeated push carries the same numbers)."""
    ids = incident_ids_with_tasks_turned_overdue(since=since, now=now)
    for incident in Incident.objects.filter(pk__in=ids).select_related("commander"):
        incident_publish(incident)
    return ids
