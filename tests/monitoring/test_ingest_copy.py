"""The fast paths of ingest: COPY through a staging table (PostgreSQL; batched VALUES elsewhere)
and watch-term matching with a word-set pre-check. Both must store exactly what the plain
paths would."""

import json
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import DataError, IntegrityError, connection, transaction

from crisiscenter.db import (
    insert_ignore_conflicts,
    insert_rows_ignore_conflicts,
)
from monitoring.models import Mention, Source, WatchTerm
from monitoring.platforms.base import NormalizedPost
from monitoring.query import matching_terms
from monitoring.selectors import watch_term_queries
from monitoring.services import mention_import_batch, mention_ingest_batch
from realtime import events, publisher
from realtime.replay_log import replay_after
from tests.factories import SourceFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
KEY = ["workspace", "platform", "external_id"]
RETURNING = ["id", "platform", "external_id"]


def _post(external_id: str, text: str = "Bank Noord app ligt eruit 😡", **kw) -> NormalizedPost:
    return NormalizedPost(
        platform=kw.pop("platform", "x"),
        external_id=external_id,
        text=text,
        posted_at=kw.pop("posted_at", NOW),
        **kw,
    )


def _mention(workspace_id: int, external_id: str, **kw) -> Mention:
    values = {"text": "t", "posted_at": NOW, "fetched_at": NOW, "platform": "x"}
    return Mention(workspace_id=workspace_id, external_id=external_id, **values | kw)


def test_mention_import_batch_stores_every_column_as_given():
    source = SourceFactory(platform="x")
    post = _post(
        "full",
        "Zo blij met Bank Noord! 👍🏽 «quotes» \\ back\tslash\nnew line",
        url="https://x.com/a/status/full",
        author_handle="a" * 250,  # clamped to 200
        author_name="Ãñne de Vries",
        author_followers=2**62,
        author_verified=True,
        author_created_at=NOW - timedelta(days=400),
        author_is_outlet=True,
        language="nl",
        likes=1,
        reposts=2,
        replies=3,
        quotes=4,
        views=None,
        reply_to="9",
        conversation_id="8",
        urls=("https://t.co/x",),
        hashtags=("banknoord",),
        raw={"id": "full", "nested": {"list": [1, 2.5, None, True, "é😀"]}, "empty": {}},
    )
    result = mention_import_batch(
        workspace_id=source.workspace_id, source_id=source.pk, posts=[post]
    )
    stored = Mention.objects.get(pk=result.new[0].pk)
    assert (stored.text, stored.author_handle, stored.author_name) == (
        post.text,
        "a" * 200,
        post.author_name,
    )
    assert stored.author_followers == 2**62
    assert (stored.author_verified, stored.author_is_outlet) == (True, True)
    assert stored.author_created_at == post.author_created_at
    assert (stored.posted_at, stored.views, stored.engagement_refreshed_at) == (NOW, None, None)
    assert (stored.likes, stored.reposts, stored.replies, stored.quotes) == (1, 2, 3, 4)
    assert (stored.reply_to, stored.quote_of, stored.conversation_id) == ("9", "", "8")
    assert (stored.urls, stored.hashtags) == (["https://t.co/x"], ["banknoord"])
    assert stored.raw == post.raw
    assert stored.sentiment_scorer == "vader-nl"
    assert stored.sentiment_compound == result.new[0].sentiment_compound > 0.05
    assert stored.source_id == source.pk


def test_insert_ignore_conflicts_keeps_the_first_of_a_repeated_key():
    ws = WorkspaceFactory()
    first, again = _mention(ws.pk, "1", text="first"), _mention(ws.pk, "1", text="again")
    rows = insert_ignore_conflicts(
        [first, again, _mention(ws.pk, "2")], conflict_fields=KEY, returning=RETURNING
    )
    assert sorted(external_id for _, _, external_id in rows) == ["1", "2"]
    assert Mention.objects.get(external_id="1").text == "first"


