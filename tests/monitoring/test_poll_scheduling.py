"""When a source is polled again after a 429 or a failure, and when it counts as down.

Platforms answer through `responses` at the HTTP boundary (X API v2 shapes, as recorded in
tests/cassettes/x/); every poll passes its own `now`, so time moves without sleeping.
"""

import json
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from monitoring.credentials import credentials_encrypt
from monitoring.models import Alert, Source, WatchTerm
from monitoring.platforms.base import PlatformRateLimited, PlatformUnavailable
from monitoring.selectors import source_ids_due
from monitoring.services import source_poll
from monitoring.tasks import poll_source
from tests.factories import MembershipFactory, SourceFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH_URL = "https://api.twitter.com/2/tweets/search/recent"
T0 = timezone.now().replace(microsecond=0)
TOO_MANY = {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429}


@pytest.fixture
def x_source() -> Source:
    workspace = WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query="Bank Noord")
    return SourceFactory(
        workspace=workspace,
        platform="x",
        settings={},
        poll_interval_seconds=60,
        credentials_encrypted=credentials_encrypt({"bearer_token": "test-token"}),
    )


def _too_many(reset_in: int, at) -> None:
    reset = int((at + timedelta(seconds=reset_in)).timestamp())
    responses.add(
        "GET",
        SEARCH_URL,
        status=429,
        json=TOO_MANY,
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
    )


def _poll(source: Source, now, expect=None) -> None:
    fresh = Source.objects.get(pk=source.pk)
    if expect is None:
        source_poll(source=fresh, now=now)
    else:
        with pytest.raises(expect):
            source_poll(source=fresh, now=now)


@responses.activate
def test_repeated_429s_are_no_failures_and_raise_no_source_down_alert(x_source):
    now = T0
    for _ in range(4):
        _too_many(600, now)
        _poll(x_source, now, PlatformRateLimited)
        now += timedelta(seconds=700)  # past the reset (and its jitter)
    source = Source.objects.get(pk=x_source.pk)
    assert source.consecutive_failures == 0
    assert source.health != Source.Health.DOWN
    assert not Alert.objects.filter(rule_kind="source_down").exists()
    assert len(responses.calls) == 4


@responses.activate
def test_a_429_pauses_the_source_until_the_reset_for_the_scheduler_and_every_poll(x_source):
    _too_many(600, T0)
    _poll(x_source, T0, PlatformRateLimited)
    reset = T0 + timedelta(seconds=600)
    source = Source.objects.get(pk=x_source.pk)
    # Resumes after the reset, with jitter: not before, and not much later.
    assert reset <= source.next_poll_at <= reset + timedelta(seconds=30)
    assert source.rate_limit["remaining"] == 0
    # The poll interval (60 s) passes many times, yet the source is not due, and a poll that
    # arrives anyway (a redelivered or retried task) makes no request.
    for later in (61, 300, 599):
        assert x_source.pk not in source_ids_due(now=T0 + timedelta(seconds=later))
    _poll(x_source, T0 + timedelta(seconds=120))
    assert len(responses.calls) == 1
    assert x_source.pk in source_ids_due(now=source.next_poll_at)


@responses.activate
def test_sources_rate_limited_together_resume_at_different_times(x_source):
    others = [
        SourceFactory(
            workspace=x_source.workspace,
            platform="x",
            settings={},
            credentials_encrypted=x_source.credentials_encrypted,
        )
        for _ in range(3)
    ]
    _too_many(600, T0)
    for source in [x_source, *others]:
        _poll(source, T0, PlatformRateLimited)
    resumes = set(
        Source.objects.filter(workspace=x_source.workspace).values_list("next_poll_at", flat=True)
    )
    assert len(resumes) == 4


@responses.activate
def test_sources_page_shows_until_when_a_source_is_rate_limited(x_source, client):
    now = timezone.now()
    _too_many(600, now)
    _poll(x_source, now, PlatformRateLimited)
    until = timezone.localtime(Source.objects.get(pk=x_source.pk).next_poll_at)
    admin = MembershipFactory(workspace=x_source.workspace, role="admin").user
    client.force_login(admin)
    url = f"/w/{x_source.workspace.slug}/sources/"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert f"Rate-limited until {until:%H:%M}" in client.get(url).content.decode()
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    assert f"Platformlimiet bereikt, wacht tot {until:%H:%M}" in client.get(url).content.decode()


@responses.activate
def test_sources_api_says_until_when_a_source_is_rate_limited(x_source, client):
    client.force_login(MembershipFactory(workspace=x_source.workspace, role="crisis_team").user)
    url = f"/api/sources/?workspace={x_source.workspace.slug}"
    assert client.get(url).json()["results"][0]["rate_limited_until"] is None
    now = timezone.now()
    _too_many(600, now)
    _poll(x_source, now, PlatformRateLimited)
    until = Source.objects.get(pk=x_source.pk).next_poll_at
    shown = client.get(url).json()["results"][0]["rate_limited_until"]
    assert datetime.fromisoformat(shown) == until


