import importlib
import json

import pytest
from django.utils import timezone

from monitoring.models import Mention, Source, WatchTerm
from monitoring.services import webhook_signature
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "s3cret-webhook-key"


@pytest.fixture
def webhook_source():
    from monitoring.services import source_create
    from tests.factories import WorkspaceFactory

    ws = WorkspaceFactory()
    WatchTerm.objects.create(workspace=ws, query='"Bank Noord"')
    return source_create(
        workspace_id=ws.pk,
        name="Brandwatch push",
        platform="webhook",
        settings={"platform": "x"},
        interval=60,
        credentials={"webhook_secret": SECRET},
    )


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
    assert response.json() == {"received": 2, "new": 2, "duplicates": 0}
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
    assert again.json() == {"received": 2, "new": 0, "duplicates": 2}
    assert Mention.objects.count() == 2


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
