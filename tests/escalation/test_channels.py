"""Channel failures at the network boundary: recorded, retried with backoff, never blocking
the other channels; SMTP refusal, HTTP 500 and timeout."""

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import Delivery, EscalationRun
from tests.escalation.helpers import tick_in_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_setup(make_workspace, make_contact, make_protocol, active_incident, http_server, settings):
    settings.ESCALATION_RETRY_BACKOFF = 15.0
    settings.ESCALATION_MAX_ATTEMPTS = 3
    workspace = make_workspace()
    anna = make_contact(workspace, slack_webhook_url=http_server.url + "/slack")
    make_protocol(
        workspace,
        [{"contact_ids": [anna.pk], "channels": ["email", "sms", "slack"], "wait_seconds": 600}],
    )
    return active_incident(workspace)


def _delivery(channel: str) -> Delivery:
    return Delivery.objects.get(channel=channel)


def test_smtp_refusal_is_recorded_and_retried_while_others_are_sent(
    run_setup, smtp_server, http_server
):
    smtp_server.refuse = True
    now = timezone.now()
    tick_in_process(now)
    email = _delivery("email")
    assert email.status == "pending"
    assert email.attempts == 1
    assert "SMTP" in email.error
    assert "550" in email.error
    assert email.next_attempt_at >= now + timedelta(seconds=15)
    assert _delivery("sms").status == "sent"
    assert _delivery("slack").status == "sent"
    # not yet due: nothing is retried
    tick_in_process(now + timedelta(seconds=5))
    assert _delivery("email").attempts == 1
    smtp_server.refuse = False
    tick_in_process(email.next_attempt_at + timedelta(seconds=1))
    email.refresh_from_db()
    assert (email.status, email.attempts, email.error) == ("sent", 2, "")
    assert [m["to"] for m in smtp_server.messages] == [["anna@example.org"]]


def test_http_500_is_retried_with_doubling_backoff_then_failed(run_setup, smtp_server, http_server):
    http_server.status["/sms"] = 500
    tick_in_process(timezone.now())
    sms = _delivery("sms")
    assert sms.status == "pending"
    assert sms.error.startswith("HTTP 500")
    assert timedelta(seconds=13) < sms.next_attempt_at - timezone.now() <= timedelta(seconds=15)
    tick_in_process(sms.next_attempt_at + timedelta(seconds=1))
    sms.refresh_from_db()
    assert sms.attempts == 2
    assert sms.status == "pending"
    # the backoff doubles: 15 s, then 30 s
    assert timedelta(seconds=28) < sms.next_attempt_at - timezone.now() <= timedelta(seconds=30)
    tick_in_process(sms.next_attempt_at + timedelta(seconds=1))
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("failed", 3)
    assert len(http_server.bodies("/sms")) == 3
    # the escalation itself keeps running: a failed channel does not stop the tiers
    assert EscalationRun.objects.get().status == "active"


def test_timeout_is_recorded_as_failure(run_setup, smtp_server, http_server):
    http_server.delay["/slack"] = 2.0  # the channel timeout is 1 s
    tick_in_process(timezone.now())
    slack = _delivery("slack")
    assert slack.status == "pending"
    assert "timeout" in slack.error
    assert _delivery("email").status == "sent"


def test_missing_sms_gateway_fails_at_once_without_retries(run_setup, smtp_server, settings):
    settings.ESCALATION_SMS_URL = ""
    now = timezone.now()
    tick_in_process(now)
    sms = _delivery("sms")
    assert (sms.status, sms.attempts) == ("failed", 1)
    assert sms.error == "no SMS gateway configured (ESCALATION_SMS_URL)"
    assert tick_in_process(now + timedelta(minutes=5)) == []  # nothing left to retry
    assert Delivery.objects.get(pk=sms.pk).attempts == 1
    assert _delivery("email").status == "sent"  # the other channels are not held back


def test_crashed_sender_lease_expires_and_delivery_is_sent_again(
    run_setup, smtp_server, http_server
):
    from escalation import services

    now = timezone.now()
    services.escalation_runs_start_due(now=now)
    claimed = services.deliveries_claim_due(now=now)
    assert len(claimed) == 3
    # the send tasks never ran (worker died): nothing is claimable until the lease expires
    assert services.deliveries_claim_due(now=now + timedelta(seconds=60)) == []
    again = services.deliveries_claim_due(now=now + timedelta(seconds=121))
    assert sorted(again) == sorted(claimed)


def test_send_task_is_safe_to_run_twice_and_skips_vanished_rows(
    run_setup, smtp_server, http_server
):
    from escalation.tasks import send_delivery

    tick_in_process(timezone.now())
    email = _delivery("email")
    send_delivery.apply(args=[email.pk])  # already sent: not sent again
    assert len(smtp_server.messages) == 1
    send_delivery.apply(args=[999999])  # vanished row: no error
