"""Runs and their timers. The deadline lives in the row; the scheduler (`escalation.tick`)
starts runs for active incidents and advances runs whose deadline has passed, so a worker
restart or redeploy loses no timer."""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contacts.availability import availability_is_open
from contacts.models import Contact
from escalation.models import Delivery, EscalationProtocol, EscalationRun
from incidents.models import Incident, IncidentEvent
from incidents.services import incident_event_record
from realtime import events
from realtime.publisher import publish_on_commit
from workspaces.models import Membership

logger = logging.getLogger(__name__)

OPEN = (Incident.Status.TRIAGE, Incident.Status.ACTIVE, Incident.Status.MONITORING)


def _channels_for(contact: Contact, tier_channels: list[str]) -> list[str]:
    """The tier's channels, narrowed to the contact's preferred ones when that leaves any."""
    preferred = [c for c in tier_channels if c in (contact.preferred_channels or [])]
    return preferred or tier_channels


def _recipients(run: EscalationRun, tier: dict) -> list[tuple[Contact | None, object, str]]:
    """(contact, user, name) for each tier contact and each member holding a tier role, in
    three queries however many there are."""
    contacts = {c.pk: c for c in Contact.objects.filter(
        workspace_id=run.workspace_id, pk__in=[c["id"] for c in tier["contacts"]]
    ).select_related("user")}  # fmt: skip
    out: list[tuple[Contact | None, object, str]] = [
        (contacts[c["id"]], contacts[c["id"]].user, contacts[c["id"]].name)
        for c in tier["contacts"]
        if c["id"] in contacts
    ]
    members = list(
        Membership.objects.filter(
            workspace_id=run.workspace_id, role__in=tier["roles"]
        ).select_related("user")
    )
    linked: dict[int, Contact] = {}  # user id -> their first contact (Contact.Meta.ordering)
    for contact in Contact.objects.filter(
        workspace_id=run.workspace_id, user_id__in=[m.user_id for m in members]
    ):
        linked.setdefault(contact.user_id, contact)
    for member in members:
        contact = linked.get(member.user_id)
        name = contact.name if contact else member.user.get_username()
        out.append((contact, member.user, name))
    return out


def _deliveries_create(run: EscalationRun, tier: dict, now: datetime) -> list[Delivery]:
    rows: dict[tuple[str, str], Delivery] = {}
    for contact, user, name in _recipients(run, tier):
        base = {"run": run, "round": run.round, "tier_index": run.tier_index,
                "contact": contact, "user": user, "recipient": name, "created_at": now}  # fmt: skip
        if contact is not None and not availability_is_open(
            contact.availability, tz=contact.availability_tz, at=now
        ):
            rows[("skip", f"contact:{contact.pk}")] = Delivery(
                **base, channel=tier["channels"][0], target=f"contact:{contact.pk}",
                status=Delivery.Status.SKIPPED, error=gettext_noop("outside availability window"),
            )  # fmt: skip
            continue
        channels = _channels_for(contact, tier["channels"]) if contact else ["email"]
        reached = False
        for channel in channels:
            target = contact.target_for(channel) if contact else getattr(user, "email", "")
            reached = reached or bool(target)
            if target and (channel, target) not in rows:
                rows[(channel, target)] = Delivery(
                    **base, channel=channel, target=target, next_attempt_at=now
                )
        if not reached:  # visible on the Escalations page instead of silently nobody
            who = f"contact:{contact.pk}" if contact else f"user:{user.pk}"
            rows[("skip", who)] = Delivery(
                **base, channel=channels[0], target=who, status=Delivery.Status.SKIPPED,
                error=gettext_noop("no address for the tier's channels"),
            )  # fmt: skip
    created = Delivery.objects.bulk_create(rows.values(), ignore_conflicts=True)
    return list(created)


def _timeline(run: EscalationRun, summary: str, deliveries: list[Delivery]) -> None:
    incident_event_record(
        incident=run.incident,
        kind=IncidentEvent.Kind.ESCALATION,
        summary=summary,
        data={
            "run_id": run.pk, "tier": run.tier_index + 1, "round": run.round + 1,
            "recipients": sorted({d.recipient for d in deliveries}),
            "channels": sorted({d.channel for d in deliveries if d.status != "skipped"}),
        },
    )  # fmt: skip


