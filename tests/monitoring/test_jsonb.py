"""JSON typed by an admin that PostgreSQL's jsonb refuses (a NUL, NaN, Infinity) is a 400 or a
form error naming where it is, on the pages and in the API alike; it was a 500."""

import pytest

from monitoring.models import AlertRule, Source
from monitoring.services import source_create

pytestmark = pytest.mark.django_db

FEEDS = '"feeds": ["http://x.example/rss"]'
RULE = {"name": "Datalek", "kind": "risk_terms", "cooldown_minutes": 10}


@pytest.fixture
def bank(make_workspace):
    return make_workspace(slug="bank")


@pytest.fixture
def admin(bank, make_member):
    return make_member(bank, role="admin")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


@pytest.fixture
def admin_api(admin, api_client_for):
    client = api_client_for(admin)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def news(bank) -> Source:
    return source_create(
        workspace_id=bank.pk, name="Nieuws", platform="news",
        settings={"feeds": ["http://x.example/rss"]}, interval=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        (f'{{{FEEDS}, "timeout": NaN}}', "Not valid JSON: NaN is not a JSON number"),
        (f'{{{FEEDS}, "timeout": Infinity}}', "Not valid JSON: Infinity is not a JSON number"),
        (f'{{{FEEDS}, "timeout": 1e400}}', "Not valid JSON: 1e400 is out of range"),
        (f'{{{FEEDS}, "x": "a\\u0000b"}}', "settings.x: a NUL character"),
        (f'{{{FEEDS}, "a\\u0000b": 1}}', "settings.a\\u0000b (a key): a NUL character"),
        ('{"feeds": ["http://x.example/rss\\u0000"]}', "settings.feeds[0]: a NUL character"),
    ],
)
def test_source_forms_refuse_json_postgresql_cannot_store(admin_client, news, settings, error):
    add = {"name": "N", "platform": "news", "settings": settings, "poll_interval_seconds": 60}
    response = admin_client.post("/w/bank/sources/add/", add)
    assert response.status_code == 400
    assert error in response.context["source_form"].errors["settings"][0]
    edit = {"name": "Nieuws", "settings": settings, "poll_interval_seconds": 60}
    response = admin_client.post(f"/w/bank/sources/{news.pk}/edit/", edit)
    assert response.status_code == 400
    assert error in response.context["form"].errors["settings"][0]
    assert list(Source.objects.values_list("settings", flat=True)) == [
        {"feeds": ["http://x.example/rss"]}
    ]


@pytest.mark.parametrize(
    "settings",
    [
        {"feeds": ["http://x.example/rss"], "x": "a\x00b"},
        {"feeds": ["http://x.example/rss"], "nested": {"a\x00": [1]}},
    ],
)
def test_source_api_refuses_a_nul_in_settings(admin_api, news, settings):
    payload = {"workspace": "bank", "name": "N", "platform": "news", "settings": settings}
    response = admin_api.post("/api/sources/", payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "settings"
    assert "a NUL character (\\u0000) cannot be stored" in response.json()["detail"]
    response = admin_api.patch(f"/api/sources/{news.pk}/", {"settings": settings}, format="json")
    assert response.status_code == 400, response.content
    assert Source.objects.count() == 1


def test_source_api_refuses_nan_in_the_body(admin_api):
    body = (
        '{"workspace": "bank", "name": "N", "platform": "news", "settings": {%s, "timeout": NaN}}'
    )
    response = admin_api.post("/api/sources/", body % FEEDS, content_type="application/json")
    assert response.status_code == 400
    assert not Source.objects.exists()


def test_rule_form_refuses_a_nul_in_params(admin_client):
    form = {**RULE, "params": '{"terms": ["a\\u0000b"]}'}
    response = admin_client.post("/w/bank/rules/add/", form, follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert "Parameters not accepted: params.terms[0]: a NUL character" in shown[0]
    response = admin_client.post("/w/bank/rules/add/", {**form, "params": '{"x": NaN}'})
    assert not AlertRule.objects.exists()


def test_rule_api_refuses_a_nul_in_params_on_create_and_update(admin_api):
    payload = {**RULE, "workspace": "bank", "params": {"terms": ["a\x00b"]}}
    response = admin_api.post("/api/alert-rules/", payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"].startswith("Parameters not accepted: params.terms[0]")
    assert not AlertRule.objects.exists()
    created = admin_api.post(
        "/api/alert-rules/", {**payload, "params": {"terms": ["ab"]}}, format="json"
    )
    pk = created.json()["id"]
    detector = {"detector": {"note\x00": 1}}
    response = admin_api.patch(f"/api/alert-rules/{pk}/", {"params": detector}, format="json")
    assert response.status_code == 400, response.content
    assert AlertRule.objects.get(pk=pk).params == {"terms": ["ab"]}
