"""Role checks shared by HTML pages: the workspace by slug (404 for non-members), then the
role (403 where the page changes configuration). The API's twin is `api_permissions`."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from workspaces.exceptions import WorkspaceNotFound
from workspaces.models import Membership, Workspace
from workspaces.selectors import membership_role_get, workspace_get_for_user


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
