"""Never blind: failures are recorded per source, and a source that keeps failing alerts."""

import pytest
import responses

from monitoring.models import Alert, Source
from monitoring.platforms.base import PlatformUnavailable
from monitoring.tasks import poll_source
from tests.factories import SourceFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)

FEED = "https://news.example.org/rss"


@pytest.fixture
def news_source():
    ws = WorkspaceFactory()
    from monitoring.models import WatchTerm

    WatchTerm.objects.create(workspace=ws, query="Bank Noord")
    return SourceFactory(workspace=ws, platform="news", settings={"feeds": [FEED]})


@responses.activate
def test_source_down_after_three_failures_raises_one_alert(news_source):
    responses.add(responses.GET, FEED, status=503)
    for attempt in range(4):
        Source.objects.filter(pk=news_source.pk).update(lease_until=None, last_polled_at=None)
        source = Source.objects.get(pk=news_source.pk)
        with pytest.raises(PlatformUnavailable):
            poll_source.run(source.pk) if attempt == 0 else _poll(source)
    source = Source.objects.get(pk=news_source.pk)
    assert source.health == Source.Health.DOWN
    assert source.consecutive_failures == 4
    assert "503" in source.last_error or "Unavailable" in source.last_error
    alerts = Alert.objects.filter(workspace=source.workspace, rule_kind="source_down")
    assert alerts.count() == 1  # once per outage, not once per failed poll
    assert alerts[0].details["source"] == source.name
    assert source.name in alerts[0].explanation


def _poll(source: Source) -> None:
    from monitoring.services import source_poll

    source_poll(source=source)


@responses.activate
def test_source_recovers_to_ok_after_a_good_poll(news_source):
    responses.add(responses.GET, FEED, status=503)
    with pytest.raises(PlatformUnavailable):
        _poll(news_source)
    assert Source.objects.get(pk=news_source.pk).health == Source.Health.LAGGING
    responses.replace(
        responses.GET,
        FEED,
        body=(
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Nieuws</title>'
            "<item><title>Storing bij Bank Noord</title><link>https://news.example.org/1</link>"
            "<guid>n1</guid><pubDate>Wed, 25 Nov 2026 10:00:00 GMT</pubDate></item>"
            "</channel></rss>"
        ),
        content_type="application/rss+xml",
    )
    Source.objects.filter(pk=news_source.pk).update(lease_until=None)
    _poll(Source.objects.get(pk=news_source.pk))
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
    _poll(news_source)
    texts = list(news_source.mentions.values_list("text", flat=True))
    assert len(texts) == 1
    assert texts[0].startswith("Storing bij Bank Noord")
