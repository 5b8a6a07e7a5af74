"""Each event type has exactly the declared keys (the browser and Zulip-style schema rely on it)."""

import json

import pytest

from realtime import events
from realtime.groups import workspace_group
from tests.factories import AlertFactory, MentionFactory

pytestmark = pytest.mark.django_db


def test_mention_batch_event_keys():
    mention = MentionFactory()
    event = events.MentionBatch(
        workspace_id=mention.workspace_id, mentions=[events.mention_item(mention)]
    ).as_dict()
    assert set(event) == {"type", "workspace_id", "mentions"}
    assert event["type"] == "mention.batch"
    assert set(event["mentions"][0]) == {
        "id", "platform", "external_id", "url", "author", "author_followers", "author_reach",
        "text", "language", "posted_at", "sentiment", "sentiment_label", "matched_terms",
    }  # fmt: skip
    assert set(event["mentions"][0]["sentiment"]) == {"compound", "pos", "neu", "neg"}
    json.dumps(event)  # plain JSON, no datetimes or model instances


def test_alert_created_event_keys():
    alert = AlertFactory(mention_ids=[3, 4])
    event = events.alert_created(alert).as_dict()
    assert set(event) == {
        "type", "workspace_id", "id", "rule", "title", "explanation", "severity",
        "created_at", "mention_ids",
    }  # fmt: skip
    assert event["type"] == "alert.created"
    assert event["rule"] == "negative_burst"
    assert event["title"] == {"nl": "Negatieve golf", "en": "Negative burst"}
    assert event["explanation"]["en"].startswith("5 negative mentions in the last 5 minutes")
    assert event["explanation"]["nl"].startswith("5 negatieve vermeldingen")
    json.dumps(event)


@pytest.mark.parametrize("workspace_id", [1, 12, 10**12])
def test_workspace_group_is_a_valid_channels_group_name(workspace_id):
    name = workspace_group(workspace_id)
    assert name == f"workspace.{workspace_id}"
    assert len(name) < 100
    assert all(c.isalnum() or c in "._-" for c in name)


def test_source_health_changed_event_keys_carry_no_secrets():
    from monitoring.services import source_create

    source = source_create(
        workspace_id=MentionFactory().workspace_id, name="X", platform="x",
        settings={"query_suffix": "lang:nl"}, interval=60, credentials={"bearer_token": "s3cr3t"},
    )  # fmt: skip
    event = events.source_health_changed(source).as_dict()
    assert set(event) == {
        "type", "workspace_id", "id", "name", "platform", "health", "last_success_at",
        "last_error", "rate_limited_until",
    }  # fmt: skip
    assert event["type"] == "source.health_changed"
    assert "s3cr3t" not in json.dumps(event)


def test_incident_events_keys(crew_for_events):
    incident, event = crew_for_events
    updated = events.incident_updated(incident, alert_count=0, overdue_tasks=2).as_dict()
    assert set(updated) == {
        "type", "workspace_id", "id", "title", "severity", "status", "opened_at", "alert_count",
        "first_mention_at", "first_alert_at", "triaged_at", "commander", "response_due_at",
        "response_at", "overdue_tasks",
    }  # fmt: skip
    assert updated["overdue_tasks"] == 2
    reach = events.incident_reach_updated(incident).as_dict()
    assert set(reach) == {
        "type", "workspace_id", "id", "mentions", "unique_authors", "follower_reach",
        "engagement", "per_platform", "sentiment_trend",
    }  # fmt: skip
    recorded = events.incident_event_recorded(event).as_dict()
    assert set(recorded) == {
        "type", "workspace_id", "incident_id", "id", "kind", "summary", "actor", "at",
    }  # fmt: skip
    assert recorded["summary"] == "<img src=x onerror=alert(1)>"
    for payload in (updated, reach, recorded):
        json.dumps(payload)


@pytest.fixture
def crew_for_events():
    from incidents.services import incident_event_record
    from tests.factories import IncidentFactory

    incident = IncidentFactory()
    event = incident_event_record(
        incident=incident, kind="note", summary="<img src=x onerror=alert(1)>"
    )
    return incident, event
