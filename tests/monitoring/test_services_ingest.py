import dataclasses
import importlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.db import DataError
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitoring.models import DeadLetter, Mention, Source, WatchTerm
from monitoring.platforms.base import NormalizedPost, RejectedItem
from monitoring.platforms.text import language_code
from monitoring.sentiment import CHUNK_TOKENS, MAX_CHUNKS
from monitoring.services import mention_import_batch, mention_ingest_batch
from tests.factories import MembershipFactory, MentionFactory, SourceFactory

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
    bad = _post("b" * 300, raw={"id": "b" * 300, "text": "Storing \u2014 \U0001f621"})
    rejected = [RejectedItem(reason="created_at: missing", raw='{"id": "9"}')]
    result = mention_ingest_batch(
        source=source, posts=[_post("1"), bad, _post("3")], cursor={"n": 9}, rejected=rejected
    )
    assert sorted(m.external_id for m in result.new) == ["1", "3"]
    letters = DeadLetter.objects.filter(source=source).order_by("id")
    assert [d.reason for d in letters] == ["created_at: missing", "external_id: empty or too long"]
    assert json.loads(letters[1].raw) == bad.raw  # JSON, as the platform sent it
    source.refresh_from_db()
    assert source.cursor == {"n": 9}


@pytest.mark.parametrize(
    ("platform", "declared", "text", "stored", "scorer"),
    [
        # An author's app declaring English for a Dutch post: ours is sure, Dutch it is.
        (
            "mastodon",
            "en",
            "Ik ben echt heel boos, de app van de bank werkt weer niet",
            "nl",
            "vader-nl",
        ),
        (
            "bluesky",
            "en",
            "Ik ben echt heel boos, de app van de bank werkt weer niet",
            "nl",
            "vader-nl",
        ),
        # Nothing evident to ours (a hashtag and a link): the declared language stays.
        ("mastodon", "de", "#BankNoord https://example.org/x", "de", "vader"),
        # X detects the language itself: its word is taken.
        ("x", "en", "Ik ben echt heel boos, de app van de bank werkt weer niet", "en", "vader"),
        # None declared: ours.
        ("reddit", "", "The app is down again and support is not answering", "en", "vader"),
    ],
)
def test_author_declared_languages_are_checked_against_ours(
    platform, declared, text, stored, scorer
):
    source = SourceFactory()
    post = dataclasses.replace(_post("1", text, language=declared), platform=platform)
    mention_import_batch(workspace_id=source.workspace_id, source_id=source.pk, posts=[post])
    mention = Mention.objects.get(external_id="1")
    assert (mention.language, mention.sentiment_scorer) == (stored, scorer)


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


@contextmanager
def _scored_texts() -> Iterator[list[str]]:
    """Every text handed to a VADER analyzer's polarity_scores meanwhile (English or Dutch),
    observed with a profile hook: nothing of ours or of vaderSentiment's is replaced."""
    seen: list[str] = []

    def hook(frame, event, arg):
        if (
            event == "call"
            and frame.f_code.co_name == "polarity_scores"
            and isinstance(frame.f_locals.get("self"), SentimentIntensityAnalyzer)
        ):
            seen.append(frame.f_locals["text"])

    sys.setprofile(hook)
    try:
        yield seen
    finally:
        sys.setprofile(None)


