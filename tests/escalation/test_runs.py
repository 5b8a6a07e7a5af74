"""Runs and timers: start, advance by persisted deadline, repeat, exhaust, cancel; every
channel delivered to a real local SMTP/HTTP server."""

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation import services
from escalation.models import Delivery, EscalationRun
from incidents.models import Incident, IncidentEvent
from tests.escalation.helpers import tick_in_process
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_workspace, make_contact, make_protocol, active_incident, http_server):
    workspace = make_workspace(name="Bank Noord")
    anna = make_contact(
        workspace,
        slack_webhook_url=http_server.url + "/slack",
        slack_member_id="U123",
        teams_webhook_url=http_server.url + "/teams",
    )
    bob = make_contact(workspace, name="Bob Jansen", email="bob@example.org", phone="+31687654321")
    protocol = make_protocol(
        workspace,
        [
            {"contact_ids": [anna.pk], "channels": ["email", "sms", "slack", "teams"],
             "wait_seconds": 60},
            {"contact_ids": [bob.pk], "channels": ["sms"], "wait_seconds": 120},
        ],
    )  # fmt: skip
    return workspace, anna, bob, protocol


def test_tick_starts_run_and_alerts_tier_one_on_every_channel(
    setup, active_incident, smtp_server, http_server
):
    workspace, _anna, _bob, _protocol = setup
    incident = active_incident(workspace, title="Storing <b>app</b> & betalingen", severity=3)
    now = timezone.now()
    tick_in_process(now)

    run = EscalationRun.objects.get(incident=incident)
    assert run.status == "active"
    assert run.tier_index == 0
    assert run.next_deadline == now + timedelta(seconds=60)
    assert sorted(Delivery.objects.filter(run=run).values_list("channel", "status")) == [
        ("email", "sent"), ("slack", "sent"), ("sms", "sent"), ("teams", "sent"),
    ]  # fmt: skip
    [mail] = smtp_server.messages
    assert mail["to"] == ["anna@example.org"]
    assert "Storing <b>app</b> & betalingen" in mail["data"]
    assert "severity 3" in mail["data"]
    assert "/escalations/ack/" in mail["data"]
    [sms] = (
        http_server.requests[:1]
        if http_server.requests[0]["path"] == "/sms"
        else [r for r in http_server.requests if r["path"] == "/sms"]
    )
    assert sms["json"]["to"] == "+31612345678"
    assert "Storing <b>app</b>" in sms["json"]["body"]
    assert "/escalations/ack/" in sms["json"]["body"]
    assert sms["auth"] == "Bearer sms-token"
    [slack] = http_server.bodies("/slack")
    assert slack["text"].startswith("<@U123> ")
    assert "&lt;b&gt;app&lt;/b&gt; &amp; betalingen" in slack["text"]  # Slack's escaping
    [teams] = http_server.bodies("/teams")
    assert teams["@type"] == "MessageCard"
    assert "/escalations/ack/" in teams["potentialAction"][0]["targets"][0]["uri"]
    event = IncidentEvent.objects.get(incident=incident, kind="escalation")
    assert "tier 1 of 2" in event.summary
    assert "Anna de Vries" in event.summary


def test_tick_twice_starts_one_run_and_sends_once(setup, active_incident, smtp_server, http_server):
    workspace, *_ = setup
    incident = active_incident(workspace)
    now = timezone.now()
    tick_in_process(now)
    tick_in_process(now + timedelta(seconds=1))
    assert EscalationRun.objects.filter(incident=incident).count() == 1
    assert len(smtp_server.messages) == 1
    assert len(http_server.bodies("/sms")) == 1


def test_deadline_passed_escalates_to_next_tier_then_exhausts(
    setup, active_incident, smtp_server, http_server
):
    workspace, *_ = setup
    incident = active_incident(workspace)
    now = timezone.now()
    tick_in_process(now)
    tick_in_process(now + timedelta(seconds=59))  # before the deadline: nothing
    assert [r["json"]["to"] for r in http_server.requests if r["path"] == "/sms"] == [
        "+31612345678"
    ]
    tick_in_process(now + timedelta(seconds=61))
    run = EscalationRun.objects.get(incident=incident)
    assert run.tier_index == 1
    assert run.status == "active"
    assert [r["json"]["to"] for r in http_server.requests if r["path"] == "/sms"] == [
        "+31612345678", "+31687654321",
    ]  # fmt: skip
    tick_in_process(now + timedelta(seconds=182))
    run.refresh_from_db()
    assert run.status == "exhausted"
    assert run.next_deadline is None
    summaries = list(
        IncidentEvent.objects.filter(incident=incident, kind="escalation").values_list(
            "summary", flat=True
        )
    )
    assert len(summaries) == 3
    assert "tier 2 of 2" in summaries[1]
    assert "no one acknowledged" in summaries[2]


