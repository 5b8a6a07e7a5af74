"""Tasks and the claims board of a running incident; every change lands on the timeline.
A reviewed incident is final: every write here raises IncidentFinal (409) on it."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.exceptions import IncidentInputInvalid, IncidentTaskAlreadyDone
from incidents.models import Claim, Incident, IncidentEvent, IncidentTask
from incidents.services.lifecycle import _name, _workspace_mentions, incident_lock_open
from incidents.services.timeline import incident_event_record, incident_publish
from workspaces.selectors import workspace_member_get

VERIFIED = (Claim.Status.CONFIRMED, Claim.Status.FALSE)


@transaction.atomic
def incident_task_complete(*, task: IncidentTask, by: AbstractBaseUser) -> IncidentTask:
    """Mark the task done (by, at); on the timeline; `incident.updated` (overdue count).
    Raises IncidentTaskAlreadyDone (409) the second time."""
    incident_lock_open(task.incident_id)
    task = IncidentTask.objects.select_for_update().select_related("incident").get(pk=task.pk)
    if task.done_at is not None:
        raise IncidentTaskAlreadyDone(_("This task is already done."))
    task.done_at = timezone.now()
    task.done_by = by
    task.checklist = [{**item, "done": True} for item in task.checklist]
    task.save(update_fields=["done_at", "done_by", "checklist"])
    incident_event_record(
        incident=task.incident,
        kind=IncidentEvent.Kind.TASK,
        summary=_("Task done: %(title)s (%(name)s)") % {"title": task.title, "name": _name(by)},
        actor=by,
        data={"task_id": task.pk, "action": "done"},
        at=task.done_at,
    )
    incident_publish(task.incident)
    return task


@transaction.atomic
def incident_task_update(
    *,
    task: IncidentTask,
    by: AbstractBaseUser,
    assign: bool = False,
    assignee_id: int | None = None,
    checklist_done: list[bool] | None = None,
) -> IncidentTask:
    """Tick checklist items (one bool per item) and/or, with `assign`, set the assignee (a
    workspace member; None clears). Assignment goes on the timeline."""
    incident_lock_open(task.incident_id)
    task = IncidentTask.objects.select_for_update().select_related("incident").get(pk=task.pk)
    fields = []
    if checklist_done is not None:
        if len(checklist_done) != len(task.checklist):
            raise IncidentInputInvalid(
                _("Give one done value per checklist item (%(count)s).")
                % {"count": len(task.checklist)}
            )
        task.checklist = [
            {**item, "done": bool(done)}
            for item, done in zip(task.checklist, checklist_done, strict=True)
        ]
        fields.append("checklist")
    if assign and assignee_id != task.assignee_id:
        assignee = None
        if assignee_id is not None:
            assignee = workspace_member_get(
                workspace_id=task.incident.workspace_id, user_id=assignee_id
            )
            if assignee is None:
                raise IncidentInputInvalid(_("The assignee must be a member of this workspace."))
        task.assignee = assignee
        fields.append("assignee")
        incident_event_record(
            incident=task.incident,
            kind=IncidentEvent.Kind.TASK,
            summary=_("Task %(title)s assigned to %(name)s")
            % {"title": task.title, "name": _name(assignee) if assignee else "-"},
            actor=by,
            data={"task_id": task.pk, "action": "assigned", "assignee_id": assignee_id},
        )
    if fields:
        task.save(update_fields=fields)
    return task


def _claim_summary(claim: Claim, by: AbstractBaseUser, action: str) -> str:
    values = {"text": claim.text[:200], "status": claim.get_status_display(), "name": _name(by)}
    if action == "created":
        return _("Claim added (%(status)s) by %(name)s: %(text)s") % values
    return _("Claim now %(status)s (%(name)s): %(text)s") % values


@transaction.atomic
def claim_create(
    *,
    incident: Incident,
    by: AbstractBaseUser,
    text: str,
    status: str = Claim.Status.UNKNOWN,
    mention_ids: list[int] | None = None,
) -> Claim:
    """Add a claim to the board (mentions must be the workspace's); verified_by/at set when
    it starts confirmed or false; on the timeline."""
    incident = incident_lock_open(incident.pk)
    if not text.strip():
        raise IncidentInputInvalid(_("A claim needs a text."))
    if status not in Claim.Status.values:
        raise IncidentInputInvalid(_("Unknown claim status."))
    ids = _workspace_mentions(incident, mention_ids or [])
    now = timezone.now()
    verified = status in VERIFIED
    claim = Claim.objects.create(
        incident=incident,
        text=text.strip(),
        status=status,
        created_by=by,
        created_at=now,
        verified_by=by if verified else None,
        verified_at=now if verified else None,
    )
    claim.mentions.set(ids)
    incident_event_record(
        incident=incident,
        kind=IncidentEvent.Kind.CLAIM,
        summary=_claim_summary(claim, by, "created"),
        actor=by,
        data={"claim_id": claim.pk, "action": "created", "status": status},
        at=now,
    )
    return claim


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    by: AbstractBaseUser,
    text: str | None = None,
    status: str | None = None,
    mention_ids: list[int] | None = None,
) -> Claim:
    """Edit a claim. Becoming confirmed/false records who verified it and when; going back to
    rumour/unknown clears that (the history stays on the timeline). Every change recorded."""
    incident_lock_open(claim.incident_id)
    claim = Claim.objects.select_for_update().select_related("incident").get(pk=claim.pk)
    changes: dict = {}
    if text is not None and text.strip() and text.strip() != claim.text:
        changes["text"] = [claim.text, text.strip()]
        claim.text = text.strip()
    if status is not None and status != claim.status:
        if status not in Claim.Status.values:
            raise IncidentInputInvalid(_("Unknown claim status."))
        changes["status"] = [claim.status, status]
        claim.status = status
        verified = status in VERIFIED
        claim.verified_by = by if verified else None
        claim.verified_at = timezone.now() if verified else None
    if mention_ids is not None:
        ids = _workspace_mentions(claim.incident, mention_ids)
        current = sorted(claim.mentions.values_list("pk", flat=True))
        if ids != current:
            changes["mention_ids"] = [current, ids]
            claim.mentions.set(ids)
    if not changes:
        return claim
    claim.save(update_fields=["text", "status", "verified_by", "verified_at"])
    incident_event_record(
        incident=claim.incident,
        kind=IncidentEvent.Kind.CLAIM,
        summary=_claim_summary(claim, by, "updated"),
        actor=by,
        data={"claim_id": claim.pk, "action": "updated", "changes": changes},
    )
    return claim
