import re

import pytest

from tests import factories
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def test_workspace_create_by_superuser(api_client_for, django_user_model):
    op = django_user_model.objects.create_superuser("op", password="pw-for-tests-123")
    response = api_client_for(op).post(
        "/api/workspaces/", {"slug": "bank-zuid", "name": "Bank Zuid"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "bank-zuid"
    assert Workspace.objects.filter(slug="bank-zuid", name="Bank Zuid").exists()


def test_workspace_create_duplicate_slug_is_409(api_client_for, django_user_model, make_workspace):
    make_workspace(slug="taken")
    op = django_user_model.objects.create_superuser("op", password="pw-for-tests-123")
    client = api_client_for(op)
    payload = {"slug": "taken", "name": "Again"}
    response = client.post("/api/workspaces/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]
    dutch = client.post("/api/workspaces/", payload, format="json", HTTP_ACCEPT_LANGUAGE="nl")
    assert "bestaat al" in dutch.json()["detail"]


@pytest.mark.parametrize(
    "payload", [{}, {"slug": "has spaces", "name": "x"}, {"slug": "ok", "name": ""}]
)
def test_workspace_create_bad_payload_is_400(api_client_for, django_user_model, payload):
    op = django_user_model.objects.create_superuser("op", password="pw-for-tests-123")
    response = api_client_for(op).post("/api/workspaces/", payload, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["crisis_team", "communications", "admin"])
def test_workspace_create_by_member_is_forbidden(api_client_for, make_member, role):
    user = make_member(role=role)
    response = api_client_for(user).post(
        "/api/workspaces/", {"slug": "mine", "name": "Mine"}, format="json"
    )
    assert response.status_code == 403
    assert not Workspace.objects.filter(slug="mine").exists()


def test_token_auth_works(make_member, client):
    from rest_framework.authtoken.models import Token

    user = make_member()
    token = Token.objects.create(user=user)
    response = client.get("/api/workspaces/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    bad = client.get("/api/workspaces/", HTTP_AUTHORIZATION="Token nope")
    assert bad.status_code == 401


def test_schema_is_served(make_member, client):
    client.force_login(make_member())
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/mentions/" in response.content


def test_api_docs_load_swagger_ui_from_this_server(make_member, client):
    client.force_login(make_member())
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    scripts = re.findall(r'src="([^"]+)"', page)
    assert any(src.endswith("swagger-ui-bundle.js") for src in scripts), scripts
    assert all(src.startswith("/static/") for src in scripts), scripts  # no CDN
    links = re.findall(r'href="([^"]+)"', page)  # the stylesheet and the icon
    assert links
    assert all(href.startswith("/static/") for href in links), links
    bundle = next(src for src in scripts if src.endswith("swagger-ui-bundle.js"))
    assert client.get(bundle).status_code == 200


def test_new_workspace_starts_with_the_shipped_playbooks_and_statement_templates(
    api_client_for, django_user_model
):
    from playbooks.models import Playbook
    from statements.models import StatementTemplate

    op = django_user_model.objects.create_superuser("op", password="pw-for-tests-123")
    response = api_client_for(op).post(
        "/api/workspaces/", {"slug": "nieuw", "name": "Nieuw"}, format="json"
    )
    assert response.status_code == 201
    workspace = Workspace.objects.get(slug="nieuw")
    playbooks = set(
        Playbook.objects.filter(workspace=workspace).values_list("scenario", "language")
    )
    templates = set(
        StatementTemplate.objects.filter(workspace=workspace).values_list("scenario", "language")
    )
    scenarios = {"news_coverage", "viral_complaint", "data_leak", "employee_message"}
    assert {s for s, _ in playbooks} == scenarios
    assert {lang for _, lang in playbooks} == {"nl", "en"}
    assert templates == {(s, lang) for s in scenarios for lang in ("nl", "en")}


def test_workspace_list_gives_each_role_in_fixed_queries(
    api_client_for, make_member, django_assert_max_num_queries
):
    user = make_member(role="communications")
    roles = ["crisis_team", "admin", "communications", "admin", "crisis_team", "admin"]
    for role in roles:
        factories.MembershipFactory(user=user, role=role)
    client = api_client_for(user)
    with django_assert_max_num_queries(2):
        rows = client.get("/api/workspaces/").json()["results"]
    assert sorted(row["role"] for row in rows) == sorted([*roles, "communications"])
    op = factories.UserFactory(is_superuser=True)
    response = api_client_for(op).post(
        "/api/workspaces/", {"slug": "bank-west", "name": "Bank West"}, format="json"
    )
    assert response.json()["role"] == "admin"
