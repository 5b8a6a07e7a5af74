"""Reads for incidents, scoped to the user's workspaces."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from incidents.models import Claim, Incident
from workspaces.selectors import workspace_list_for_user


def incident_list(
    *, user: AbstractBaseUser | AnonymousUser, workspace: str | None = None
) -> QuerySet[Incident]:
    """Incidents in the user's workspaces (optionally one, by slug), newest first."""
    qs = Incident.objects.filter(workspace__in=workspace_list_for_user(user=user))
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    return qs.select_related("workspace").prefetch_related("alerts")


OPEN_STATUSES = (Incident.Status.TRIAGE, Incident.Status.ACTIVE, Incident.Status.MONITORING)


def mention_ids_in_open_incidents(*, limit: int = 5000) -> list[int]:
    """Ids of mentions behind the alerts of open incidents (all workspaces; for scheduled jobs)."""
    ids: set[int] = set()
    for mention_ids in Incident.objects.filter(status__in=OPEN_STATUSES).values_list(
        "alerts__mention_ids", flat=True
    ):
        ids.update(mention_ids or [])
        if len(ids) >= limit:
            break
    return sorted(ids)[:limit]


def incident_confirmed_facts(*, incident: Incident) -> QuerySet[Claim]:
    """Claims verified as confirmed facts (for statements' placeholders), oldest first."""
    return incident.claims.filter(status=Claim.Status.CONFIRMED).order_by("verified_at", "id")
