"""The playbooks page: everyone reads; admins edit playbooks (through /api/playbooks/) and
the response clock minutes (/api/response-clock/). A page may compose several apps."""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from incidents.selectors import response_clock_policy_lists
from playbooks.selectors import playbook_list
from workspaces.models import Membership
from workspaces.selectors import workspace_list_with_role


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
    workspaces = list(workspace_list_with_role(user=request.user))
    playbooks: dict[int, list] = {}
    for playbook in playbook_list(user=request.user):
        playbooks.setdefault(playbook.workspace_id, []).append(playbook)
    clocks = response_clock_policy_lists(workspace_ids=[ws.pk for ws in workspaces])
    sections = []
    for workspace in workspaces:
        is_admin = workspace.role == Membership.Role.ADMIN
        for playbook in playbooks.get(workspace.pk, []):
            playbook.steps_json = _editable(playbook) if is_admin else ""
        sections.append(
            {
                "workspace": workspace,
                "is_admin": is_admin,
                "playbooks": playbooks.get(workspace.pk, []),
                "clock": sorted(clocks[workspace.pk].items()),
            }
        )
    return render(request, "playbooks/list.html", {"sections": sections})
