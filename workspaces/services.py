"""Writes for workspaces and memberships."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from workspaces.exceptions import WorkspaceSlugTaken
from workspaces.models import Membership, UserPreference, Workspace


@transaction.atomic
def workspace_create(*, slug: str, name: str) -> Workspace:
    """Create a workspace; raises WorkspaceSlugTaken if the slug exists."""
    try:
        with transaction.atomic():
            return Workspace.objects.create(slug=slug, name=name)
    except IntegrityError as exc:
        raise WorkspaceSlugTaken(_("A workspace with this slug already exists.")) from exc


@transaction.atomic
def membership_set(*, user: AbstractBaseUser, workspace: Workspace, role: str) -> Membership:
    """Give the user this role in the workspace (creates or updates; idempotent)."""
    membership, _created = Membership.objects.update_or_create(
        user=user, workspace=workspace, defaults={"role": role}
    )
    return membership


@transaction.atomic
def user_language_set(*, user: AbstractBaseUser, language: str) -> None:
    """Remember the user's UI language (a code from settings.LANGUAGES). Idempotent."""
    from django.conf import settings

    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    UserPreference.objects.update_or_create(user=user, defaults={"language": language})
