"""Recompute an incident from its mentions: clocks, severity, reach, response deadline."""

from collections.abc import Collection
from datetime import timedelta

from django.db import transaction
from django.db.models import Min

from incidents.models import Incident
from incidents.selectors import (
    OPEN_STATUSES,
    incident_mention_ids,
    incident_reach,
    response_clock_minutes,
)
from incidents.services.timeline import incident_publish
from monitoring.models import Mention
from monitoring.selectors import severity_input_for
from monitoring.severity import severity_compute
from realtime import events
from realtime.publisher import publish_on_commit


def incident_response_due_set(incident: Incident) -> bool:
    """Set the first-public-reaction deadline from discovery (first alert, else opening) and
    the workspace's minutes for the current severity; frozen once a reaction is recorded or
    the clock was breached. Saves only if it changed; returns whether it did."""
    if incident.response_at is not None or incident.response_breached_at is not None:
        return False
    start = incident.discovered_at
    minutes = response_clock_minutes(workspace_id=incident.workspace_id, severity=incident.severity)
    due = start + timedelta(minutes=minutes)
    if due == incident.response_due_at:
        return False
    incident.response_due_at = due
    incident.save(update_fields=["response_due_at"])
    return True


def incident_refresh(incident: Incident) -> tuple[bool, bool]:
    """Recompute the incident's clocks, severity, platforms and reach from all its mentions
    (alerts' and attached) in a fixed handful of queries. Returns (changed, reach_changed);
    the caller publishes."""
    mention_ids = incident_mention_ids(incident=incident)
    first_alert = incident.alerts.aggregate(first=Min("created_at"))["first"]
    first_mention = Mention.objects.filter(pk__in=mention_ids).aggregate(first=Min("posted_at"))[
        "first"
    ]
    if first_mention and first_alert:
        minutes = max(1.0, (first_alert - first_mention).total_seconds() / 60)
    else:
        minutes = 60.0
    severity = severity_compute(severity_input_for(mention_ids=mention_ids, window_minutes=minutes))
    reach = incident_reach(mention_ids=mention_ids)
    before = (incident.first_alert_at, incident.first_mention_at, incident.severity)
    incident.first_alert_at = first_alert
    incident.first_mention_at = first_mention
    # Severity only rises on its own; people may lower it explicitly.
    incident.severity = max(incident.severity, severity.level)
    platforms = sorted(set(incident.platforms or []) | set(reach["per_platform"]))
    reach_changed = reach != incident.reach
    changed = before != (incident.first_alert_at, incident.first_mention_at, incident.severity)
    platforms_changed = platforms != (incident.platforms or [])
    incident.reach = reach
    incident.platforms = platforms
    # This runs after every ingested page for every open incident: write only what moved.
    if changed or reach_changed or platforms_changed:
        incident.save(
            update_fields=["first_alert_at", "first_mention_at", "severity", "reach", "platforms"]
        )
    changed = incident_response_due_set(incident) or changed
    return changed, reach_changed


def incident_refresh_and_publish(incident: Incident) -> bool:
    """Refresh the incident and publish `incident.updated` / `incident.reach_updated` for
    what changed (on commit). Returns whether `incident.updated` was published."""
    changed, reach_changed = incident_refresh(incident)
    if changed:
        incident_publish(incident)
    if reach_changed:
        publish_on_commit(
            workspace_id=incident.workspace_id, event=events.incident_reach_updated(incident)
        )
    return changed


@transaction.atomic
def incidents_refresh_open(
    *, workspace_id: int, exclude_ids: Collection[int] = ()
) -> list[Incident]:
    """Recompute clocks, severity and reach of the workspace's open incidents (after new
    mentions: one set of queries per incident, not per mention), except `exclude_ids`
    (refreshed already, e.g. by alerts_route for the same page); publishes
    `incident.updated` / `incident.reach_updated` for those that changed. Idempotent."""
    incidents = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("commander")
        .filter(workspace_id=workspace_id, status__in=OPEN_STATUSES)
        .exclude(pk__in=exclude_ids)
    )
    return [incident for incident in incidents if incident_refresh_and_publish(incident)]
