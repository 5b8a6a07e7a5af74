"""The timeline: the one way anything enters it, and the pushes that follow a change."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from incidents.models import Incident, IncidentEvent
from incidents.selectors import incident_alert_and_overdue_counts
from realtime import events
from realtime.publisher import publish_on_commit


def incident_event_record(
    *,
    incident: Incident,
    kind: str,
    summary: str,
    actor: AbstractBaseUser | None = None,
    data: dict | None = None,
    at: datetime | None = None,
) -> IncidentEvent:
    """Append one event to the incident's timeline (the only way anything enters it).

    A `statement` event with data {"action": "published"} stops the response clock (the
    statements app records one when a statement goes out). Publishes
    `incident.event_recorded` on commit (and `incident.updated` when the clock stops).
    """
    event = IncidentEvent.objects.create(
        incident=incident,
        kind=kind,
        summary=summary,
        actor=actor if actor is not None and actor.is_authenticated else None,
        data=data or {},
        at=at or timezone.now(),
    )
    publish_on_commit(
        workspace_id=incident.workspace_id, event=events.incident_event_recorded(event)
    )
    if (
        kind == IncidentEvent.Kind.STATEMENT
        and (data or {}).get("action") == "published"
        and incident.response_at is None
    ):
        # Conditional UPDATE: the first published statement wins, a later one changes nothing.
        stopped = Incident.objects.filter(pk=incident.pk, response_at__isnull=True).update(
            response_at=event.at
        )
        if stopped:
            incident.response_at = event.at
            incident_publish(incident)
    return event


def incident_publish(incident: Incident) -> None:
    """Publish `incident.updated` for the incident (on commit). One query for the counts, and
    one for the commander unless the caller loaded it (select_related)."""
    alert_count, overdue_tasks = incident_alert_and_overdue_counts(incident=incident)
    publish_on_commit(
        workspace_id=incident.workspace_id,
        event=events.incident_updated(
            incident, alert_count=alert_count, overdue_tasks=overdue_tasks
        ),
    )
