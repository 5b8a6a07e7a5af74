import importlib
import io
import json

import pytest
from django.utils import timezone

from monitoring.models import Mention, Source, WatchTerm
from monitoring.services import webhook_signature
from tests.factories import SourceFactory
from tests.monitoring.conftest import SECRET

pytestmark = pytest.mark.django_db(transaction=True)

# The `webhook_source` fixture (tests/monitoring/conftest.py) signs with this secret.


def _post(client, source: Source, payload, *, secret: str = SECRET, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    return client.post(
        f"/api/ingest/{source.pk}/",
        data=body,
        content_type="application/json",
        HTTP_X_CRISISCENTER_SIGNATURE=webhook_signature(secret, body),
        HTTP_ACCEPT_LANGUAGE="en",
    )


ITEMS = [
    {
        "id": "1",
        "text": "Bank Noord lekt klantgegevens #datalek https://nos.example/datalek",
        "author": "a",
        "created_at": "2026-11-25T10:00:00Z",
    },
    {"id": "2", "text": "Unrelated post", "author": "b", "created_at": 1764064800, "likes": "3"},
]


def test_webhook_ingest_stores_all_and_records_matches(client, webhook_source):
    response = _post(client, webhook_source, {"mentions": ITEMS})
    assert response.status_code == 200, response.content
    assert response.json() == {"received": 2, "new": 2, "duplicates": 0, "differing": 0}
    stored = {m.external_id: m for m in Mention.objects.filter(workspace=webhook_source.workspace)}
    term = WatchTerm.objects.get(workspace=webhook_source.workspace)
    assert stored["1"].matched_terms == [term.pk]
    assert stored["2"].matched_terms == []  # stored anyway: the sender chose it
    assert stored["2"].likes == 3
    assert stored["1"].platform == "x"
    assert (stored["1"].urls, stored["1"].hashtags) == (
        ["https://nos.example/datalek"],
        ["datalek"],
    )


def test_webhook_ingest_is_idempotent(client, webhook_source):
    _post(client, webhook_source, {"mentions": ITEMS})
    again = _post(client, webhook_source, {"mentions": ITEMS})
    assert again.json() == {"received": 2, "new": 0, "duplicates": 2, "differing": 0}
    assert Mention.objects.count() == 2


def test_a_push_repeating_an_id_with_another_text_is_told_and_the_stored_one_kept(
    client, webhook_source
):
    _post(client, webhook_source, {"mentions": ITEMS})
    edited = [{**ITEMS[0], "text": "Bank Noord: bericht aangepast"}, ITEMS[1]]
    # In one push, the same id twice: the first is stored, the second differs from it.
    fresh = {"id": "3", "text": "Eerste versie", "author": "c", "created_at": 1764064800}
    again = _post(client, webhook_source, {"mentions": [*edited, fresh, {**fresh, "text": "2e"}]})
    assert again.json() == {"received": 4, "new": 1, "duplicates": 3, "differing": 2}
    stored = dict(Mention.objects.values_list("external_id", "text"))
    assert stored == {"1": ITEMS[0]["text"], "2": ITEMS[1]["text"], "3": "Eerste versie"}


def test_webhook_ingest_bad_signature_is_401(client, webhook_source):
    response = _post(client, webhook_source, {"mentions": ITEMS}, secret="wrong")
    assert response.status_code == 401
    assert "signature" in response.json()["detail"].lower()
    missing = client.post(
        f"/api/ingest/{webhook_source.pk}/", data=b"{}", content_type="application/json"
    )
    assert missing.status_code == 401
    assert Mention.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ({"mentions": [{"id": "1", "author": "a", "created_at": "2026-11-25"}]}, "text: required"),
        ({"mentions": [{**ITEMS[0], "created_at": "yesterday"}]}, "created_at"),
        ({"mentions": [{**ITEMS[0], "likes": -1}]}, "likes"),
        ({"mentions": [{**ITEMS[0], "likes": 2**63}]}, "likes: larger than"),
        ({"mentions": [{**ITEMS[0], "id": "  "}]}, "id: required"),
        ({"mentions": [{**ITEMS[0], "platform": "x" * 30}]}, "platform: not one of"),
        ({"mentions": [ITEMS[1], {**ITEMS[0], "platform": "myspace"}]}, "mentions[1].platform"),
        ({"mentions": [{**ITEMS[0], "url": "javascript:alert(1)"}]}, "url"),
        ({"mentions": []}, "Expected a list"),
        ({"mentions": "nope"}, "Expected a list"),
    ],
)
def test_webhook_ingest_bad_payload_is_400_with_reason(client, webhook_source, payload, needle):
    response = _post(client, webhook_source, payload)
    assert response.status_code == 400
    assert needle in json.dumps(response.json())
    assert Mention.objects.count() == 0


