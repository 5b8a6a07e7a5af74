"""Running an incident: open by hand, move through the lifecycle, commander, mentions,
notes and the first public reaction. Every change lands on the timeline. A reviewed
incident is final: every write here raises IncidentFinal (409) on it (`incident_lock_open`)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.exceptions import (
    IncidentFinal,
    IncidentInputInvalid,
    IncidentReviewNeedsEvaluation,
    IncidentTransitionInvalid,
)
from incidents.models import Incident, IncidentEvaluation, IncidentEvent, IncidentTask
from incidents.services.refresh import incident_refresh_and_publish, incident_response_due_set
from incidents.services.timeline import incident_event_record, incident_publish
from monitoring.models import Mention, Platform
from playbooks.models import Playbook
from playbooks.services import playbooks_install_defaults
from workspaces.models import Workspace
from workspaces.selectors import workspace_member_get

S = Incident.Status
# Allowed moves. Resolved can be reopened; reviewed is final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.TRIAGE: (S.ACTIVE, S.RESOLVED),
    S.ACTIVE: (S.MONITORING, S.RESOLVED),
    S.MONITORING: (S.ACTIVE, S.RESOLVED),
    S.RESOLVED: (S.REVIEWED, S.ACTIVE),
    S.REVIEWED: (),
}
STATUS_TIMESTAMP = {
    S.ACTIVE: "active_at",
    S.MONITORING: "monitoring_at",
    S.RESOLVED: "resolved_at",
    S.REVIEWED: "reviewed_at",
}


def _name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return _("the system")
    return user.get_full_name() or user.get_username()


def incident_lock_open(incident_id: int) -> Incident:
    """Lock the incident row (a concurrent review waits for us, or we for it) and raise
    IncidentFinal (409) when it is reviewed: its record is final (status, title, severity,
    platforms, commander, mentions, first reaction, playbook, notes, tasks and claims)."""
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    if incident.status == S.REVIEWED:
        raise IncidentFinal(_("This incident is reviewed and final; it can no longer be changed."))
    return incident


def incident_playbook_refusal(incident: Incident) -> str:
    """Why a playbook cannot start on the incident ("" when it can): it follows one
    already, or it is closed. The service refuses with it; the page hides the form."""
    if incident.playbook_id is not None:
        return _("This incident already follows a playbook.")
    if incident.status in (S.RESOLVED, S.REVIEWED):
        return _("A closed incident cannot start a playbook.")
    return ""


def _check_platforms(platforms: list[str]) -> list[str]:
    unknown = sorted(set(platforms) - set(Platform.values))
    if unknown:
        raise IncidentInputInvalid(
            _("Unknown platforms: %(names)s.") % {"names": ", ".join(unknown)}
        )
    return sorted(set(platforms))


@dataclass(frozen=True)
class IncidentNew:
    title: str
    severity: int = 2
    scenario: str = ""
    language: str = ""
    platforms: list[str] = field(default_factory=list)


def incident_tasks_instantiate(*, incident: Incident, playbook: Playbook, start: datetime) -> int:
    """Create the incident's tasks from the playbook (due = start + offset); returns count."""
    rows = []
    position = 0
    for step in playbook.steps.prefetch_related("tasks").order_by("position", "id"):
        for task in step.tasks.all():
            rows.append(
                IncidentTask(
                    incident=incident,
                    step=step.title,
                    position=position,
                    title=task.title,
                    owner_role=task.owner_role,
                    due_at=start + timedelta(minutes=task.due_offset_minutes),
                    checklist=[{"text": text, "done": False} for text in task.checklist],
                )
            )
            position += 1
    IncidentTask.objects.bulk_create(rows)
    return len(rows)


