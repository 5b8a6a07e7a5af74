"""Never blind: failures are recorded per source, and a source that keeps failing alerts."""

from datetime import timedelta

import pytest
import responses
from django.utils import timezone, translation
from django.utils.formats import date_format

from monitoring.models import Alert, Source
from monitoring.platforms.base import PlatformUnavailable
from realtime.publisher import drain
from tests.factories import SourceFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)

FEED = "https://news.example.org/rss"
GOOD_FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Nieuws</title>'
    "<item><title>Storing bij Bank Noord</title><link>https://news.example.org/1</link>"
    "<guid>n1</guid><pubDate>Wed, 25 Nov 2026 10:00:00 GMT</pubDate></item>"
    "</channel></rss>"
)


@pytest.fixture
def news_source():
    ws = WorkspaceFactory()
    from monitoring.models import WatchTerm

    WatchTerm.objects.create(workspace=ws, query="Bank Noord")
    return SourceFactory(workspace=ws, platform="news", settings={"feeds": [FEED]})


# Each poll comes after the previous one's backoff (30 s, 60 s, 120 s, plus jitter); the
# fifth, ten minutes after the first, makes the source Down.
OUTAGE_POLLS = (0, 40, 120, 280, 600)


@responses.activate
def test_source_down_after_failing_for_minutes_raises_one_alert(news_source):
    responses.add(responses.GET, FEED, status=503)
    start = timezone.now()
    for offset in OUTAGE_POLLS:
        source = Source.objects.get(pk=news_source.pk)
        with pytest.raises(PlatformUnavailable):
            _poll(source, now=start + timedelta(seconds=offset))
        if offset == 120:  # three failures, but only two minutes: lagging, not down yet
            assert Source.objects.get(pk=news_source.pk).health == Source.Health.LAGGING
            assert not Alert.objects.filter(rule_kind="source_down").exists()
    source = Source.objects.get(pk=news_source.pk)
    assert source.health == Source.Health.DOWN
    assert source.consecutive_failures == 5
    assert "503" in source.last_error or "Unavailable" in source.last_error
    alerts = Alert.objects.filter(workspace=source.workspace, rule_kind="source_down")
    assert alerts.count() == 1  # once per outage, not once per failed poll
    assert alerts[0].details["source"] == source.name
    assert source.name in alerts[0].explanation


@responses.activate
def test_a_good_poll_after_an_outage_says_on_the_alert_since_when_the_source_is_live(
    news_source, client, make_member, settings
):
    settings.REALTIME_FLUSH_INTERVAL = 0.0
    responses.add(responses.GET, FEED, status=503)
    start = timezone.now()
    for offset in OUTAGE_POLLS:
        with pytest.raises(PlatformUnavailable):
            _poll(Source.objects.get(pk=news_source.pk), now=start + timedelta(seconds=offset))
    (alert,) = Alert.objects.filter(rule_kind="source_down")
    assert alert.recovered_at is None
    client.force_login(make_member(news_source.workspace))
    events_url = f"/api/events/?workspace={news_source.workspace.slug}"
    seq = client.get(events_url).json()["seq"]

    responses.replace(responses.GET, FEED, body=GOOD_FEED, content_type="application/rss+xml")
    back = start + timedelta(seconds=1200)
    _poll(Source.objects.get(pk=news_source.pk), now=back)
    drain()
    alert.refresh_from_db()
    assert alert.recovered_at == back
    assert alert.status == Alert.Status.NEW  # the team's to triage
    with translation.override("en"):
        assert alert.explanation.endswith(f"Live again since {_short(back)}.")
    messages = client.get(f"{events_url}&after={seq}").json()["messages"]
    (updated,) = [e for m in messages for e in m["events"] if e["type"] == "alert.updated"]
    assert updated["id"] == alert.pk
    with translation.override("nl"):
        assert updated["explanation"]["nl"].endswith(f"Weer live sinds {_short(back)}.")

    # Once per outage: a later good poll leaves the time as it was.
    _poll(Source.objects.get(pk=news_source.pk), now=back + timedelta(minutes=5))
    alert.refresh_from_db()
    assert alert.recovered_at == back


def _short(when) -> str:
    return date_format(timezone.localtime(when), "SHORT_DATETIME_FORMAT")


def _poll(source: Source, now=None):
    from monitoring.services import source_poll

    return source_poll(source=source, now=now)


@responses.activate
def test_source_recovers_to_ok_after_a_good_poll(news_source):
    responses.add(responses.GET, FEED, status=503)
    with pytest.raises(PlatformUnavailable):
        _poll(news_source)
    assert Source.objects.get(pk=news_source.pk).health == Source.Health.LAGGING
    responses.replace(responses.GET, FEED, body=GOOD_FEED, content_type="application/rss+xml")
    # After the backoff (30 s plus jitter) the next poll succeeds.
    _poll(Source.objects.get(pk=news_source.pk), now=timezone.now() + timedelta(seconds=40))
    source = Source.objects.get(pk=news_source.pk)
    assert source.health == Source.Health.OK
    assert source.consecutive_failures == 0
    assert source.last_item_count == 1
    assert source.mentions.get().author_is_outlet is True


@responses.activate
def test_poll_stores_only_mentions_matching_watch_terms(news_source):
    responses.add(
        responses.GET,
        FEED,
        body=(
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Nieuws</title>'
            "<item><title>Storing bij Bank Noord</title><guid>a</guid>"
            "<link>https://news.example.org/a</link></item>"
            "<item><title>Weerbericht: regen</title><guid>b</guid>"
            "<link>https://news.example.org/b</link></item>"
            "</channel></rss>"
        ),
        content_type="application/rss+xml",
    )
    result = _poll(news_source)
    texts = list(news_source.mentions.values_list("text", flat=True))
    assert len(texts) == 1
    assert texts[0].startswith("Storing bij Bank Noord")
    assert (result.fetched, result.inserted) == (2, 1)


@responses.activate
def test_sources_page_shows_admins_the_last_error_and_when_it_happened(
    news_source, client, make_member
):
    responses.add(responses.GET, FEED, status=503)
    failed_at = timezone.now()
    with pytest.raises(PlatformUnavailable):
        _poll(news_source, now=failed_at)
    client.force_login(make_member(news_source.workspace, role="admin"))
    page = client.get(f"/w/{news_source.workspace.slug}/sources/").content.decode()
    source = Source.objects.get(pk=news_source.pk)
    assert source.last_error_at == failed_at
    assert f'<time datetime="{timezone.localtime(failed_at).isoformat()[:19]}' in page
    assert "503" in page
