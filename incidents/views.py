"""HTML pages: the incident list and the incident page (thin; live data over the websocket,
actions through the REST API)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from incidents import selectors
from incidents.exceptions import IncidentNotFound
from incidents.models import RUN_ROLES, Claim, Incident, IncidentEvent
from incidents.services.lifecycle import TRANSITIONS, incident_playbook_refusal
from monitoring.models import Platform
from playbooks.models import OwnerRole, Scenario
from workspaces.selectors import (
    membership_role_get,
    workspace_list_with_role,
    workspace_member_list,
)


@login_required
def incident_list_page(request: HttpRequest) -> HttpResponse:
    workspaces = workspace_list_with_role(user=request.user)
    runnable = [ws for ws in workspaces if ws.role in RUN_ROLES]
    return render(
        request,
        "incidents/list.html",
        {
            "incidents": selectors.incident_list(user=request.user)[:200],
            "workspaces": runnable,
            "scenarios": Scenario.choices,
        },
    )


@login_required
def incident_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incident = selectors.incident_get(user=request.user, incident_id=pk)
    except IncidentNotFound as exc:
        raise Http404(exc.message) from exc
    role = membership_role_get(user=request.user, workspace=incident.workspace)
    members = workspace_member_list(workspace_id=incident.workspace_id)
    final = incident.status == Incident.Status.REVIEWED  # its whole record is read-only
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "workspace": incident.workspace,
            "role": role,
            "final": final,
            "can_run": role in RUN_ROLES and not final,
            "can_add_facts": role is not None and not final,
            "transitions": [
                (s, Incident.Status(s).label) for s in TRANSITIONS.get(incident.status, ())
            ],
            "members": members,
            "member_options": [[m.pk, m.get_full_name() or m.get_username()] for m in members],
            "reach": incident.reach or {},
            "mentions": selectors.incident_mention_list(incident=incident, limit=100),
            "claim_statuses": Claim.Status.choices,
            "event_kinds": IncidentEvent.Kind.choices,
            "owner_roles": OwnerRole.choices,
            "platforms": Platform.choices,
            "can_start_playbook": role in RUN_ROLES and not incident_playbook_refusal(incident),
            "scenarios": Scenario.choices,
        },
    )