def _playbook_for(*, workspace: Workspace, scenario: str, language: str) -> Playbook:
    """The workspace's playbook for the scenario, in `language` if there is one."""
    if not Playbook.objects.filter(workspace=workspace).exists():
        # A workspace created without playbooks gets the shipped ones on first use.
        playbooks_install_defaults(workspace=workspace)
    playbooks = Playbook.objects.filter(workspace=workspace, scenario=scenario)
    playbook = (
        playbooks.filter(language=language).first() if language else None
    ) or playbooks.order_by("language").first()
    if playbook is None:
        raise IncidentInputInvalid(_("This workspace has no playbook for that scenario."))
    return playbook


@transaction.atomic
def incident_create(*, workspace: Workspace, by: AbstractBaseUser, new: IncidentNew) -> Incident:
    """Open an incident by hand (status active), optionally from the workspace's playbook for
    a scenario (its tasks are instantiated). Records the opening on the timeline; publishes
    `incident.updated`. Raises IncidentInputInvalid for bad input or a missing playbook."""
    if not 1 <= new.severity <= 4:
        raise IncidentInputInvalid(_("Severity must be 1 to 4."))
    if not new.title.strip():
        raise IncidentInputInvalid(_("Give the incident a title."))
    playbook = (
        _playbook_for(workspace=workspace, scenario=new.scenario, language=new.language)
        if new.scenario
        else None
    )
    now = timezone.now()
    incident = Incident.objects.create(
        workspace=workspace,
        title=new.title.strip(),
        severity=new.severity,
        status=S.ACTIVE,
        opened_at=now,
        triaged_at=now,
        active_at=now,
        created_by=by,
        platforms=_check_platforms(new.platforms),
        playbook=playbook,
    )
    data: dict = {"action": "opened", "to": S.ACTIVE}
    if playbook is not None:
        data.update(
            playbook_id=playbook.pk,
            tasks=incident_tasks_instantiate(incident=incident, playbook=playbook, start=now),
        )
    incident_event_record(
        incident=incident,
        kind=IncidentEvent.Kind.STATUS,
        summary=_("Incident opened by %(name)s") % {"name": _name(by)}
        + (f" ({playbook.title})" if playbook else ""),
        actor=by,
        data=data,
        at=now,
    )
    incident_response_due_set(incident)
    incident_publish(incident)
    return incident


@transaction.atomic
def incident_playbook_apply(
    *, incident: Incident, by: AbstractBaseUser, scenario: str, language: str = ""
) -> Incident:
    """Start the scenario's playbook on an incident that has none yet (an incident opened by
    triage): its tasks are instantiated with due times from the incident's opening. Records
    it on the timeline; publishes `incident.updated`. Raises IncidentInputInvalid when the
    incident already has a playbook, is closed, or the workspace has no such playbook;
    IncidentFinal (409) when it is reviewed."""
    incident = incident_lock_open(incident.pk)
    if refusal := incident_playbook_refusal(incident):
        raise IncidentInputInvalid(refusal)
    playbook = _playbook_for(workspace=incident.workspace, scenario=scenario, language=language)
    incident.playbook = playbook
    incident.save(update_fields=["playbook"])
    count = incident_tasks_instantiate(
        incident=incident, playbook=playbook, start=incident.opened_at
    )
    incident_event_record(
        incident=incident,
        kind=IncidentEvent.Kind.TASK,
        summary=_("Playbook %(title)s started by %(name)s: %(count)s tasks")
        % {"title": playbook.title, "name": _name(by), "count": count},
        actor=by,
        data={"action": "playbook", "playbook_id": playbook.pk, "tasks": count},
    )
    incident_publish(incident)
    return incident


