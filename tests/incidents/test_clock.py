"""The response clock: persisted deadline, breach once (real task, real DB), stops on a
published statement or a recorded first reaction."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.exceptions import ResponseAlreadyRecorded
from incidents.models import Incident, IncidentEvent
from incidents.tasks import check_response_clocks
from monitoring.models import Alert

pytestmark = pytest.mark.django_db(transaction=True)


def _overdue(incident: Incident, minutes: int = 5) -> None:
    Incident.objects.filter(pk=incident.pk).update(
        response_due_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_response_due_defaults_to_an_hour_after_discovery(crew):
    incident = Incident.objects.get(pk=crew.incident.pk)
    assert incident.response_due_at == incident.opened_at + timedelta(minutes=60)


def test_check_response_clocks_records_breach_once_and_raises_an_alert(crew):
    _overdue(crew.incident)
    assert check_response_clocks.apply().result == 1
    assert check_response_clocks.apply().result == 0  # idempotent: recorded once
    incident = Incident.objects.get(pk=crew.incident.pk)
    assert incident.response_breached_at is not None
    breaches = incident.events.filter(kind=IncidentEvent.Kind.CLOCK, data__action="breached")
    assert breaches.count() == 1
    alert = Alert.objects.get(rule_kind=Alert.Kind.RESPONSE_CLOCK)
    assert alert.workspace_id == crew.workspace.pk
    assert incident.alerts.filter(pk=alert.pk).exists()
    assert alert.details["incident_id"] == incident.pk
    assert "Datalek" in alert.explanation


def test_check_response_clocks_skips_incidents_not_due_reacted_or_closed(crew):
    assert check_response_clocks.apply().result == 0  # due in an hour
    services.incident_response_record(
        incident=crew.incident, by=crew.team, url="https://x.com/banknoord/status/1"
    )
    _overdue(crew.incident)
    assert check_response_clocks.apply().result == 0
    other = services.incident_create(
        workspace=crew.workspace, by=crew.team, new=services.IncidentNew(title="Closed")
    )
    services.incident_transition(incident=other, to="resolved", by=crew.team)
    _overdue(other)
    assert check_response_clocks.apply().result == 0
    assert not Alert.objects.filter(rule_kind=Alert.Kind.RESPONSE_CLOCK).exists()


def test_published_statement_event_stops_the_clock_and_only_the_first_counts(crew):
    first = services.incident_event_record(
        incident=crew.incident, kind="statement", summary="Statement published",
        data={"action": "published", "statement_id": 7},
    )  # fmt: skip
    services.incident_event_record(
        incident=crew.incident, kind="statement", summary="Second one",
        data={"action": "published", "statement_id": 8},
    )  # fmt: skip
    incident = Incident.objects.get(pk=crew.incident.pk)
    assert incident.response_at == first.at
    _overdue(incident)
    assert check_response_clocks.apply().result == 0


def test_statement_event_without_published_action_does_not_stop_the_clock(crew):
    services.incident_event_record(
        incident=crew.incident, kind="statement", summary="Draft", data={"action": "drafted"}
    )
    assert Incident.objects.get(pk=crew.incident.pk).response_at is None


def test_first_reaction_recorded_by_hand_once(crew):
    at = timezone.now() - timedelta(minutes=3)
    Incident.objects.filter(pk=crew.incident.pk).update(opened_at=at - timedelta(minutes=5))
    services.incident_response_record(
        incident=crew.incident, by=crew.team, url="https://x.com/a/status/2", at=at
    )
    incident = Incident.objects.get(pk=crew.incident.pk)
    assert incident.response_at == at
    assert incident.response_url == "https://x.com/a/status/2"
    with pytest.raises(ResponseAlreadyRecorded):
        services.incident_response_record(incident=incident, by=crew.team, url="https://a.b/")


def test_check_response_clocks_pushes_tasks_that_just_turned_overdue(crew):
    from incidents.models import IncidentTask
    from incidents.services import incidents_announce_overdue_tasks

    now = timezone.now()
    task = crew.incident.tasks.order_by("position").first()
    IncidentTask.objects.filter(pk=task.pk).update(due_at=now - timedelta(seconds=10))
    assert incidents_announce_overdue_tasks(since=now - timedelta(seconds=60), now=now) == [
        crew.incident.pk
    ]
    # Long overdue or done tasks are not announced again.
    assert incidents_announce_overdue_tasks(since=now, now=now + timedelta(seconds=30)) == []
    services.incident_task_complete(task=task, by=crew.team)
    assert incidents_announce_overdue_tasks(since=now - timedelta(seconds=60), now=now) == []
    assert check_response_clocks.apply().result == 0
