"""Reads for contacts, always scoped to a workspace."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from contacts.models import Contact
from workspaces.models import Workspace
from workspaces.selectors import workspace_list_for_user

STALE_AFTER_DAYS = 90


def contact_stale_before(*, today: date | None = None) -> date:
    """Contacts last verified before this date (or never) are flagged."""
    return (today or timezone.localdate()) - timedelta(days=STALE_AFTER_DAYS)


@dataclass(frozen=True)
class ContactFilters:
    kind: str = ""
    q: str = ""
    flagged: bool | None = None  # True: only flagged, False: only verified recently


def contact_list(*, workspace: Workspace | None, filters: ContactFilters | None = None) -> QuerySet:
    """The workspace's contacts (all workspaces when None, for callers that scope themselves),
    name order; filters by kind, text and the 90-day flag."""
    filters = filters or ContactFilters()
    qs = Contact.objects.select_related("user")
    if workspace is not None:
        qs = qs.filter(workspace=workspace)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        qs = qs.filter(
            Q(name__icontains=filters.q)
            | Q(organisation__icontains=filters.q)
            | Q(email__icontains=filters.q)
            | Q(role_title__icontains=filters.q)
        )
    stale = Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=contact_stale_before())
    if filters.flagged is True:
        qs = qs.filter(stale)
    elif filters.flagged is False:
        qs = qs.exclude(stale)
    return qs


def contact_is_flagged(contact: Contact, *, today: date | None = None) -> bool:
    """True when the contact was never verified or not within the last 90 days."""
    return contact.last_verified_at is None or contact.last_verified_at < contact_stale_before(
        today=today
    )


def contact_get(*, workspace: Workspace, contact_id: int) -> Contact | None:
    return Contact.objects.filter(workspace=workspace, pk=contact_id).first()


def contact_find_existing(*, workspace: Workspace, email: str, phone: str) -> list[Contact]:
    """The contacts an import row without a usable id may mean, by the first key that finds
    any: its e-mail (case-insensitive), its phone (only contacts without an e-mail when the
    row has one: another e-mail is another person). More than one means the row is
    ambiguous."""
    qs = Contact.objects.filter(workspace=workspace).order_by("id")
    if email:
        found = list(qs.filter(email__iexact=email)[:5])
        if found:
            return found
    if phone:
        same = qs.filter(phone=phone)
        return list((same.filter(email="") if email else same)[:5])
    return []


def contact_list_for_user(
    *, user, workspace: str | None = None, filters: ContactFilters | None = None
) -> QuerySet:
    """Contacts in the user's workspaces (every member reads them), optionally one by slug."""
    workspaces = workspace_list_for_user(user=user)
    if workspace:
        workspaces = workspaces.filter(slug=workspace)
    qs = contact_list(workspace=None, filters=filters)
    return qs.filter(workspace__in=workspaces).select_related("workspace")
