"""Sources and watch terms: members read, only admins write, credentials never come back."""

import pytest

from monitoring.models import Source, WatchTerm
from monitoring.selectors import source_credentials
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

SOURCE = {
    "workspace": "alpha",
    "name": "Nieuws",
    "platform": "news",
    "settings": {"feeds": ["https://example.org/rss"]},
    "poll_interval_seconds": 300,
    "credentials": {"access_token": "tok-123-secret"},
}

REDDIT_KEYS = {"client_id": "id", "client_secret": "secret"}


@pytest.fixture
def alpha(make_workspace):
    return make_workspace(slug="alpha")


@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 201), ("crisis_team", 403), ("communications", 403)]
)
def test_source_create_by_role(alpha, make_member, api_client_for, role, expected):
    client = api_client_for(make_member(alpha, role=role))
    response = client.post("/api/sources/", SOURCE, format="json")
    assert response.status_code == expected, response.content
    assert Source.objects.filter(workspace=alpha).count() == (1 if expected == 201 else 0)


def test_source_create_in_other_workspace_is_404(
    alpha, make_workspace, make_member, api_client_for
):
    make_workspace(slug="beta")
    client = api_client_for(make_member(alpha, role="admin"))
    response = client.post("/api/sources/", {**SOURCE, "workspace": "beta"}, format="json")
    assert response.status_code == 404


def test_source_credentials_are_encrypted_and_never_returned(alpha, make_member, api_client_for):
    client = api_client_for(make_member(alpha, role="admin"))
    created = client.post("/api/sources/", SOURCE, format="json").json()
    assert created["credential_keys"] == ["access_token"]
    assert created["credentials_readable"] is True
    assert "tok-123-secret" not in str(created)
    source = Source.objects.get(pk=created["id"])
    assert "tok-123-secret" not in source.credentials_encrypted
    assert source_credentials(source=source) == {"access_token": "tok-123-secret"}
    listed = client.get("/api/sources/?workspace=alpha").content.decode()
    assert "tok-123-secret" not in listed
    client.patch(f"/api/sources/{source.pk}/", {"credentials": {"access_token": ""}}, format="json")
    source.refresh_from_db()
    assert source_credentials(source=source) == {}


def test_a_private_feed_token_is_shown_to_admins_only(
    alpha, make_workspace, make_member, api_client_for
):
    private = "https://alerts.example.org/feeds/9f8e7d6c5b4a39281716ab/rss?key=s3cr3t"
    admin = make_member(alpha, role="admin")
    beta = make_workspace(slug="beta")
    admin_client = api_client_for(admin)
    feeds = {"settings": {"feeds": [private], "timeout": 5}}
    created = admin_client.post("/api/sources/", {**SOURCE, **feeds}, format="json").json()
    assert created["settings"]["feeds"] == [private]  # the admin edits them as they are
    # A crisis-team member of alpha who is admin of beta: masked in alpha, as stored in beta.
    member = make_member(alpha, role="crisis_team")
    MembershipFactory(workspace=beta, user=member, role="admin")
    beta_source = Source.objects.create(
        workspace=beta, name="B", platform="news", settings={"feeds": [private]}
    )
    listed = api_client_for(member).get("/api/sources/").json()
    listed = listed.get("results", listed)
    by_id = {item["id"]: item["settings"] for item in listed}
    assert by_id[created["id"]] == {
        "feeds": ["https://alerts.example.org/feeds/***/rss?key=***"],
        "timeout": 5,
    }
    assert by_id[beta_source.pk] == {"feeds": [private]}


def test_source_update_and_delete_need_admin(alpha, make_member, api_client_for):
    admin = api_client_for(make_member(alpha, role="admin"))
    team = api_client_for(make_member(alpha, role="crisis_team"))
    pk = admin.post("/api/sources/", SOURCE, format="json").json()["id"]
    assert team.get(f"/api/sources/{pk}/").status_code == 200
    assert (
        team.patch(f"/api/sources/{pk}/", {"is_enabled": False}, format="json").status_code == 403
    )
    assert team.delete(f"/api/sources/{pk}/").status_code == 403
    response = admin.patch(f"/api/sources/{pk}/", {"is_enabled": False}, format="json")
    assert response.status_code == 200
    assert response.json()["is_enabled"] is False
    assert admin.delete(f"/api/sources/{pk}/").status_code == 204
    assert not Source.objects.filter(pk=pk).exists()


