"""The timeline is append-only in the database itself, the admin and the API."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from incidents.models import IncidentEvent
from tests import factories

pytestmark = pytest.mark.django_db


def _refused(sql: str, params: list) -> str:
    with pytest.raises(IntegrityError) as exc, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
    return str(exc.value)


def test_database_refuses_update_and_delete_of_timeline_events(crew):
    event = crew.incident.events.get()
    assert "append-only" in _refused(
        "UPDATE incidents_incidentevent SET summary = %s WHERE id = %s", ["forged", event.pk]
    )
    assert "append-only" in _refused(
        "DELETE FROM incidents_incidentevent WHERE id = %s", [event.pk]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentEvent.objects.filter(pk=event.pk).update(summary="forged")
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentEvent.objects.filter(pk=event.pk).delete()
    assert IncidentEvent.objects.get(pk=event.pk).summary == event.summary


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger test is for PostgreSQL")
def test_postgres_trigger_is_installed():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'incidents_incidentevent'::regclass "
            "AND NOT tgisinternal"
        )
        assert [row[0] for row in cur.fetchall()] == ["incidents_incidentevent_append_only"]


def test_deleting_a_user_keeps_their_events_without_the_actor(crew):
    note = IncidentEvent.objects.create(
        incident=crew.incident, kind="note", summary="x", actor=crew.comms,
        at=crew.incident.opened_at,
    )  # fmt: skip
    crew.comms.delete()
    note.refresh_from_db()
    assert note.actor is None
    assert note.summary == "x"


def test_incident_and_workspace_with_a_timeline_cannot_be_deleted(crew):
    with pytest.raises(ProtectedError):
        crew.incident.delete()
    with pytest.raises(ProtectedError):
        crew.workspace.delete()
    assert IncidentEvent.objects.filter(incident=crew.incident).exists()


def test_admin_timeline_is_read_only(client, crew):
    superuser = factories.UserFactory(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    event = crew.incident.events.get()
    assert client.get("/admin/incidents/incidentevent/").status_code == 200
    change = client.post(
        f"/admin/incidents/incidentevent/{event.pk}/change/", {"summary": "forged"}
    )
    assert change.status_code == 403
    assert client.post(f"/admin/incidents/incidentevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/incidents/incidentevent/add/").status_code == 403
    assert IncidentEvent.objects.get(pk=event.pk).summary == event.summary


def test_timeline_api_has_no_write_methods(api_client_for, crew):
    client = api_client_for(crew.admin)
    url = f"/api/incidents/{crew.incident.pk}/timeline/"
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(url, {}, format="json").status_code == 405
