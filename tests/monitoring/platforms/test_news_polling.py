"""Polling a news source whose fixed feeds partly fail: the poll goes on with the working
feeds. Feeds answer through `responses` at the HTTP boundary (tests/fixtures/platforms/news)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses

from monitoring.models import DeadLetter, Mention, Source, WatchTerm
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
    assert DeadLetter.objects.filter(source=source).count() == 1  # both polls, both queries


def _poll(source: Source, at: datetime) -> Source:
    source_poll(source=source, now=at)
    source.refresh_from_db()
    return source


def test_news_poll_dead_letters_a_feed_that_stays_broken_once_per_failure_and_shows_it():
    source = _news_source(["Bank Noord"])
    html = (FIXTURES / "not_a_feed.html").read_bytes()
    rss = (FIXTURES / "dagblad_noord.rss").read_bytes()
    with responses.RequestsMock() as mock:
        mock.get(GOOD, body=rss, content_type="application/rss+xml")
        broken = [mock.get(BROKEN, body=html, content_type="text/html") for _ in range(3)]
        at = [NOW + timedelta(seconds=10 * n) for n in range(6)]
        for when in at[:3]:  # every 10 seconds, broken the same way
            _poll(source, when)
        letters = DeadLetter.objects.filter(source=source)
        assert [letter.reason.split(" (")[0] for letter in letters.all()] == [
            f"feed {BROKEN}: not a readable feed"
        ]
        assert (source.health, source.last_error_at) == (Source.Health.OK, at[2])
        assert source.last_error.startswith(f"feed {BROKEN}: not a readable feed")

        for response in broken:
            mock.remove(response)
        mock.get(BROKEN, status=410)  # broken otherwise: dead-lettered again
        assert _poll(source, at[3]).last_error == f"feed {BROKEN}: HTTP 410"
        assert letters.count() == 2

        mock.replace("GET", BROKEN, body=(FIXTURES / "omroep_noord.atom").read_bytes())
        assert _poll(source, at[4]).last_error == ""  # works again

        mock.replace("GET", BROKEN, body=html, content_type="text/html")
        _poll(source, at[5])  # a new failure: a new dead letter
        assert letters.count() == 3
        assert (source.health, source.consecutive_failures) == (Source.Health.OK, 0)


def test_news_poll_shows_a_failing_private_feed_without_its_token():
    private = "https://alerts.example.org/feeds/9f8e7d6c5b4a39281716ab/rss?key=s3cr3t-v4lue"
    source = _news_source(["Bank Noord"])
    source.settings = {"feeds": [GOOD, private]}
    source.save()
    with responses.RequestsMock() as mock:
        mock.get(GOOD, body=(FIXTURES / "dagblad_noord.rss").read_bytes())
        mock.get(private, status=503)
        _poll(source, NOW)

    assert source.last_error.startswith("feed https://alerts.example.org/feeds/***/rss?key=***")
    assert source.last_error.endswith("HTTP 503")
    assert "9f8e7d6c5b4a39281716ab" not in source.last_error
    assert "s3cr3t" not in source.last_error
    assert source.health == Source.Health.OK
    assert not DeadLetter.objects.filter(source=source).exists()  # transient: logged only


def test_news_poll_dead_letters_a_broken_page_once_where_it_breaks_elsewhere_each_time():
    # An error page that varies (a request id, a date) breaks the parser at another place on
    # every poll: the same failure all the same.
    source = _news_source(["Bank Noord"])
    with responses.RequestsMock() as mock:
        mock.get(GOOD, body=(FIXTURES / "dagblad_noord.rss").read_bytes())
        for n in range(3):
            page = f"<html><body>{'<br/>' * n}<p>Request {n}</html>".encode()
            mock.get(BROKEN, body=page, content_type="text/html")
            _poll(source, NOW + timedelta(seconds=10 * n))
    assert DeadLetter.objects.filter(source=source).count() == 1
    assert "mismatched tag" in source.last_error