@pytest.mark.parametrize(
    "payload",
    [
        {**SOURCE, "platform": "myspace"},
        {**SOURCE, "poll_interval_seconds": 1},
        {**SOURCE, "settings": "not a dict"},
        {k: v for k, v in SOURCE.items() if k != "name"},
    ],
)
def test_source_create_bad_payload_is_400(alpha, make_member, api_client_for, payload):
    client = api_client_for(make_member(alpha, role="admin"))
    assert client.post("/api/sources/", payload, format="json").status_code == 400


NUMBER = "expected a number of seconds from"
MASTODON = {"instance": "https://mastodon.example"}


@pytest.mark.parametrize(
    ("platform", "settings", "credentials", "error"),
    [
        # A timedelta past its range was a 500; 1e13 was saved and failed every poll.
        ("bluesky", {"initial_lookback_seconds": 1e14}, {}, f"initial_lookback_seconds: {NUMBER}"),
        ("bluesky", {"initial_lookback_seconds": 1e13}, {}, f"initial_lookback_seconds: {NUMBER}"),
        ("bluesky", {"overlap_seconds": -60}, {}, f"overlap_seconds: {NUMBER} 0 to 86400"),
        ("bluesky", {"timeout": -5}, {}, f"settings.timeout: {NUMBER} 1 to 300"),
        ("bluesky", {"service": "public.api.bsky.app"}, {}, "service: expected an http(s) URL"),
        ("news", {"timeout": "10"}, {}, f"settings.timeout: {NUMBER} 1 to 300"),
        ("news", {"timeout": 0.001}, {}, f"settings.timeout: {NUMBER} 1 to 300"),
        ("x", {"timeout_seconds": True}, {"bearer_token": "t"}, f"timeout_seconds: {NUMBER}"),
        ("x", {"query_suffix": 5}, {"bearer_token": "t"}, "query_suffix: expected a string"),
        ("reddit", {"timeout_seconds": 1e9}, REDDIT_KEYS, f"timeout_seconds: {NUMBER}"),
        ("reddit", {"site_wide": "false"}, REDDIT_KEYS, "site_wide: expected true or false"),
        ("reddit", {"subreddits": "thenetherlands"}, REDDIT_KEYS, "subreddits: expected a list"),
        (
            "mastodon",
            {**MASTODON, "search": "false"},
            {"access_token": "t"},
            "settings.search: expected true or false",
        ),
        ("mastodon", {**MASTODON, "hashtags": "banknoord"}, {}, "hashtags: expected a list"),
        ("demo", {"scenario": ["nl"]}, {}, "settings.scenario: expected a string"),
        (
            "news",
            {"feeds": ["https://example.org/rss"], "timout": 5},
            {},
            "settings: unknown key 'timout'; accepted: feeds, search_feeds, timeout",
        ),
        ("webhook", {"platform": "x", "note": 1}, {"webhook_secret": "s"}, "unknown key 'note'"),
        # Sources that would show Live while reading nothing.
        ("news", {}, {}, "give `feeds` or `search_feeds`"),
        ("news", {"feeds": [], "search_feeds": []}, {}, "give `feeds` or `search_feeds`"),
        ("mastodon", {"instance": "https://m.example"}, {}, "give `hashtags` to follow"),
        (
            "mastodon",
            {"instance": "https://m.example", "hashtags": [], "search": False},
            {},
            "give `hashtags` to follow",
        ),
    ],
)
def test_source_create_refuses_bad_settings_naming_them(
    alpha, make_member, api_client_for, platform, settings, credentials, error
):
    client = api_client_for(make_member(alpha, role="admin"))
    payload = {**SOURCE, "platform": platform, "settings": settings, "credentials": credentials}
    response = client.post("/api/sources/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert response.json()["detail"].startswith("Settings not accepted: ")
    assert error in response.json()["detail"]
    assert not Source.objects.exists()


def test_source_settings_at_their_bounds_or_null_are_accepted(alpha, make_member, api_client_for):
    client = api_client_for(make_member(alpha, role="admin"))
    bounds = {
        "timeout": 300,
        "overlap_seconds": 0,
        "initial_lookback_seconds": 30 * 86400,
        "lang": "nl",
        "service": None,
    }
    bluesky = {**SOURCE, "platform": "bluesky", "settings": bounds, "credentials": {}}
    assert client.post("/api/sources/", bluesky, format="json").status_code == 201
    news = {**SOURCE, "settings": {"feeds": ["https://example.org/rss"], "timeout": None}}
    assert client.post("/api/sources/", news, format="json").status_code == 201


def test_source_update_refuses_a_settings_typo(alpha, make_member, api_client_for):
    client = api_client_for(make_member(alpha, role="admin"))
    pk = client.post("/api/sources/", SOURCE, format="json").json()["id"]
    response = client.patch(
        f"/api/sources/{pk}/", {"settings": {"feeds": [], "timout": 5}}, format="json"
    )
    assert response.status_code == 400
    assert "unknown key 'timout'" in response.json()["detail"]
    assert Source.objects.get(pk=pk).settings == SOURCE["settings"]


def test_watch_term_create_validates_query(alpha, make_member, api_client_for):
    client = api_client_for(make_member(alpha, role="admin"))
    ok = client.post(
        "/api/watch-terms/",
        {"workspace": "alpha", "query": '"Bank Noord" OR banknoord -vacature'},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    bad = client.post(
        "/api/watch-terms/", {"workspace": "alpha", "query": '"Bank Noord'}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["detail"]
    dup = client.post(
        "/api/watch-terms/",
        {"workspace": "alpha", "query": '"Bank Noord" OR banknoord -vacature'},
        format="json",
    )
    assert dup.status_code == 409
    assert WatchTerm.objects.filter(workspace=alpha).count() == 1


def test_watch_term_write_needs_admin(alpha, make_member, api_client_for):
    client = api_client_for(make_member(alpha, role="crisis_team"))
    response = client.post("/api/watch-terms/", {"workspace": "alpha", "query": "x"}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("endpoint", ["sources", "watch-terms", "dead-letters", "imports"])
def test_config_endpoints_return_404_for_other_workspace(
    make_workspace, make_member, api_client_for, endpoint
):
    from monitoring.models import DeadLetter, ImportJob

    a, b = make_workspace(slug="alpha"), make_workspace(slug="beta")
    objs = {
        "sources": lambda ws: Source.objects.create(workspace=ws, name="s", platform="news"),
        "watch-terms": lambda ws: WatchTerm.objects.create(workspace=ws, query="x"),
        "dead-letters": lambda ws: DeadLetter.objects.create(
            workspace=ws, platform="x", reason="r", raw="{}"
        ),
        "imports": lambda ws: ImportJob.objects.create(
            workspace=ws, filename="f.csv", format="csv", platform="import"
        ),
    }
    own, other = objs[endpoint](a), objs[endpoint](b)
    client = api_client_for(make_member(a, role="admin"))
    assert client.get(f"/api/{endpoint}/{own.pk}/").status_code == 200
    assert client.get(f"/api/{endpoint}/{other.pk}/").status_code == 404
    ids = [row["id"] for row in client.get(f"/api/{endpoint}/").json()["results"]]
    assert ids == [own.pk]


RULE = {
    "workspace": "alpha",
    "name": "Datalek",
    "kind": "risk_terms",
    "params": {"terms": ["datalek", "hack"], "window_minutes": 15},
    "cooldown_minutes": 30,
}


@pytest.mark.parametrize(("role", "expected"), [("admin", 201), ("crisis_team", 403)])
def test_alert_rule_create_by_role(alpha, make_member, api_client_for, role, expected):
    client = api_client_for(make_member(alpha, role=role))
    response = client.post("/api/alert-rules/", RULE, format="json")
    assert response.status_code == expected, response.content


@pytest.mark.parametrize(
    "params",
    [
        {"threshold": -1},
        {"threshold": "many"},
        {"terms": "datalek"},
        {"shoe_size": 42},
    ],
)
def test_alert_rule_bad_params_are_400(alpha, make_member, api_client_for, params):
    client = api_client_for(make_member(alpha, role="admin"))
    response = client.post("/api/alert-rules/", {**RULE, "params": params}, format="json")
    assert response.status_code == 400
    assert "params" in response.json()


def test_alert_rule_update_and_scoping(alpha, make_workspace, make_member, api_client_for):
    admin = api_client_for(make_member(alpha, role="admin"))
    pk = admin.post("/api/alert-rules/", RULE, format="json").json()["id"]
    response = admin.patch(f"/api/alert-rules/{pk}/", {"is_enabled": False}, format="json")
    assert response.json()["is_enabled"] is False
    outsider = api_client_for(make_member(make_workspace(slug="beta"), role="admin"))
    assert outsider.get(f"/api/alert-rules/{pk}/").status_code == 404
    assert outsider.delete(f"/api/alert-rules/{pk}/").status_code == 404
    assert admin.delete(f"/api/alert-rules/{pk}/").status_code == 204


def test_schema_documents_the_credential_fields_of_a_source(make_member, client):
    client.force_login(make_member())
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    output = response.json()["components"]["schemas"]["SourceOutput"]["properties"]
    assert output["credential_keys"]["type"] == "array"
    assert output["credentials_readable"]["type"] == "boolean"