@transaction.atomic
def incident_transition(*, incident: Incident, to: str, by: AbstractBaseUser) -> Incident:
    """Move the incident to `to` if allowed (TRANSITIONS); stamps the status time, records
    it on the timeline, publishes `incident.updated`. Raises IncidentTransitionInvalid;
    IncidentReviewNeedsEvaluation (400) for a review without an evaluation summary;
    IncidentFinal (409) for any move out of reviewed."""
    incident = incident_lock_open(incident.pk)
    allowed = TRANSITIONS.get(incident.status, ())
    if to not in allowed:
        raise IncidentTransitionInvalid(
            _("An incident cannot go from %(from)s to %(to)s.")
            % {"from": S(incident.status).label.lower(), "to": S(to).label.lower()},
            {"allowed": list(allowed)},
        )
    if (
        to == S.REVIEWED
        and not IncidentEvaluation.objects.filter(incident=incident).exclude(summary="").exists()
    ):
        message = _(
            "Write the evaluation, at least its summary, before marking the incident reviewed."
        )
        raise IncidentReviewNeedsEvaluation(message, {"evaluation": {"summary": [message]}})
    now = timezone.now()
    before = incident.status
    incident.status = to
    fields = ["status", STATUS_TIMESTAMP[to]]
    setattr(incident, STATUS_TIMESTAMP[to], now)
    if incident.triaged_at is None:
        incident.triaged_at = now
        fields.append("triaged_at")
    incident.save(update_fields=fields)
    incident_event_record(
        incident=incident,
        kind=IncidentEvent.Kind.STATUS,
        summary=_("Status %(from)s → %(to)s by %(name)s")
        % {"from": S(before).label, "to": S(to).label, "name": _name(by)},
        actor=by,
        data={"from": before, "to": to},
        at=now,
    )
    incident_publish(incident)
    return incident


@transaction.atomic
def incident_update(
    *,
    incident: Incident,
    by: AbstractBaseUser,
    title: str | None = None,
    severity: int | None = None,
    platforms: list[str] | None = None,
) -> Incident:
    """Change title, severity (people may lower it) or platforms; each change on the
    timeline; the response deadline follows the severity. Publishes `incident.updated`.
    IncidentFinal (409) on a reviewed incident."""
    incident = incident_lock_open(incident.pk)
    changes: dict = {}
    if title is not None and title.strip() and title.strip() != incident.title:
        changes["title"] = [incident.title, title.strip()]
        incident.title = title.strip()
    if severity is not None and severity != incident.severity:
        if not 1 <= severity <= 4:
            raise IncidentInputInvalid(_("Severity must be 1 to 4."))
        changes["severity"] = [incident.severity, severity]
        incident.severity = severity
    if platforms is not None:
        platforms = _check_platforms(platforms)
        if platforms != incident.platforms:
            changes["platforms"] = [incident.platforms, platforms]
            incident.platforms = platforms
    if not changes:
        return incident
    incident.save(update_fields=["title", "severity", "platforms"])
    incident_response_due_set(incident)
    parts = []
    if "severity" in changes:
        parts.append(
            _("severity %(old)s → %(new)s")
            % dict(zip(("old", "new"), changes["severity"], strict=True))
        )
    if "title" in changes:
        # A noun phrase: it completes "%(name)s changed %(what)s" ("team wijzigde de titel").
        parts.append(_("the title"))
    if "platforms" in changes:
        labels = ", ".join(str(Platform(p).label) for p in platforms or []) or "-"
        parts.append(_("platforms: %(names)s") % {"names": labels})
    incident_event_record(
        incident=incident,
        kind=IncidentEvent.Kind.UPDATE,
        summary=_("%(name)s changed %(what)s") % {"name": _name(by), "what": "; ".join(parts)},
        actor=by,
        data=changes,
    )
    incident_publish(incident)
    return incident


