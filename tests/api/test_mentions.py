from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from tests.factories import MentionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(make_workspace, make_member, api_client_for):
    ws = make_workspace(slug="alpha")
    return ws, api_client_for(make_member(ws))


def test_mention_api_shape(member_client):
    ws, client = member_client
    m = MentionFactory(workspace=ws, sentiment_compound=-0.4, sentiment_neg=0.5)
    row = client.get("/api/mentions/").json()["results"][0]
    for key in ("id", "workspace", "platform", "external_id", "url", "author", "text"):
        assert key in row
    assert row["workspace"] == "alpha"
    assert row["external_id"] == m.external_id
    assert row["sentiment"]["compound"] == -0.4
    assert row["sentiment"]["neg"] == 0.5
    assert set(row["sentiment"]) >= {"compound", "pos", "neu", "neg"}


def _listed_ids(client, query: str) -> set[int]:
    response = client.get(f"/api/mentions/?{query}")
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_mention_api_filters(member_client):
    ws, client = member_client
    now = timezone.now()
    neg = MentionFactory(workspace=ws, platform="x", sentiment_compound=-0.7, text="Datalek!")
    pos = MentionFactory(workspace=ws, platform="reddit", sentiment_compound=0.6, text="Top bank")
    old = MentionFactory(
        workspace=ws, posted_at=now - timedelta(days=3), text="Oud", sentiment_compound=0.0
    )

    ids = partial(_listed_ids, client)

    assert ids("platform=reddit") == {pos.pk}
    assert ids("sentiment_max=-0.5") == {neg.pk}
    assert ids("sentiment_min=0.5") == {pos.pk}
    assert ids("text=datalek") == {neg.pk}
    since = (now - timedelta(days=1)).isoformat().replace("+", "%2B")
    assert old.pk not in ids(f"since={since}")
    until = (now - timedelta(days=2)).isoformat().replace("+", "%2B")
    assert ids(f"until={until}") == {old.pk}


@pytest.mark.parametrize(
    "query",
    [
        "platform=myspace",
        "sentiment_min=abc",
        "sentiment_min=2",
        "sentiment_min=0.5&sentiment_max=-0.5",
        "since=yesterday",
        "page=999",
        "page_size=x",
        "sentiment=angry",
        "term=0",
        "term=x",
    ],
)
def test_mention_api_bad_filters_are_400_or_404_never_500(member_client, query):
    _ws, client = member_client
    MentionFactory(workspace=_ws)
    response = client.get(f"/api/mentions/?{query}")
    assert response.status_code in (400, 404)
    assert "detail" in response.json() or response.json()


def test_mention_api_filters_as_the_dashboards_stream_does(member_client):
    # Sentiment by label with the labels' own cut-offs, a watch term by id (12 is not 2),
    # text in the post or the author's handle, and "und" for no language detected.
    ws, client = member_client
    edge_negative = MentionFactory(workspace=ws, sentiment_compound=-0.05, matched_terms=[2])
    neutral = MentionFactory(workspace=ws, sentiment_compound=0.0499, matched_terms=[12, 3])
    edge_positive = MentionFactory(workspace=ws, sentiment_compound=0.05, matched_terms=[3, 2])
    by_author = MentionFactory(
        workspace=ws,
        author_handle="NoordWatcher",
        text="hallo",
        language="",
        sentiment_compound=0.0,
        matched_terms=[],
    )
    undetected = MentionFactory(
        workspace=ws, language="und", text="???", sentiment_compound=0.0, matched_terms=[]
    )

    ids = partial(_listed_ids, client)

    assert ids("sentiment=negative") == {edge_negative.pk}
    assert ids("sentiment=positive") == {edge_positive.pk}
    neutral_ids = ids("sentiment=neutral")
    assert neutral.pk in neutral_ids
    assert edge_negative.pk not in neutral_ids
    assert edge_positive.pk not in neutral_ids
    assert ids("term=2") == {edge_negative.pk, edge_positive.pk}
    assert ids("term=12") == {neutral.pk}
    assert ids("term=3") == {neutral.pk, edge_positive.pk}
    assert ids("text=noordwatch") == {by_author.pk}
    assert ids("language=und") == {by_author.pk, undetected.pk}


def test_mention_api_paginates(member_client):
    ws, client = member_client
    MentionFactory.create_batch(7, workspace=ws)
    body = client.get("/api/mentions/?page_size=5").json()
    assert body["count"] == 7
    assert len(body["results"]) == 5
    assert body["next"]


def test_volume_api_buckets_per_minute_and_platform(member_client):
    ws, client = member_client
    now = timezone.now().replace(second=30)
    MentionFactory(workspace=ws, platform="x", posted_at=now, sentiment_compound=-0.5)
    MentionFactory(workspace=ws, platform="x", posted_at=now, sentiment_compound=0.1)
    MentionFactory(workspace=ws, platform="reddit", posted_at=now, sentiment_compound=0.0)
    series = client.get("/api/mentions/volume/?workspace=alpha").json()["series"]
    by_platform = {row["platform"]: row for row in series}
    assert by_platform["x"]["count"] == 2
    assert by_platform["x"]["negative"] == 1
    assert by_platform["x"]["sentiment_sum"] == pytest.approx(-0.4)
    assert by_platform["reddit"]["count"] == 1


def test_volume_api_requires_valid_workspace_param(member_client):
    _ws, client = member_client
    assert client.get("/api/mentions/volume/").status_code == 400
    assert client.get("/api/mentions/volume/?workspace=alpha&range=5m").status_code == 400


def test_mention_api_ids_filter_and_its_errors(member_client):
    ws, client = member_client
    a, b, _c = MentionFactory.create_batch(3, workspace=ws)
    body = client.get(f"/api/mentions/?ids={a.pk},{b.pk}").json()
    assert {row["id"] for row in body["results"]} == {a.pk, b.pk}
    assert client.get("/api/mentions/?ids=1,two").status_code == 400
    other = MentionFactory()  # another workspace: never returned, whatever the ids
    assert client.get(f"/api/mentions/?ids={other.pk}").json()["results"] == []


def test_mention_api_min_followers_counts_a_news_outlet_with_its_reach(member_client):
    ws, client = member_client
    outlet = MentionFactory(workspace=ws, author_followers=0, author_is_outlet=True)
    big = MentionFactory(workspace=ws, author_followers=60_000)
    MentionFactory(workspace=ws, author_followers=10)
    rows = client.get("/api/mentions/?min_followers=50000").json()["results"]
    assert {row["id"] for row in rows} == {outlet.pk, big.pk}


@pytest.mark.parametrize(("language", "detail"), [("en", "Not found."), ("nl", "Niet gevonden.")])
def test_an_unknown_id_is_a_404_in_words_naming_no_model(member_client, language, detail):
    _ws, client = member_client
    response = client.get("/api/mentions/999999/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert response.json() == {"detail": detail}  # not "No Mention matches the given query."