def test_webhook_ingest_not_json_is_400(client, webhook_source):
    response = _post(client, webhook_source, None, raw=b"<xml/>")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_webhook_ingest_unknown_or_non_webhook_source_is_404(client, webhook_source):
    other = SourceFactory(workspace=webhook_source.workspace)  # a demo source
    assert _post(client, other, {"mentions": ITEMS}).status_code == 404
    Source.objects.filter(pk=webhook_source.pk).update(is_enabled=False)
    assert _post(client, webhook_source, {"mentions": ITEMS}).status_code == 404


def test_webhook_push_after_failures_makes_the_source_healthy_again(client, webhook_source):
    # A push that failed (e.g. credentials the key could not read) left its error and count;
    # the next good push clears them, as a good poll does.
    Source.objects.filter(pk=webhook_source.pk).update(
        consecutive_failures=2,
        health=Source.Health.DOWN,
        last_error="credentials unreadable",
        failing_since=timezone.now(),
    )
    assert _post(client, webhook_source, {"mentions": ITEMS}).status_code == 200
    source = Source.objects.get(pk=webhook_source.pk)
    assert (source.consecutive_failures, source.health, source.last_error) == (
        0,
        Source.Health.OK,
        "",
    )
    assert (source.failing_since, source.last_item_count) == (None, 2)


def test_webhook_items_naming_a_known_platform_are_stored_as_it(client, webhook_source):
    item = {**ITEMS[0], "platform": "reddit"}
    assert _post(client, webhook_source, {"mentions": [item, ITEMS[1]]}).status_code == 200
    stored = dict(Mention.objects.values_list("external_id", "platform"))
    assert stored == {"1": "reddit", "2": "x"}  # the second takes the source's platform


