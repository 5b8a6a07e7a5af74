"""Writes for incidents: routing new alerts, triage decisions, opening incidents."""

import logging
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.exceptions import AlertNotTriageable, IncidentNotFound, TriageInvalid
from incidents.models import Incident, IncidentEvent, TriageDecision
from incidents.selectors import OPEN_STATUSES
from incidents.services.refresh import incident_refresh_and_publish, incident_response_due_set
from incidents.services.timeline import incident_event_record, incident_publish
from monitoring.models import Alert, Mention
from realtime import events
from realtime.publisher import publish_on_commit

logger = logging.getLogger(__name__)


@transaction.atomic
def alerts_route(*, alert_ids: list[int]) -> list[int]:
    """Route new alerts: attach quietly to the workspace's open incident they belong to,
    otherwise publish them into the triage queue (`alert.created`).

    With one open incident, every new alert joins it (a crisis brings many alerts). With
    several, an alert joins the one it shares the most mentions with, then the most watch
    terms that not every open incident has (over its mentions and those of its alerts); one
    it shares nothing distinctive with, or that two incidents share equally, goes to the
    triage queue, where the team decides, rather than to whichever incident is newest. An
    incident that gains alerts is refreshed once, after all of them. Returns the ids of the
    incidents refreshed (so the caller need not refresh them again). Idempotent."""
    by_workspace: dict[int, list[Alert]] = {}
    for alert in Alert.objects.select_for_update().filter(
        pk__in=alert_ids, status=Alert.Status.NEW
    ):
        by_workspace.setdefault(alert.workspace_id, []).append(alert)
    refreshed = []
    for workspace_id, alerts in by_workspace.items():
        incidents = list(
            Incident.objects.filter(workspace_id=workspace_id, status__in=OPEN_STATUSES)
            .select_related("commander")
            .order_by("-opened_at")
        )
        joining: dict[int, list[Alert]] = {}
        known = _Relations(incidents)
        for alert in alerts:
            incident = known.incident_for(alert)
            if incident is None:
                publish_on_commit(workspace_id=workspace_id, event=events.alert_created(alert))
            else:
                joining.setdefault(incident.pk, []).append(alert)
        for incident in incidents:
            if incident.pk in joining:
                _alerts_attach(incident, joining[incident.pk])
                refreshed.append(incident.pk)
    return refreshed


# How much of an incident's past is compared with a new alert (its newest mentions).
RELATED_MENTIONS_LIMIT = 2000


class _Relations:
    """What each open incident holds (mentions, watch terms), read once per routing call
    and only when there is a choice to make; `incident_for` answers per alert."""

    def __init__(self, incidents: list[Incident]) -> None:
        self.incidents = incidents
        self._read = False

    def _read_once(self) -> None:
        if self._read:
            return
        self._read = True
        self.mentions = [_incident_mention_ids(incident) for incident in self.incidents]
        self.terms = [_terms_of(ids) for ids in self.mentions]
        # Watch terms every open incident has (the brand name, say) tell them apart no better
        # than none.
        self.common = set.intersection(*self.terms)

    def incident_for(self, alert: Alert) -> Incident | None:
        """The open incident `alert` belongs to (see `alerts_route`), or None; a tie for the
        most related goes to the triage queue too."""
        if len(self.incidents) <= 1:
            return self.incidents[0] if self.incidents else None
        self._read_once()
        mentions = set(alert.mention_ids or ())
        terms = _terms_of(mentions)
        scores = [
            (len(mentions & ids), len((terms & incident_terms) - self.common))
            for ids, incident_terms in zip(self.mentions, self.terms, strict=True)
        ]
        best = max(scores)
        if best == (0, 0) or scores.count(best) > 1:
            return None
        return self.incidents[scores.index(best)]


def _incident_mention_ids(incident: Incident) -> set[int]:
    """Its newest RELATED_MENTIONS_LIMIT mentions and its newest alerts' mentions (up to
    about as many again)."""
    ids = set(
        incident.mentions.order_by("-posted_at").values_list("id", flat=True)[
            :RELATED_MENTIONS_LIMIT
        ]
    )
    for mention_ids in incident.alerts.order_by("-created_at").values_list(
        "mention_ids", flat=True
    ):
        ids.update(mention_ids or ())
        if len(ids) >= 2 * RELATED_MENTIONS_LIMIT:
            break
    return ids


def _terms_of(mention_ids: set[int]) -> set[int]:
    """The watch terms these mentions matched."""
    found: set[int] = set()
    for terms in Mention.objects.filter(pk__in=mention_ids).values_list("matched_terms", flat=True):
        found.update(terms or ())
    return found


