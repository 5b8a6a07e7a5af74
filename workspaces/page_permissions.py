"""Role checks shared by HTML pages: the workspace by slug (404 for non-members), then the
role (403 where the page changes configuration); and the pages without a slug, which open the
user's first workspace. The API's twin is `api_permissions`."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from workspaces.exceptions import WorkspaceNotFound
from workspaces.models import Membership, Workspace
from workspaces.selectors import (
    membership_role_get,
    workspace_get_for_user,
    workspace_list_for_user,
)


def first_workspace_redirect(request: HttpRequest, name: str) -> HttpResponse:
    """Redirect to the page `name` of the user's first workspace, or say there is none."""
    workspace = workspace_list_for_user(user=request.user).first()
    if workspace is None:
        return render(request, "monitoring/no_workspace.html")
    return redirect(name, slug=workspace.slug)


def workspace_for_page(request: HttpRequest, slug: str, *, admin: bool) -> tuple[Workspace, str]:
    """The workspace (404 for non-members) and the user's role (403 if admin is required)."""
    try:
        workspace = workspace_get_for_user(user=request.user, slug=slug)
    except WorkspaceNotFound as exc:
        raise Http404(exc.message) from exc
    role = membership_role_get(user=request.user, workspace=workspace) or ""
    if admin and role != Membership.Role.ADMIN:
        raise PermissionDenied(_("Only admins can change the configuration."))
    return workspace, role
