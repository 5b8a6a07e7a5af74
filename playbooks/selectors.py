"""Reads for playbooks, scoped to the user's workspaces."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from playbooks.exceptions import PlaybookNotFound
from playbooks.models import Playbook, PlaybookStep
from workspaces.selectors import workspace_list_for_user


def playbook_list(
    *, user: AbstractBaseUser | AnonymousUser, workspace: str | None = None
) -> QuerySet[Playbook]:
    """Playbooks of the user's workspaces (optionally one, by slug) with steps and tasks."""
    qs = Playbook.objects.filter(workspace__in=workspace_list_for_user(user=user))
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    steps = PlaybookStep.objects.order_by("position", "id").prefetch_related("tasks")
    return qs.select_related("workspace").prefetch_related(Prefetch("steps", queryset=steps))


def playbook_get(*, user: AbstractBaseUser | AnonymousUser, playbook_id: int) -> Playbook:
    """One playbook of the user's workspaces; raises PlaybookNotFound (404) otherwise."""
    playbook = playbook_list(user=user).filter(pk=playbook_id).first()
    if playbook is None:
        raise PlaybookNotFound(_("Playbook not found."))
    return playbook


def playbook_scenarios(*, workspace_id: int) -> list[tuple[str, str, str]]:
    """(scenario, language, title) of the workspace's playbooks, for pickers."""
    return list(
        Playbook.objects.filter(workspace_id=workspace_id)
        .order_by("scenario", "language")
        .values_list("scenario", "language", "title")
    )
