"""A reopened incident escalates again; a run never starts for an incident that closed after
the tick read it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation import services
from escalation.models import EscalationRun
from escalation.services import runs
from incidents.models import Incident, IncidentEvent
from tests.escalation.helpers import tick_in_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_workspace, make_contact, make_protocol, http_server):
    workspace = make_workspace()
    anna = make_contact(workspace)
    bob = make_contact(workspace, name="Bob Jansen", email="bob@example.org", phone="+31687654321")
    make_protocol(
        workspace,
        [{"contact_ids": [anna.pk], "channels": ["sms"], "wait_seconds": 60},
         {"contact_ids": [bob.pk], "channels": ["sms"], "wait_seconds": 60}],
    )  # fmt: skip
    return workspace


def _sms_to(http_server) -> list[str]:
    return [body["to"] for body in http_server.bodies("/sms")]


def test_reopening_a_resolved_incident_pages_tier_one_again(
    setup, active_incident, http_server, make_member, api_client_for, monkeypatch
):
    incident = active_incident(setup)
    now = timezone.now()
    tick_in_process(now)
    tick_in_process(now + timedelta(seconds=61))  # tier 2 (Bob) alerted
    assert _sms_to(http_server) == ["+31612345678", "+31687654321"]
    lead = api_client_for(make_member(setup, role="crisis_team"))
    response = lead.post(f"/api/incidents/{incident.pk}/transition/", {"status": "resolved"})
    assert response.status_code == 200, response.content
    published = []
    monkeypatch.setattr(
        runs, "publish_on_commit", lambda *, workspace_id, event: published.append(event)
    )
    response = lead.post(f"/api/incidents/{incident.pk}/transition/", {"status": "active"})
    assert response.status_code == 200, response.content

    first, again = EscalationRun.objects.filter(incident=incident).order_by("id")
    assert first.status == "cancelled"
    assert (again.status, again.tier_index, again.round) == ("active", 0, 0)
    assert [(e.type, e.id, e.tier) for e in published] == [("escalation.updated", again.pk, 1)]
    event = IncidentEvent.objects.filter(incident=incident, kind="escalation").last()
    assert event.summary.startswith("Escalation restarted: the incident is open again; tier 1")
    assert "Anna de Vries" in event.summary
    tick_in_process(timezone.now())
    assert _sms_to(http_server)[2:] == ["+31612345678"]  # tier 1 paged again, once
    tick_in_process(timezone.now() + timedelta(seconds=61))
    assert _sms_to(http_server)[3:] == ["+31687654321"]  # and it escalates on
    # Resolved and reopened once more: one more run, never two active ones.
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.RESOLVED)
    incident.refresh_from_db()
    services.escalation_runs_cancel_for_closed_incident(incident=incident, now=timezone.now())
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.ACTIVE)
    incident.refresh_from_db()
    assert len(services.escalation_runs_resume_for_reopened_incident(
        incident=incident, now=timezone.now()
    )) == 1  # fmt: skip
    assert services.escalation_runs_resume_for_reopened_incident(
        incident=incident, now=timezone.now()
    ) == []  # fmt: skip
    assert EscalationRun.objects.filter(incident=incident, status="active").count() == 1


def test_resume_leaves_acknowledged_runs_and_open_moves_alone(setup, active_incident):
    incident = active_incident(setup)
    [run_id] = services.escalation_runs_start_due(now=timezone.now())
    # Active → monitoring: the run is active, nothing restarts.
    assert services.escalation_runs_resume_for_reopened_incident(
        incident=incident, now=timezone.now()
    ) == []  # fmt: skip
    services.escalation_acknowledge(
        run=EscalationRun.objects.get(pk=run_id), user=None, name="Anna", via="app"
    )
    assert services.escalation_runs_resume_for_reopened_incident(
        incident=incident, now=timezone.now()
    ) == []  # fmt: skip
    assert EscalationRun.objects.filter(incident=incident).count() == 1


def test_start_due_skips_an_incident_resolved_after_it_was_read(
    setup, active_incident, http_server, monkeypatch
):
    incident = active_incident(setup)
    pick = runs._protocol_for

    def resolve_meanwhile(read, protocols):
        # The tick has read the incident as active; a resolve commits before it locks it.
        Incident.objects.filter(pk=read.pk).update(status=Incident.Status.RESOLVED)
        return pick(read, protocols)

    monkeypatch.setattr(runs, "_protocol_for", resolve_meanwhile)
    assert services.escalation_runs_start_due(now=timezone.now()) == []
    assert not EscalationRun.objects.filter(incident=incident).exists()
    assert http_server.bodies("/sms") == []