@pytest.mark.timeout(60)  # a hang guard only: the bound itself is what the asserts check
def test_mention_ingest_batch_stores_huge_posts_inside_a_normal_page():
    # A polled X source with a watch term: every huge post is matched over its whole text (the
    # term is at its very end) and scored in bounded chunks, by the scorer of its language.
    source = SourceFactory(platform="x", settings={})
    term = WatchTerm.objects.create(workspace=source.workspace, query='"Bank Noord"')
    huge_words = " ".join(["terrible"] + ["word"] * 10_000 + ["Bank", "Noord"])
    huge_dutch = " ".join(["vreselijk"] + ["woord"] * 10_000 + ["Bank", "Noord"])
    emoji_flood = "😠" * 3000 + " Bank Noord"
    off_topic = " ".join(["terrible"] + ["word"] * 10_000 + ["Bank"])
    posts = [_post(str(i), "Bank Noord: this is terrible service!") for i in range(20)]
    posts[10:10] = [
        _post("words", huge_words),
        _post("dutch", huge_dutch, language="nl"),
        _post("emoji", emoji_flood),
        _post("off-topic", off_topic),
    ]
    with _scored_texts() as scored:
        result = mention_ingest_batch(source=source, posts=posts, cursor={"since_id": "9"})
    assert (len(result.new), result.not_matching) == (23, 1)
    # The bound: VADER (cost quadratic in tokens) never saw more than a chunk at a time, nor
    # more than MAX_CHUNKS pieces of one post: 20 normal posts + 3 huge ones.
    emojis = SentimentIntensityAnalyzer().emojis
    assert max(len(t.split()) + sum(ch in emojis for ch in t) for t in scored) <= CHUNK_TOKENS
    assert len(scored) <= 20 + 3 * MAX_CHUNKS
    stored = {m.external_id: m for m in Mention.objects.filter(workspace=source.workspace)}
    assert "off-topic" not in stored
    assert stored["words"].text == huge_words
    assert (stored["words"].sentiment_scorer, stored["dutch"].sentiment_scorer) == (
        "vader",
        "vader-nl",
    )
    for external_id in ("words", "dutch", "emoji", "15"):
        assert stored[external_id].sentiment_compound < -0.05
    assert {tuple(m.matched_terms) for m in stored.values()} == {(term.pk,)}


