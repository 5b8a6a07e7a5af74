"""HTML pages: thin. The dashboard is rendered once; live data arrives over the websocket."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from incidents.models import RUN_ROLES
from monitoring.models import Platform
from monitoring.selectors import watch_term_list
from workspaces.page_permissions import first_workspace_redirect, workspace_for_page
from workspaces.selectors import workspace_list_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return first_workspace_redirect(request, "workspace-dashboard")


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    workspace, role = workspace_for_page(request, slug, admin=False)
    workspaces = list(workspace_list_for_user(user=request.user))
    wall = request.GET.get("wall") == "1"
    # Wall mode rotates through the user's workspaces: the next one after this.
    position = next(i for i, ws in enumerate(workspaces) if ws.pk == workspace.pk)
    next_workspace = workspaces[(position + 1) % len(workspaces)]
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "workspace": workspace,
            "workspaces": workspaces,
            "wall": wall,
            "wall_next": next_workspace if wall and len(workspaces) > 1 else None,
            "role": role,
            "can_triage": role in RUN_ROLES,
            "terms": watch_term_list(user=request.user, workspace=workspace.slug),
            "platforms": Platform.choices,
        },
    )
