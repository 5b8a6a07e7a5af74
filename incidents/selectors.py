"""Reads for incidents, scoped to the user's workspaces."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from incidents.models import Incident
from workspaces.selectors import workspace_list_for_user


def incident_list(
    *, user: AbstractBaseUser | AnonymousUser, workspace: str | None = None
) -> QuerySet[Incident]:
    """Incidents in the user's workspaces (optionally one, by slug), newest first."""
    qs = Incident.objects.filter(workspace__in=workspace_list_for_user(user=user))
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    return qs.select_related("workspace").prefetch_related("alerts")
