"""`escalation.updated`: declared keys, plain JSON, published on commit at start and ack."""

import json

import pytest
from django.utils import timezone

from escalation import services
from escalation.models import EscalationRun
from realtime import events

pytestmark = pytest.mark.django_db


def test_escalation_updated_event_keys_and_publish_on_commit(
    make_workspace, make_contact, make_protocol, active_incident, django_capture_on_commit_callbacks
):
    workspace = make_workspace()
    anna = make_contact(workspace)
    make_protocol(workspace, [{"contact_ids": [anna.pk], "channels": ["sms"], "wait_seconds": 60}])
    active_incident(workspace)
    with django_capture_on_commit_callbacks() as callbacks:
        services.escalation_runs_start_due(now=timezone.now())
    assert callbacks  # the push leaves only after commit
    run = EscalationRun.objects.get()
    event = events.escalation_updated(run).as_dict()
    assert set(event) == {
        "type", "workspace_id", "id", "incident_id", "status", "tier", "tiers",
        "next_deadline", "acknowledged_by", "acknowledged_via", "acknowledged_via_text",
    }  # fmt: skip
    assert (event["type"], event["status"], event["tier"], event["tiers"]) == (
        "escalation.updated", "active", 1, 1,
    )  # fmt: skip
    json.dumps(event)
    with django_capture_on_commit_callbacks() as callbacks:
        run = services.escalation_acknowledge(run=run, user=None, name="Anna", via="app")
    assert callbacks
    acked = events.escalation_updated(run).as_dict()
    assert (acked["status"], acked["acknowledged_by"], acked["next_deadline"]) == (
        "acknowledged", "Anna", None,
    )  # fmt: skip
    # How it came in, in words per language for the dashboard (the code stays for clients).
    assert acked["acknowledged_via"] == "app"
    assert acked["acknowledged_via_text"]["en"] == "the app"