def test_insert_ignore_conflicts_twice_in_one_transaction_sends_only_each_calls_rows():
    ws = WorkspaceFactory()
    with transaction.atomic():
        one = insert_ignore_conflicts(
            [_mention(ws.pk, "1"), _mention(ws.pk, "2")], conflict_fields=KEY, returning=RETURNING
        )
        Mention.objects.filter(external_id="1").delete()
        two = insert_ignore_conflicts(
            [_mention(ws.pk, "2"), _mention(ws.pk, "3")], conflict_fields=KEY, returning=RETURNING
        )
    assert sorted(r[2] for r in one) == ["1", "2"]
    assert [r[2] for r in two] == ["3"]
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == ["2", "3"]


def test_mention_ingest_batch_recovers_when_the_first_store_of_a_session_fails():
    if connection.vendor != "postgresql":
        pytest.skip("the staging table exists on PostgreSQL only")
    # A fresh session: the staging table is created inside the transaction that fails.
    connection.close()
    source = SourceFactory(platform="x", cursor={"n": 0})
    WatchTerm.objects.create(workspace=source.workspace, query='"Bank Noord"')
    with pytest.raises(DataError):
        mention_ingest_batch(source=source, posts=[_post("1"), _post("2", views=2**63)], cursor={})
    result = mention_ingest_batch(source=source, posts=[_post("1"), _post("2")], cursor={"n": 1})
    assert sorted(m.external_id for m in result.new) == ["1", "2"]
    again = mention_ingest_batch(source=source, posts=[_post("2"), _post("3")], cursor={"n": 2})
    assert [m.external_id for m in again.new] == ["3"]
    assert again.duplicates == 1
    assert Source.objects.get(pk=source.pk).cursor == {"n": 2}


def test_insert_ignore_conflicts_takes_the_largest_bigint():
    ws = WorkspaceFactory()
    mention = _mention(ws.pk, "1", views=2**63 - 1)
    insert_ignore_conflicts([mention], conflict_fields=KEY, returning=RETURNING)
    assert Mention.objects.get(external_id="1").views == 2**63 - 1


def test_insert_ignore_conflicts_leaves_check_constraints_to_the_database():
    ws = WorkspaceFactory()
    with pytest.raises(IntegrityError, match="views"):
        insert_ignore_conflicts(
            [_mention(ws.pk, "1", views=-1)], conflict_fields=KEY, returning=RETURNING
        )


def test_mention_ingest_batch_copies_every_column_straight_into_the_table():
    # Polled pages take the straight COPY (ids from the sequence, JSON in jsonb's binary form).
    source = SourceFactory(platform="x")
    WatchTerm.objects.create(workspace=source.workspace, query="banknoord")
    raw = {"id": "1", "text": "a \\u0000 literal, and a real NUL:\x00.", "n": [1, 2.5, None]}
    post = _post(
        "1",
        "banknoord lek\x00t «quotes» 😡",
        author_handle="a\x00b",
        views=7,
        urls=("https://t.co/x",),
        hashtags=("banknoord",),
        raw=raw,
    )
    result = mention_ingest_batch(source=source, posts=[post], cursor={"n": 1})
    stored = Mention.objects.get()
    assert [m.pk for m in result.new] == [stored.pk]
    assert (stored.text, stored.author_handle, stored.views) == (
        "banknoord lekt «quotes» 😡",
        "ab",
        7,
    )
    assert (stored.urls, stored.hashtags, stored.matched_terms) == (
        ["https://t.co/x"],
        ["banknoord"],
        [WatchTerm.objects.get().pk],
    )
    assert stored.raw == {**raw, "text": "a \\u0000 literal, and a real NUL:."}
    assert result.new[0].raw == stored.raw
    assert result.new[0].matched_terms == stored.matched_terms
    # The next id comes from the same sequence: nothing reused.
    again = mention_ingest_batch(source=source, posts=[_post("2", "banknoord")], cursor={})
    assert again.new[0].pk > stored.pk


