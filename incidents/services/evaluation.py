"""The post-incident evaluation: written and edited while the incident is resolved, required
(with a summary) to review it, final with the rest of the record afterwards."""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.exceptions import EvaluationNotOpen, IncidentInputInvalid
from incidents.models import (
    EvaluationActionItem,
    Incident,
    IncidentEvaluation,
    IncidentEvent,
)
from incidents.selectors import incident_evaluation_open
from incidents.services.lifecycle import _name, incident_lock_open
from incidents.services.timeline import incident_event_record
from workspaces.selectors import workspace_member_list


@dataclass(frozen=True)
class ActionItemInput:
    text: str
    owner_id: int | None = None
    owner_name: str = ""
    due_on: date | None = None
    is_done: bool = False


@dataclass(frozen=True)
class EvaluationInput:
    summary: str
    went_well: str = ""
    to_improve: str = ""
    action_items: list[ActionItemInput] = field(default_factory=list)


def _check_owners(incident: Incident, items: list[ActionItemInput]) -> None:
    wanted = {item.owner_id for item in items if item.owner_id is not None}
    members = set(
        workspace_member_list(workspace_id=incident.workspace_id)
        .filter(pk__in=wanted)
        .values_list("pk", flat=True)
    )
    errors = {
        str(index): {"owner_id": [_("The owner must be a member of this workspace.")]}
        for index, item in enumerate(items)
        if item.owner_id is not None and item.owner_id not in members
    }
    if errors:
        raise IncidentInputInvalid(
            _("An action item's owner is not a member of this workspace."),
            {"action_items": errors},
        )


@transaction.atomic
def incident_evaluation_save(
    *, incident: Incident, by: AbstractBaseUser, data: EvaluationInput
) -> IncidentEvaluation:
    """Write or replace the incident's evaluation (texts stripped; action items replaced as
    given); records who wrote or edited it on the timeline. Raises EvaluationNotOpen (409)
    unless the incident is resolved, IncidentFinal (409) once reviewed, IncidentInputInvalid
    for an owner who is not a member of the workspace."""
    incident = incident_lock_open(incident.pk)
    if not incident_evaluation_open(incident=incident):
        raise EvaluationNotOpen(_("The evaluation is written once the incident is resolved."))
    _check_owners(incident, data.action_items)
    now = timezone.now()
    texts = {
        "summary": data.summary.strip(),
        "went_well": data.went_well.strip(),
        "to_improve": data.to_improve.strip(),
    }
    evaluation, created = IncidentEvaluation.objects.update_or_create(
        incident=incident,
        defaults={**texts, "updated_by": by, "updated_at": now},
        create_defaults={**texts, "updated_by": by, "updated_at": now, "created_by": by,
                         "created_at": now},
    )  # fmt: skip
    evaluation.action_items.all().delete()
    EvaluationActionItem.objects.bulk_create(
        EvaluationActionItem(
            evaluation=evaluation,
            position=position,
            text=item.text.strip(),
            owner_id=item.owner_id,
            owner_name="" if item.owner_id is not None else item.owner_name.strip(),
            due_on=item.due_on,
            is_done=item.is_done,
        )
        for position, item in enumerate(data.action_items)
    )
    summary = _("Evaluation written by %(name)s") if created else _("Evaluation edited by %(name)s")
    incident_event_record(
        incident=incident,
        kind=IncidentEvent.Kind.UPDATE,
        summary=summary % {"name": _name(by)},
        actor=by,
        data={"action": "evaluation", "action_items": len(data.action_items)},
        at=now,
    )
    return evaluation
