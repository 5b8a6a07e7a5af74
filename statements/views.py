"""HTML pages: the statements page of an incident and the template library. Thin: one
selector per piece, no writes (the starter templates come with the workspace); the page's
actions go through the REST API."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from crisiscenter.exceptions import NotFound
from statements import selectors
from statements.counting import LIMITS
from statements.models import AUTOMATED_CHANNELS, Channel, Language, Scenario, Statement
from statements.placeholders import PLACEHOLDERS
from statements.services.drafting import statement_values
from workspaces.exceptions import WorkspaceNotFound
from workspaces.models import Membership
from workspaces.selectors import (
    membership_role_get,
    workspace_get_for_user,
    workspace_list_for_user,
)

WRITE_ROLES = (Membership.Role.COMMUNICATIONS, Membership.Role.ADMIN)
# Publishing account fields per platform: (settings, secret credentials).
ACCOUNT_FORMS = [
    ("x", "X", ["username"],
     ["consumer_key", "consumer_secret", "access_token", "access_token_secret", "bearer_token"]),
    ("mastodon", "Mastodon", ["instance"], ["access_token"]),
    ("bluesky", "Bluesky", ["auth_service"], ["identifier", "app_password"]),
]  # fmt: skip


@login_required
def incident_statements(request: HttpRequest, incident_id: int) -> HttpResponse:
    try:
        incident = selectors.incident_get_for_statements(user=request.user, incident_id=incident_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    workspace = incident.workspace
    statements = list(selectors.statement_list(user=request.user, incident_id=incident.pk))
    current = None
    wanted = request.GET.get("statement", "")
    if wanted.isdigit():
        current = next((st for st in statements if st.pk == int(wanted)), None)
    current = current or next(
        (st for st in statements if st.status != Statement.Status.PUBLISHED), None
    )
    if current is not None:
        selectors.statement_history_load(statement=current)
    role = membership_role_get(user=request.user, workspace=workspace)
    approve_refusal = (
        selectors.statement_self_approval_refusal(statement=current, user=request.user)
        if current is not None and current.status == Statement.Status.IN_REVIEW
        else ""
    )
    accounts = set(
        selectors.publishing_account_list(user=request.user, workspace=workspace.slug)
        .filter(is_enabled=True)
        .values_list("channel", flat=True)
    )
    return render(
        request,
        "statements/incident.html",
        {
            "incident": incident,
            "workspace": workspace,
            "role": role,
            "can_write": role in WRITE_ROLES,
            "approve_refusal": approve_refusal,
            "statements": statements,
            "current": current,
            "published": [st for st in statements if st.status == Statement.Status.PUBLISHED],
            "templates": selectors.statement_template_list(
                user=request.user, workspace=workspace.slug
            ),
            "channels": Channel.choices,
            "automated": [str(Channel(c).label) for c in AUTOMATED_CHANNELS if c in accounts],
            "languages": Language.choices,
            "placeholders": PLACEHOLDERS,
            "limits": {k: v.maximum for k, v in LIMITS.items()},
            "default_values": statement_values(
                incident=incident, values=current.placeholder_values if current else {}
            ),
            "current_variants": {v.channel: v.text for v in current.variants.all()}
            if current
            else {},
        },
    )


@login_required
def template_library(request: HttpRequest) -> HttpResponse:
    workspaces = list(workspace_list_for_user(user=request.user))
    if not workspaces:
        raise Http404("No workspace.")
    slug = request.GET.get("workspace") or workspaces[0].slug
    try:
        workspace = workspace_get_for_user(user=request.user, slug=slug)
    except WorkspaceNotFound as exc:
        raise Http404(exc.message) from exc
    role = membership_role_get(user=request.user, workspace=workspace)
    return render(
        request,
        "statements/templates.html",
        {
            "workspace": workspace,
            "workspaces": workspaces,
            "role": role,
            "can_write": role in WRITE_ROLES,
            "templates": selectors.statement_template_list(
                user=request.user, workspace=workspace.slug
            ),
            "scenarios": Scenario.choices,
            "languages": Language.choices,
            "placeholders": PLACEHOLDERS,
            "accounts": selectors.publishing_account_list(
                user=request.user, workspace=workspace.slug
            ),
            "is_admin": role == Membership.Role.ADMIN,
            "account_forms": ACCOUNT_FORMS,
        },
    )
