"""Triage: crisis opens or joins an incident, monitor re-alerts on growth, dismissed needs a
reason; roles and workspaces are enforced; every decision is recorded."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Incident, IncidentEvent, IncidentTask, TriageDecision
from incidents.selectors import incident_alert_and_overdue_counts
from incidents.services import alerts_route, incident_publish
from monitoring.models import Alert
from monitoring.services.rules import alert_raise
from tests.factories import AlertFactory, IncidentFactory, MentionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha(make_workspace):
    return make_workspace(slug="alpha")


@pytest.fixture
def alert(alpha):
    mentions = [
        MentionFactory(workspace=alpha, posted_at=timezone.now() - timedelta(minutes=m))
        for m in (9, 5, 1)
    ]
    return AlertFactory(
        workspace=alpha,
        severity=2,
        mention_ids=[m.pk for m in mentions],
        created_at=timezone.now() - timedelta(minutes=1),
    )


def _triage(client, alert_id: int, **payload):
    return client.post(f"/api/alerts/{alert_id}/triage/", payload, format="json")


def test_triage_crisis_opens_incident_with_clocks(alpha, alert, make_member, api_client_for):
    user = make_member(alpha, role="crisis_team")
    response = _triage(api_client_for(user), alert.pk, decision="crisis", title="App down")
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(workspace=alpha)
    assert incident.title == "App down"
    assert incident.status == Incident.Status.ACTIVE
    assert list(incident.alerts.all()) == [alert]
    assert incident.first_alert_at == alert.created_at
    assert incident.time_to_detect > timedelta(minutes=7)  # first mention 9 min ago
    assert incident.time_to_triage >= timedelta(0)
    record = TriageDecision.objects.get()
    assert (record.decision, record.decided_by, record.incident) == ("crisis", user, incident)
    alert.refresh_from_db()
    assert (alert.status, alert.triaged_by) == ("crisis", user)


def test_triage_crisis_can_join_an_open_incident(alpha, alert, make_member, api_client_for):
    incident = IncidentFactory(workspace=alpha, status=Incident.Status.ACTIVE)
    client = api_client_for(make_member(alpha, role="admin"))
    assert _triage(client, alert.pk, decision="crisis", incident=incident.pk).status_code == 201
    assert Incident.objects.count() == 1
    assert list(incident.alerts.all()) == [alert]


def test_triage_dismissed_needs_a_reason(alpha, alert, make_member, api_client_for):
    client = api_client_for(make_member(alpha))
    response = _triage(client, alert.pk, decision="dismissed", reason=" ")
    assert response.status_code == 400
    assert response.json()["detail"]
    ok = _triage(client, alert.pk, decision="dismissed", reason="Vacature-advertentie")
    assert ok.status_code == 201
    assert TriageDecision.objects.get().reason == "Vacature-advertentie"


def test_triage_twice_is_409(alpha, alert, make_member, api_client_for):
    client = api_client_for(make_member(alpha))
    assert _triage(client, alert.pk, decision="dismissed", reason="ruis").status_code == 201
    assert _triage(client, alert.pk, decision="crisis").status_code == 409
    assert TriageDecision.objects.count() == 1


@pytest.mark.parametrize(
    "payload",
    [{"decision": "panic"}, {"decision": "crisis", "severity": 9}, {}],
)
def test_triage_bad_payload_is_400(alpha, alert, make_member, api_client_for, payload):
    client = api_client_for(make_member(alpha))
    assert _triage(client, alert.pk, **payload).status_code == 400


def test_triage_needs_crisis_team_or_admin_role(alpha, alert, make_member, api_client_for):
    client = api_client_for(make_member(alpha, role="communications"))
    assert _triage(client, alert.pk, decision="monitor").status_code == 403
    assert not TriageDecision.objects.exists()


def test_triage_other_workspace_is_404(alert, make_workspace, make_member, api_client_for):
    client = api_client_for(make_member(make_workspace(slug="beta"), role="admin"))
    assert _triage(client, alert.pk, decision="monitor").status_code == 404


def test_triage_join_closed_incident_is_404(alpha, alert, make_member, api_client_for):
    closed = IncidentFactory(workspace=alpha, status=Incident.Status.RESOLVED)
    client = api_client_for(make_member(alpha))
    response = _triage(client, alert.pk, decision="crisis", incident=closed.pk)
    assert response.status_code == 404


def test_monitored_alert_re_alerts_only_when_it_grows(alpha, alert, make_member, api_client_for):
    alert.details = {"observed": 10, "threshold": 5, "window_minutes": 5}
    alert.save()
    _triage(api_client_for(make_member(alpha)), alert.pk, decision="monitor")
    now = timezone.now()
    same = alert_raise(
        workspace_id=alpha.pk, rule=None, kind=alert.rule_kind,
        details={"observed": 12, "threshold": 5, "window_minutes": 5}, mention_ids=[], now=now,
    )  # fmt: skip
    assert not same.created
    alert.refresh_from_db()
    assert (alert.status, alert.occurrences) == ("monitor", 2)
    grown = alert_raise(
        workspace_id=alpha.pk, rule=None, kind=alert.rule_kind,
        details={"observed": 16, "threshold": 5, "window_minutes": 5}, mention_ids=[], now=now,
    )  # fmt: skip
    assert grown.alert.pk == alert.pk
    alert.refresh_from_db()
    assert alert.status == "new"  # back in the triage queue


def test_alerts_route_attaches_new_alert_to_open_incident(alpha, alert):
    incident = IncidentFactory(workspace=alpha, status=Incident.Status.ACTIVE, severity=1)
    alerts_route(alert_ids=[alert.pk])
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ATTACHED
    assert list(incident.alerts.all()) == [alert]
    incident.refresh_from_db()
    assert incident.first_mention_at is not None
    alerts_route(alert_ids=[alert.pk])  # idempotent
    assert incident.alerts.count() == 1


def test_alerts_route_leaves_alert_in_queue_without_open_incident(alpha, alert):
    IncidentFactory(workspace=alpha, status=Incident.Status.RESOLVED)
    alerts_route(alert_ids=[alert.pk])
    alert.refresh_from_db()
    assert alert.status == Alert.Status.NEW


def _alert_on(workspace, *mentions) -> Alert:
    return AlertFactory(workspace=workspace, mention_ids=[m.pk for m in mentions])


def test_with_several_open_incidents_an_alert_joins_the_related_one_not_the_newest(alpha):
    # The crisis is about watch term 7; a test incident opened by hand later holds nothing.
    crisis = IncidentFactory(
        workspace=alpha,
        status=Incident.Status.ACTIVE,
        opened_at=timezone.now() - timedelta(hours=1),
    )
    crisis.alerts.add(_alert_on(alpha, MentionFactory(workspace=alpha, matched_terms=[7])))
    test = IncidentFactory(workspace=alpha, status=Incident.Status.ACTIVE, severity=1)
    wave = _alert_on(alpha, MentionFactory(workspace=alpha, matched_terms=[7, 9]))
    alerts_route(alert_ids=[wave.pk])
    assert list(crisis.alerts.filter(pk=wave.pk)) == [wave]
    assert not test.alerts.exists()


def test_with_several_open_incidents_a_shared_mention_outweighs_shared_terms(alpha):
    shared = MentionFactory(workspace=alpha, matched_terms=[3])
    by_term = IncidentFactory(workspace=alpha, status=Incident.Status.ACTIVE)
    by_term.alerts.add(_alert_on(alpha, MentionFactory(workspace=alpha, matched_terms=[3, 4])))
    by_mention = IncidentFactory(
        workspace=alpha,
        status=Incident.Status.ACTIVE,
        opened_at=timezone.now() - timedelta(hours=2),
    )
    by_mention.mentions.add(shared)
    alert = _alert_on(alpha, shared, MentionFactory(workspace=alpha, matched_terms=[4]))
    alerts_route(alert_ids=[alert.pk])
    assert by_mention.alerts.filter(pk=alert.pk).exists()
    assert not by_term.alerts.filter(pk=alert.pk).exists()


def test_with_several_open_incidents_an_unrelated_alert_goes_to_the_triage_queue(alpha):
    for _ in range(2):
        incident = IncidentFactory(workspace=alpha, status=Incident.Status.ACTIVE)
        incident.alerts.add(_alert_on(alpha, MentionFactory(workspace=alpha, matched_terms=[1])))
    other = _alert_on(alpha, MentionFactory(workspace=alpha, matched_terms=[2]))
    assert alerts_route(alert_ids=[other.pk]) == []
    other.refresh_from_db()
    assert other.status == Alert.Status.NEW
    assert not other.incidents.exists()


def test_with_several_open_incidents_a_term_they_all_have_relates_to_none(alpha):
    # Every mention matches the brand term 1: it tells the incidents apart no better than none.
    crisis = IncidentFactory(workspace=alpha, status=Incident.Status.ACTIVE)
    crisis.alerts.add(_alert_on(alpha, MentionFactory(workspace=alpha, matched_terms=[1, 7])))
    other = IncidentFactory(workspace=alpha, status=Incident.Status.ACTIVE)
    other.alerts.add(_alert_on(alpha, MentionFactory(workspace=alpha, matched_terms=[1, 8])))
    brand_only = _alert_on(alpha, MentionFactory(workspace=alpha, matched_terms=[1]))
    both = _alert_on(alpha, MentionFactory(workspace=alpha, matched_terms=[1, 7, 8]))  # a tie
    leak = _alert_on(alpha, MentionFactory(workspace=alpha, matched_terms=[1, 7]))
    alerts_route(alert_ids=[brand_only.pk, both.pk, leak.pk])
    assert list(crisis.alerts.filter(pk__in=[brand_only.pk, both.pk, leak.pk])) == [leak]
    assert not other.alerts.filter(pk__in=[brand_only.pk, both.pk, leak.pk]).exists()
    assert set(
        Alert.objects.filter(pk__in=[brand_only.pk, both.pk]).values_list("status", flat=True)
    ) == {Alert.Status.NEW}


def test_incident_severity_rises_as_grouped_alert_grows(alpha, alert):
    from incidents.services import incidents_refresh_open

    incident = IncidentFactory(workspace=alpha, status=Incident.Status.ACTIVE, severity=1)
    incident.alerts.add(alert)
    incidents_refresh_open(workspace_id=alpha.pk)  # settle on the 3 quiet mentions
    settled = Incident.objects.get(pk=incident.pk).severity
    assert settled <= 2
    assert incidents_refresh_open(workspace_id=alpha.pk) == []  # nothing new: no event
    big = [
        MentionFactory(
            workspace=alpha,
            author_followers=3_000_000,
            text="Datalek bij Bank Noord!",
            sentiment_compound=-0.8,
            reposts=5000,
        )
        for _ in range(30)
    ]
    Alert.objects.filter(pk=alert.pk).update(mention_ids=[m.pk for m in big])
    [changed] = incidents_refresh_open(workspace_id=alpha.pk)
    assert changed.pk == incident.pk
    incident.refresh_from_db()
    assert incident.severity >= 3 > settled


def _new_alerts(workspace, count: int) -> list[Alert]:
    return [
        AlertFactory(
            workspace=workspace,
            mention_ids=[MentionFactory(workspace=workspace).pk for _ in range(2)],
        )
        for _ in range(count)
    ]


def test_alerts_route_refreshes_an_incident_once_however_many_alerts_join_it(
    alpha, django_assert_max_num_queries
):
    commander = UserFactory()
    incident = IncidentFactory(workspace=alpha, status=Incident.Status.ACTIVE, commander=commander)
    [first] = _new_alerts(alpha, 1)
    with CaptureQueriesContext(connection) as ctx:
        alerts_route(alert_ids=[first.pk])
    more = _new_alerts(alpha, 8)
    # Only the timeline entry (one row per alert) may cost a query per alert.
    with django_assert_max_num_queries(len(ctx.captured_queries) + len(more) - 1):
        refreshed = alerts_route(alert_ids=[a.pk for a in more])
    assert refreshed == [incident.pk]
    assert set(incident.alerts.values_list("status", flat=True)) == {Alert.Status.ATTACHED}
    assert incident.alerts.count() == 9
    assert incident.events.filter(kind=IncidentEvent.Kind.ALERT).count() == 9
    incident.refresh_from_db()
    assert incident.reach["mentions"] == 18


def test_incident_publish_counts_in_one_query(alpha, django_assert_num_queries):
    incident = IncidentFactory(
        workspace=alpha, status=Incident.Status.ACTIVE, commander=UserFactory()
    )
    incident.alerts.add(*_new_alerts(alpha, 2))
    now = timezone.now()
    for due, done in ((-5, None), (-5, now), (30, None)):  # only the first is overdue
        IncidentTask.objects.create(
            incident=incident, title="Taak", due_at=now + timedelta(minutes=due), done_at=done
        )
    loaded = Incident.objects.select_related("commander").get(pk=incident.pk)
    with django_assert_num_queries(1):
        incident_publish(loaded)
    assert incident_alert_and_overdue_counts(incident=incident) == (2, 1)
    empty = IncidentFactory(workspace=alpha, status=Incident.Status.ACTIVE)
    assert incident_alert_and_overdue_counts(incident=empty) == (0, 0)
