"""Saving configuration: credential values a header cannot carry are refused by the one service
behind the page and the API, naming the key, never echoing the value; a change that may mend a
failing source makes it due at once; a watch term edited into a duplicate is a 409."""

from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from monitoring.models import Source, WatchTerm
from monitoring.platforms.base import PlatformUnavailable
from monitoring.selectors import source_credentials, source_ids_due
from monitoring.services import source_create, source_poll

pytestmark = pytest.mark.django_db

TOKEN = "AAAAhead0123456789secret"
SEARCH_URL = "https://api.twitter.com/2/tweets/search/recent"
REDDIT = {"client_id": "reddit-id", "client_secret": "reddit-secret"}


@pytest.fixture
def bank(make_workspace):
    return make_workspace(slug="bank")


@pytest.fixture
def admin_api(bank, make_member, api_client_for):
    client = api_client_for(make_member(bank, role="admin"))
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def admin_client(client, bank, make_member):
    client.force_login(make_member(bank, role="admin"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def _x_source(bank) -> Source:
    return source_create(
        workspace_id=bank.pk, name="X", platform="x", settings={}, interval=60,
        credentials={"bearer_token": TOKEN},
    )  # fmt: skip


@pytest.mark.parametrize("bad", [f"{TOKEN}\nSDSJtail", f"{TOKEN} tail", f"{TOKEN}\u200btail"])
def test_source_api_refuses_a_token_with_whitespace_or_control_characters(admin_api, bad):
    payload = {
        "workspace": "bank",
        "name": "X",
        "platform": "x",
        "credentials": {"bearer_token": bad},
    }
    response = admin_api.post("/api/sources/", payload, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["invalid"] == ["bearer_token"]
    assert body["detail"].startswith("Bearer token must not contain")
    assert TOKEN not in response.content.decode()
    assert not Source.objects.exists()


def test_source_api_patch_refuses_a_token_with_a_line_break_and_keeps_the_stored_one(
    bank, admin_api
):
    source = _x_source(bank)
    response = admin_api.patch(
        f"/api/sources/{source.pk}/",
        {"credentials": {"bearer_token": "fresh\r\ntoken"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["invalid"] == ["bearer_token"]
    assert "fresh" not in response.content.decode()
    assert source_credentials(source=Source.objects.get(pk=source.pk)) == {"bearer_token": TOKEN}


def test_source_add_form_shows_a_refused_token_at_its_field_without_the_value(admin_client):
    form = {
        "name": "X", "platform": "x", "settings": "{}", "poll_interval_seconds": 60,
        "cred_x_bearer_token": f"{TOKEN}\nSDSJtail",
    }  # fmt: skip
    response = admin_client.post("/w/bank/sources/add/", form)
    assert response.status_code == 400
    errors = response.context["source_form"].errors
    assert errors["cred_x_bearer_token"][0].startswith("Bearer token must not contain")
    assert TOKEN not in response.content.decode()
    assert not Source.objects.exists()


def test_a_reddit_user_agent_may_hold_spaces_but_no_line_break(bank, admin_api):
    agent = {"user_agent": "CrisisCenter/1.0 (by u/banknoord)"}
    payload = {"workspace": "bank", "name": "R", "platform": "reddit",
               "settings": {"subreddits": ["thenetherlands"]}}  # fmt: skip
    refused = admin_api.post(
        "/api/sources/",
        {**payload, "credentials": {**REDDIT, "user_agent": "CrisisCenter/1.0\nX-Evil: 1"}},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["invalid"] == ["user_agent"]
    assert "line breaks" in refused.json()["detail"]
    created = admin_api.post(
        "/api/sources/", {**payload, "credentials": {**REDDIT, **agent}}, format="json"
    )
    assert created.status_code == 201, created.content
    source = Source.objects.get(pk=created.json()["id"])
    assert source_credentials(source=source) == {**REDDIT, **agent}


@responses.activate
def test_a_token_pasted_with_a_trailing_line_break_is_stored_and_sent_without_it(bank, admin_api):
    WatchTerm.objects.create(workspace=bank, query="Bank Noord")
    payload = {"workspace": "bank", "name": "X", "platform": "x",
               "credentials": {"bearer_token": f"  {TOKEN}\n"}}  # fmt: skip
    created = admin_api.post("/api/sources/", payload, format="json")
    assert created.status_code == 201, created.content
    source = Source.objects.get(pk=created.json()["id"])
    assert source_credentials(source=source) == {"bearer_token": TOKEN}
    responses.add("GET", SEARCH_URL, json={"meta": {"result_count": 0}})
    source_poll(source=source)
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    source.refresh_from_db()
    assert (source.health, source.last_error) == (Source.Health.OK, "")


def test_watch_term_api_patch_to_a_query_the_workspace_has_is_409(bank, admin_api):
    WatchTerm.objects.create(workspace=bank, query="Bank Noord")
    other = WatchTerm.objects.create(workspace=bank, query="datalek")
    response = admin_api.patch(
        f"/api/watch-terms/{other.pk}/", {"query": " Bank Noord "}, format="json"
    )
    assert response.status_code == 409, response.content
    assert response.json()["detail"] == "This watch term already exists."
    other.refresh_from_db()
    assert other.query == "datalek"
    response = admin_api.patch(f"/api/watch-terms/{other.pk}/", {"query": "hack"}, format="json")
    assert response.json()["query"] == "hack"  # the request after the refusal still works


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("en", "Invalid watch term: unbalanced quote at position 9"),
        ("nl", "Ongeldige zoekterm: aanhalingsteken zonder tegenhanger op positie 9"),
    ],
)
def test_watch_term_api_gives_a_bad_querys_reason_in_the_requests_language(
    bank, admin_api, language, detail
):
    admin_api.credentials(HTTP_ACCEPT_LANGUAGE=language)
    response = admin_api.post(
        "/api/watch-terms/", {"workspace": bank.slug, "query": 'storing "bank'}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == detail
    assert not WatchTerm.objects.filter(workspace=bank).exists()


def _failing(source: Source, **fields) -> Source:
    """The source as Down after a long outage: next attempt minutes away, after its backoff."""
    fields = {
        "health": Source.Health.DOWN,
        "consecutive_failures": 5,
        "failing_since": timezone.now() - timedelta(minutes=20),
        "next_poll_at": timezone.now() + timedelta(minutes=5),
        "last_polled_at": timezone.now(),
        **fields,
    }
    Source.objects.filter(pk=source.pk).update(**fields)
    return Source.objects.get(pk=source.pk)


def _due_now(source: Source) -> bool:
    return source.pk in source_ids_due(now=timezone.now())


@pytest.mark.parametrize(
    "patch",
    [
        {"settings": {"query_suffix": "lang:nl"}},
        {"credentials": {"bearer_token": "fresh-token"}},
    ],
)
def test_source_api_patch_of_settings_or_credentials_makes_a_down_source_due_now(
    bank, admin_api, patch
):
    source = _failing(_x_source(bank))
    assert not _due_now(source)
    response = admin_api.patch(f"/api/sources/{source.pk}/", patch, format="json")
    assert response.status_code == 200, response.content
    assert _due_now(source)
    source.refresh_from_db()
    assert (source.health, source.consecutive_failures) == (Source.Health.DOWN, 5)


def test_source_edit_form_and_re_enabling_make_a_source_due_now(bank, admin_client):
    source = _failing(_x_source(bank))
    form = {"name": "X", "settings": "{}", "poll_interval_seconds": 60, "is_enabled": "on"}
    admin_client.post(f"/w/bank/sources/{source.pk}/edit/", {**form, "name": "X2"})
    assert not _due_now(source)  # a new name mends nothing: the backoff stays
    admin_client.post(
        f"/w/bank/sources/{source.pk}/edit/", {**form, "cred_x_bearer_token": "fresh-token"}
    )
    assert _due_now(source)
    paused = _failing(source, is_enabled=False)
    admin_client.post(f"/w/bank/sources/{paused.pk}/toggle/")
    assert _due_now(paused)


def test_a_settings_change_keeps_a_platforms_rate_limit_wait_but_new_credentials_end_it(
    bank, admin_api
):
    until = timezone.now() + timedelta(minutes=10)
    source = _failing(
        _x_source(bank), next_poll_at=until, rate_limit={"limited_until": until.isoformat()}
    )
    url = f"/api/sources/{source.pk}/"
    admin_api.patch(url, {"settings": {"query_suffix": "lang:nl"}}, format="json")
    assert not _due_now(source)
    assert admin_api.get(url).json()["rate_limited_until"] is not None
    admin_api.patch(url, {"credentials": {"bearer_token": "other-app-token"}}, format="json")
    assert _due_now(source)
    # The old wait no longer shows (sources page, API, dashboard): the new token has its own.
    assert admin_api.get(url).json()["rate_limited_until"] is None


@responses.activate
def test_an_edit_made_while_a_poll_fails_is_not_overtaken_by_the_polls_backoff(bank, admin_api):
    WatchTerm.objects.create(workspace=bank, query="Bank Noord")
    source = _failing(_x_source(bank), next_poll_at=None)
    url = f"/api/sources/{source.pk}/"

    def failing_while_an_admin_edits(request):
        # The poll holds the lease (next_poll_at emptied) when the admin saves the fix.
        admin_api.patch(url, {"settings": {"query_suffix": "lang:nl"}}, format="json")
        return (503, {}, "")

    responses.add_callback("GET", SEARCH_URL, callback=failing_while_an_admin_edits)
    with pytest.raises(PlatformUnavailable):
        source_poll(source=Source.objects.get(pk=source.pk))
    source.refresh_from_db()
    assert source.consecutive_failures == 6  # the failure is counted
    assert _due_now(source)  # but the fix is tried at once, not after the backoff


@responses.activate
def test_a_failed_poll_without_an_edit_waits_out_its_backoff(bank):
    WatchTerm.objects.create(workspace=bank, query="Bank Noord")
    source = _failing(_x_source(bank), next_poll_at=None)
    responses.add("GET", SEARCH_URL, status=503)
    with pytest.raises(PlatformUnavailable):
        source_poll(source=Source.objects.get(pk=source.pk))
    source.refresh_from_db()
    assert source.next_poll_at > timezone.now() + timedelta(minutes=2)
    assert not _due_now(source)
