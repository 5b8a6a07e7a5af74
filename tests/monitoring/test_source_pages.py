"""Sources in the UI: the add form asks each platform for its own credentials, never shows a
secret back, and refuses an incomplete source with a clear error."""

import pytest

from monitoring.models import Source
from monitoring.selectors import source_credentials

pytestmark = pytest.mark.django_db

REDDIT = {
    "name": "Reddit NL",
    "platform": "reddit",
    "settings": '{"subreddits": ["thenetherlands"]}',
    "poll_interval_seconds": 120,
    "cred_reddit_client_id": "reddit-id-123",
    "cred_reddit_client_secret": "reddit-secret-456",
}

NEWS = {"name": "Nieuws", "platform": "news", "poll_interval_seconds": 60}


def test_add_form_has_a_credential_fieldset_per_platform(admin_client):
    page = admin_client.get("/w/bank/sources/").content.decode()
    for platform in ("x", "reddit", "mastodon", "bluesky", "webhook", "news", "demo"):
        assert f'data-platform="{platform}"' in page
    for name in (
        "cred_reddit_client_id",
        "cred_reddit_client_secret",
        "cred_bluesky_identifier",
        "cred_bluesky_app_password",
        "cred_x_bearer_token",
        "cred_webhook_webhook_secret",
    ):
        assert f'name="{name}"' in page
    assert "Reddit: credentials" in page
    assert 'autocomplete="new-password"' in page


def test_admin_adds_reddit_with_client_id_and_secret(admin_client):
    response = admin_client.post("/w/bank/sources/add/", REDDIT)
    assert response.status_code == 302
    source = Source.objects.get(workspace=admin_client.workspace)
    assert (source.platform, source.settings) == ("reddit", {"subreddits": ["thenetherlands"]})
    assert source_credentials(source=source) == {
        "client_id": "reddit-id-123",
        "client_secret": "reddit-secret-456",
    }
    page = admin_client.get("/w/bank/sources/").content.decode()
    assert "reddit-secret-456" not in page
    assert "reddit-id-123" not in page


def test_admin_adds_bluesky_with_identifier_and_app_password(admin_client):
    response = admin_client.post(
        "/w/bank/sources/add/",
        {
            "name": "Bluesky", "platform": "bluesky", "settings": '{"lang": "nl"}',
            "poll_interval_seconds": 60, "cred_bluesky_identifier": "bank.bsky.social",
            "cred_bluesky_app_password": "abcd-efgh-ijkl-mnop",
            "cred_x_bearer_token": "typed-for-another-platform",
        },
    )  # fmt: skip
    assert response.status_code == 302
    source = Source.objects.get(workspace=admin_client.workspace)
    assert source_credentials(source=source) == {
        "identifier": "bank.bsky.social",
        "app_password": "abcd-efgh-ijkl-mnop",
    }


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            {k: v for k, v in REDDIT.items() if k != "cred_reddit_client_secret"},
            "Reddit needs: Client secret.",
        ),
        (
            {
                "name": "B",
                "platform": "bluesky",
                "poll_interval_seconds": 60,
                "cred_bluesky_identifier": "bank.bsky.social",
            },
            "Bluesky needs: App password.",
        ),
        ({"name": "X", "platform": "x", "poll_interval_seconds": 60}, "X needs: Bearer token."),
        (
            {
                "name": "M",
                "platform": "mastodon",
                "settings": '{"instance": "mastodon.social"}',
                "poll_interval_seconds": 60,
            },
            "Settings not accepted: settings.instance: expected an http(s) URL",
        ),
        (  # read as strictly as the API reads it: NaN, Infinity and 1e400 are no JSON numbers
            {**NEWS, "settings": '{"feeds": ["https://example.org/rss"], "timeout": NaN}'},
            "Not valid JSON: NaN is not a JSON number",
        ),
        (
            {**NEWS, "settings": '{"feeds": ["https://example.org/rss"], "timeout": 1e400}'},
            "Not valid JSON: 1e400 is out of range",
        ),
        (  # was a 500: the lookback overflowed a timedelta
            {**NEWS, "platform": "bluesky", "settings": '{"initial_lookback_seconds": 1e14}'},
            "Settings not accepted: settings.initial_lookback_seconds: expected a number of "
            "seconds from 0 to 2592000",
        ),
        ({**REDDIT, "settings": '{"subreddits": '}, "Not valid JSON"),
        ({**REDDIT, "settings": '["thenetherlands"]'}, "Settings must be a JSON object."),
        ({**REDDIT, "poll_interval_seconds": 1}, "greater than or equal to 5"),
        ({**REDDIT, "platform": "myspace"}, "Select a valid choice"),
    ],
)
def test_add_form_refuses_an_incomplete_source_and_keeps_secrets_out(
    admin_client, payload, message
):
    response = admin_client.post("/w/bank/sources/add/", payload)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert not Source.objects.exists()
    assert "reddit-secret-456" not in page  # a typed secret is not sent back
    assert '<details class="form-box" id="add-source" open>' in page


