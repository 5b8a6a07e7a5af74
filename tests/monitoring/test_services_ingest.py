from datetime import UTC, datetime

import pytest
from django.db import DataError

from monitoring.models import DeadLetter, Mention, Source
from monitoring.platforms.base import NormalizedPost, RejectedItem
from monitoring.services import mention_ingest_batch
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _post(external_id: str, text: str = "This is terrible service!", **kw) -> NormalizedPost:
    return NormalizedPost(
        platform="x",
        external_id=external_id,
        text=text,
        posted_at=kw.pop("posted_at", NOW),
        url=f"https://x.com/i/status/{external_id}",
        author_handle="someone",
        **kw,
    )


def test_mention_ingest_batch_stores_scores_and_saves_cursor():
    source = SourceFactory()
    result = mention_ingest_batch(
        source=source, posts=[_post("1"), _post("2", "I love it!")], cursor={"since_id": "2"}
    )
    assert len(result.new) == 2
    stored = {m.external_id: m for m in Mention.objects.filter(workspace=source.workspace)}
    assert stored["1"].sentiment_compound < -0.05
    assert stored["2"].sentiment_compound > 0.05
    assert stored["1"].sentiment_scorer == "vader"
    assert stored["1"].language == "en"
    source.refresh_from_db()
    assert source.cursor == {"since_id": "2"}
    assert source.health == Source.Health.OK
    assert source.last_item_count == 2


def test_mention_ingest_batch_skips_duplicates():
    source = SourceFactory()
    mention_ingest_batch(source=source, posts=[_post("1"), _post("2")], cursor={"n": 1})
    result = mention_ingest_batch(
        source=source, posts=[_post("2"), _post("3"), _post("3")], cursor={"n": 2}
    )
    assert [m.external_id for m in result.new] == ["3"]
    assert result.duplicates == 2
    assert Mention.objects.filter(workspace=source.workspace).count() == 3


def test_mention_ingest_batch_same_id_in_other_workspace_is_separate():
    a, b = SourceFactory(), SourceFactory()
    mention_ingest_batch(source=a, posts=[_post("1")], cursor={})
    mention_ingest_batch(source=b, posts=[_post("1")], cursor={})
    assert Mention.objects.filter(external_id="1").count() == 2


def test_mention_ingest_batch_dead_letters_bad_items_and_stores_the_rest():
    source = SourceFactory(cursor={"n": 0})
    bad = _post("b" * 300)
    rejected = [RejectedItem(reason="created_at: missing", raw='{"id": "9"}')]
    result = mention_ingest_batch(
        source=source, posts=[_post("1"), bad, _post("3")], cursor={"n": 9}, rejected=rejected
    )
    assert sorted(m.external_id for m in result.new) == ["1", "3"]
    letters = DeadLetter.objects.filter(source=source).order_by("id")
    assert [d.reason for d in letters] == ["created_at: missing", "external_id: empty or too long"]
    source.refresh_from_db()
    assert source.cursor == {"n": 9}


def test_mention_ingest_batch_survives_nul_characters():
    source = SourceFactory()
    post = _post("nul", "Bank\x00 Noord is down", raw={"text": "a\x00b", "nested": ["\x00"]})
    mention_ingest_batch(source=source, posts=[post], cursor={})
    stored = Mention.objects.get(external_id="nul")
    assert stored.text == "Bank Noord is down"
    assert stored.raw == {"text": "ab", "nested": [""]}


def test_mention_ingest_batch_rolls_back_everything_when_the_store_fails():
    source = SourceFactory(cursor={"n": 0})
    # A count past PostgreSQL's bigint makes the INSERT itself fail mid-page.
    posts = [_post("1"), _post("2", views=2**64), _post("3")]
    with pytest.raises(DataError):
        mention_ingest_batch(source=source, posts=posts, cursor={"n": 9})
    assert Mention.objects.count() == 0
    source.refresh_from_db()
    assert source.cursor == {"n": 0}
    # The retried page (fixed upstream) then stores each mention exactly once.
    good = [_post("1"), _post("2"), _post("3")]
    mention_ingest_batch(source=source, posts=good, cursor={"n": 9})
    mention_ingest_batch(source=source, posts=good, cursor={"n": 9})
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == ["1", "2", "3"]


@pytest.mark.timeout(60)
def test_mention_ingest_batch_stores_huge_posts_inside_a_normal_page():
    source = SourceFactory()
    huge_words = " ".join(["terrible"] + ["word"] * 10_000)
    emoji_flood = "😠" * 3000
    posts = [_post(str(i)) for i in range(20)]
    posts[10:10] = [_post("words", huge_words), _post("emoji", emoji_flood)]
    result = mention_ingest_batch(source=source, posts=posts, cursor={})
    assert len(result.new) == 22
    assert Mention.objects.get(external_id="emoji").sentiment_compound < -0.05
    assert Mention.objects.get(external_id="words").text == huge_words
    assert Mention.objects.get(external_id="15").sentiment_compound < -0.05