def test_dashboard_says_rate_limited_until_in_the_user_s_language(x_source, client):
    # The dashboard's script fills in the time (tests/e2e/test_stream_browser.py).
    client.force_login(MembershipFactory(workspace=x_source.workspace, role="crisis_team").user)
    url = reverse("workspace-dashboard", args=[x_source.workspace.slug])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'data-str-rate-limited-until="Rate-limited until {time}"' in client.get(url).text
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    dutch = 'data-str-rate-limited-until="Platformlimiet bereikt, wacht tot {time}"'
    assert dutch in client.get(url).text


X_EMPTY = {"meta": {"result_count": 0}}


@responses.activate
def test_a_short_outage_is_retried_after_a_backoff_and_raises_no_alert(x_source):
    # One task run against a 503: one request, no immediate retries.
    responses.add("GET", SEARCH_URL, status=503)
    poll_source.apply(args=[x_source.pk])
    assert len(responses.calls) == 1
    source = Source.objects.get(pk=x_source.pk)
    assert source.health == Source.Health.LAGGING
    failed_at = source.last_error_at
    assert source.next_poll_at - failed_at >= timedelta(seconds=30)
    assert x_source.pk not in source_ids_due(now=failed_at + timedelta(seconds=29))
    # The platform is back by the next attempt.
    responses.replace("GET", SEARCH_URL, json=X_EMPTY)
    assert x_source.pk in source_ids_due(now=source.next_poll_at)
    _poll(x_source, source.next_poll_at)
    source = Source.objects.get(pk=x_source.pk)
    assert (source.health, source.consecutive_failures) == (Source.Health.OK, 0)
    assert not Alert.objects.filter(rule_kind="source_down").exists()


@responses.activate
def test_backoff_doubles_from_30_seconds_to_a_5_minute_cap_with_jitter(x_source):
    responses.add("GET", SEARCH_URL, status=503)
    now, waits = T0, []
    for _ in range(6):
        _poll(x_source, now, PlatformUnavailable)
        next_poll_at = Source.objects.get(pk=x_source.pk).next_poll_at
        waits.append((next_poll_at - now).total_seconds())
        now = next_poll_at
    for wait, nominal in zip(waits, (30, 60, 120, 240, 300, 300), strict=True):
        assert nominal <= wait <= nominal + min(nominal / 4, 30)
    assert len(set(waits)) == 6


@responses.activate
def test_down_needs_three_failures_and_three_minutes_of_failing(x_source):
    responses.add("GET", SEARCH_URL, status=503)
    for offset in (0, 40, 120):
        _poll(x_source, T0 + timedelta(seconds=offset), PlatformUnavailable)
    assert Source.objects.get(pk=x_source.pk).health == Source.Health.LAGGING
    assert not Alert.objects.filter(rule_kind="source_down").exists()
    _poll(x_source, T0 + timedelta(seconds=280), PlatformUnavailable)
    assert Source.objects.get(pk=x_source.pk).health == Source.Health.DOWN
    assert Alert.objects.filter(rule_kind="source_down").count() == 1


def test_pushed_sources_are_never_polled():
    # Webhook and import sources have no poller: polling them would fail every interval and
    # turn a healthy webhook "Down", with a false "source down" alert.
    workspace = WorkspaceFactory()
    pushed = [
        SourceFactory(workspace=workspace, platform=platform, settings={})
        for platform in ("webhook", "import")
    ]
    demo = SourceFactory(workspace=workspace)
    due = source_ids_due(now=T0)
    assert demo.pk in due
    assert not {s.pk for s in pushed} & set(due)


@responses.activate
def test_a_search_that_keeps_failing_fails_the_poll_but_not_the_searches_after_it():
    # Mastodon searches each OR branch on its own: beta fails, alpha and gamma answer. Before,
    # alpha's page reset the failure count on every poll (never down, no alert) and the poll
    # stopped at beta, so gamma was never read again.
    instance = "https://mastodon.example"
    source = SourceFactory(
        platform="mastodon",
        settings={"instance": instance, "search": True},
        credentials_encrypted=credentials_encrypt({"access_token": "test-token"}),
    )
    WatchTerm.objects.create(workspace=source.workspace, query="alpha OR beta OR gamma")
    empty = json.dumps({"accounts": [], "statuses": [], "hashtags": []})

    def search(request) -> tuple[int, dict, str]:
        failing = parse_qs(urlsplit(request.url).query)["q"] == ["beta"]
        return (500, {}, "") if failing else (200, {}, empty)

    responses.add_callback("GET", f"{instance}/api/v2/search", callback=search)
    for offset in (0, 40, 120, 280):
        _poll(source, T0 + timedelta(seconds=offset), PlatformUnavailable)
    asked = [parse_qs(urlsplit(call.request.url).query)["q"][0] for call in responses.calls]
    assert asked.count("gamma") == 4
    source = Source.objects.get(pk=source.pk)
    assert (source.health, source.consecutive_failures) == (Source.Health.DOWN, 4)
    assert Alert.objects.filter(rule_kind="source_down", workspace=source.workspace).count() == 1
