"""The playbooks page: everyone reads; admins edit playbooks (through /api/playbooks/) and
the response clock minutes (/api/response-clock/). A page may compose several apps."""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from incidents.selectors import response_clock_policy_list
from playbooks.selectors import playbook_list
from workspaces.models import Membership
from workspaces.selectors import membership_role_get, workspace_list_for_user


def _editable(playbook) -> str:
    steps = [
        {
            "title": step.title,
            "description": step.description,
            "tasks": [
                {
                    "title": task.title,
                    "owner_role": task.owner_role,
                    "due_offset_minutes": task.due_offset_minutes,
                    "checklist": task.checklist,
                }
                for task in step.tasks.all()
            ],
        }
        for step in playbook.steps.all()
    ]
    return json.dumps(steps, ensure_ascii=False, indent=2)


@login_required
def playbook_list_page(request: HttpRequest) -> HttpResponse:
    sections = []
    for workspace in workspace_list_for_user(user=request.user):
        is_admin = membership_role_get(user=request.user, workspace=workspace) == (
            Membership.Role.ADMIN
        )
        playbooks = list(playbook_list(user=request.user, workspace=workspace.slug))
        for playbook in playbooks:
            playbook.steps_json = _editable(playbook) if is_admin else ""
        clock = response_clock_policy_list(workspace_id=workspace.pk)
        sections.append(
            {
                "workspace": workspace,
                "is_admin": is_admin,
                "playbooks": playbooks,
                "clock": sorted(clock.items()),
            }
        )
    return render(request, "playbooks/list.html", {"sections": sections})