def _tier_alert(run: EscalationRun, now: datetime, *, first: bool, again: bool = False) -> None:
    tiers = run.version.snapshot["tiers"]
    tier = tiers[run.tier_index]
    deliveries = _deliveries_create(run, tier, now)
    run.next_deadline = now + timedelta(seconds=tier["wait_seconds"])
    with translation.override(run.protocol.language):
        names = ", ".join(sorted({d.recipient for d in deliveries})) or _("nobody reachable")
        values = {"tier": run.tier_index + 1, "tiers": len(tiers), "names": names}
        if again:
            summary = _(
                "Escalation restarted: the incident is open again; tier %(tier)d of %(tiers)d "
                "alerted (%(names)s)."
            )
        elif first:
            summary = _("Escalation started: tier %(tier)d of %(tiers)d alerted (%(names)s).")
        else:
            summary = _("No acknowledgement: escalated to tier %(tier)d of %(tiers)d (%(names)s).")
    _timeline(run, summary % values, deliveries)


def _publish(run: EscalationRun) -> None:
    publish_on_commit(workspace_id=run.workspace_id, event=events.escalation_updated(run))


def _best_protocols() -> dict[int, list[EscalationProtocol]]:
    by_workspace: dict[int, list[EscalationProtocol]] = {}
    for protocol in EscalationProtocol.objects.filter(is_enabled=True).order_by("-min_severity"):
        by_workspace.setdefault(protocol.workspace_id, []).append(protocol)
    return by_workspace


def _protocol_for(
    incident: Incident, protocols: dict[int, list[EscalationProtocol]]
) -> EscalationProtocol | None:
    """The highest of the workspace's enabled protocols the incident's severity reaches."""
    return next(
        (
            p
            for p in protocols.get(incident.workspace_id, [])
            if p.min_severity <= incident.severity
        ),
        None,
    )


def _run_start(
    *, incident: Incident, protocol: EscalationProtocol, now: datetime, again: bool = False
) -> EscalationRun:
    """A new run of the protocol's latest version at tier 1: alerted, on the timeline,
    published on commit. Raises IntegrityError if the pair already has an active run."""
    run = EscalationRun.objects.create(
        workspace_id=incident.workspace_id, incident=incident, protocol=protocol,
        version=protocol.versions.order_by("-number").first(), started_at=now,
    )  # fmt: skip
    _tier_alert(run, now, first=True, again=again)
    run.save(update_fields=["next_deadline"])
    _publish(run)
    return run


def escalation_runs_start_due(*, now: datetime) -> list[int]:
    """Start a run for each active incident whose severity reaches an enabled protocol of its
    workspace (the highest such protocol) and that has no run of it yet (a run cancelled by
    a close restarts on reopening: `escalation_runs_resume_for_reopened_incident`).
    Idempotent (one active run per incident and protocol). The incident is re-read under
    its row lock, which a transition holds too, so a resolve that commits after the first
    read starts nothing. Alerts tier 1 and records it on the timeline."""
    protocols = _best_protocols()
    started = []
    incidents = Incident.objects.filter(status=Incident.Status.ACTIVE, workspace_id__in=protocols)
    existing = set(
        EscalationRun.objects.filter(incident__in=incidents).values_list(
            "incident_id", "protocol_id"
        )
    )
    for incident in incidents:
        protocol = _protocol_for(incident, protocols)
        if protocol is None or (incident.pk, protocol.pk) in existing:
            continue
        try:
            with transaction.atomic():
                locked = Incident.objects.select_for_update().filter(pk=incident.pk).first()
                if locked is None or locked.status != Incident.Status.ACTIVE:
                    continue  # closed (or gone) since the read above
                run = _run_start(incident=locked, protocol=protocol, now=now)
        except IntegrityError:
            continue  # another tick started it first
        started.append(run.pk)
        logger.info("escalation.run.started", extra={"run_id": run.pk, "incident_id": incident.pk})
    return started


