"""Shipped playbooks and the playbook API (admins edit, others read, non-members 404)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import ResponseClockPolicy
from playbooks.models import Playbook, PlaybookTask
from playbooks.services import playbook_defaults_load, playbooks_install_defaults
from tests import factories
from workspaces.models import Membership

pytestmark = pytest.mark.django_db

DOS_EN = ["delete", "empathy", "contradict", "promise"]
DOS_NL = ["Verwijder geen", "empathie", "tegen", "Beloof niets"]


def test_defaults_cover_four_scenarios_in_both_languages_with_six_steps_and_dos():
    defaults = playbook_defaults_load()
    assert sorted((d.scenario, d.language) for d in defaults) == sorted(
        (s, lang)
        for s in ("news_coverage", "viral_complaint", "data_leak", "employee_message")
        for lang in ("nl", "en")
    )
    for playbook in defaults:
        assert len(playbook.steps) == 6
        items = " ".join(
            item for step in playbook.steps for task in step["tasks"] for item in task["checklist"]
        )
        for word in DOS_EN if playbook.language == "en" else DOS_NL:
            assert word in items, (playbook.title, word)
    leak = next(d for d in defaults if d.scenario == "data_leak" and d.language == "en")
    ap = [t for s in leak.steps for t in s["tasks"] if "Autoriteit Persoonsgegevens" in t["title"]]
    assert ap[0]["due_offset_minutes"] == 72 * 60


def test_install_defaults_is_idempotent_and_keeps_edited_playbooks():
    workspace = factories.WorkspaceFactory()
    assert len(playbooks_install_defaults(workspace=workspace)) == 8
    edited = Playbook.objects.get(workspace=workspace, scenario="data_leak", language="nl")
    Playbook.objects.filter(pk=edited.pk).update(title="Ons eigen datalekdraaiboek")
    assert playbooks_install_defaults(workspace=workspace) == []
    assert Playbook.objects.get(pk=edited.pk).title == "Ons eigen datalekdraaiboek"
    assert Playbook.objects.filter(workspace=workspace).count() == 8


@pytest.fixture
def ws_members():
    workspace = factories.WorkspaceFactory()
    playbooks_install_defaults(workspace=workspace)
    users = {
        role: factories.MembershipFactory(workspace=workspace, role=role).user
        for role in Membership.Role.values
    }
    users["outsider"] = factories.MembershipFactory().user
    return workspace, users


BODY = {
    "scenario": "viral_complaint",
    "language": "en",
    "title": "Viral complaint (ours)",
    "description": "",
    "steps": [
        {"title": "Detect", "tasks": [
            {"title": "Find the post", "owner_role": "crisis_team", "due_offset_minutes": 10,
             "checklist": ["Screenshot it"]},
        ]},
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [("admin", 200, True), ("crisis_team", 200, False), ("communications", 200, False),
     ("outsider", 404, False)],
)  # fmt: skip
def test_playbook_api_rights_per_role(api_client_for, ws_members, role, read, write):
    workspace, users = ws_members
    client = api_client_for(users[role])
    playbook = Playbook.objects.get(workspace=workspace, scenario="viral_complaint", language="en")
    assert client.get(f"/api/playbooks/{playbook.pk}/").status_code == read
    listing = client.get(f"/api/playbooks/?workspace={workspace.slug}").json()
    assert len(listing.get("results", [])) == (8 if read == 200 else 0)
    put = client.put(f"/api/playbooks/{playbook.pk}/", BODY, format="json")
    tasks_after_put = PlaybookTask.objects.filter(step__playbook=playbook).count()
    delete = client.delete(f"/api/playbooks/{playbook.pk}/")
    create = client.post(
        "/api/playbooks/", {**BODY, "workspace": workspace.slug, "scenario": "data_leak"},
        format="json",
    )  # fmt: skip
    if write:
        assert put.status_code == 200
        assert put.json()["steps"][0]["tasks"][0]["checklist"] == ["Screenshot it"]
        assert tasks_after_put == 1
        assert delete.status_code == 204
        assert create.status_code == 409  # data_leak/en already exists
    else:
        expected = 404 if role == "outsider" else 403
        assert put.status_code == expected
        assert delete.status_code == expected
        assert create.status_code == expected
        assert Playbook.objects.filter(pk=playbook.pk).exists()


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"steps": []}, "steps"),
        ({"scenario": "alien"}, "scenario"),
        ({"language": "de"}, "language"),
        ({"steps": [{"title": "x", "tasks": [{"title": "t", "owner_role": "ceo",
                                              "due_offset_minutes": 5}]}]}, "steps"),
        ({"steps": [{"title": "x", "tasks": [{"title": "t", "owner_role": "it",
                                              "due_offset_minutes": -5}]}]}, "steps"),
        ({"steps": [{"title": "", "tasks": []}]}, "steps"),
    ],
)  # fmt: skip
def test_playbook_api_validates_nested_steps(api_client_for, ws_members, patch, field):
    workspace, users = ws_members
    playbook = Playbook.objects.filter(workspace=workspace).first()
    response = api_client_for(users["admin"]).put(
        f"/api/playbooks/{playbook.pk}/", {**BODY, **patch}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_playbooks_page_renders_for_members(client, ws_members):
    _workspace, users = ws_members
    client.force_login(users["communications"])
    page = client.get("/playbooks/").content.decode()
    assert "Autoriteit Persoonsgegevens" in page
    assert "js-playbook-form" not in page
    client.force_login(users["admin"])
    assert "js-playbook-form" in client.get("/playbooks/").content.decode()


def test_playbooks_page_takes_fixed_queries_however_many_workspaces(
    client, ws_members, django_assert_max_num_queries
):
    """Roles, playbooks and response clocks of all the user's workspaces in a fixed number of
    queries, not a set per workspace."""
    workspace, users = ws_members
    admin = users["admin"]
    client.force_login(admin)
    client.get("/playbooks/")  # the first request also settles the session's language
    with CaptureQueriesContext(connection) as ctx:
        client.get("/playbooks/")
    roles = ["admin", "crisis_team", "communications", "admin"]
    for role in roles:
        other = factories.MembershipFactory(user=admin, role=role).workspace
        playbooks_install_defaults(workspace=other)
        ResponseClockPolicy.objects.create(workspace=other, severity=2, minutes=15)
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        page = client.get("/playbooks/").content.decode()
    per_workspace = Playbook.objects.filter(workspace=workspace).count()
    admin_workspaces = 1 + roles.count("admin")
    assert page.count('class="stack js-playbook-form"') == admin_workspaces * per_workspace
    assert page.count('class="playbook"') == (1 + len(roles)) * per_workspace
    assert page.count('name="2" type="number" min="5" max="10080" value="15"') == len(roles)