def test_mention_ingest_batch_stores_a_page_with_lone_surrogates():
    # JSON may carry "\\ud800" (UTF-8 cannot): such a post must not fail its page forever.
    source = SourceFactory(platform="x")
    WatchTerm.objects.create(workspace=source.workspace, query="banknoord")
    bad = "\ud800"
    post = _post(
        "1",
        f"banknoord {bad}storing 😡",
        author_name=f"An{bad}ne",
        hashtags=(f"tag{bad}",),
        raw={"text": f"x{bad}", f"k{bad}": [bad], "ok": "é"},
    )
    result = mention_ingest_batch(
        source=source, posts=[post, _post("2", "banknoord ok")], cursor={"n": 1}
    )
    assert sorted(m.external_id for m in result.new) == ["1", "2"]
    stored = Mention.objects.get(external_id="1")
    assert (stored.text, stored.author_name, stored.hashtags) == (
        "banknoord ?storing 😡",
        "An?ne",
        ["tag?"],
    )
    assert stored.raw == {"text": "x?", "k?": ["?"], "ok": "é"}
    assert Source.objects.get(pk=source.pk).cursor == {"n": 1}


def test_mention_ingest_batch_falls_back_when_a_post_was_stored_by_another_way():
    # Stored by an import, so this source's memory does not know it: the straight COPY hits
    # the unique key, rolls back to its savepoint and the page takes the staging path.
    source = SourceFactory(platform="x")
    WatchTerm.objects.create(workspace=source.workspace, query='"Bank Noord"')
    mention_import_batch(workspace_id=source.workspace_id, source_id=None, posts=[_post("1")])
    result = mention_ingest_batch(
        source=source, posts=[_post("1"), _post("2"), _post("2")], cursor={"n": 1}
    )
    assert [m.external_id for m in result.new] == ["2"]
    assert result.duplicates == 2  # the imported one, and "2" again within the page
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == ["1", "2"]
    assert Source.objects.get(pk=source.pk).cursor == {"n": 1}


def test_mention_ingest_batch_counts_a_resent_post_once_stored():
    source = SourceFactory(platform="x")
    WatchTerm.objects.create(workspace=source.workspace, query='"Bank Noord"')
    first = mention_ingest_batch(source=source, posts=[_post("1")], cursor={})
    again = mention_ingest_batch(source=source, posts=[_post("1"), _post("3")], cursor={})
    assert ([m.external_id for m in first.new], [m.external_id for m in again.new]) == (
        ["1"],
        ["3"],
    )
    assert (again.duplicates, again.not_matching) == (1, 0)
    assert Mention.objects.count() == 2


def test_insert_rows_expecting_new_rows_still_raises_a_check_violation():
    ws = WorkspaceFactory()
    fields = [f for f in Mention._meta.concrete_fields if not f.primary_key]
    row = [getattr(_mention(ws.pk, "2", views=-1), f.attname) for f in fields]
    with pytest.raises(IntegrityError, match="views"):
        insert_rows_ignore_conflicts(
            Mention,
            [f.attname for f in fields],
            [row],
            conflict_fields=KEY,
            returning=RETURNING,
            expect_new=True,
        )
    assert not Mention.objects.exists()


QUERIES = [
    '"Bank Noord" OR banknoord',
    '("Bank Noord" OR banknoord) -vacature',
    "lek",
    '"app down" OR storing',
    "café (open OR dicht)",
    "bank-noord",
    "datalek -test",
    'noörd "Straße"',
    '(pin OR pinnen) (storing OR "ligt plat") -gepland',
]
TEXTS = [
    "Bank Noord app down",
    "bank noord vacature",
    "#banknoord ligt plat",
    "@bank_noord lek!",
    "lekker weertje, #datalek test",
    "Cafe open? CAFÉ dicht",
    "bank-noord storing bij pinnen",
    "Bank, Noord: pinnen ligt plat 😡 (gepland)",
    "NOORD strasse",
    "app   down!!",
    "appdown storingen",
    "",
]


