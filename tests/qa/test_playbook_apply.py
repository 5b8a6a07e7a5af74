"""An incident opened by triage (no playbook) can start a scenario playbook afterwards."""

import pytest

from incidents import services
from incidents.models import IncidentEvent
from playbooks.services import playbooks_install_defaults

pytestmark = pytest.mark.django_db


@pytest.fixture
def bare(crew):
    """An incident without a playbook, as triage opens one."""
    return services.incident_create(
        workspace=crew.workspace, by=crew.team, new=services.IncidentNew(title="Burst", severity=3)
    )


def test_start_playbook_on_incident_without_one(crew, bare, api_client_for, client):
    page = client
    page.force_login(crew.team)
    client = api_client_for(crew.team)
    assert 'id="playbook-form"' in page.get(f"/incidents/{bare.pk}/").content.decode()
    assert 'id="playbook-form"' not in page.get(f"/incidents/{crew.incident.pk}/").content.decode()

    response = client.post(
        f"/api/incidents/{bare.pk}/playbook/", {"scenario": "viral_complaint", "language": "en"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["scenario"] == "viral_complaint"
    tasks = client.get(f"/api/incidents/{bare.pk}/tasks/").json()
    assert len(tasks) > 3
    bare.refresh_from_db()
    assert min(t.due_at for t in bare.tasks.all()) >= bare.opened_at
    assert bare.events.filter(kind=IncidentEvent.Kind.TASK, data__action="playbook").count() == 1

    again = client.post(f"/api/incidents/{bare.pk}/playbook/", {"scenario": "data_leak"})
    assert again.status_code == 400
    assert bare.tasks.count() == len(tasks)


def test_start_playbook_unhappy_paths(crew, bare, api_client_for):
    url = f"/api/incidents/{bare.pk}/playbook/"
    assert api_client_for(crew.comms).post(url, {"scenario": "data_leak"}).status_code == 403
    assert api_client_for(crew.outsider).post(url, {"scenario": "data_leak"}).status_code == 404
    bad = api_client_for(crew.team).post(url, {"scenario": "alien_invasion"})
    assert bad.status_code == 400
    assert "scenario" in bad.content.decode()
    assert bare.tasks.count() == 0


def test_start_playbook_installs_defaults_when_workspace_has_none(crew, bare, api_client_for):
    from playbooks.models import Playbook

    Playbook.objects.filter(workspace=crew.workspace).delete()
    response = api_client_for(crew.admin).post(
        f"/api/incidents/{bare.pk}/playbook/", {"scenario": "data_leak", "language": "nl"}
    )
    assert response.status_code == 200
    assert bare.tasks.count() > 0
    playbooks_install_defaults(workspace=crew.workspace)  # idempotent afterwards
