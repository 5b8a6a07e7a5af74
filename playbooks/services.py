"""Writes for playbooks: install the shipped defaults, save (replace) one with its steps."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from playbooks.exceptions import PlaybookExists, PlaybookInvalid
from playbooks.models import OwnerRole, Playbook, PlaybookStep, PlaybookTask, Scenario
from workspaces.models import Workspace

DEFAULTS_PATH = Path(__file__).resolve().parent / "defaults.json"
MAX_OFFSET_MINUTES = 60 * 24 * 90


@dataclass(frozen=True)
class PlaybookData:
    scenario: str
    language: str
    title: str
    description: str
    steps: list[dict]  # [{"title", "description", "tasks": [{"title", "owner_role", ...}]}]


def playbook_defaults_load() -> list[PlaybookData]:
    """The shipped playbooks (playbooks/defaults.json), four scenarios in Dutch and English."""
    raw = json.loads(DEFAULTS_PATH.read_text(encoding="utf-8"))
    return [
        PlaybookData(
            scenario=item["scenario"],
            language=item["language"],
            title=item["title"],
            description=item["description"],
            steps=item["steps"],
        )
        for item in raw["playbooks"]
    ]


def _validate(data: PlaybookData) -> None:
    if data.scenario not in Scenario.values:
        raise PlaybookInvalid(_("Unknown scenario."), {"field": "scenario"})
    if data.language not in Playbook.Language.values:
        raise PlaybookInvalid(_("Language must be nl or en."), {"field": "language"})
    if not data.title.strip():
        raise PlaybookInvalid(_("A playbook needs a title."), {"field": "title"})
    if not data.steps:
        raise PlaybookInvalid(_("A playbook needs at least one step."), {"field": "steps"})
    for step in data.steps:
        if not str(step.get("title", "")).strip():
            raise PlaybookInvalid(_("Every step needs a title."), {"field": "steps"})
        for task in step.get("tasks", []):
            if not str(task.get("title", "")).strip():
                raise PlaybookInvalid(_("Every task needs a title."), {"field": "tasks"})
            if task.get("owner_role") not in OwnerRole.values:
                raise PlaybookInvalid(_("Unknown owner role."), {"field": "owner_role"})
            offset = task.get("due_offset_minutes")
            if not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET_MINUTES:
                raise PlaybookInvalid(
                    _("Due offset must be 0 to 129600 minutes."), {"field": "due_offset_minutes"}
                )
            checklist = task.get("checklist", [])
            if not isinstance(checklist, list) or not all(
                isinstance(item, str) and item.strip() for item in checklist
            ):
                raise PlaybookInvalid(_("Checklist items must be texts."), {"field": "checklist"})


def _steps_write(playbook: Playbook, steps: list[dict]) -> None:
    playbook.steps.all().delete()
    for position, step in enumerate(steps):
        row = PlaybookStep.objects.create(
            playbook=playbook,
            position=position,
            title=step["title"].strip(),
            description=str(step.get("description", "")).strip(),
        )
        PlaybookTask.objects.bulk_create(
            PlaybookTask(
                step=row,
                position=i,
                title=task["title"].strip(),
                owner_role=task["owner_role"],
                due_offset_minutes=task["due_offset_minutes"],
                checklist=[item.strip() for item in task.get("checklist", [])],
            )
            for i, task in enumerate(step.get("tasks", []))
        )


@transaction.atomic
def playbook_save(
    *, workspace: Workspace, data: PlaybookData, playbook: Playbook | None = None
) -> Playbook:
    """Create (playbook=None) or replace a playbook with its steps and tasks, validated.
    Raises PlaybookInvalid (400) or PlaybookExists (409: scenario+language taken)."""
    _validate(data)
    if playbook is None:
        playbook = Playbook(workspace=workspace)
    playbook.scenario = data.scenario
    playbook.language = data.language
    playbook.title = data.title.strip()
    playbook.description = data.description.strip()
    try:
        with transaction.atomic():
            playbook.save()
    except IntegrityError as exc:
        raise PlaybookExists(
            _("This workspace already has a playbook for that scenario and language.")
        ) from exc
    _steps_write(playbook, data.steps)
    return playbook


@transaction.atomic
def playbook_delete(*, playbook: Playbook) -> None:
    """Delete a playbook (incidents started from it keep their tasks)."""
    playbook.delete()


@transaction.atomic
def playbooks_install_defaults(*, workspace: Workspace) -> list[Playbook]:
    """Install the shipped playbooks the workspace does not have yet (by scenario and
    language; existing, possibly edited ones are left alone). Idempotent."""
    existing = set(Playbook.objects.filter(workspace=workspace).values_list("scenario", "language"))
    installed = []
    for data in playbook_defaults_load():
        if (data.scenario, data.language) not in existing:
            installed.append(playbook_save(workspace=workspace, data=data))
    return installed
