"""A refused webhook push shows as its source's last error, so admins see a sender with a wrong
secret or a broken payload; the next stored push clears it; a flood of refused pushes writes
the note once a minute, not once per request."""

from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.models import Source
from monitoring.services.imports import PUSH_REFUSED_NOTED_EVERY
from tests.monitoring.test_webhook import ITEMS, _post

pytestmark = pytest.mark.django_db(transaction=True)


def _last_error(source: Source) -> tuple[str, object, str]:
    source = Source.objects.get(pk=source.pk)
    return source.last_error, source.last_error_at, source.health


def test_a_push_with_a_wrong_signature_is_noted_on_the_source_without_changing_its_health(
    client, webhook_source
):
    health_before = _last_error(webhook_source)[2]
    assert _post(client, webhook_source, {"mentions": ITEMS}, secret="wrong").status_code == 401
    error, at, health = _last_error(webhook_source)
    assert error == "Push refused (HTTP 401): Invalid or missing signature."
    assert at is not None
    assert health == health_before  # a stranger's request does not make the source down


def test_a_push_with_a_bad_item_is_noted_with_the_first_reason_and_cleared_by_a_good_push(
    client, webhook_source
):
    bad = {"mentions": [ITEMS[0], {**ITEMS[1], "created_at": "gisteren"}]}
    assert _post(client, webhook_source, bad).status_code == 400
    error, _at, _health = _last_error(webhook_source)
    assert error.startswith("Push refused (HTTP 400): Invalid mentions. mentions[1].created_at")
    assert _post(client, webhook_source, {"mentions": ITEMS}).status_code == 200
    assert _last_error(webhook_source)[0] == ""


def test_the_same_refusal_is_written_once_a_minute(client, webhook_source):
    _post(client, webhook_source, {"mentions": ITEMS}, secret="wrong")
    first_at = _last_error(webhook_source)[1]
    _post(client, webhook_source, {"mentions": ITEMS}, secret="wrong")
    assert _last_error(webhook_source)[1] == first_at
    earlier = timezone.now() - PUSH_REFUSED_NOTED_EVERY - timedelta(seconds=1)
    Source.objects.filter(pk=webhook_source.pk).update(last_error_at=earlier)
    _post(client, webhook_source, {"mentions": ITEMS}, secret="wrong")
    assert _last_error(webhook_source)[1] > earlier


def test_a_refused_push_does_not_hide_a_failure_of_the_source_itself(client, webhook_source):
    Source.objects.filter(pk=webhook_source.pk).update(
        consecutive_failures=3, health=Source.Health.DOWN, last_error="credentials unreadable"
    )
    assert _post(client, webhook_source, {"mentions": ITEMS}, secret="wrong").status_code == 401
    assert _last_error(webhook_source)[0] == "credentials unreadable"
