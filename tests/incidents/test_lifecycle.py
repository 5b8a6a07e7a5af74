from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.exceptions import IncidentFinal, IncidentInputInvalid, IncidentTransitionInvalid
from incidents.models import Incident, IncidentEvent
from tests import factories

pytestmark = pytest.mark.django_db


def test_incident_create_from_scenario_instantiates_tasks_with_due_times(crew):
    incident = crew.incident
    tasks = list(incident.tasks.order_by("position"))
    assert len(tasks) == 12  # six steps, two tasks each in the shipped data-leak playbook
    assert incident.playbook.language == "nl"
    assert incident.status == Incident.Status.ACTIVE
    ap = next(t for t in tasks if "Autoriteit Persoonsgegevens" in t.title)
    assert ap.owner_role == "privacy"
    assert ap.due_at == incident.opened_at + timedelta(hours=72)
    assert all(item["done"] is False for item in ap.checklist)
    opened = incident.events.get()
    assert opened.kind == IncidentEvent.Kind.STATUS
    assert opened.actor == crew.team
    assert opened.data["tasks"] == 12


def test_incident_create_installs_defaults_for_a_workspace_without_playbooks():
    user = factories.MembershipFactory().user
    workspace = user.memberships.get().workspace
    incident = services.incident_create(
        workspace=workspace,
        by=user,
        new=services.IncidentNew(title="Viral", scenario="viral_complaint", language="en"),
    )
    assert incident.playbook.title == "Customer complaint going viral"
    assert incident.tasks.count() == 12


@pytest.mark.parametrize(
    ("path", "final", "stamp"),
    [
        (["monitoring"], "monitoring", "monitoring_at"),
        (["resolved"], "resolved", "resolved_at"),
        (["monitoring", "active", "resolved", "reviewed"], "reviewed", "reviewed_at"),
    ],
)
def test_incident_transition_allowed_paths_are_stamped_and_on_the_timeline(
    crew, path, final, stamp
):
    for status in path:
        if status == "reviewed":  # reviewing needs an evaluation with a summary
            services.incident_evaluation_save(
                incident=crew.incident, by=crew.team, data=services.EvaluationInput("Contained")
            )
        services.incident_transition(incident=crew.incident, to=status, by=crew.team)
    incident = Incident.objects.get(pk=crew.incident.pk)
    assert incident.status == final
    assert getattr(incident, stamp) is not None
    moves = incident.events.filter(kind=IncidentEvent.Kind.STATUS, data__has_key="from")
    assert [e.data["to"] for e in moves.order_by("id")] == path
    assert all(e.actor == crew.team for e in moves)


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("active", "triage"),
        ("active", "reviewed"),
        ("triage", "monitoring"),
    ],
)
def test_incident_transition_refuses_moves_not_allowed(crew, start, to):
    Incident.objects.filter(pk=crew.incident.pk).update(status=start)
    before = IncidentEvent.objects.count()
    with pytest.raises(IncidentTransitionInvalid):
        services.incident_transition(incident=crew.incident, to=to, by=crew.team)
    assert Incident.objects.get(pk=crew.incident.pk).status == start
    assert IncidentEvent.objects.count() == before


@pytest.mark.parametrize("to", ["active", "resolved"])
def test_incident_transition_out_of_reviewed_is_final(crew, to):
    Incident.objects.filter(pk=crew.incident.pk).update(status="reviewed")
    before = IncidentEvent.objects.count()
    with pytest.raises(IncidentFinal):
        services.incident_transition(incident=crew.incident, to=to, by=crew.team)
    assert Incident.objects.get(pk=crew.incident.pk).status == "reviewed"
    assert IncidentEvent.objects.count() == before


def test_commander_must_be_member_and_change_is_recorded(crew):
    with pytest.raises(IncidentInputInvalid):
        services.incident_commander_set(
            incident=crew.incident, by=crew.team, commander_id=crew.outsider.pk
        )
    services.incident_commander_set(
        incident=crew.incident, by=crew.team, commander_id=crew.comms.pk
    )
    assert Incident.objects.get(pk=crew.incident.pk).commander == crew.comms
    assert crew.incident.events.filter(kind=IncidentEvent.Kind.COMMANDER).count() == 1


def test_mentions_attach_refuses_other_workspace_and_detach_only_attached(crew):
    mine = factories.MentionFactory(workspace=crew.workspace)
    theirs = factories.MentionFactory(workspace=crew.other)
    with pytest.raises(IncidentInputInvalid) as exc:
        services.incident_mentions_attach(
            incident=crew.incident, by=crew.team, mention_ids=[mine.pk, theirs.pk]
        )
    assert exc.value.extra == {"mention_ids": [theirs.pk]}
    assert crew.incident.mentions.count() == 0
    assert services.incident_mentions_attach(
        incident=crew.incident, by=crew.team, mention_ids=[mine.pk]
    ) == [mine.pk]
    # Attaching twice is idempotent: nothing new, no second timeline entry.
    assert (
        services.incident_mentions_attach(
            incident=crew.incident, by=crew.team, mention_ids=[mine.pk]
        )
        == []
    )
    assert crew.incident.events.filter(kind=IncidentEvent.Kind.MENTION).count() == 1
    other = factories.MentionFactory(workspace=crew.workspace)
    with pytest.raises(IncidentInputInvalid):
        services.incident_mentions_detach(
            incident=crew.incident, by=crew.team, mention_ids=[other.pk]
        )
    services.incident_mentions_detach(incident=crew.incident, by=crew.team, mention_ids=[mine.pk])
    assert crew.incident.mentions.count() == 0
    kinds = list(crew.incident.events.filter(kind="mention").values_list("data__action", flat=True))
    assert sorted(kinds) == ["attached", "detached"]


def test_severity_set_by_people_moves_response_deadline(crew):
    from incidents.services import response_clock_policy_set

    response_clock_policy_set(workspace_id=crew.workspace.pk, minutes={1: 240, 3: 30})
    incident = Incident.objects.get(pk=crew.incident.pk)
    assert incident.response_due_at == incident.opened_at + timedelta(minutes=30)
    services.incident_update(incident=incident, by=crew.team, severity=1)
    incident.refresh_from_db()
    assert incident.severity == 1
    assert incident.response_due_at == incident.opened_at + timedelta(minutes=240)
    assert incident.events.filter(kind=IncidentEvent.Kind.UPDATE).count() == 1


def test_triage_crisis_records_triage_and_alert_events_on_the_timeline(crew):
    alert = factories.AlertFactory(workspace=crew.other, created_at=timezone.now())
    user = factories.MembershipFactory(workspace=crew.other).user
    services.alert_triage(alert=alert, by=user, decision="crisis")
    incident = Incident.objects.get(workspace=crew.other)
    assert incident.active_at is not None
    assert list(incident.events.values_list("kind", flat=True)) == ["triage"]
    second = factories.AlertFactory(workspace=crew.other)
    services.alerts_route(alert_ids=[second.pk])
    assert incident.events.filter(kind="alert", data__alert_id=second.pk).exists()
