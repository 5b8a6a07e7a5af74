"""Credentials stored under an old key (SECRET_KEY rotated without CREDENTIALS_KEY) are reported
as unreadable at the source, never used as if none were stored."""

import json

import pytest
import responses

from monitoring.models import Source, WatchTerm
from monitoring.platforms.base import PlatformAuthError
from monitoring.selectors import source_credentials
from monitoring.services import source_create, source_poll, webhook_signature
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rotate_secret_key(settings):
    settings.CREDENTIALS_KEY = ""

    def rotate() -> None:
        settings.SECRET_KEY = "a-rotated-secret-key"

    return rotate


def _source(workspace, platform: str, credentials: dict, settings: dict | None = None) -> Source:
    return source_create(
        workspace_id=workspace.pk, name=platform, platform=platform, settings=settings or {},
        interval=60, credentials=credentials,
    )  # fmt: skip


@responses.activate
def test_poll_records_unreadable_credentials_as_the_source_error(rotate_secret_key):
    workspace = WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query='"Bank Noord"')
    source = _source(workspace, "x", {"bearer_token": "stored-under-the-old-key"})
    rotate_secret_key()
    with pytest.raises(PlatformAuthError):
        source_poll(source=source)
    source.refresh_from_db()
    assert "credentials unreadable" in source.last_error
    assert "re-enter them" in source.last_error
    assert len(responses.calls) == 0  # nothing was sent without them


def test_webhook_with_an_unreadable_secret_is_refused_and_shown(client, rotate_secret_key):
    source = _source(WorkspaceFactory(), "webhook", {"webhook_secret": "old"}, {"platform": "x"})
    rotate_secret_key()
    body = json.dumps({"mentions": []}).encode()
    response = client.post(
        f"/api/ingest/{source.pk}/",
        data=body,
        content_type="application/json",
        HTTP_X_CRISISCENTER_SIGNATURE=webhook_signature("old", body),
    )
    assert response.status_code == 401
    source.refresh_from_db()
    assert "credentials unreadable" in source.last_error


def test_edit_page_says_credentials_are_unreadable_and_takes_new_ones(
    client, make_member, api_client_for, rotate_secret_key
):
    workspace = WorkspaceFactory(slug="bank")
    admin = make_member(workspace, role="admin")
    source = _source(workspace, "x", {"bearer_token": "old-token"})
    rotate_secret_key()
    client.force_login(admin)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/w/bank/sources/{source.pk}/edit/").content.decode()
    assert "The stored credentials cannot be read" in page
    listed = api_client_for(admin).get(f"/api/sources/{source.pk}/")
    assert listed.status_code == 200
    assert (listed.json()["credential_keys"], listed.json()["credentials_readable"]) == ([], False)
    form = {"name": "x", "settings": "{}", "poll_interval_seconds": 60, "is_enabled": "on"}
    response = client.post(
        f"/w/bank/sources/{source.pk}/edit/", {**form, "cred_x_bearer_token": "new"}
    )
    assert response.status_code == 302
    assert source_credentials(source=Source.objects.get(pk=source.pk)) == {"bearer_token": "new"}