@transaction.atomic
def incident_commander_set(
    *, incident: Incident, by: AbstractBaseUser, commander_id: int | None
) -> Incident:
    """Name a workspace member incident commander (None clears it); on the timeline.
    Raises IncidentInputInvalid if the user is not a member of the incident's workspace;
    IncidentFinal (409) on a reviewed incident."""
    incident = incident_lock_open(incident.pk)
    commander = None
    if commander_id is not None:
        commander = workspace_member_get(workspace_id=incident.workspace_id, user_id=commander_id)
        if commander is None:
            raise IncidentInputInvalid(_("The commander must be a member of this workspace."))
    if commander_id == incident.commander_id:
        return incident
    incident.commander = commander
    incident.save(update_fields=["commander"])
    incident_event_record(
        incident=incident,
        kind=IncidentEvent.Kind.COMMANDER,
        summary=(
            _("%(name)s is incident commander (set by %(by)s)")
            % {"name": _name(commander), "by": _name(by)}
            if commander
            else _("Incident commander cleared by %(by)s") % {"by": _name(by)}
        ),
        actor=by,
        data={"commander_id": commander_id},
    )
    incident_publish(incident)
    return incident


def _workspace_mentions(incident: Incident, mention_ids: list[int]) -> list[int]:
    ids = sorted(set(mention_ids))
    found = set(
        Mention.objects.filter(pk__in=ids, workspace_id=incident.workspace_id).values_list(
            "pk", flat=True
        )
    )
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise IncidentInputInvalid(
            _("These mentions are not in this workspace: %(ids)s.")
            % {"ids": ", ".join(map(str, missing))},
            {"mention_ids": missing},
        )
    return ids


@transaction.atomic
def incident_mentions_attach(
    *, incident: Incident, by: AbstractBaseUser, mention_ids: list[int]
) -> list[int]:
    """Attach mentions of the incident's workspace (others → IncidentInputInvalid); records
    the newly attached ones on the timeline, recomputes reach. Idempotent; returns new ids.
    IncidentFinal (409) on a reviewed incident."""
    incident = incident_lock_open(incident.pk)
    ids = _workspace_mentions(incident, mention_ids)
    already = set(incident.mentions.filter(pk__in=ids).values_list("pk", flat=True))
    new = [pk for pk in ids if pk not in already]
    if new:
        incident.mentions.add(*new)
        incident_event_record(
            incident=incident,
            kind=IncidentEvent.Kind.MENTION,
            summary=_("%(name)s attached %(count)s mention(s)")
            % {"name": _name(by), "count": len(new)},
            actor=by,
            data={"action": "attached", "mention_ids": new},
        )
        incident_refresh_and_publish(incident)
    return new


@transaction.atomic
def incident_mentions_detach(
    *, incident: Incident, by: AbstractBaseUser, mention_ids: list[int]
) -> list[int]:
    """Detach hand-attached mentions (alerts' own mentions stay); on the timeline; reach is
    recomputed. Raises IncidentInputInvalid for mentions not attached; IncidentFinal (409)
    on a reviewed incident."""
    incident = incident_lock_open(incident.pk)
    ids = _workspace_mentions(incident, mention_ids)
    attached = set(incident.mentions.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [pk for pk in ids if pk not in attached]
    if missing:
        raise IncidentInputInvalid(
            _("These mentions are not attached to the incident: %(ids)s.")
            % {"ids": ", ".join(map(str, missing))},
            {"mention_ids": missing},
        )
    incident.mentions.remove(*ids)
    incident_event_record(
        incident=incident,
        kind=IncidentEvent.Kind.MENTION,
        summary=_("%(name)s detached %(count)s mention(s)")
        % {"name": _name(by), "count": len(ids)},
        actor=by,
        data={"action": "detached", "mention_ids": ids},
    )
    incident_refresh_and_publish(incident)
    return ids


@transaction.atomic
def incident_note_add(*, incident: Incident, by: AbstractBaseUser, text: str) -> IncidentEvent:
    """Add a note to the timeline (text is stored raw, shown escaped). IncidentFinal (409)
    on a reviewed incident."""
    incident = incident_lock_open(incident.pk)
    if not text.strip():
        raise IncidentInputInvalid(_("A note cannot be empty."))
    return incident_event_record(
        incident=incident, kind=IncidentEvent.Kind.NOTE, summary=text.strip(), actor=by
    )
