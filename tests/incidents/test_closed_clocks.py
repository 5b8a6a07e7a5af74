"""A resolved or reviewed incident's clocks stop: no overdue tasks, the page shows the final
state of the first public reaction."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from incidents import services
from incidents.models import Incident, IncidentTask
from incidents.selectors import incident_alert_and_overdue_counts, incident_list

pytestmark = pytest.mark.django_db


def _task_overdue(crew) -> IncidentTask:
    task = crew.incident.tasks.order_by("position").first()
    IncidentTask.objects.filter(pk=task.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    return task


def _overdue_in_api(api_client_for, crew) -> tuple[int, list[bool]]:
    client = api_client_for(crew.team)
    incident = client.get(f"/api/incidents/{crew.incident.pk}/").json()
    tasks = client.get(f"/api/incidents/{crew.incident.pk}/tasks/").json()
    return incident["overdue_tasks"], [t["is_overdue"] for t in tasks]


@pytest.mark.parametrize("status", ["resolved", "reviewed"])
def test_overdue_tasks_stop_counting_once_the_incident_is_closed(crew, api_client_for, status):
    _task_overdue(crew)
    count, flags = _overdue_in_api(api_client_for, crew)
    assert count == 1
    assert flags.count(True) == 1
    assert incident_alert_and_overdue_counts(incident=crew.incident)[1] == 1
    Incident.objects.filter(pk=crew.incident.pk).update(status=status)
    count, flags = _overdue_in_api(api_client_for, crew)
    assert count == 0
    assert not any(flags)
    assert incident_alert_and_overdue_counts(incident=crew.incident)[1] == 0
    assert incident_list(user=crew.team).get(pk=crew.incident.pk).overdue_tasks == 0


def test_reopened_incident_counts_overdue_tasks_again(crew, api_client_for):
    _task_overdue(crew)
    services.incident_transition(incident=crew.incident, to="resolved", by=crew.team)
    assert _overdue_in_api(api_client_for, crew)[0] == 0
    services.incident_transition(incident=crew.incident, to="active", by=crew.team)
    assert _overdue_in_api(api_client_for, crew)[0] == 1


def test_task_update_on_a_resolved_incident_answers_not_overdue(crew, api_client_for):
    task = _task_overdue(crew)
    services.incident_transition(incident=crew.incident, to="resolved", by=crew.team)
    response = api_client_for(crew.team).post(
        f"/api/incidents/{crew.incident.pk}/tasks/{task.pk}/complete/"
    )
    assert response.status_code == 200
    assert response.json()["is_overdue"] is False


def test_incident_page_carries_the_clock_start_and_final_state_texts(client: Client, crew):
    client.force_login(crew.team)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/incidents/{crew.incident.pk}/").content.decode()
    assert f'data-discovered="{crew.incident.discovered_at.isoformat()}"' in page
    assert 'data-str-no-reaction="Closed without a recorded public reaction"' in page
    assert 'data-str-took="%(duration)s after discovery"' in page
