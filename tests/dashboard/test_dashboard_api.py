"""Chart ranges, top lists and the replay log behind the dashboard, through the REST API."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from monitoring.models import WatchTerm
from monitoring.selectors_dashboard import CHART_RANGES, chart_range_since
from monitoring.severity import OUTLET_MIN_REACH
from realtime import events
from realtime.publisher import drain, publish_on_commit
from tests.factories import MentionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(make_workspace, make_member, api_client_for):
    ws = make_workspace(slug="alpha")
    return ws, api_client_for(make_member(ws))


def _bucket_start(moment: datetime, seconds: int) -> str:
    stamp = int(moment.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, tz=UTC).isoformat()


@pytest.mark.parametrize(("code", "seconds"), [("1h", 60), ("24h", 900), ("7d", 3600)])
def test_volume_buckets_per_range_and_platform(member_client, code, seconds):
    ws, client = member_client
    moment = timezone.now() - timedelta(minutes=40)
    MentionFactory(workspace=ws, platform="x", posted_at=moment, sentiment_compound=-0.5)
    MentionFactory(workspace=ws, platform="x", posted_at=moment, sentiment_compound=0.1)
    MentionFactory(workspace=ws, platform="reddit", posted_at=moment, sentiment_compound=0.0)
    # Outside the 1h range, inside 24h and 7d; then outside every range; then another workspace.
    MentionFactory(workspace=ws, platform="x", posted_at=moment - timedelta(hours=3))
    MentionFactory(workspace=ws, platform="x", posted_at=moment - timedelta(days=8))
    MentionFactory(platform="x", posted_at=moment)

    body = client.get(f"/api/mentions/volume/?workspace=alpha&range={code}").json()
    assert body["range"] == code
    assert body["bucket_seconds"] == seconds
    series = body["series"]
    at_moment = {r["platform"]: r for r in series if r["bucket"] == _bucket_start(moment, seconds)}
    assert at_moment["x"]["count"] == 2
    assert at_moment["x"]["negative"] == 1
    assert at_moment["x"]["sentiment_sum"] == pytest.approx(-0.4)
    assert at_moment["reddit"]["count"] == 1
    total = sum(r["count"] for r in series)
    assert total == (3 if code == "1h" else 4)
    since = datetime.fromisoformat(body["since"])
    assert all(datetime.fromisoformat(r["bucket"]) >= since for r in series)


def test_range_since_is_bucket_aligned():
    now = datetime(2026, 11, 25, 12, 7, 31, tzinfo=UTC)
    assert chart_range_since(chart_range=CHART_RANGES["1h"], now=now) == datetime(
        2026, 11, 25, 11, 7, tzinfo=UTC
    )
    assert chart_range_since(chart_range=CHART_RANGES["24h"], now=now) == datetime(
        2026, 11, 24, 12, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "query",
    ["", "workspace=alpha&range=2h", "workspace=alpha&range=1H", "workspace=Bad%20Slug"],
)
def test_volume_and_top_reject_bad_parameters_with_400(member_client, query):
    _ws, client = member_client
    for endpoint in ("volume", "top"):
        response = client.get(f"/api/mentions/{endpoint}/?{query}")
        assert response.status_code == 400, (endpoint, query)
    assert "range" in client.get("/api/mentions/top/?workspace=alpha&range=2h").json()


def test_volume_and_top_are_404_for_other_workspaces(member_client, make_workspace):
    _ws, client = member_client
    make_workspace(slug="beta")
    for endpoint in ("volume", "top"):
        assert client.get(f"/api/mentions/{endpoint}/?workspace=beta").status_code == 404
        assert client.get(f"/api/mentions/{endpoint}/?workspace=nope").status_code == 404


def test_top_lists_hashtags_terms_words_and_authors_by_reach(member_client):
    ws, client = member_client
    term = WatchTerm.objects.create(workspace=ws, query='"Bank Noord"')
    recent = timezone.now() - timedelta(minutes=5)
    hostile = "<img src=x onerror=alert(1)>"
    for handle, followers, tags in [
        ("small", 10, ["Storing", "banknoord"]),
        ("small", 12, ["storing"]),
        (hostile, 90_000, ["storing"]),
        ("mid", 5_000, ["#pinnen"]),
    ]:
        MentionFactory(
            workspace=ws, author_handle=handle, author_followers=followers, hashtags=tags,
            matched_terms=[term.pk], posted_at=recent, text="Storing pinnen Bank Noord weer",
        )  # fmt: skip
    MentionFactory(workspace=ws, author_handle="old", author_followers=10**7, hashtags=["oud"],
                   posted_at=recent - timedelta(hours=2))  # fmt: skip
    MentionFactory(author_handle="foreign", author_followers=10**8, posted_at=recent)

    body = client.get("/api/mentions/top/?workspace=alpha&range=1h").json()
    assert body["hashtags"][0] == {"tag": "storing", "count": 3}
    assert {"tag": "pinnen", "count": 1} in body["hashtags"]
    assert "oud" not in {h["tag"] for h in body["hashtags"]}
    assert body["terms"] == [{"id": term.pk, "query": '"Bank Noord"', "count": 4}]
    words = {w["word"]: w["count"] for w in body["words"]}
    assert words["storing"] == 4
    assert "weer" not in words  # a stopword
    assert "bank" not in words  # a watch term's word: every mention has it
    assert words["pinnen"] == 4
    assert body["words_sampled"] == 4
    authors = body["authors"]
    assert [a["author"] for a in authors] == [hostile, "mid", "small"]  # raw text, by reach
    assert authors[0]["reach"] == 90_000
    assert authors[2] == {
        "platform": "x", "author": "small", "reach": 12, "mentions": 2, "negative": 2
    }  # fmt: skip
    wide = client.get("/api/mentions/top/?workspace=alpha&range=24h").json()
    assert wide["authors"][0]["author"] == "old"


def test_top_authors_rank_a_news_outlet_at_least_at_the_outlet_minimum(member_client):
    ws, client = member_client
    recent = timezone.now() - timedelta(minutes=5)
    for handle, followers, outlet in [
        ("Dagblad Noord", 0, True),  # an RSS feed tells no follower count
        ("NOS", 2_500_000, True),
        ("mid", 90_000, False),
    ]:
        MentionFactory(
            workspace=ws, platform="news" if outlet else "x", author_handle=handle,
            author_followers=followers, author_is_outlet=outlet, posted_at=recent,
        )  # fmt: skip
    authors = client.get("/api/mentions/top/?workspace=alpha&range=1h").json()["authors"]
    assert [(a["author"], a["reach"]) for a in authors] == [
        ("NOS", 2_500_000),
        ("Dagblad Noord", OUTLET_MIN_REACH),
        ("mid", 90_000),
    ]


def test_top_on_an_empty_workspace_is_empty_lists(member_client):
    _ws, client = member_client
    body = client.get("/api/mentions/top/?workspace=alpha&range=7d").json()
    assert body["hashtags"] == body["terms"] == body["words"] == body["authors"] == []


def _publish(workspace_id: int, mention, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        publish_on_commit(
            workspace_id=workspace_id,
            event=events.MentionBatch(
                workspace_id=workspace_id, mentions=[events.mention_item(mention)]
            ),
        )
    drain()


def test_event_replay_returns_exactly_the_missed_messages(
    member_client, django_capture_on_commit_callbacks, settings
):
    settings.REALTIME_FLUSH_INTERVAL = 0.0
    ws, client = member_client
    start = client.get("/api/events/?workspace=alpha").json()
    assert start["messages"] == []
    assert start["complete"] is True
    mentions = MentionFactory.create_batch(3, workspace=ws)
    for mention in mentions:
        _publish(ws.pk, mention, django_capture_on_commit_callbacks)

    body = client.get(f"/api/events/?workspace=alpha&after={start['seq']}").json()
    assert body["complete"] is True
    assert body["seq"] == start["seq"] + 3
    assert [m["seq"] for m in body["messages"]] == [start["seq"] + i for i in (1, 2, 3)]
    replayed = [m["events"][0]["mentions"][0]["id"] for m in body["messages"]]
    assert replayed == [m.pk for m in mentions]
    # Up to date: nothing to replay.
    latest = client.get(f"/api/events/?workspace=alpha&after={body['seq']}").json()
    assert latest["messages"] == []
    assert latest["complete"] is True


def test_event_replay_says_incomplete_when_the_log_no_longer_holds_the_gap(
    member_client, django_capture_on_commit_callbacks, settings
):
    settings.REALTIME_FLUSH_INTERVAL = 0.0
    settings.REALTIME_REPLAY_MESSAGES = 2
    ws, client = member_client
    start = client.get("/api/events/?workspace=alpha").json()["seq"]
    for mention in MentionFactory.create_batch(4, workspace=ws):
        _publish(ws.pk, mention, django_capture_on_commit_callbacks)
    body = client.get(f"/api/events/?workspace=alpha&after={start}").json()
    assert body["complete"] is False, (
        body
    )  # start+1 and start+2 were trimmed  # start+1, start+2 were trimmed
    assert [m["seq"] for m in body["messages"]] == [start + 3, start + 4]
    assert client.get(f"/api/events/?workspace=alpha&after={start + 2}").json()["complete"]
    # A number beyond the latest (Redis was reset): not complete, the page re-reads.
    assert not client.get(f"/api/events/?workspace=alpha&after={start + 99}").json()["complete"]


def test_event_replay_errors(member_client, make_workspace, api_client_for):
    _ws, client = member_client
    make_workspace(slug="beta")
    assert client.get("/api/events/").status_code == 400
    assert client.get("/api/events/?workspace=alpha&after=-1").status_code == 400
    assert client.get("/api/events/?workspace=alpha&after=x").status_code == 400
    assert client.get("/api/events/?workspace=beta").status_code == 404
    assert api_client_for(None).get("/api/events/?workspace=alpha").status_code in (401, 403)