def test_repeat_rounds_start_again_at_tier_one(
    make_workspace, make_contact, make_protocol, active_incident, http_server
):
    workspace = make_workspace()
    anna = make_contact(workspace, preferred_channels=["sms"])
    make_protocol(
        workspace,
        [{"contact_ids": [anna.pk], "channels": ["sms", "email"], "wait_seconds": 10}],
        repeat_count=1,
    )
    incident = active_incident(workspace)
    now = timezone.now()
    tick_in_process(now)
    tick_in_process(now + timedelta(seconds=11))
    run = EscalationRun.objects.get(incident=incident)
    assert (run.round, run.tier_index, run.status) == (1, 0, "active")
    # preferred channel narrows the tier's channels: SMS only, twice
    assert len(http_server.bodies("/sms")) == 2
    assert not Delivery.objects.filter(channel="email").exists()
    tick_in_process(now + timedelta(seconds=22))
    run.refresh_from_db()
    assert run.status == "exhausted"


def test_run_starts_only_for_active_incidents_at_protocol_severity(
    make_workspace, make_contact, make_protocol, http_server
):
    workspace = make_workspace()
    anna = make_contact(workspace)
    make_protocol(workspace, [{"contact_ids": [anna.pk], "channels": ["sms"], "wait_seconds": 60}],
                  min_severity=3)  # fmt: skip
    IncidentFactory(workspace=workspace, status=Incident.Status.TRIAGE, severity=4)
    IncidentFactory(workspace=workspace, status=Incident.Status.ACTIVE, severity=2)
    IncidentFactory(workspace=workspace, status=Incident.Status.RESOLVED, severity=4)
    assert services.escalation_runs_start_due(now=timezone.now()) == []
    hot = IncidentFactory(workspace=workspace, status=Incident.Status.ACTIVE, severity=3)
    [run_id] = services.escalation_runs_start_due(now=timezone.now())
    assert EscalationRun.objects.get(pk=run_id).incident == hot


def test_highest_matching_protocol_is_used(
    make_workspace, make_contact, make_protocol, http_server
):
    workspace = make_workspace()
    anna = make_contact(workspace)
    tier = [{"contact_ids": [anna.pk], "channels": ["sms"], "wait_seconds": 60}]
    make_protocol(workspace, tier, name="Low", min_severity=1)
    high = make_protocol(workspace, tier, name="High", min_severity=3)
    incident = IncidentFactory(workspace=workspace, status=Incident.Status.ACTIVE, severity=4)
    services.escalation_runs_start_due(now=timezone.now())
    assert EscalationRun.objects.get(incident=incident).protocol == high


def test_resolved_incident_cancels_run_at_deadline(setup, active_incident, http_server):
    workspace, *_ = setup
    incident = active_incident(workspace)
    now = timezone.now()
    tick_in_process(now)
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.RESOLVED)
    tick_in_process(now + timedelta(seconds=61))
    run = EscalationRun.objects.get(incident=incident)
    assert run.status == "cancelled"
    assert len(http_server.bodies("/sms")) == 1


def test_resolving_the_incident_stops_its_run_at_once_with_a_timeline_event(
    setup, active_incident, http_server, make_member, api_client_for
):
    workspace, *_ = setup
    incident = active_incident(workspace)
    now = timezone.now()
    tick_in_process(now)
    run = EscalationRun.objects.get(incident=incident)
    assert run.status == "active"
    lead = api_client_for(make_member(workspace, role="crisis_team"))
    response = lead.post(f"/api/incidents/{incident.pk}/transition/", {"status": "resolved"})
    assert response.status_code == 200, response.content
    run.refresh_from_db()
    assert (run.status, run.next_deadline) == ("cancelled", None)
    stopped = IncidentEvent.objects.filter(incident=incident, kind="escalation").last()
    assert stopped.summary == "Escalation stopped: the incident is closed."
    tick_in_process(now + timedelta(seconds=61))  # tier 2 is never alerted
    assert len(http_server.bodies("/sms")) == 1
    # Still open: nothing stops.
    other = active_incident(workspace, title="Other")
    tick_in_process(now + timedelta(seconds=62))
    assert services.escalation_runs_cancel_for_closed_incident(incident=other, now=now) == []
    assert EscalationRun.objects.get(incident=other).status == "active"