@transaction.atomic
def escalation_runs_resume_for_reopened_incident(*, incident: Incident, now: datetime) -> list[int]:
    """Escalate a reopened incident again: for each protocol whose latest run of the incident
    was cancelled by its close (and that is still enabled and reached by its severity), a
    new run starts at tier 1, alerted, on the timeline and published. The cancelled run stays
    as the record of the first episode. A no-op unless the incident is open; the caller
    holds the incident's row lock (the transition). Returns the ids of the new runs."""
    if incident.status not in OPEN:
        return []
    latest: dict[int, EscalationRun] = {}
    for run in (
        EscalationRun.objects.filter(incident=incident).select_related("protocol").order_by("-id")
    ):
        latest.setdefault(run.protocol_id, run)
    restarted = []
    for run in latest.values():
        protocol = run.protocol
        if (
            run.status != EscalationRun.Status.CANCELLED
            or not protocol.is_enabled
            or protocol.min_severity > incident.severity
        ):
            continue
        new = _run_start(incident=incident, protocol=protocol, now=now, again=True)
        restarted.append(new.pk)
        logger.info(
            "escalation.run.restarted", extra={"run_id": new.pk, "incident_id": incident.pk}
        )
    return restarted


def _run_cancel(run: EscalationRun, now: datetime) -> None:
    run.status, run.next_deadline, run.ended_at = run.Status.CANCELLED, None, now
    with translation.override(run.protocol.language):
        summary = _("Escalation stopped: the incident is closed.")
    _timeline(run, summary, [])


@transaction.atomic
def escalation_runs_cancel_for_closed_incident(*, incident: Incident, now: datetime) -> list[int]:
    """Stop the incident's active runs once it is resolved or reviewed: no one is paged for
    it any more and the dashboards stop offering Acknowledge at once, not at the next
    deadline. Each stop is on the timeline. Returns the ids of the runs stopped."""
    if incident.status in OPEN:
        return []
    runs = (
        EscalationRun.objects.select_for_update(of=("self",))
        .filter(incident=incident, status=EscalationRun.Status.ACTIVE)
        .select_related("incident", "version", "protocol")
    )
    stopped = []
    for run in runs:
        _run_cancel(run, now)
        run.save(update_fields=["status", "next_deadline", "ended_at"])
        _publish(run)
        stopped.append(run.pk)
        logger.info(
            "escalation.run.cancelled", extra={"run_id": run.pk, "incident_id": incident.pk}
        )
    return stopped


def escalation_runs_follow_incident(*, incident: Incident, now: datetime) -> list[int]:
    """Keep the incident's escalations in step with its status after a transition (the caller
    holds its row lock): a close stops its active runs, a reopening restarts the ones the
    close stopped. Escalation depends on incidents, not the other way round, so the
    transition's caller tells it. Returns the ids of the runs stopped or started."""
    if incident.status in OPEN:
        return escalation_runs_resume_for_reopened_incident(incident=incident, now=now)
    return escalation_runs_cancel_for_closed_incident(incident=incident, now=now)


def _run_advance(run: EscalationRun, now: datetime) -> None:
    if run.incident.status not in OPEN:
        _run_cancel(run, now)
        return
    tiers = run.version.snapshot["tiers"]
    if run.tier_index + 1 < len(tiers):
        run.tier_index += 1
    elif run.round < run.version.snapshot.get("repeat_count", 0):
        run.round, run.tier_index = run.round + 1, 0
    else:
        run.status, run.next_deadline, run.ended_at = run.Status.EXHAUSTED, None, now
        with translation.override(run.protocol.language):
            summary = _("Escalation ended: no one acknowledged after every tier.")
        _timeline(run, summary, [])
        return
    _tier_alert(run, now, first=False)


@transaction.atomic
def escalation_runs_advance_due(*, now: datetime, limit: int = 100) -> list[int]:
    """Advance every active run whose deadline has passed: next tier (or next round when the
    protocol repeats), else exhausted; cancelled if the incident closed. Rows locked with
    SKIP LOCKED, so concurrent ticks never advance the same run twice."""
    runs = (
        EscalationRun.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=EscalationRun.Status.ACTIVE, next_deadline__lte=now)
        .select_related("incident", "version", "protocol")
        .order_by("next_deadline")[:limit]
    )
    advanced = []
    for run in runs:
        _run_advance(run, now)
        run.save(update_fields=["status", "tier_index", "round", "next_deadline", "ended_at"])
        _publish(run)
        advanced.append(run.pk)
        logger.info("escalation.run.advanced", extra={"run_id": run.pk, "status": run.status})
    return advanced
