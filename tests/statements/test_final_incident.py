"""A reviewed incident is final: no statement of it is written, moved or published (409)."""

import pytest
from django.test import Client
from django.utils import timezone

from incidents.models import Incident, IncidentEvent
from statements.models import Publication, Statement, StatementVersion
from tests.statements.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def session_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _review(incident: Incident) -> None:
    now = timezone.now()
    Incident.objects.filter(pk=incident.pk).update(
        status=Incident.Status.REVIEWED, resolved_at=now, reviewed_at=now
    )


def _in_status(make_statement, status: str) -> Statement:
    statement = make_statement()
    Statement.objects.filter(pk=statement.pk).update(
        status=status, approved_texts={"website": "Tekst"} if status == "approved" else {}
    )
    return statement


def test_statement_create_on_reviewed_incident_is_409(api_client_for, incident, comms):
    _review(incident)
    response = api_client_for(comms).post(
        "/api/statements/",
        {"incident": incident.pk, "title": "Na afloop", "language": "nl",
         "variants": {"website": "Tekst"}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 409
    assert "reviewed" in response.json()["detail"]
    assert not Statement.objects.filter(incident=incident).exists()


@pytest.mark.parametrize(
    ("status", "action", "body"),
    [
        ("draft", "submit", {}),
        ("in_review", "approve", {"password": PASSWORD}),
        ("in_review", "reject", {"reason": "Te laat"}),
        ("approved", "publish", {}),
        ("approved", "mark-published", {"channel": "website", "url": "https://e.org/x"}),
    ],
)
def test_statement_steps_on_reviewed_incident_are_409(
    make_statement, incident, comms2, status, action, body
):
    statement = _in_status(make_statement, status)
    _review(incident)
    events = IncidentEvent.objects.filter(incident=incident).count()
    response = session_client(comms2).post(
        f"/api/statements/{statement.pk}/{action}/", body, content_type="application/json"
    )
    assert response.status_code == 409
    statement.refresh_from_db()
    assert statement.status == status
    assert IncidentEvent.objects.filter(incident=incident).count() == events
    assert not Publication.objects.filter(statement=statement).exists()
    incident.refresh_from_db()
    assert incident.response_at is None


def test_statement_edit_on_reviewed_incident_is_409(
    api_client_for, make_statement, incident, comms
):
    statement = make_statement()
    _review(incident)
    response = api_client_for(comms).patch(
        f"/api/statements/{statement.pk}/", {"title": "Nieuw"}, format="json"
    )
    assert response.status_code == 409
    statement.refresh_from_db()
    assert statement.title != "Nieuw"
    assert StatementVersion.objects.filter(statement=statement).count() == 1


def test_statement_steps_on_resolved_incident_still_work(api_client_for, make_statement, comms):
    statement = make_statement()
    Incident.objects.filter(pk=statement.incident_id).update(status=Incident.Status.RESOLVED)
    response = api_client_for(comms).post(f"/api/statements/{statement.pk}/submit/")
    assert response.status_code == 200
