"""Polling a news source whose fixed feeds partly fail: the poll goes on with the working
feeds. Feeds answer through `responses` at the HTTP boundary (tests/fixtures/platforms/news)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses

from monitoring.models import Mention, Source, WatchTerm
from monitoring.services import source_poll
from tests.factories import SourceFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms" / "news"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GOOD = "https://www.dagbladnoord.example/economie/rss"
BROKEN = "https://www.omroepnoord.example/regio.atom"
# Two terms too long to share one search (news searches hold 1000 characters): two queries.
LONG_TERMS = ['"Bank Noord" OR "a' + " woorden" * 60 + '"', '"b' + " woorden" * 62 + '"']


def _news_source(terms: list[str]) -> Source:
    workspace = WorkspaceFactory()
    for term in terms:
        WatchTerm.objects.create(workspace=workspace, query=term)
    return SourceFactory(workspace=workspace, platform="news", settings={"feeds": [GOOD, BROKEN]})


def _serve(mock: responses.RequestsMock) -> None:
    rss = (FIXTURES / "dagblad_noord.rss").read_bytes()
    mock.get(GOOD, body=rss, content_type="application/rss+xml")
    html = (FIXTURES / "not_a_feed.html").read_bytes()
    mock.get(BROKEN, body=html, content_type="text/html")


def test_news_poll_with_several_queries_goes_on_past_a_broken_feed():
    source = _news_source(LONG_TERMS)
    with responses.RequestsMock() as mock:
        _serve(mock)
        for minutes in (0, 1):
            source_poll(source=source, now=NOW + timedelta(minutes=minutes))

    source.refresh_from_db()
    assert len(source.cursor) == 2  # one entry per compiled query
    assert (source.health, source.consecutive_failures) == (Source.Health.OK, 0)
    assert Mention.objects.filter(source=source).exists()
