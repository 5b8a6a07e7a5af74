"""Acknowledge: the signed link (GET confirms, POST acknowledges), tampered/expired links,
the API and the Escalations page; ack stops further tiers and lands on the timeline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import Delivery, EscalationRun
from escalation.tokens import ack_token_make
from incidents.models import IncidentEvent
from tests.escalation.helpers import tick_in_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(make_workspace, make_contact, make_protocol, active_incident, http_server):
    workspace = make_workspace()
    anna = make_contact(workspace)
    bob = make_contact(workspace, name="Bob", email="bob@example.org", phone="+31687654321")
    make_protocol(
        workspace,
        [
            {"contact_ids": [anna.pk], "channels": ["sms"], "wait_seconds": 60},
            {"contact_ids": [bob.pk], "channels": ["sms"], "wait_seconds": 60},
        ],
    )
    incident = active_incident(workspace, title="Data leak <script>alert(1)</script>")
    now = timezone.now()
    tick_in_process(now)
    run = EscalationRun.objects.get(incident=incident)
    return workspace, run, Delivery.objects.get(run=run), now


def test_ack_link_get_shows_confirm_page_and_does_not_acknowledge(client, running):
    _ws, run, delivery, _now = running
    response = client.get(f"/escalations/ack/{ack_token_make(delivery_id=delivery.pk)}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'method="post"' in body
    assert "<script>alert(1)</script>" not in body  # autoescaped
    assert "&lt;script&gt;" in body
    run.refresh_from_db()
    assert run.status == "active"


def test_ack_link_post_acknowledges_and_stops_further_tiers(client, running, http_server):
    _ws, run, delivery, now = running
    url = f"/escalations/ack/{ack_token_make(delivery_id=delivery.pk)}/"
    response = client.post(url)
    assert response.status_code == 200
    run.refresh_from_db()
    assert run.status == "acknowledged"
    assert run.next_deadline is None
    assert run.acknowledged_by_name == "Anna de Vries"
    assert run.acknowledged_via == "sms link"
    event = IncidentEvent.objects.get(incident=run.incident, kind="acknowledgement")
    assert "Anna de Vries" in event.summary
    assert event.data["via"] == "sms link"
    tick_in_process(now + timedelta(seconds=120))
    assert [b["to"] for b in http_server.bodies("/sms")] == ["+31612345678"]  # no tier 2
    again = client.post(url)
    assert again.status_code == 200
    assert "no longer running" in again.content.decode()


def test_tampered_ack_link_is_400(client, running):
    _ws, _run, delivery, _now = running
    token = ack_token_make(delivery_id=delivery.pk)
    response = client.get(f"/escalations/ack/{token[:-2]}xx/")
    assert response.status_code == 400
    assert client.post(f"/escalations/ack/{token[:-2]}xx/").status_code == 400
    assert client.get("/escalations/ack/garbage/").status_code == 400
    assert EscalationRun.objects.get().status == "active"


def test_expired_ack_link_is_410(client, running, settings):
    _ws, _run, delivery, _now = running
    token = ack_token_make(delivery_id=delivery.pk)
    settings.ESCALATION_ACK_MAX_AGE = -1
    response = client.post(f"/escalations/ack/{token}/")
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert EscalationRun.objects.get().status == "active"


@pytest.mark.parametrize("role", ["admin", "crisis_team", "communications"])
def test_ack_api_allowed_for_every_member_role(running, make_member, api_client_for, role):
    workspace, run, _d, _now = running
    user = make_member(workspace, role=role)
    response = api_client_for(user).post(
        f"/api/escalations/{run.pk}/acknowledge/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    assert response.json()["acknowledged_via"] == "app"
    assert response.json()["acknowledged_via_text"] == "the app"
    event = IncidentEvent.objects.get(kind="acknowledgement")
    assert event.actor == user


def test_ack_api_non_member_404_anonymous_401_twice_409(running, make_member, api_client_for):
    workspace, run, _d, _now = running
    stranger = make_member()  # member of another workspace
    url = f"/api/escalations/{run.pk}/acknowledge/"
    assert api_client_for(stranger).post(url).status_code == 404
    assert api_client_for(None).post(url).status_code in (401, 403)
    member = make_member(workspace)
    assert api_client_for(member).post(url).status_code == 200
    second = api_client_for(member).post(url)
    assert second.status_code == 409
    assert "no longer running" in second.json()["detail"]


def test_escalations_api_lists_with_deliveries_scoped(running, make_member, api_client_for):
    workspace, run, _d, _now = running
    member = make_member(workspace, role="communications")
    data = api_client_for(member).get(f"/api/escalations/?workspace={workspace.slug}&status=active")
    assert data.status_code == 200
    [item] = data.json()["results"]
    assert item["id"] == run.pk
    assert item["tier"] == 1
    assert item["tiers"] == 2
    assert item["deliveries"][0]["status"] == "sent"
    other = make_member()
    assert api_client_for(other).get(f"/api/escalations/{run.pk}/").status_code == 404
    assert api_client_for(other).get("/api/escalations/").json()["results"] == []


def test_escalations_page_lists_active_and_acknowledges(client, running, make_member):
    workspace, run, _d, _now = running
    member = make_member(workspace, role="crisis_team")
    client.force_login(member)
    page = client.get(f"/w/{workspace.slug}/escalations/")
    assert page.status_code == 200
    assert f"/w/{workspace.slug}/escalations/{run.pk}/acknowledge/" in page.content.decode()
    response = client.post(f"/w/{workspace.slug}/escalations/{run.pk}/acknowledge/", follow=True)
    assert response.status_code == 200
    run.refresh_from_db()
    assert run.status == "acknowledged"
    assert run.acknowledged_by == member
    stranger = make_member()
    client.force_login(stranger)
    assert client.get(f"/w/{workspace.slug}/escalations/").status_code == 404