@pytest.mark.parametrize("pushed_as", ["myspace", "x" * 30, 7, "demo"])
def test_a_webhook_source_must_push_as_a_known_platform(api_client_for, pushed_as):
    from tests.factories import MembershipFactory

    admin = MembershipFactory(role="admin")
    response = api_client_for(admin.user).post(
        "/api/sources/",
        {"workspace": admin.workspace.slug, "name": "Push", "platform": "webhook",
         "settings": {"platform": pushed_as}, "credentials": {"webhook_secret": SECRET}},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 400
    assert "platform must be one of" in json.dumps(response.json())
    assert not Source.objects.filter(workspace=admin.workspace).exists()


def test_migration_0012_makes_older_webhook_sources_push_as_a_known_platform():
    from django.apps import apps

    migration = importlib.import_module(
        "monitoring.migrations.0012_webhook_sources_push_as_a_known_platform"
    )
    unknown = SourceFactory(platform="webhook", settings={"platform": "myspace", "note": 1})
    known = SourceFactory(platform="webhook", settings={"platform": "reddit"})
    demo = SourceFactory(platform="webhook", settings={"platform": "demo"})
    not_webhook = SourceFactory(platform="news", settings={"platform": "myspace"})
    migration.reset_unknown(apps, None)
    settings = dict(Source.objects.values_list("pk", "settings"))
    assert settings[unknown.pk] == {"platform": "webhook", "note": 1}
    assert settings[known.pk] == {"platform": "reddit"}
    assert settings[demo.pk] == {"platform": "webhook"}
    assert settings[not_webhook.pk] == {"platform": "myspace"}


@pytest.mark.parametrize(
    "created_at",
    ["9999-12-31T23:59:59+00:00", "1899-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", -(2**32)],
)
def test_webhook_ingest_refuses_a_created_at_out_of_range(client, webhook_source, created_at):
    item = {"id": "16", "text": "acme", "author": "a", "created_at": created_at}
    response = _post(client, webhook_source, {"mentions": [ITEMS[0], item]})
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [
        f"mentions[1].created_at: out of range ({str(created_at)!r})"
    ]
    assert not Mention.objects.exists()


def test_webhook_items_dated_in_the_future_are_stored_as_now_and_listed(
    client, webhook_source, make_member, api_client_for
):
    # A future date would head the newest-first stream for good; a far one (or an author's
    # account date past datetime's last year) failed every page of the list in a local zone.
    items = [
        {**ITEMS[0], "created_at": "2030-01-01T00:00:00Z"},
        {**ITEMS[1], "author_created_at": "9999-12-31T23:59:59+00:00"},
    ]
    before = timezone.now()
    assert _post(client, webhook_source, {"mentions": items}).status_code == 200
    stored = {m.external_id: m for m in Mention.objects.all()}
    assert before <= stored["1"].posted_at <= timezone.now()
    assert stored["1"].raw["created_at"] == "2030-01-01T00:00:00Z"
    assert stored["2"].author_created_at is None
    ws = webhook_source.workspace
    listed = api_client_for(make_member(ws)).get(f"/api/mentions/?workspace={ws.slug}")
    assert listed.status_code == 200, listed.content
    assert {row["external_id"] for row in listed.json()["results"]} == {"1", "2"}


def _item_with(value: str) -> bytes:
    """A body whose one item has `value` (JSON text) as its likes."""
    return (
        b'{"mentions":[{"id":"1","text":"t","author":"a","created_at":1764064800,"likes":%s}]}'
        % (value.encode())
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (_item_with("Infinity"), "Infinity is not a JSON number"),
        (_item_with("-Infinity"), "-Infinity is not a JSON number"),
        (_item_with("NaN"), "NaN is not a JSON number"),
        (_item_with("1e400"), "1e400 is out of range"),
        (_item_with("-1E+400"), "-1E+400 is out of range"),
        (_item_with("9" * 5000), "a number too long to read"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (_item_with("[" * 100_000 + "]" * 100_000), "nested too deeply"),
    ],
)
def test_webhook_ingest_refuses_json_it_cannot_read_with_the_reason(
    client, webhook_source, body, reason
):
    response = _post(client, webhook_source, None, raw=body)
    assert response.status_code == 400, response.content[:300]
    assert response.json() == {"detail": "Body is not valid JSON.", "errors": [reason]}
    assert not Mention.objects.exists()


@pytest.mark.parametrize(
    ("likes", "reason"),
    [
        ('"Infinity"', "likes: not a number ('Infinity')"),
        ('"-inf"', "likes: not a number ('-inf')"),
        ('"NaN"', "likes: not a number ('NaN')"),
        ('"1e400"', "likes: not a number ('1e400')"),
        ("1e300", "likes: larger than 9223372036854775807"),
        ("1" + "0" * 400, "likes: larger than 9223372036854775807"),
    ],
)
def test_webhook_ingest_names_an_impossible_count(client, webhook_source, likes, reason):
    response = _post(client, webhook_source, None, raw=_item_with(likes))
    assert response.status_code == 400, response.content[:300]
    assert response.json()["errors"] == [f"mentions[0].{reason}"]


def test_webhook_ingest_takes_the_largest_count_exactly(client, webhook_source):
    # Through a float, 2^63 - 1 would round up to 2^63 and be refused.
    response = _post(client, webhook_source, None, raw=_item_with(str(2**63 - 1)))
    assert response.status_code == 200, response.content
    assert Mention.objects.get().likes == 2**63 - 1


@pytest.mark.parametrize("field", ["text", "extra"])
def test_webhook_ingest_refuses_an_item_nested_too_deeply_to_keep(client, webhook_source, field):
    # Readable JSON (under the parser's limit) that the raw payload could not be stored as.
    item = {**ITEMS[0], field: json.loads("[" * 500 + "]" * 500)}
    response = _post(client, webhook_source, {"mentions": [ITEMS[1], item]})
    assert response.status_code == 400, response.content[:300]
    assert response.json()["errors"] == ["mentions[1].row: nested deeper than 100 levels"]
    kept = {**ITEMS[0], "extra": json.loads("[" * 99 + "]" * 99)}  # 100 levels with the item
    assert _post(client, webhook_source, {"mentions": [kept]}).status_code == 200
    assert Mention.objects.get().raw["extra"] == kept["extra"]


def _realistic_items(count: int) -> list[dict]:
    """Items as a monitoring tool pushes them: a long post with author fields and counts."""
    text = "Storing bij Bank Noord: al de hele ochtend geen toegang tot de app. " * 36
    return [
        {**ITEMS[0], "id": str(i), "text": text, "author_name": "Kees de Vries",
         "followers": 1200, "likes": 3, "reposts": 1, "replies": 2, "views": 5400,
         "url": f"https://x.com/kees/status/{i}"}
        for i in range(count)
    ]  # fmt: skip


def test_webhook_ingest_takes_a_full_push_over_djangos_memory_limit(client, webhook_source):
    # Over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), which made Django answer with an HTML "Bad
    # Request (400)" page naming no reason.
    from django.conf import settings

    body = json.dumps({"mentions": _realistic_items(1000)}).encode()
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < len(body) < 10 * 1024 * 1024
    response = _post(client, webhook_source, None, raw=body)
    assert response.status_code == 200, response.content[:300]
    assert response.json() == {"received": 1000, "new": 1000, "duplicates": 0, "differing": 0}


def test_webhook_ingest_refuses_a_body_over_the_limit_with_413_before_verifying_it(
    client, webhook_source, settings
):
    settings.WEBHOOK_MAX_BODY_BYTES = 20_000
    body = json.dumps({"mentions": _realistic_items(10)}).encode()
    assert len(body) > 20_000
    for signature in (webhook_signature(SECRET, body), "sha256=not-checked"):
        response = client.post(
            f"/api/ingest/{webhook_source.pk}/",
            data=body,
            content_type="application/json",
            HTTP_X_CRISISCENTER_SIGNATURE=signature,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 413
        assert response.json() == {
            "detail": "Body larger than 19.5\xa0KB; send the mentions in smaller requests."
        }
    assert not Mention.objects.exists()
    fits = json.dumps({"mentions": _realistic_items(5)}).encode()
    assert len(fits) < 20_000
    assert _post(client, webhook_source, None, raw=fits).status_code == 200


def test_webhook_ingest_refuses_a_body_sent_without_length_once_it_passes_the_limit(
    webhook_source, settings
):
    # A request as uvicorn hands a chunked body to Django: an ASGIRequest, no Content-Length.
    from django.core.handlers.asgi import ASGIRequest
    from django.utils import translation

    from monitoring.api.ingest import WebhookIngestApi

    settings.WEBHOOK_MAX_BODY_BYTES = 20_000

    def post(body: bytes):
        headers = [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"x-crisiscenter-signature", webhook_signature(SECRET, body).encode()),
        ]
        path = f"/api/ingest/{webhook_source.pk}/"
        scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
        request = ASGIRequest(scope, io.BytesIO(body))
        assert "CONTENT_LENGTH" not in request.META
        with translation.override("en"):
            return WebhookIngestApi.as_view()(request, source_id=webhook_source.pk).render()

    big = post(json.dumps({"mentions": _realistic_items(10)}).encode())
    assert big.status_code == 413
    assert json.loads(big.content)["detail"].startswith("Body larger than 19.5\xa0KB")
    small = post(json.dumps({"mentions": _realistic_items(5)}).encode())
    assert small.status_code == 200, small.content
    assert Mention.objects.count() == 5


# Every text a row carries, with a NUL and a lone surrogate (JSON can carry both, PostgreSQL's
# text takes neither): the column it is stored in, and the value stored.
STORED_TEXTS = [
    ("text", "Bank\x00 Noord\ud800", "text", "Bank Noord?"),
    ("author", "k\x00ees\ud800", "author_handle", "kees?"),
    ("author_name", "Kees\x00\ud800", "author_name", "Kees?"),
    ("url", "https://x.com/k\x00/1\ud800", "url", "https://x.com/k/1?"),
    ("lang", "n\x00l", "language", "nl"),
    ("language", "n\x00l", "language", "nl"),
    ("lang", "n\ud800", "language", "n?"),
    ("reply_to", "p\x000\ud800", "reply_to", "p0?"),
    ("quote_of", "q\x000\ud800", "quote_of", "q0?"),
    ("repost_of", "o\x001\ud800", "repost_of", "o1?"),
    ("conversation_id", "c\x001\ud800", "conversation_id", "c1?"),
    ("urls", ["https://a.example/\x00x\ud800"], "urls", ["https://a.example/x?"]),
    ("platform", "reddit\x00", "platform", "reddit"),
]


@pytest.mark.parametrize(("field", "value", "column", "stored"), STORED_TEXTS)
def test_webhook_ingest_stores_a_nul_in_any_text_without_it(
    client, webhook_source, field, value, column, stored
):
    # A NUL in lang was a 500: the whole push lost, and retried by its sender for ever.
    item = {**ITEMS[0], field: value}
    response = _post(client, webhook_source, {"mentions": [item, ITEMS[1]]})
    assert response.status_code == 200, response.content
    assert getattr(Mention.objects.get(external_id="1"), column) == stored
    assert Mention.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("author", ["a"], "author: expected a string, not an array"),
        ("text", {"a": "Bank Noord"}, "text: expected a string, not an object"),
        ("id", True, "id: expected a string or an integer, not a boolean"),
        ("id", 1.5, "id: expected a string or an integer, not a number"),
        ("created_at", True, "created_at: not an ISO 8601 date or epoch ('True')"),
        ("created_at", ["2026-11-25"], "created_at: not an ISO 8601 date or epoch"),
        ("author_created_at", False, "author_created_at: not an ISO 8601 date or epoch"),
        ("url", 7, "url: expected a string, not a number"),
        ("lang", ["nl"], "lang: expected a string, not an array"),
        ("language", 1, "language: expected a string, not a number"),
        ("author_name", {"n": 1}, "author_name: expected a string, not an object"),
        ("reply_to", 1.5, "reply_to: expected a string or an integer, not a number"),
        ("quote_of", True, "quote_of: expected a string or an integer, not a boolean"),
        ("repost_of", [1], "repost_of: expected a string or an integer, not an array"),
        ("conversation_id", 3.0, "conversation_id: expected a string or an integer, not a number"),
        ("platform", ["x"], "platform: expected a string, not an array"),
        # A NUL where dropping it would not do (two ids made one) or leaves nothing valid.
        ("id", "1\x00", "id: holds a NUL or a lone surrogate, which cannot be stored"),
        ("id", "1\ud800", "id: holds a NUL or a lone surrogate, which cannot be stored"),
        ("created_at", "2026-11-\x0025T10:00:00Z", "created_at: not an ISO 8601 date"),
        ("author_created_at", "2014-03-01\x00", "author_created_at: not an ISO 8601 date"),
        ("followers", "12\x00", "followers: not a number"),
        ("likes", "\x00", "likes: not a number"),
        ("verified", "ja\x00", "verified: not yes or no"),
        ("hashtags", ["storing\x00"], "hashtags: not a hashtag"),
        ("text", "\x00", "text: required"),
        ("author", "\x00 ", "author: required"),
    ],
)
def test_webhook_ingest_refuses_a_value_of_the_wrong_json_type_or_with_a_nul(
    client, webhook_source, field, value, reason
):
    # The types were stored as their Python repr ("['a']"): a text object matched watch terms.
    response = _post(client, webhook_source, {"mentions": [ITEMS[1], {**ITEMS[0], field: value}]})
    assert response.status_code == 400, response.content
    (error,) = response.json()["errors"]
    assert error.startswith(f"mentions[1].{reason}")
    assert not Mention.objects.exists()


