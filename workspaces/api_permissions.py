"""Role checks shared by API views: resolve the target workspace, then require a role."""

from typing import Any

from rest_framework import serializers

from workspaces.models import Membership, Workspace
from workspaces.selectors import membership_require_role, workspace_get_for_user

ADMIN = (Membership.Role.ADMIN,)


def workspace_for_write(*, user: Any, slug: str, roles: tuple[str, ...] = ADMIN) -> Workspace:
    """The workspace by slug if the user may write there: 404 if not a member, 403 if role."""
    workspace = workspace_get_for_user(user=user, slug=slug)
    membership_require_role(user=user, workspace=workspace, roles=roles)
    return workspace


class WorkspaceFilterSerializer(serializers.Serializer):
    """`?workspace=<slug>`, the filter every list endpoint takes."""

    workspace = serializers.SlugField(required=False)


def workspace_param(request: Any) -> str | None:
    """The validated `?workspace=` slug of a request (400 if malformed), or None."""
    params = WorkspaceFilterSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data.get("workspace")
