"""Failures that are not the platform's (the soft time limit, the database) are failed polls
too, and what a failed poll stores and logs holds no credentials and no post text.

The soft time limit is raised where Celery's signal would land, in the HTTP call (`responses`);
the database refuses rows through a real PostgreSQL trigger."""

import logging
import re
import traceback
from datetime import timedelta

import pytest
import responses
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError
from django.utils import timezone

from monitoring.credentials import credentials_encrypt
from monitoring.models import Alert, Mention, Source, WatchTerm
from monitoring.platforms.base import PlatformUnavailable
from monitoring.platforms.text import url_secrets_masked
from monitoring.services import PollFailed, source_poll
from monitoring.tasks import poll_source
from tests.factories import SourceFactory, WorkspaceFactory
from tests.monitoring.conftest import REFUSED

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH_URL = "https://api.twitter.com/2/tweets/search/recent"


def _demo_source() -> Source:
    started = timezone.now() - timedelta(seconds=150)
    return SourceFactory(
        settings={"scenario": "en"}, cursor={"": {"started_at": started.isoformat(), "next": 0}}
    )


@responses.activate
def test_the_soft_time_limit_mid_poll_is_a_failed_poll():
    workspace = WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query="Bank Noord")
    source = SourceFactory(
        workspace=workspace,
        platform="x",
        settings={},
        credentials_encrypted=credentials_encrypt({"bearer_token": "test-token"}),
    )
    responses.add("GET", SEARCH_URL, body=SoftTimeLimitExceeded())
    now = timezone.now()
    with pytest.raises(SoftTimeLimitExceeded):
        source_poll(source=source, now=now)
    source.refresh_from_db()
    assert (source.health, source.consecutive_failures) == (Source.Health.LAGGING, 1)
    assert source.last_error.startswith("SoftTimeLimitExceeded")
    assert source.next_poll_at >= now + timedelta(seconds=30)
    assert source.lease_until is None


def test_a_database_error_is_a_failed_poll_without_post_text_in_error_or_logs(
    refusing_mentions, caplog
):
    source = _demo_source()
    cursor_before = source.cursor
    start = timezone.now()
    caplog.set_level(logging.INFO)
    for offset in (0, 40, 120, 280):
        with pytest.raises(DatabaseError, match=REFUSED) as raised:
            source_poll(
                source=Source.objects.get(pk=source.pk), now=start + timedelta(seconds=offset)
            )
    source.refresh_from_db()
    assert source.health == Source.Health.DOWN
    assert source.consecutive_failures == 4
    assert source.cursor == cursor_before  # nothing stored, so the cursor did not move
    assert not Mention.objects.exists()
    (alert,) = Alert.objects.filter(rule_kind="source_down")
    assert source.last_error.startswith(type(raised.value).__name__)
    for shown in (source.last_error, alert.details["error"], alert.explanation, caplog.text):
        assert REFUSED not in shown


def _news_source_after_a_503(feed: str, served: str) -> Source:
    """A news source reading `feed`, polled once while `served` (a URL regex) answers 503."""
    source = SourceFactory(platform="news", settings={"feeds": [feed]})
    WatchTerm.objects.create(workspace=source.workspace, query="Bank Noord")
    responses.add("GET", re.compile(served), status=503)
    with pytest.raises(PlatformUnavailable):
        source_poll(source=source)
    source.refresh_from_db()
    return source


@responses.activate
def test_credentials_in_a_feed_url_are_masked_in_the_stored_error():
    feed = "https://reader:hunter2@feeds.example/rss?apiKey=S3CRET&hl=nl"
    source = _news_source_after_a_503(feed, r"https://.*feeds\.example/rss")
    assert "feeds.example/rss" in source.last_error
    assert "HTTP 503" in source.last_error
    assert "hunter2" not in source.last_error
    assert "S3CRET" not in source.last_error
    assert "hl=nl" in source.last_error


