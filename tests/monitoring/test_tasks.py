from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from crisiscenter.celery import app as celery_app
from monitoring.models import Alert, Mention, Source
from monitoring.tasks import poll_due_sources, poll_source
from tests.factories import AlertRuleFactory, SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _due_demo_source(scenario: str = "en", **kw) -> Source:
    started = timezone.now() - timedelta(seconds=150)
    # The demo platform takes no query, so its cursor lives under the "" key.
    return SourceFactory(
        settings={"scenario": scenario},
        cursor={"": {"started_at": started.isoformat(), "next": 0}},
        **kw,
    )


def test_poll_source_ingests_and_is_idempotent_when_run_twice():
    source = _due_demo_source()
    poll_source.apply(args=[source.pk])
    first = Mention.objects.filter(workspace=source.workspace).count()
    source.refresh_from_db()
    cursor = source.cursor[""]
    assert first > 10
    assert cursor["next"] == first
    # Same cursor replayed (e.g. a redelivered message): nothing new, nothing duplicated.
    Source.objects.filter(pk=source.pk).update(cursor={"": {**cursor, "next": 0}})
    poll_source.apply(args=[source.pk])
    assert Mention.objects.filter(workspace=source.workspace).count() == first


def test_poll_source_skips_vanished_or_disabled_source():
    source = _due_demo_source(is_enabled=False)
    result = poll_source.apply(args=[source.pk])
    assert result.successful()
    assert Mention.objects.count() == 0
    assert poll_source.apply(args=[999_999]).successful()


def test_poll_source_skips_while_another_poll_holds_the_lease():
    source = _due_demo_source()
    Source.objects.filter(pk=source.pk).update(lease_until=timezone.now() + timedelta(minutes=1))
    poll_source.apply(args=[source.pk])
    assert Mention.objects.count() == 0


def test_poll_source_raises_alert_once_within_cooldown():
    source = _due_demo_source()
    AlertRuleFactory(workspace=source.workspace, params={"threshold": 2, "window_minutes": 10})
    poll_source.apply(args=[source.pk])
    alerts = list(Alert.objects.filter(workspace=source.workspace))
    assert len(alerts) == 1
    assert alerts[0].details["observed"] >= 2
    assert alerts[0].mention_ids
    assert set(alerts[0].mention_ids) <= set(Mention.objects.values_list("id", flat=True))
    poll_source.apply(args=[source.pk])
    assert Alert.objects.filter(workspace=source.workspace).count() == 1


def test_poll_source_bad_settings_marks_source_unhealthy():
    source = SourceFactory(settings={"scenario": "nope"})
    with pytest.raises(Exception, match="scenario"):
        poll_source.apply(args=[source.pk], throw=True)
    source.refresh_from_db()
    assert source.health == Source.Health.LAGGING
    assert "scenario" in source.last_error
    assert source.lease_until is None


def test_poll_due_sources_enqueues_only_due_enabled_sources():
    due = _due_demo_source()
    recent = _due_demo_source()
    Source.objects.filter(pk=recent.pk).update(last_polled_at=timezone.now())
    _due_demo_source(is_enabled=False)
    queue = "test-poll-due"
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_declare(queue, durable=True)
        conn.default_channel.queue_purge(queue)
        with override_settings(CELERY_TASK_DEFAULT_QUEUE=queue):
            celery_app.conf.task_default_queue = queue
            try:
                assert poll_due_sources.apply().result == 1
            finally:
                celery_app.conf.task_default_queue = "celery"
        message = conn.default_channel.basic_get(queue, no_ack=True)
        assert message is not None
        assert message.headers["task"] == "monitoring.poll_source"
        assert message.headers["argsrepr"] == f"({due.pk},)"
        assert conn.default_channel.basic_get(queue, no_ack=True) is None
        # The next beat tick, before the poll ran: the source is not enqueued twice.
        celery_app.conf.task_default_queue = queue
        try:
            assert poll_due_sources.apply().result == 0
        finally:
            celery_app.conf.task_default_queue = "celery"
        assert conn.default_channel.basic_get(queue, no_ack=True) is None


def test_poll_due_sources_in_eager_mode_polls_the_rest_after_one_raises():
    # Embedded mode (`make run`) runs each poll inside poll_due_sources: a source whose poll
    # raises (here a config error) must not keep the later due sources from their poll.
    broken = _due_demo_source("nope")
    healthy = _due_demo_source()
    assert broken.pk < healthy.pk  # due sources are taken in id order: the broken one first
    original = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        assert poll_due_sources.apply().result >= 2
    finally:
        celery_app.conf.task_always_eager = original
    assert Mention.objects.filter(source=healthy).count() > 10
    broken.refresh_from_db()
    assert broken.consecutive_failures == 1
    assert "nope" in broken.last_error