def test_contact_outside_availability_is_skipped_and_recorded(
    make_workspace, make_contact, make_protocol, active_incident, http_server
):
    workspace = make_workspace()
    now = timezone.now()
    # a window on a day that is not today in Amsterdam: never open now
    from zoneinfo import ZoneInfo

    other_day = (now.astimezone(ZoneInfo("Europe/Amsterdam")).weekday() + 3) % 7
    away = make_contact(workspace, availability=[{"days": [other_day], "start": "00:00",
                                                   "end": "23:59"}])  # fmt: skip
    make_protocol(workspace, [{"contact_ids": [away.pk], "channels": ["sms"], "wait_seconds": 60}])
    active_incident(workspace)
    tick_in_process(now)
    [delivery] = Delivery.objects.all()
    assert delivery.status == "skipped"
    assert "availability" in delivery.error
    assert http_server.requests == []


def test_role_members_are_alerted_by_email(
    make_workspace, make_member, make_protocol, active_incident, smtp_server
):
    workspace = make_workspace()
    member = make_member(workspace, role="crisis_team")
    member.email = "team@example.org"
    member.save()
    make_member(workspace, role="communications")  # other role: not alerted
    make_protocol(
        workspace, [{"roles": ["crisis_team"], "channels": ["email"], "wait_seconds": 60}]
    )
    active_incident(workspace)
    tick_in_process(timezone.now())
    assert [m["to"] for m in smtp_server.messages] == [["team@example.org"]]
    assert Delivery.objects.get().user == member


def test_messages_use_the_protocol_language(
    make_workspace, make_contact, make_protocol, active_incident, http_server, smtp_server
):
    workspace = make_workspace()
    anna = make_contact(workspace)
    make_protocol(
        workspace,
        [{"contact_ids": [anna.pk], "channels": ["sms", "email"], "wait_seconds": 60}],
        language="nl",
    )
    incident = active_incident(workspace, title="Datalek klantgegevens", severity=4)
    tick_in_process(timezone.now())
    [sms] = http_server.bodies("/sms")
    assert sms["body"].startswith("CrisisCenter: Datalek klantgegevens (ernst 4). Bevestigen: ")
    assert "Ernst: 4 van 4" in smtp_server.messages[0]["data"]
    event = IncidentEvent.objects.get(incident=incident)
    assert event.summary.startswith("Escalatie gestart: niveau 1 van 1")


def test_recipient_without_address_is_recorded_as_skipped(
    make_workspace, make_contact, make_protocol, active_incident, http_server
):
    workspace = make_workspace()
    no_phone = make_contact(workspace, phone="")
    make_protocol(
        workspace, [{"contact_ids": [no_phone.pk], "channels": ["sms"], "wait_seconds": 60}]
    )
    active_incident(workspace)
    tick_in_process(timezone.now())
    [delivery] = Delivery.objects.all()
    assert delivery.status == "skipped"
    assert "no address" in delivery.error
    assert http_server.requests == []


def test_teams_card_shows_a_markdown_title_as_typed(setup, active_incident, http_server):
    """Titles can come from social-media posts and Teams renders the card as Markdown: a
    link in the title must arrive escaped, our own line breaks and acknowledge link intact."""
    workspace, *_ = setup
    title = "[click](https://evil.example) *now* `x` <b>\n# boss"
    active_incident(workspace, title=title, severity=3)
    tick_in_process(timezone.now())

    [teams] = http_server.bodies("/teams")
    escaped = r"\[click\]\(https://evil.example\) \*now\* \`x\` \<b\> \# boss"
    assert f"Incident: {escaped}  \n" in teams["text"]
    assert "[click](" not in teams["text"]
    assert teams["title"].endswith(escaped)
    ack = teams["potentialAction"][0]["targets"][0]["uri"]
    assert f"Acknowledge (one click, then confirm): {ack}" in teams["text"]
    assert "Severity: 3 of 4  \n" in teams["text"]
    [slack] = http_server.bodies("/slack")  # other channels keep their own escaping
    assert "[click](https://evil.example)" in slack["text"]
