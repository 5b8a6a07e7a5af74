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


@pytest.fixture
def admin_client(client, make_workspace, make_member):
    workspace = make_workspace(slug="bank")
    client.force_login(make_member(workspace, role="admin"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.workspace = workspace
    return client


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
            "Settings not accepted: settings.instance: expected an https:// URL",
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
