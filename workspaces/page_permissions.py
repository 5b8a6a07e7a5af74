"""Role checks shared by HTML pages: the workspace by slug (404 for non-members), then the
role (403 where the page changes configuration); and the pages without a slug, which open the
user's first workspace. The API's twin is `api_permissions`."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from workspaces.models import Membership, Workspace
from workspaces.selectors import workspace_list_for_user, workspace_list_with_role


def first_workspace_redirect(request: HttpRequest, name: str) -> HttpResponse:
    """Redirect to the page `name` of the user's first workspace, or say there is none."""
    workspace = workspace_list_for_user(user=request.user).first()
    if workspace is None:
        return render(request, "monitoring/no_workspace.html")
    return redirect(name, slug=workspace.slug)


def workspace_for_page(request: HttpRequest, slug: str, *, admin: bool) -> tuple[Workspace, str]:
    """The workspace (404 for non-members) and the user's role (403 if admin is required),
    read in one query."""
    workspace = workspace_list_with_role(user=request.user).filter(slug=slug).first()
    if workspace is None:
        raise Http404(_("Workspace not found."))
    role = workspace.role or ""
    if admin and role != Membership.Role.ADMIN:
        raise PermissionDenied(_("Only admins can change the configuration."))
    return workspace, role