def _alerts_attach(incident: Incident, alerts: list[Alert]) -> None:
    Alert.objects.filter(pk__in=[alert.pk for alert in alerts]).update(status=Alert.Status.ATTACHED)
    incident.alerts.add(*alerts)
    for alert in alerts:
        alert.status = Alert.Status.ATTACHED
        incident_event_record(
            incident=incident,
            kind=IncidentEvent.Kind.ALERT,
            summary=_("Alert attached: %(title)s") % {"title": alert.title},
            data={"alert_id": alert.pk, "action": "attached"},
        )
        publish_on_commit(
            workspace_id=incident.workspace_id,
            event=events.alert_updated(alert, incident_id=incident.pk),
        )
        logger.info(
            "incidents.alert.attached", extra={"alert_id": alert.pk, "incident_id": incident.pk}
        )
    if not incident_refresh_and_publish(incident):
        incident_publish(incident)  # its alert count moved all the same: publish once


def _incident_for_crisis(
    *,
    alert: Alert,
    by: AbstractBaseUser,
    incident_id: int | None,
    title: str,
    severity: int | None,
    now: datetime,
) -> Incident:
    if incident_id is not None:
        incident = Incident.objects.filter(
            pk=incident_id, workspace_id=alert.workspace_id, status__in=OPEN_STATUSES
        ).first()
        if incident is None:
            raise IncidentNotFound(_("No open incident with this id in the workspace."))
        return incident
    return Incident.objects.create(
        workspace_id=alert.workspace_id,
        title=title or alert.title,
        severity=severity or alert.severity,
        status=Incident.Status.ACTIVE,
        opened_at=now,
        triaged_at=now,
        active_at=now,
        created_by=by,
    )


@transaction.atomic(durable=True)
def alert_triage(
    *,
    alert: Alert,
    by: AbstractBaseUser,
    decision: str,
    reason: str = "",
    incident_id: int | None = None,
    title: str = "",
    severity: int | None = None,
) -> TriageDecision:
    """Record a triage decision on a new (or re-alerted) alert.

    crisis: create an incident (or join `incident_id`) and link the alert; monitor: keep
    watching, re-alert if it grows; dismissed: not a crisis, reason required.
    Raises AlertNotTriageable (409) if already decided, TriageInvalid (400) for bad input.
    Publishes `alert.updated` and, for crisis, `incident.updated`.
    """
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status not in (Alert.Status.NEW, Alert.Status.MONITOR):
        raise AlertNotTriageable(
            _("This alert was already triaged (%(status)s).")
            % {"status": alert.get_status_display()}
        )
    if decision not in TriageDecision.Decision.values:
        raise TriageInvalid(_("Decision must be crisis, monitor or dismissed."))
    if decision == TriageDecision.Decision.DISMISSED and not reason.strip():
        raise TriageInvalid(_("Say why this is not a crisis."))
    if severity is not None and not 1 <= severity <= 4:
        raise TriageInvalid(_("Severity must be 1 to 4."))
    now = timezone.now()
    incident = None
    if decision == TriageDecision.Decision.CRISIS:
        incident = _incident_for_crisis(
            alert=alert, by=by, incident_id=incident_id, title=title, severity=severity, now=now
        )
        incident.alerts.add(alert)
        incident_refresh_and_publish(incident)
        if severity is not None:
            incident.severity = severity
            incident.save(update_fields=["severity"])
            incident_response_due_set(incident)
    alert.status = decision
    alert.triaged_at = now
    alert.triaged_by = by
    if decision == TriageDecision.Decision.MONITOR:
        alert.details = {**alert.details, "observed_at_triage": alert.details.get("observed", 0)}
    alert.save(update_fields=["status", "triaged_at", "triaged_by", "details"])
    record = TriageDecision.objects.create(
        alert=alert,
        decision=decision,
        reason=reason.strip(),
        incident=incident,
        decided_by=by,
        decided_at=now,
    )
    publish_on_commit(
        workspace_id=alert.workspace_id,
        event=events.alert_updated(alert, incident_id=incident.pk if incident else None),
    )
    if incident is not None:
        incident_event_record(
            incident=incident,
            kind=IncidentEvent.Kind.TRIAGE,
            summary=_("Alert triaged as a crisis: %(title)s") % {"title": alert.title},
            actor=by,
            data={"alert_id": alert.pk, "decision": decision, "reason": record.reason},
            at=now,
        )
        incident_publish(incident)
    logger.info(
        "incidents.alert.triaged",
        extra={"alert_id": alert.pk, "decision": decision, "incident_id": incident and incident.pk},
    )
    return record