@pytest.mark.parametrize("role", ["crisis_team", "communications"])
def test_add_source_needs_admin(client, make_workspace, make_member, role):
    workspace = make_workspace(slug="bank")
    client.force_login(make_member(workspace, role=role))
    assert client.post("/w/bank/sources/add/", REDDIT).status_code == 403
    assert 'action="/w/bank/sources/add/"' not in client.get("/w/bank/sources/").content.decode()
    assert not Source.objects.exists()


def test_add_source_in_another_workspace_is_404(admin_client, make_workspace):
    make_workspace(slug="other")
    assert admin_client.post("/w/other/sources/add/", REDDIT).status_code == 404


def test_add_form_speaks_dutch(admin_client):
    admin_client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    page = admin_client.get("/w/bank/sources/").content.decode()
    assert "Bluesky: inloggegevens" in page
    assert "App-wachtwoord" in page
    response = admin_client.post("/w/bank/sources/add/", {**REDDIT, "cred_reddit_client_id": ""})
    assert "Reddit heeft nodig: Client-ID." in response.content.decode()


def test_api_refuses_a_reddit_source_without_its_secret(admin_client, api_client_for):
    from tests.factories import MembershipFactory

    admin = MembershipFactory(workspace=admin_client.workspace, role="admin").user
    response = api_client_for(admin).post(
        "/api/sources/",
        {"workspace": "bank", "name": "R", "platform": "reddit",
         "credentials": {"client_id": "id-only"}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["missing"] == ["client_secret"]
    assert not Source.objects.exists()


# Editing and deleting a source.


@pytest.fixture
def reddit_source(admin_client):
    from monitoring.services import source_create

    return source_create(
        workspace_id=admin_client.workspace.pk,
        name="Reddit NL",
        platform="reddit",
        settings={"subreddits": ["thenetherlands"]},
        interval=120,
        credentials={"client_id": "reddit-id-123", "client_secret": "old-secret-789"},
    )


def _edit(source, **changes):
    return {
        "name": source.name,
        "settings": '{"subreddits": ["thenetherlands"]}',
        "poll_interval_seconds": source.poll_interval_seconds,
        "is_enabled": "on",
        **changes,
    }


def test_edit_page_shows_which_keys_are_set_never_their_values(admin_client, reddit_source):
    page = admin_client.get(f"/w/bank/sources/{reddit_source.pk}/edit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "reddit-id-123" not in html
    assert "old-secret-789" not in html
    assert "thenetherlands" in html  # settings are not secret: shown for editing
    assert html.count("Set. Leave blank to keep it.") == 2
    assert "Not set." in html  # user_agent
    assert 'name="cred_reddit_client_secret_clear"' in html
    assert 'name="cred_x_bearer_token"' not in html  # only the source's own platform
    listing = admin_client.get("/w/bank/sources/").content.decode()
    assert f'href="/w/bank/sources/{reddit_source.pk}/edit/"' in listing


def test_edit_changes_settings_interval_and_replaces_one_secret(admin_client, reddit_source):
    response = admin_client.post(
        f"/w/bank/sources/{reddit_source.pk}/edit/",
        _edit(
            reddit_source,
            name="Reddit Nederland",
            settings='{"subreddits": ["thenetherlands", "nederland"]}',
            poll_interval_seconds=300,
            is_enabled="",
            cred_reddit_client_secret="new-secret-000",
        ),
    )
    assert response.status_code == 302
    source = Source.objects.get(pk=reddit_source.pk)
    assert (source.name, source.poll_interval_seconds, source.is_enabled) == (
        "Reddit Nederland",
        300,
        False,
    )
    assert source.settings == {"subreddits": ["thenetherlands", "nederland"]}
    assert source_credentials(source=source) == {
        "client_id": "reddit-id-123",  # blank field: kept
        "client_secret": "new-secret-000",
    }


def test_edit_replaces_an_expired_x_token_and_removes_an_optional_key(admin_client):
    from monitoring.services import source_create

    x = source_create(
        workspace_id=admin_client.workspace.pk, name="X", platform="x", settings={},
        interval=60, credentials={"bearer_token": "expired"},
    )  # fmt: skip
    form = {"name": "X", "settings": "{}", "poll_interval_seconds": 60, "is_enabled": "on"}
    admin_client.post(f"/w/bank/sources/{x.pk}/edit/", {**form, "cred_x_bearer_token": "fresh"})
    assert source_credentials(source=Source.objects.get(pk=x.pk)) == {"bearer_token": "fresh"}
    masto = source_create(
        workspace_id=admin_client.workspace.pk, name="M", platform="mastodon",
        settings={"instance": "https://mastodon.social", "hashtags": ["banknoord"]},
        interval=60, credentials={"access_token": "tok"},
    )  # fmt: skip
    response = admin_client.post(
        f"/w/bank/sources/{masto.pk}/edit/",
        {**form, "name": "M",
         "settings": '{"instance": "https://mastodon.social", "hashtags": ["banknoord"]}',
         "cred_mastodon_access_token_clear": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert source_credentials(source=Source.objects.get(pk=masto.pk)) == {}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cred_reddit_client_secret_clear": "on"}, "Reddit needs: Client secret."),
        ({"settings": '{"subreddits": ["not a name!"]}'}, "settings.subreddits: invalid name"),
        ({"settings": "{"}, "Not valid JSON"),
        ({"name": ""}, "This field is required."),
    ],
)
def test_edit_refuses_a_bad_payload_and_changes_nothing(
    admin_client, reddit_source, changes, message
):
    response = admin_client.post(
        f"/w/bank/sources/{reddit_source.pk}/edit/",
        _edit(reddit_source, cred_reddit_client_id="typed-id", **changes),
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    source = Source.objects.get(pk=reddit_source.pk)
    assert source.settings == {"subreddits": ["thenetherlands"]}
    assert source_credentials(source=source)["client_id"] == "reddit-id-123"


def test_renaming_a_source_that_lacks_a_credential_is_allowed(admin_client):
    from tests.factories import SourceFactory

    legacy = SourceFactory(workspace=admin_client.workspace, platform="x", settings={})
    response = admin_client.post(
        f"/w/bank/sources/{legacy.pk}/edit/",
        {"name": "X oud", "settings": "{}", "poll_interval_seconds": 5},
    )
    assert response.status_code == 302
    legacy.refresh_from_db()
    assert (legacy.name, legacy.is_enabled) == ("X oud", False)


def test_delete_needs_the_confirm_box_and_keeps_the_mentions(admin_client, reddit_source):
    from tests.factories import MentionFactory

    mention = MentionFactory(workspace=admin_client.workspace, source=reddit_source)
    url = f"/w/bank/sources/{reddit_source.pk}/delete/"
    assert admin_client.get(url).status_code == 405
    unconfirmed = admin_client.post(url, follow=True)
    assert "Tick the box to confirm the deletion." in unconfirmed.content.decode()
    assert Source.objects.filter(pk=reddit_source.pk).exists()
    response = admin_client.post(url, {"confirm": "yes"}, follow=True)
    assert "Source “Reddit NL” deleted." in response.content.decode()
    assert not Source.objects.filter(pk=reddit_source.pk).exists()
    mention.refresh_from_db()
    assert mention.source_id is None


def test_delete_is_refused_without_the_csrf_token(admin_client, reddit_source):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_client.workspace.memberships.get(role="admin").user)
    url = f"/w/bank/sources/{reddit_source.pk}/delete/"
    assert strict.post(url, {"confirm": "yes"}).status_code == 403
    assert Source.objects.filter(pk=reddit_source.pk).exists()
    edit = strict.get(f"/w/bank/sources/{reddit_source.pk}/edit/")
    token = edit.cookies["csrftoken"].value
    assert strict.post(url, {"confirm": "yes", "csrfmiddlewaretoken": token}).status_code == 302
    assert not Source.objects.filter(pk=reddit_source.pk).exists()


@pytest.mark.parametrize("role", ["crisis_team", "communications"])
def test_edit_and_delete_need_admin(client, make_member, admin_client, reddit_source, role):
    client.force_login(make_member(admin_client.workspace, role=role))
    edit = f"/w/bank/sources/{reddit_source.pk}/edit/"
    assert client.get(edit).status_code == 403
    assert client.post(edit, _edit(reddit_source, name="Hacked")).status_code == 403
    delete = f"/w/bank/sources/{reddit_source.pk}/delete/"
    assert client.post(delete, {"confirm": "yes"}).status_code == 403
    source = Source.objects.get(pk=reddit_source.pk)
    assert source.name == "Reddit NL"
    assert "/edit/" not in client.get("/w/bank/sources/").content.decode()


def test_edit_and_delete_of_another_workspaces_source_is_404(admin_client):
    from tests.factories import SourceFactory

    own, other = SourceFactory(workspace=admin_client.workspace), SourceFactory()
    assert admin_client.get(f"/w/bank/sources/{own.pk}/edit/").status_code == 200
    assert admin_client.get(f"/w/bank/sources/{other.pk}/edit/").status_code == 404
    delete = admin_client.post(f"/w/bank/sources/{other.pk}/delete/", {"confirm": "yes"})
    assert delete.status_code == 404
    assert Source.objects.filter(pk=other.pk).exists()


def test_edit_page_speaks_dutch(admin_client, reddit_source):
    admin_client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    html = admin_client.get(f"/w/bank/sources/{reddit_source.pk}/edit/").content.decode()
    assert "Ingesteld. Laat leeg om te bewaren." in html
    assert "Deze bron verwijderen" in html
