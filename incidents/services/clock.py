"""The response clock: a breach is recorded once on the timeline and raised as an alert."""

import logging
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from incidents.exceptions import IncidentInputInvalid, ResponseAlreadyRecorded
from incidents.models import Incident, IncidentEvent, ResponseClockPolicy
from incidents.selectors import (
    OPEN_STATUSES,
    incident_ids_with_tasks_turned_overdue,
    response_clock_policy_list,
)
from incidents.services.lifecycle import _name, incident_lock_open
from incidents.services.refresh import incident_response_due_set
from incidents.services.timeline import incident_event_record, incident_publish
from monitoring.models import Alert
from realtime import events
from realtime.publisher import publish_on_commit

logger = logging.getLogger(__name__)
# A reaction time "now" from a browser whose clock runs a little ahead is still accepted.
CLOCK_SKEW = timedelta(minutes=1)


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
    minutes = round((incident.response_due_at - incident.discovered_at).total_seconds() / 60)
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


def _when(at: datetime) -> str:
    return formats.date_format(timezone.localtime(at), "DATETIME_FORMAT")


def _reaction_time_check(incident: Incident, at: datetime, now: datetime) -> None:
    """Refuse a reaction time in the future or before the incident was discovered (field
    error on `at`)."""
    message = ""
    if at > now + CLOCK_SKEW:
        message = _("The reaction time cannot be in the future.")
    elif at < incident.discovered_at:
        message = _(
            "The reaction time cannot be before the incident was discovered (%(start)s)."
        ) % {"start": _when(incident.discovered_at)}
    if message:
        raise IncidentInputInvalid(message, {"at": [message]})


@transaction.atomic
def incident_response_record(
    *,
    incident: Incident,
    by: AbstractBaseUser,
    url: str,
    at: datetime | None = None,
    correct: bool = False,
) -> Incident:
    """Record by hand that the first public reaction was posted (URL, time, default now):
    stops the response clock. With `correct`, replaces a recorded one (the timeline keeps
    both: a `reaction_corrected` event with the previous values). Raises
    ResponseAlreadyRecorded (409) when one is recorded and `correct` is not set,
    IncidentInputInvalid (400, field `at`) for a time in the future or before discovery,
    IncidentFinal (409) on a reviewed incident."""
    incident = incident_lock_open(incident.pk)
    previous_at, previous_url = incident.response_at, incident.response_url
    if previous_at is not None and not correct:
        raise ResponseAlreadyRecorded(
            _("The first public reaction is already recorded; correct it if it is wrong."),
            {"code": "already_recorded"},
        )
    now = timezone.now()
    at = at or now
    _reaction_time_check(incident, at, now)
    incident.response_at, incident.response_url = at, url
    incident.save(update_fields=["response_at", "response_url"])
    data = {"action": "reaction_posted", "url": url, "at": at.isoformat()}
    summary = _("First public reaction posted (recorded by %(name)s): %(url)s") % {
        "name": _name(by),
        "url": url,
    }
    if previous_at is not None:
        data.update(
            action="reaction_corrected",
            previous_url=previous_url,
            previous_at=previous_at.isoformat(),
        )
        summary = _(
            "First public reaction corrected by %(name)s: %(url)s at %(at)s "
            "(was %(previous_url)s at %(previous_at)s)"
        ) % {"name": _name(by), "url": url, "at": _when(at), "previous_url": previous_url or "-",
             "previous_at": _when(previous_at)}  # fmt: skip
    incident_event_record(
        incident=incident, kind=IncidentEvent.Kind.CLOCK, summary=summary, actor=by, data=data
    )
    incident_publish(incident)
    return incident
