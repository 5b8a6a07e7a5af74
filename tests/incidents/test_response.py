"""The first public reaction recorded by hand: plausible times only, correctable with a
timeline event."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from incidents.models import Incident, IncidentEvent

pytestmark = pytest.mark.django_db
URL = "https://e.org/x"


def _post(api_client_for, user, incident, body):
    client = api_client_for(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client.post(f"/api/incidents/{incident.pk}/response/", body, format="json")


def _opened_ago(incident, minutes: int) -> Incident:
    Incident.objects.filter(pk=incident.pk).update(
        opened_at=timezone.now() - timedelta(minutes=minutes)
    )
    return Incident.objects.get(pk=incident.pk)


@pytest.mark.parametrize("status", ["active", "resolved"])
def test_response_before_discovery_is_a_400_naming_the_field(crew, api_client_for, status):
    Incident.objects.filter(pk=crew.incident.pk).update(status=status)
    response = _post(
        api_client_for, crew.team, crew.incident, {"url": URL, "at": "0001-01-01T00:00:00Z"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["at"] == [body["detail"]]
    assert "before the incident was discovered" in body["detail"]
    assert Incident.objects.get(pk=crew.incident.pk).response_at is None


def test_response_before_first_alert_is_refused_when_the_alert_came_first(crew, api_client_for):
    incident = _opened_ago(crew.incident, 10)
    Incident.objects.filter(pk=incident.pk).update(
        first_alert_at=incident.opened_at - timedelta(hours=1)
    )
    early = incident.opened_at - timedelta(minutes=90)
    assert (
        _post(
            api_client_for, crew.team, incident, {"url": URL, "at": early.isoformat()}
        ).status_code
        == 400
    )
    ok = incident.opened_at - timedelta(minutes=30)  # after the first alert, before opening
    assert (
        _post(api_client_for, crew.team, incident, {"url": URL, "at": ok.isoformat()}).status_code
        == 200
    )


def test_response_in_the_future_is_a_400(crew, api_client_for):
    later = timezone.now() + timedelta(minutes=10)
    response = _post(
        api_client_for, crew.team, crew.incident, {"url": URL, "at": later.isoformat()}
    )
    assert response.status_code == 400
    assert response.json()["at"] == ["The reaction time cannot be in the future."]


def test_response_a_few_seconds_ahead_is_clock_skew(crew, api_client_for):
    ahead = timezone.now() + timedelta(seconds=20)
    response = _post(
        api_client_for, crew.team, crew.incident, {"url": URL, "at": ahead.isoformat()}
    )
    assert response.status_code == 200


def test_response_correction_replaces_it_with_a_timeline_event(crew, api_client_for):
    incident = _opened_ago(crew.incident, 60)
    first = timezone.now() - timedelta(minutes=5)
    assert (
        _post(
            api_client_for, crew.team, incident, {"url": URL, "at": first.isoformat()}
        ).status_code
        == 200
    )
    again = _post(api_client_for, crew.team, incident, {"url": "https://e.org/y"})
    assert again.status_code == 409
    assert again.json()["code"] == "already_recorded"
    fixed = timezone.now() - timedelta(minutes=40)
    response = _post(
        api_client_for, crew.admin, incident,
        {"url": "https://e.org/y", "at": fixed.isoformat(), "correct": True},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["response_url"] == "https://e.org/y"
    incident.refresh_from_db()
    assert incident.response_at == fixed
    event = incident.events.filter(kind=IncidentEvent.Kind.CLOCK).order_by("-id").first()
    assert event.data["action"] == "reaction_corrected"
    assert event.data["previous_url"] == URL
    assert event.data["previous_at"] == first.isoformat()
    assert "corrected" in event.summary


def test_response_correction_refuses_impossible_times_and_other_roles(crew, api_client_for):
    incident = _opened_ago(crew.incident, 60)
    assert _post(api_client_for, crew.team, incident, {"url": URL}).status_code == 200
    bad = {"url": URL, "at": "0001-01-01T00:00:00Z", "correct": True}
    assert _post(api_client_for, crew.team, incident, bad).status_code == 400
    good = {"url": URL, "at": (timezone.now() - timedelta(minutes=9)).isoformat(), "correct": True}
    assert _post(api_client_for, crew.comms, incident, good).status_code == 403
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.REVIEWED)
    assert _post(api_client_for, crew.team, incident, good).status_code == 409


def test_incident_page_offers_the_correction_once_recorded(crew, api_client_for):
    client = Client()
    client.force_login(crew.team)
    page = client.get(f"/incidents/{crew.incident.pk}/").content.decode()
    assert 'data-correct="1"' not in page
    _post(api_client_for, crew.team, crew.incident, {"url": URL})
    page = client.get(f"/incidents/{crew.incident.pk}/").content.decode()
    assert 'id="response-form" class="inline-form" data-correct="1"' in page
    assert f'value="{URL}"' in page