def test_webhook_ingest_takes_integer_ids_and_an_epoch_date(client, webhook_source):
    item = {**ITEMS[0], "id": 42, "created_at": 1764064800.5, "author_created_at": 1393660800}
    item |= {"reply_to": 41, "quote_of": 40, "repost_of": 39, "conversation_id": 38}
    assert _post(client, webhook_source, {"mentions": [item]}).status_code == 200
    stored = Mention.objects.get()
    assert stored.external_id == "42"
    assert (stored.reply_to, stored.quote_of, stored.repost_of) == ("41", "40", "39")
    assert stored.conversation_id == "38"
    assert stored.posted_at.timestamp() == 1764064800.5
    assert stored.author_created_at.timestamp() == 1393660800


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("likes", 1.5, "likes: expected a whole number ('1.5')"),
        ("followers", True, "followers: expected a whole number ('True')"),
        ("views", False, "views: expected a whole number ('False')"),
        ("followers", "1.234", "followers: expected a whole number ('1.234')"),
        ("reposts", "7.0", "reposts: expected a whole number ('7.0')"),
        ("replies", "1e3", "replies: expected a whole number ('1e3')"),
        ("quotes", "1,5", "quotes: not a number ('1,5')"),
        ("likes", [1], "likes: not a number ('[1]')"),
        ("likes", -2.0, "likes: must not be negative"),
    ],
)
def test_webhook_ingest_refuses_a_count_that_is_not_a_whole_number(
    client, webhook_source, field, value, reason
):
    # Each was cut to its whole part: 1.5 likes was 1, "1.234" followers (Dutch 1234) was 1.
    response = _post(client, webhook_source, {"mentions": [{**ITEMS[0], field: value}]})
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [f"mentions[0].{reason}"]


def test_webhook_ingest_takes_whole_counts_as_integers_floats_or_digits(client, webhook_source):
    item = {**ITEMS[0], "likes": 12.0, "followers": " 1234 ", "views": 1e18, "quotes": "+3"}
    assert _post(client, webhook_source, {"mentions": [item]}).status_code == 200
    stored = Mention.objects.get()
    assert (stored.likes, stored.author_followers, stored.views, stored.quotes) == (
        12,
        1234,
        10**18,
        3,
    )


@pytest.mark.parametrize("url", ["HTTPS://EXAMPLE.ORG/x", "Http://example.org/y"])
def test_webhook_ingest_takes_a_url_whose_scheme_is_in_capitals(client, webhook_source, url):
    response = _post(client, webhook_source, {"mentions": [{**ITEMS[0], "url": url}]})
    assert response.status_code == 200, response.content
    assert Mention.objects.get().url == url