def test_mention_ingest_batch_matches_watch_terms_as_matching_terms_does():
    source = SourceFactory(platform="x")
    for query in QUERIES:
        WatchTerm.objects.create(workspace=source.workspace, query=query)
    queries = watch_term_queries(workspace_id=source.workspace_id)
    posts = [_post(str(i), text) for i, text in enumerate(TEXTS)]
    mention_ingest_batch(source=source, posts=posts, cursor={})
    stored = dict(Mention.objects.values_list("external_id", "matched_terms"))
    expected = {str(i): matching_terms(queries, text) for i, text in enumerate(TEXTS)}
    assert stored == {k: v for k, v in expected.items() if v}
    assert len(stored) >= 8


def test_mention_ingest_batch_matches_random_watch_terms_as_matching_terms_does():
    rng = random.Random(7)
    vocab = 'bank noord "bank noord" "noord bank" app storing lek café noörd straße ø x_y 42'
    wide = "".join(chr(ord(c) + 0xFEE0) if c != " " else c for c in "bank noord BANK Noord")
    vocab += f' file istanbul "{wide[:10]}" ²'
    words = [*vocab.split(), "bank-noord", "-noord", "-lek"]
    texts = [
        *"bank noord bank lekker #lek @bank_noord Café NOORD strasse ø x_y 42 app-storing".split(),
        # emoji (fold skips the mark strip), marks, İ, ß, a ligature, full width, a plane 1 mark
        *"😡 👍🏽noord ❤️ cafe\u0301 İstanbul ﬁle STRAẞE 2 n\U0001d167oord".split(),
        *wide[11:].split(),
    ]

    def query(depth: int = 0) -> str:
        roll = rng.random()
        if depth > 2 or roll < 0.4:
            return rng.choice(words[:-2])
        if roll < 0.6:
            return f"({query(depth + 1)} OR {query(depth + 1)})"
        return f"{query(depth + 1)} {rng.choice(words)}"

    source = SourceFactory(platform="x")
    queries = {query() for _ in range(80)}
    WatchTerm.objects.bulk_create(
        WatchTerm(workspace=source.workspace, query=q) for q in queries if "-" not in q[:1]
    )
    parsed = watch_term_queries(workspace_id=source.workspace_id)
    posts = [_post(str(i), " ".join(rng.choices(texts, k=rng.randint(1, 8)))) for i in range(300)]
    mention_ingest_batch(source=source, posts=posts, cursor={})
    stored = dict(Mention.objects.values_list("external_id", "matched_terms"))
    expected = {p.external_id: matching_terms(parsed, p.text) for p in posts}
    assert stored == {k: v for k, v in expected.items() if v}
    assert 50 < len(stored) < 300


@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime")
def test_mention_ingest_batch_stores_values_needing_conversion_in_a_page_of_plain_ones():
    # Pages whose values all pass unchanged skip the per-value adapters; one value needing
    # conversion (a naive time, a zoneinfo time, ints past int32 in int64 columns, a bool
    # where an int goes) sends its page the long way, stored as the ORM would store it.
    source = SourceFactory(platform="x")
    WatchTerm.objects.create(workspace=source.workspace, query='"Bank Noord"')
    amsterdam = ZoneInfo("Europe/Amsterdam")
    special = [
        _post("naive", posted_at=datetime(2026, 11, 25, 13, 0)),  # noqa: DTZ001
        _post("zoneinfo", posted_at=datetime(2026, 11, 25, 13, 0, tzinfo=amsterdam)),
        _post("big", views=2**40, author_followers=2**33),
        _post("bool", likes=True),
    ]
    for n, post in enumerate(special):  # a page each, next to a plain post
        mention_ingest_batch(source=source, posts=[_post(f"plain-{n}"), post], cursor={})
    stored = {m.external_id: m for m in Mention.objects.filter(source=source)}
    # Naive times are read in the default zone (Europe/Amsterdam, UTC+1 in November).
    assert {k: m.posted_at for k, m in stored.items()} == dict.fromkeys(
        ["plain-0", "plain-1", "plain-2", "plain-3", "naive", "zoneinfo", "big", "bool"], NOW
    )
    assert (stored["big"].views, stored["big"].author_followers) == (2**40, 2**33)
    assert stored["bool"].likes == 1


