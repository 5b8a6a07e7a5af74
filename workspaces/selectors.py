"""Membership-scoped reads that every other app uses for tenancy."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.utils.translation import gettext as _

from workspaces.exceptions import WorkspaceNotFound, WorkspaceRoleRequired
from workspaces.models import Membership, UserPreference, Workspace

User = AbstractBaseUser | AnonymousUser


def workspace_list_for_user(*, user: User) -> QuerySet[Workspace]:
    """Workspaces the user may see: all for a superuser (operator), else their memberships."""
    if not user.is_authenticated:
        return Workspace.objects.none()
    if user.is_superuser:
        return Workspace.objects.all()
    return Workspace.objects.filter(memberships__user=user)


def workspace_list_with_role(*, user: User) -> QuerySet[Workspace]:
    """workspace_list_for_user with `role` annotated on each: the user's role there (as
    membership_role_get gives it), in the same one query."""
    workspaces = workspace_list_for_user(user=user)
    if user.is_superuser:  # all of them, as admin
        return workspaces.annotate(role=Value(Membership.Role.ADMIN, output_field=CharField()))
    if not user.is_authenticated:  # none
        return workspaces.annotate(role=Value(None, output_field=CharField()))
    role = Membership.objects.filter(user=user, workspace=OuterRef("pk")).values("role")[:1]
    return workspaces.annotate(role=Subquery(role))


def workspace_ids_with_role(*, user: User, role: str) -> set[int]:
    """Ids of the workspaces where the user has `role` (every one as admin for a superuser)."""
    return set(workspace_list_with_role(user=user).filter(role=role).values_list("pk", flat=True))


def workspace_get_for_user(*, user: User, slug: str) -> Workspace:
    """The workspace with this slug if the user may see it; raises WorkspaceNotFound otherwise."""
    workspace = workspace_list_for_user(user=user).filter(slug=slug).first()
    if workspace is None:
        raise WorkspaceNotFound(_("Workspace not found."))
    return workspace


def user_can_access_workspace(*, user: User, workspace_id: int) -> bool:
    """True if the user is a member of the workspace (or a superuser)."""
    return workspace_list_for_user(user=user).filter(pk=workspace_id).exists()


def workspace_member_list(*, workspace_id: int) -> QuerySet:
    """The workspace's members (users), by username."""
    return (
        get_user_model().objects.filter(memberships__workspace_id=workspace_id).order_by("username")
    )


def workspace_member_get(*, workspace_id: int, user_id: int) -> AbstractBaseUser | None:
    """The user with this id if they are a member of the workspace, else None."""
    return workspace_member_list(workspace_id=workspace_id).filter(pk=user_id).first()


def membership_role_get(*, user: User, workspace: Workspace) -> str | None:
    """The user's role in the workspace, `admin` for superusers, None for non-members."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Membership.Role.ADMIN
    return (
        Membership.objects.filter(user=user, workspace=workspace)
        .values_list("role", flat=True)
        .first()
    )


def membership_require_role(*, user: User, workspace: Workspace, roles: Iterable[str]) -> str:
    """Return the user's role if it is one of `roles`; raise WorkspaceRoleRequired otherwise."""
    role = membership_role_get(user=user, workspace=workspace)
    if role is None:
        raise WorkspaceNotFound(_("Workspace not found."))
    if role not in roles:
        raise WorkspaceRoleRequired(
            _("This action needs one of these roles: %(roles)s.") % {"roles": ", ".join(roles)},
            {"role": role},
        )
    return role


def user_language_get(*, user: User) -> str:
    """The user's remembered UI language, or "" if none."""
    if not user.is_authenticated:
        return ""
    return UserPreference.objects.filter(user=user).values_list("language", flat=True).first() or ""
