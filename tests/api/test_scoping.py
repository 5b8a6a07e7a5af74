"""Tenancy holds on every endpoint: members of A never see B's objects (404), anonymous 401/403."""

import pytest

from tests.factories import AlertFactory, IncidentFactory, MentionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_workspaces(make_workspace, make_member):
    a, b = make_workspace(slug="alpha"), make_workspace(slug="beta")
    objects = {
        ws.slug: {
            "mentions": MentionFactory(workspace=ws),
            "alerts": AlertFactory(workspace=ws),
            "incidents": IncidentFactory(workspace=ws),
        }
        for ws in (a, b)
    }
    return {"a": a, "b": b, "user_a": make_member(a), "objects": objects}


@pytest.mark.parametrize("endpoint", ["mentions", "alerts", "incidents"])
def test_detail_api_returns_404_for_other_workspace(two_workspaces, api_client_for, endpoint):
    client = api_client_for(two_workspaces["user_a"])
    own = two_workspaces["objects"]["alpha"][endpoint]
    other = two_workspaces["objects"]["beta"][endpoint]
    assert client.get(f"/api/{endpoint}/{own.pk}/").status_code == 200
    response = client.get(f"/api/{endpoint}/{other.pk}/")
    assert response.status_code == 404


@pytest.mark.parametrize("endpoint", ["mentions", "alerts", "incidents"])
def test_list_api_shows_only_own_workspace(two_workspaces, api_client_for, endpoint):
    client = api_client_for(two_workspaces["user_a"])
    body = client.get(f"/api/{endpoint}/").json()
    assert [row["id"] for row in body["results"]] == [
        two_workspaces["objects"]["alpha"][endpoint].pk
    ]
    assert client.get(f"/api/{endpoint}/?workspace=beta").json()["results"] == []


def test_workspace_api_returns_404_for_other_workspace(two_workspaces, api_client_for):
    client = api_client_for(two_workspaces["user_a"])
    assert client.get("/api/workspaces/alpha/").json()["role"] == "crisis_team"
    assert client.get("/api/workspaces/beta/").status_code == 404
    assert [w["slug"] for w in client.get("/api/workspaces/").json()["results"]] == ["alpha"]


def test_volume_api_returns_404_for_other_workspace(two_workspaces, api_client_for):
    client = api_client_for(two_workspaces["user_a"])
    assert client.get("/api/mentions/volume/?workspace=alpha").status_code == 200
    response = client.get("/api/mentions/volume/?workspace=beta")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_dashboard_page_returns_404_for_other_workspace(two_workspaces, client):
    client.force_login(two_workspaces["user_a"])
    assert client.get("/w/alpha/").status_code == 200
    assert client.get("/w/beta/").status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/api/workspaces/", "/api/mentions/", "/api/alerts/", "/api/incidents/", "/api/mentions/1/"],
)
def test_api_requires_authentication(api_client_for, url):
    assert api_client_for(None).get(url).status_code in (401, 403)


def test_dashboard_requires_login(client):
    response = client.get("/w/alpha/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_superuser_sees_every_workspace(two_workspaces, api_client_for, django_user_model):
    operator = django_user_model.objects.create_superuser("op", password="pw-for-tests-123")
    client = api_client_for(operator)
    slugs = {w["slug"] for w in client.get("/api/workspaces/").json()["results"]}
    assert slugs == {"alpha", "beta"}
    beta_mention = two_workspaces["objects"]["beta"]["mentions"]
    assert client.get(f"/api/mentions/{beta_mention.pk}/").status_code == 200