@pytest.fixture
def commit_settings():
    """A real deferred trigger records, at COMMIT, the `synchronous_commit` that commit uses in
    every transaction that stored a mention; yields a function reading one value per
    transaction, in order."""
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE test_commit_setting (id serial, tx bigint, value text)")
        cursor.execute(
            "CREATE FUNCTION test_record_commit_setting() RETURNS trigger AS $$ BEGIN "
            "INSERT INTO test_commit_setting (tx, value) "
            "VALUES (txid_current(), current_setting('synchronous_commit')); RETURN NEW; END $$ "
            "LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE CONSTRAINT TRIGGER test_record_commit_setting AFTER INSERT ON "
            "monitoring_mention DEFERRABLE INITIALLY DEFERRED "
            "FOR EACH ROW EXECUTE FUNCTION test_record_commit_setting()"
        )

    def recorded() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT value FROM test_commit_setting GROUP BY tx, value ORDER BY min(id)"
            )
            return [value for (value,) in cursor.fetchall()]

    yield recorded
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_record_commit_setting ON monitoring_mention")
        cursor.execute("DROP FUNCTION test_record_commit_setting()")
        cursor.execute("DROP TABLE test_commit_setting")


def test_a_polled_page_commits_without_waiting_for_the_disk_and_an_import_waits(commit_settings):
    # A polled page can be fetched again if a crash undoes it (its cursor goes back with it);
    # an import or a webhook push cannot: its sender was told it was stored.
    source = SourceFactory(platform="x")
    WatchTerm.objects.create(workspace=source.workspace, query='"Bank Noord"')
    mention_ingest_batch(source=source, posts=[_post("1")], cursor={"n": 1})
    mention_import_batch(workspace_id=source.workspace_id, source_id=None, posts=[_post("2")])
    assert commit_settings() == ["off", "on"]
    with connection.cursor() as cursor:  # for that transaction only
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


def test_a_page_that_falls_back_to_the_staging_path_commits_without_waiting_too(commit_settings):
    source = SourceFactory(platform="x")
    WatchTerm.objects.create(workspace=source.workspace, query='"Bank Noord"')
    mention_import_batch(workspace_id=source.workspace_id, source_id=None, posts=[_post("1")])
    result = mention_ingest_batch(source=source, posts=[_post("1"), _post("2")], cursor={})
    assert [m.external_id for m in result.new] == ["2"]
    assert commit_settings() == ["on", "off"]  # the failed straight COPY recorded nothing


def test_remembered_keys_last_as_long_as_the_database_connection():
    # Pages commit without waiting for the disk. A database crash that undoes one also ends
    # every connection: the posts of that page, fetched again, must then be stored, not skipped
    # as known. Here the row is gone as the crash would leave it, and the connection is closed.
    source = SourceFactory(platform="x")
    WatchTerm.objects.create(workspace=source.workspace, query='"Bank Noord"')
    mention_ingest_batch(source=source, posts=[_post("1")], cursor={"n": 1})
    Mention.objects.all().delete()
    same_connection = mention_ingest_batch(source=source, posts=[_post("1")], cursor={"n": 1})
    assert (same_connection.new, same_connection.duplicates) == ([], 1)  # remembered
    connection.close()
    after_the_crash = mention_ingest_batch(source=source, posts=[_post("1")], cursor={"n": 1})
    assert [m.external_id for m in after_the_crash.new] == ["1"]
    assert Mention.objects.filter(external_id="1").exists()