def test_mention_ingest_batch_stores_a_future_post_as_now_and_dead_letters_impossible_dates():
    # Platform payloads name their own dates (a Bluesky record's createdAt is what the
    # author's app wrote): a date past datetime's last year overflows in a local time zone,
    # which would fail every page of the mention list holding it.
    source = SourceFactory(cursor={"n": 0})
    ancient = datetime(1, 1, 1, tzinfo=UTC)
    posts = [
        _post("now", posted_at=NOW),
        _post("future", posted_at=datetime(2030, 1, 1, tzinfo=UTC), raw={"at": "2030"}),
        _post("before-1900", posted_at=datetime(1899, 12, 31, 23, 59, tzinfo=UTC)),
        _post("year-1", posted_at=ancient),
        _post("year-9999", posted_at=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
        _post("author-year-1", author_created_at=ancient),
        _post("author-year-9999", author_created_at=datetime(9999, 12, 31, tzinfo=UTC)),
    ]
    result = mention_ingest_batch(source=source, posts=posts, cursor={"n": 1})
    stored = {m.external_id: m for m in Mention.objects.filter(workspace=source.workspace)}
    assert set(stored) == {"now", "future", "author-year-1", "author-year-9999"}
    assert len(result.new) == 4
    future = stored["future"]
    assert future.posted_at == future.fetched_at  # now, not the top of the stream for years
    assert future.raw == {"at": "2030"}  # the payload keeps what the platform said
    assert stored["now"].posted_at == NOW
    assert stored["author-year-1"].author_created_at is None
    assert stored["author-year-9999"].author_created_at is None
    reasons = sorted(DeadLetter.objects.filter(source=source).values_list("reason", flat=True))
    assert reasons == [
        "posted_at: out of range (0001-01-01T00:00:00+00:00)",
        "posted_at: out of range (1899-12-31T23:59:00+00:00)",
        "posted_at: out of range (9999-12-31T23:59:59+00:00)",
    ]
    source.refresh_from_db()
    assert source.cursor == {"n": 1}


def test_mention_ingest_batch_checks_naive_dates_in_the_default_zone():
    source = SourceFactory()
    posts = [
        _post("naive-future", posted_at=datetime(2030, 1, 1)),  # noqa: DTZ001
        _post("naive-ancient", posted_at=datetime(1, 1, 1)),  # noqa: DTZ001
        _post("naive-author", author_created_at=datetime(9999, 12, 31)),  # noqa: DTZ001
        _post("naive-author-ok", author_created_at=datetime(2014, 3, 1, 9, 0)),  # noqa: DTZ001
    ]
    mention_ingest_batch(source=source, posts=posts, cursor={})
    stored = {m.external_id: m for m in Mention.objects.filter(source=source)}
    assert set(stored) == {"naive-future", "naive-author", "naive-author-ok"}
    assert stored["naive-future"].posted_at == stored["naive-future"].fetched_at
    assert stored["naive-author"].author_created_at is None
    assert stored["naive-author-ok"].author_created_at == datetime(2014, 3, 1, 8, 0, tzinfo=UTC)


def test_mention_ingest_batch_keeps_a_post_whose_payload_is_nested_too_deeply_to_store():
    # A platform's JSON can nest deeper than JSON text is written here (orjson stops at 255
    # levels, json.dumps at Python's recursion limit): the post is stored, with a note for raw.
    source = SourceFactory()
    deep: dict = {"leaf": 1}
    for _ in range(sys.getrecursionlimit()):
        deep = {"x": deep}
    posts = [_post("deep", raw=deep), _post("shallow", raw={"x": {"y": 1}})]
    result = mention_ingest_batch(source=source, posts=posts, cursor={"n": 1})
    assert result.new_count == 2
    stored = {m.external_id: m.raw for m in Mention.objects.filter(workspace=source.workspace)}
    assert stored == {"deep": {"raw_not_kept": "nested too deeply"}, "shallow": {"x": {"y": 1}}}


def test_migration_0013_mends_mentions_stored_with_impossible_dates(client):
    migration = importlib.import_module("monitoring.migrations.0013_mentions_with_impossible_dates")
    fetched = datetime(2026, 11, 25, 12, 0, 5, tzinfo=UTC)
    far = MentionFactory(posted_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC), fetched_at=fetched)
    ahead = MentionFactory(
        workspace=far.workspace, posted_at=datetime(2030, 1, 1, tzinfo=UTC), fetched_at=fetched
    )
    ancient = MentionFactory(
        workspace=far.workspace,
        posted_at=datetime(1, 1, 2, tzinfo=UTC),
        fetched_at=fetched,
        author_created_at=datetime(9999, 6, 1, tzinfo=UTC),
    )
    fine = MentionFactory(
        workspace=far.workspace,
        posted_at=NOW,
        fetched_at=fetched,
        author_created_at=datetime(2020, 1, 1, tzinfo=UTC),
    )
    client.force_login(MembershipFactory(workspace=far.workspace).user)
    listing = f"/api/mentions/?workspace={far.workspace.slug}"
    assert client.get(listing).status_code == 400  # what one such row did to the whole list
    migration._mend(apps, None)
    stored = {m.pk: m for m in Mention.objects.all()}
    assert [stored[m.pk].posted_at for m in (far, ahead, ancient)] == [fetched] * 3
    assert stored[ancient.pk].author_created_at is None
    assert (stored[fine.pk].posted_at, stored[fine.pk].author_created_at) == (
        NOW,
        datetime(2020, 1, 1, tzinfo=UTC),
    )
    assert client.get(listing).status_code == 200


def test_mention_ingest_batch_sets_aside_an_id_it_cannot_store_and_stores_the_rest():
    # Cleaning the id could make two ids one; storing it would fail the page, and the page
    # would be fetched and refused again at every poll.
    source = SourceFactory(cursor={"n": 0})
    posts = [_post("1"), _post("a\x00b"), _post("c\ud800d"), _post("é-2")]
    result = mention_ingest_batch(source=source, posts=posts, cursor={"n": 1})
    assert sorted(m.external_id for m in result.new) == ["1", "é-2"]
    reasons = DeadLetter.objects.filter(source=source).values_list("reason", flat=True)
    assert list(reasons) == ["external_id: holds a NUL or a lone surrogate"] * 2
    source.refresh_from_db()
    assert source.cursor == {"n": 1}


@pytest.mark.parametrize(
    ("given", "code"),
    [("nl-NL", "nl"), ("NL_nl", "nl"), (" en ", "en"), ("n\x00l", ""), ("1", ""), (None, "")],
)
def test_language_code_keeps_only_letters(given, code):
    assert language_code(given) == code