def test_the_poll_task_raises_and_logs_a_database_error_without_post_text(
    refusing_mentions, caplog
):
    # Celery logs what a task raises, message and traceback: the task raises the source's
    # text instead, and logs where it failed (code lines, no values).
    source = _demo_source()
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PollFailed) as raised:
        poll_source.apply(args=[source.pk])
    source.refresh_from_db()
    assert str(raised.value) == source.last_error
    assert source.last_error.endswith("the poll failed inside CrisisCenter, not at the platform")
    assert "monitoring.poll_source.failed" in caplog.text
    assert "source_poll" in caplog.text  # where: the frames' code
    for shown in (caplog.text, "".join(traceback.format_exception(raised.value))):
        assert REFUSED not in shown


@responses.activate
def test_the_poll_task_masks_a_feed_token_in_what_it_raises_and_logs(caplog):
    feed = "https://feeds.example/private?apiKey=S3CRET"
    source = SourceFactory(platform="news", settings={"feeds": [feed]})
    responses.add("GET", re.compile(r"https://feeds\.example/private"), status=401)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PollFailed) as raised:
        poll_source.apply(args=[source.pk])
    assert str(raised.value).startswith("PlatformAuthError: feed https://feeds.example/private?")
    assert "apiKey=***" in str(raised.value)
    for shown in (caplog.text, "".join(traceback.format_exception(raised.value))):
        assert "S3CRET" not in shown


@responses.activate
def test_token_looking_parts_of_a_feed_url_are_masked_whatever_their_name():
    token, key = "tXyZ12abCD34efGH56", "9f8e7d6c5b4a39281716"
    host = "feeds2026.eu-west-1.example.com"  # a host that looks like a token stays readable
    feed = f"https://{host}/feeds/{token}.xml?k={key}&hl=nl&q=%22Bank+Noord%22"
    source = _news_source_after_a_503(feed, rf"https://{re.escape(host)}/feeds/")
    assert "HTTP 503" in source.last_error
    assert f"https://{host}/feeds/***?k=***&hl=nl&q=%22Bank+Noord%22" in source.last_error
    assert token not in source.last_error
    assert key not in source.last_error


@responses.activate
def test_the_poll_task_logs_and_raises_a_platform_error_text_on_one_line(caplog):
    # Mastodon's 4xx errors carry the start of the response body: a line break in it must not
    # start a line of its own in our log line or in Celery's (which ends with what the task
    # raises). The source keeps the text as it came (the page escapes it).
    instance = "https://mastodon.example"
    source = SourceFactory(
        platform="mastodon", settings={"instance": instance, "hashtags": ["banknoord"]}
    )
    WatchTerm.objects.create(workspace=source.workspace, query="Bank Noord")
    forged = "bad\nmonitoring.poll_source.failed: source 1: forged\r\u2028"
    responses.add("GET", re.compile(rf"{re.escape(instance)}/"), status=400, body=forged)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PollFailed) as raised:
        poll_source.apply(args=[source.pk])
    escaped = "HTTP 400: bad\\nmonitoring.poll_source.failed: source 1: forged\\r\\u2028"
    assert str(raised.value).endswith(escaped)
    source.refresh_from_db()
    assert source.last_error.endswith(forged)
    (record,) = [r for r in caplog.records if r.msg.startswith("monitoring.poll_source.failed")]
    assert record.getMessage().split("\n")[0].endswith(escaped)
    assert "\nmonitoring.poll_source.failed: source 1: forged" not in caplog.text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "feed https://f.example/rss?apiKey=S3CRET: HTTP 503",
            "feed https://f.example/rss?apiKey=***: HTTP 503",
        ),
        (
            "(see https://f.example/rss?token=a.b.c&hl=nl).",
            "(see https://f.example/rss?token=***&hl=nl).",
        ),
        ("https://f.example/rss?key=S3CRET, then", "https://f.example/rss?key=***, then"),
    ],
)
def test_masking_keeps_the_punctuation_after_a_url_and_masking_twice_changes_nothing(text, masked):
    # News warnings are masked in the client and again when the poll stores them.
    assert url_secrets_masked(text) == masked
    assert url_secrets_masked(masked) == masked