def test_the_raw_payload_is_kept_as_it_was_sent_through_both_paths():
    # Kept as JSON text (PostgreSQL's `json`), not parsed into jsonb, which would also reorder
    # the keys (shortest first). Straight COPY for the polled page, the staging path for the
    # import.
    source = SourceFactory(platform="x")
    WatchTerm.objects.create(workspace=source.workspace, query='"Bank Noord"')
    raw = {"zeta": 1, "a": {"yy": [1, 2.5, None], "b": "é 😡"}, "id": "1"}
    mention_ingest_batch(source=source, posts=[_post("1", raw=raw)], cursor={})
    mention_import_batch(
        workspace_id=source.workspace_id, source_id=None, posts=[_post("2", raw=raw)]
    )
    stored = list(Mention.objects.order_by("external_id"))
    assert [m.external_id for m in stored] == ["1", "2"]
    for mention in stored:
        assert mention.raw == raw
        assert list(mention.raw) == ["zeta", "a", "id"]
        assert list(mention.raw["a"]) == ["yy", "b"]
    assert list(Mention.objects.values_list("raw", flat=True)) == [raw, raw]


def test_mention_ingest_batch_clamps_plain_ascii_short_strings_to_their_columns():
    # Plain ASCII skips the cleaning; the clamps still apply, each to its own column.
    source = SourceFactory(platform="x")
    WatchTerm.objects.create(workspace=source.workspace, query='"Bank Noord"')
    post = _post(
        "1",
        url="https://example.com/" + "u" * 1100,
        author_handle="h" * 250,
        author_name="n" * 250,
        reply_to="r" * 250,
        quote_of="q" * 250,
        repost_of="p" * 250,
        conversation_id="c" * 250,
    )
    mention_ingest_batch(source=source, posts=[post], cursor={})
    stored = Mention.objects.get()
    assert stored.url == post.url[:1000]
    assert (stored.author_handle, stored.author_name) == ("h" * 200, "n" * 200)
    assert (stored.reply_to, stored.quote_of, stored.repost_of, stored.conversation_id) == (
        "r" * 200,
        "q" * 200,
        "p" * 200,
        "c" * 200,
    )


def _published_items(workspace_id: int, after: int) -> list[dict]:
    publisher.drain()
    replay = replay_after(workspace_id=workspace_id, after=after)
    batches = [event for _, text in replay.messages for event in json.loads(text)]
    return [item for batch in batches for item in batch["mentions"]]


def test_mention_ingest_and_import_batch_publish_the_new_mentions_as_stored():
    source = SourceFactory(platform="x")
    terms = [
        WatchTerm.objects.create(workspace=source.workspace, query=q).pk
        for q in ('"Bank Noord"', "eruit")
    ]
    before = replay_after(workspace_id=source.workspace_id, after=None).seq
    first = mention_ingest_batch(
        source=source,
        posts=[
            _post("1", url="https://x.com/1", author_handle="anne", author_followers=12),
            _post("2", "Bank Noord is top, dank jullie wel! 👍", language="nl"),
        ],
        cursor={"n": 1},
    )
    again = mention_ingest_batch(
        source=source, posts=[_post("2"), _post("3", "Bank Noord doet niks")], cursor={"n": 2}
    )
    # An import does not skip remembered keys: "3" goes to the database and is refused there.
    imported = mention_import_batch(
        workspace_id=source.workspace_id,
        source_id=None,
        posts=[_post("3"), _post("4", "Geen idee wat dit is", language="en")],
    )
    counts = [(r.new_count, r.duplicates) for r in (first, again, imported)]
    assert counts == [(2, 0), (1, 1), (1, 1)]
    stored = Mention.objects.filter(workspace=source.workspace).order_by("pk")
    expected = json.loads(json.dumps([events.mention_item(m) for m in stored]))
    assert _published_items(source.workspace_id, before) == expected
    assert [item["external_id"] for item in expected] == ["1", "2", "3", "4"]
    assert (expected[0]["matched_terms"], expected[3]["matched_terms"]) == (terms, [])
    assert {item["sentiment_label"] for item in expected} >= {"positive", "negative"}
    made = [*first.new, *again.new, *imported.new]
    assert [(m.pk, m.text) for m in made] == [(m.pk, m.text) for m in stored]
