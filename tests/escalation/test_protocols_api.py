"""/api/escalation-protocols/: members read, admins write; nested tiers validated; every
change appends a version with snapshot, who and when."""

import pytest

from escalation.models import EscalationProtocolVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def ws(make_workspace, make_contact):
    workspace = make_workspace()
    return workspace, make_contact(workspace)


def _payload(workspace, contact, **extra) -> dict:
    return {
        "workspace": workspace.slug,
        "name": "Severity 3+",
        "min_severity": 3,
        "language": "nl",
        "tiers": [
            {"contact_ids": [contact.pk], "channels": ["email", "sms"], "wait_minutes": 5},
            {"roles": ["admin"], "channels": ["slack"], "wait_minutes": 0.5},
        ],
        **extra,
    }


def test_admin_creates_protocol_with_version_one(ws, make_member, api_client_for):
    workspace, contact = ws
    admin = make_member(workspace, role="admin")
    response = api_client_for(admin).post(
        "/api/escalation-protocols/", _payload(workspace, contact), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version"] == 1
    assert [t["wait_seconds"] for t in body["tiers"]] == [300, 30]
    assert body["tiers"][0]["contact_ids"] == [contact.pk]
    version = EscalationProtocolVersion.objects.get(protocol_id=body["id"])
    assert version.changed_by == admin
    assert version.snapshot["tiers"][0]["contacts"] == [{"id": contact.pk, "name": contact.name}]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tiers": []}, "tiers"),
        ({"tiers": [{"contact_ids": [], "channels": ["sms"], "wait_minutes": 0}]}, "tiers"),
        ({"tiers": [{"roles": ["admin"], "channels": [], "wait_minutes": 1}]}, "tiers"),
        ({"tiers": [{"roles": ["boss"], "channels": ["sms"], "wait_minutes": 1}]}, "tiers"),
        ({"min_severity": 5}, "min_severity"),
    ],
)
def test_invalid_protocol_is_400_with_reasons(ws, make_member, api_client_for, change, field):
    workspace, contact = ws
    admin = make_member(workspace, role="admin")
    response = api_client_for(admin).post(
        "/api/escalation-protocols/", _payload(workspace, contact, **change), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_contact_of_another_workspace_is_400(ws, make_workspace, make_contact, make_member,
                                             api_client_for):  # fmt: skip
    workspace, contact = ws
    foreign = make_contact(make_workspace(), email="x@example.org")
    admin = make_member(workspace, role="admin")
    payload = _payload(workspace, contact)
    payload["tiers"][0]["contact_ids"] = [foreign.pk]
    response = api_client_for(admin).post("/api/escalation-protocols/", payload, format="json")
    assert response.status_code == 400
    assert "tiers[0]" in response.json()["errors"]  # 0-based, like the request's list


def test_tier_with_neither_contact_nor_role_is_400(ws, make_member, api_client_for):
    workspace, contact = ws
    admin = make_member(workspace, role="admin")
    payload = _payload(workspace, contact)
    payload["tiers"] = [{"channels": ["sms"], "wait_minutes": 1}]
    response = api_client_for(admin).post("/api/escalation-protocols/", payload, format="json")
    assert response.status_code == 400


def test_duplicate_severity_is_400(ws, make_member, api_client_for):
    workspace, contact = ws
    client = api_client_for(make_member(workspace, role="admin"))
    assert (
        client.post(
            "/api/escalation-protocols/", _payload(workspace, contact), format="json"
        ).status_code
        == 201
    )
    again = client.post("/api/escalation-protocols/", _payload(workspace, contact), format="json")
    assert again.status_code == 400


def test_update_appends_version_and_history_shows_diff(ws, make_member, api_client_for):
    workspace, contact = ws
    admin = make_member(workspace, role="admin")
    client = api_client_for(admin)
    created = client.post(
        "/api/escalation-protocols/", _payload(workspace, contact), format="json"
    ).json()
    changed = client.patch(
        f"/api/escalation-protocols/{created['id']}/",
        {"name": "Renamed", "tiers": [{"contact_ids": [contact.pk], "channels": ["teams"],
                                        "wait_minutes": 2}]},
        format="json",
    )  # fmt: skip
    assert changed.status_code == 200, changed.json()
    assert changed.json()["version"] == 2
    assert len(changed.json()["tiers"]) == 1
    history = client.get(f"/api/escalation-protocols/{created['id']}/versions/").json()
    assert [v["number"] for v in history] == [2, 1]
    fields = {c["field"] for c in history[0]["changes"]}
    assert {"name", "tiers[0]", "tiers[1]"} <= fields
    assert history[0]["changed_by"] == admin.username
    assert history[1]["snapshot"]["name"] == "Severity 3+"  # old snapshot kept


@pytest.mark.parametrize("role", ["crisis_team", "communications"])
def test_non_admin_members_read_but_cannot_write(ws, make_member, make_protocol, api_client_for,
                                                 role):  # fmt: skip
    workspace, contact = ws
    protocol = make_protocol(
        workspace, [{"contact_ids": [contact.pk], "channels": ["sms"], "wait_seconds": 60}]
    )
    client = api_client_for(make_member(workspace, role=role))
    assert client.get(f"/api/escalation-protocols/?workspace={workspace.slug}").json()["count"] == 1
    assert client.get(f"/api/escalation-protocols/{protocol.pk}/versions/").status_code == 200
    create = client.post("/api/escalation-protocols/", _payload(workspace, contact), format="json")
    assert create.status_code == 403
    assert "admin" in create.json()["detail"]
    assert client.patch(f"/api/escalation-protocols/{protocol.pk}/", {"name": "x"},
                        format="json").status_code == 403  # fmt: skip
    assert client.delete(f"/api/escalation-protocols/{protocol.pk}/").status_code == 403


def test_non_member_gets_404_and_anonymous_401(ws, make_member, make_protocol, api_client_for):
    workspace, contact = ws
    protocol = make_protocol(
        workspace, [{"contact_ids": [contact.pk], "channels": ["sms"], "wait_seconds": 60}]
    )
    stranger = api_client_for(make_member())
    assert stranger.get(f"/api/escalation-protocols/{protocol.pk}/").status_code == 404
    assert stranger.patch(f"/api/escalation-protocols/{protocol.pk}/", {"name": "x"},
                          format="json").status_code == 404  # fmt: skip
    assert stranger.post("/api/escalation-protocols/", _payload(workspace, contact),
                         format="json").status_code == 404  # fmt: skip
    assert api_client_for(None).get("/api/escalation-protocols/").status_code in (401, 403)


def test_protocol_with_runs_cannot_be_deleted(ws, make_member, make_protocol, active_incident,
                                              api_client_for, http_server):  # fmt: skip
    from django.utils import timezone

    from escalation import services

    workspace, contact = ws
    protocol = make_protocol(
        workspace, [{"contact_ids": [contact.pk], "channels": ["sms"], "wait_seconds": 60}]
    )
    active_incident(workspace)
    services.escalation_runs_start_due(now=timezone.now())
    admin = api_client_for(make_member(workspace, role="admin"))
    assert admin.delete(f"/api/escalation-protocols/{protocol.pk}/").status_code == 409


def test_protocol_pages_admin_edit_and_history(client, ws, make_member):
    workspace, contact = ws
    admin = make_member(workspace, role="admin")
    client.force_login(admin)
    form = {
        "name": "Page protocol", "min_severity": "2", "language": "en", "repeat_count": "0",
        "is_enabled": "on", "tiers-TOTAL_FORMS": "2", "tiers-INITIAL_FORMS": "0",
        "tiers-0-contact_ids": [str(contact.pk)], "tiers-0-channels": ["email"],
        "tiers-0-wait_minutes": "10",
    }  # fmt: skip
    response = client.post(f"/w/{workspace.slug}/escalation-protocols/new/", form)
    assert response.status_code == 302
    page = client.get(f"/w/{workspace.slug}/escalation-protocols/").content.decode()
    assert "Page protocol" in page
    bad_form = {**form, "name": "Other", "min_severity": "3", "tiers-0-wait_minutes": "0"}
    bad = client.post(f"/w/{workspace.slug}/escalation-protocols/new/", bad_form)
    assert bad.status_code == 200
    assert "The wait must be whole seconds" in bad.content.decode()
    from escalation.models import EscalationProtocol

    protocol = EscalationProtocol.objects.get(name="Page protocol")
    history = client.get(f"/w/{workspace.slug}/escalation-protocols/{protocol.pk}/history/")
    assert history.status_code == 200
    assert "Version 1" in history.content.decode()
    team = make_member(workspace, role="crisis_team")
    client.force_login(team)
    assert client.get(f"/w/{workspace.slug}/escalation-protocols/new/").status_code == 403
