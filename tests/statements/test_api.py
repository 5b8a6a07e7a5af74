"""The statements API endpoint by endpoint: roles, workspace scoping, the four-eyes rules."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from incidents.models import IncidentEvent
from statements.models import Publication, Statement, StatementAudit, StatementTemplate
from statements.services.templates import statement_templates_install_starters
from tests import factories
from tests.statements.conftest import FULL_TEXT, PASSWORD

pytestmark = pytest.mark.django_db


def session_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def in_review(make_statement, **kwargs) -> Statement:
    statement = make_statement(**kwargs)
    Statement.objects.filter(pk=statement.pk).update(status=Statement.Status.IN_REVIEW)
    statement.refresh_from_db()
    return statement


# --- templates -------------------------------------------------------------------------


def test_starter_templates_cover_every_scenario_in_both_languages(workspace):
    assert statement_templates_install_starters(workspace=workspace) == 8
    assert statement_templates_install_starters(workspace=workspace) == 0  # idempotent
    pairs = set(StatementTemplate.objects.values_list("scenario", "language"))
    assert pairs == {
        (s, lang)
        for s in ("news_coverage", "viral_complaint", "data_leak", "employee_message")
        for lang in ("nl", "en")
    }


@pytest.mark.parametrize(("role", "status"), [("team", 403), ("comms", 201), ("admin", 201)])
def test_template_create_needs_communications_or_admin(
    request, api_client_for, workspace, role, status
):
    user = request.getfixturevalue(role)
    response = api_client_for(user).post(
        "/api/statement-templates/",
        {"workspace": workspace.slug, "scenario": "data_leak", "language": "nl",
         "title": "Kort", "body": "{organisation}: {what_happened}"},
        format="json",
    )  # fmt: skip
    assert response.status_code == status, response.json()
    if status == 403:
        assert "communications" in response.json()["detail"]


def test_template_crisis_team_reads(api_client_for, workspace, team):
    statement_templates_install_starters(workspace=workspace)
    response = api_client_for(team).get(f"/api/statement-templates/?workspace={workspace.slug}")
    assert response.status_code == 200
    assert response.json()["count"] == 8


def test_template_unknown_placeholder_is_a_400(api_client_for, workspace, comms):
    response = api_client_for(comms).post(
        "/api/statement-templates/",
        {"workspace": workspace.slug, "scenario": "data_leak", "language": "nl",
         "title": "Fout", "body": "Beste {klantnaam}, {organisation}"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["unknown_placeholders"] == ["klantnaam"]


def test_template_other_workspace_is_404(api_client_for, workspace, make_member):
    statement_templates_install_starters(workspace=workspace)
    outsider = make_member(factories.WorkspaceFactory(), role="admin")
    template = StatementTemplate.objects.filter(workspace=workspace).first()
    client = api_client_for(outsider)
    assert client.get(f"/api/statement-templates/{template.pk}/").status_code == 404
    assert client.delete(f"/api/statement-templates/{template.pk}/").status_code == 404
    response = client.post(
        "/api/statement-templates/",
        {"workspace": workspace.slug, "scenario": "data_leak", "language": "nl",
         "title": "X", "body": "x"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 404


# --- statements ------------------------------------------------------------------------


def test_statement_create_from_template_fills_every_variant(
    api_client_for, workspace, incident, comms, confirmed_claim
):
    statement_templates_install_starters(workspace=workspace)
    template = StatementTemplate.objects.get(scenario="data_leak", language="nl")
    response = api_client_for(comms).post(
        "/api/statements/",
        {"incident": incident.pk, "title": "Datalek", "language": "nl", "template": template.pk,
         "placeholder_values": {"organisation": "Bank Noord"}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["version"] == 1
    assert set(body["variants"]) == {
        "x", "linkedin", "facebook", "instagram", "mastodon", "bluesky", "website",
        "press_release",
    }  # fmt: skip
    assert body["variants"]["x"] == template.body


@pytest.mark.parametrize(("role", "status"), [("team", 403), ("comms", 201)])
def test_statement_create_role(request, api_client_for, incident, role, status):
    response = api_client_for(request.getfixturevalue(role)).post(
        "/api/statements/", {"incident": incident.pk, "title": "T", "language": "nl"}, format="json"
    )
    assert response.status_code == status


def test_statement_other_workspace_is_404(api_client_for, make_statement, make_member):
    statement = make_statement()
    outsider = make_member(factories.WorkspaceFactory(), role="communications")
    client = api_client_for(outsider)
    assert client.get(f"/api/statements/{statement.pk}/").status_code == 404
    assert client.post(f"/api/statements/{statement.pk}/submit/").status_code == 404
    assert client.patch(f"/api/statements/{statement.pk}/", {"title": "x"}).status_code == 404
    response = client.post(
        "/api/statements/",
        {"incident": statement.incident_id, "title": "T", "language": "nl"},
        format="json",
    )
    assert response.status_code == 404
    assert client.get(f"/api/statements/?workspace={statement.workspace.slug}").status_code == 200
    assert client.get("/api/statements/").json()["count"] == 0


def test_statement_submit_refuses_unfilled_placeholders(api_client_for, make_statement, comms):
    statement = make_statement(variants={"x": "{organisation} meldt: {what_happened}"})
    response = api_client_for(comms).post(f"/api/statements/{statement.pk}/submit/")
    assert response.status_code == 400
    assert response.json()["unfilled_placeholders"] == ["organisation", "what_happened"]
    statement.refresh_from_db()
    assert statement.status == "draft"
    client = api_client_for(comms)
    client.patch(
        f"/api/statements/{statement.pk}/",
        {"placeholder_values": {"organisation": "Bank Noord", "what_happened": "een storing"}},
        format="json",
    )
    assert client.post(f"/api/statements/{statement.pk}/submit/").status_code == 200


def test_statement_submit_records_on_the_timeline(api_client_for, make_statement, comms):
    statement = make_statement()
    assert api_client_for(comms).post(f"/api/statements/{statement.pk}/submit/").status_code == 200
    event = IncidentEvent.objects.get(incident=statement.incident, kind="statement")
    assert event.data == {"action": "submitted", "statement_id": statement.pk}
    assert event.actor == comms


def test_approve_with_password_by_another_communications_user(
    api_client_for, make_statement, comms2
):
    statement = in_review(make_statement)
    response = api_client_for(comms2).post(
        f"/api/statements/{statement.pk}/approve/", {"password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved"
    assert body["approved_by"] == comms2.username
    assert body["approved_texts"]["x"] == FULL_TEXT
    actions = list(statement.incident.events.values_list("data__action", flat=True))
    assert actions == ["approved"]


def test_self_approval_is_403(api_client_for, make_statement, comms):
    statement = in_review(make_statement)
    response = api_client_for(comms).post(
        f"/api/statements/{statement.pk}/approve/", {"password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "self_approval"
    assert "Four eyes" in response.json()["detail"]


def test_co_author_cannot_approve(api_client_for, make_statement, comms2):
    statement = in_review(make_statement)
    api_client_for(comms2).patch(
        f"/api/statements/{statement.pk}/", {"title": "Verbeterd"}, format="json"
    )
    response = api_client_for(comms2).post(
        f"/api/statements/{statement.pk}/approve/", {"password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "self_approval"


def test_crisis_team_cannot_approve(api_client_for, make_statement, team):
    statement = in_review(make_statement)
    response = api_client_for(team).post(
        f"/api/statements/{statement.pk}/approve/", {"password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert "communications" in response.json()["detail"]
    statement.refresh_from_db()
    assert statement.status == "in_review"


def test_wrong_password_is_403_and_nothing_changes(api_client_for, make_statement, admin):
    statement = in_review(make_statement)
    response = api_client_for(admin).post(
        f"/api/statements/{statement.pk}/approve/", {"password": "wrong"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Wrong password.", "code": "wrong_password"}
    statement.refresh_from_db()
    assert statement.status == "in_review"


def test_approve_without_recent_password_is_403(make_statement, comms2):
    statement = in_review(make_statement)
    client = session_client(comms2)
    response = post(client, f"/api/statements/{statement.pk}/approve/")
    assert response.status_code == 403
    assert response.json()["code"] == "reauth_required"


def test_reauth_in_session_allows_approval_for_ten_minutes(make_statement, comms2):
    statement = in_review(make_statement)
    client = session_client(comms2)
    assert post(client, "/api/statements/reauth/", {"password": "nope"}).status_code == 403
    assert post(client, "/api/statements/reauth/", {"password": PASSWORD}).status_code == 200
    assert post(client, f"/api/statements/{statement.pk}/approve/").status_code == 200


def test_stale_reauth_is_refused(make_statement, comms2):
    statement = in_review(make_statement)
    client = session_client(comms2)
    session = client.session
    session["statements_reauth_at"] = (timezone.now() - timedelta(minutes=11)).isoformat()
    session.save()
    response = post(client, f"/api/statements/{statement.pk}/approve/")
    assert response.status_code == 403
    assert response.json()["code"] == "reauth_required"


def test_approve_a_draft_is_409(api_client_for, make_statement, comms2):
    statement = make_statement()
    response = api_client_for(comms2).post(
        f"/api/statements/{statement.pk}/approve/", {"password": PASSWORD}, format="json"
    )
    assert response.status_code == 409


def test_editing_an_approved_statement_sends_it_back_to_review(
    api_client_for, make_statement, comms, comms2
):
    statement = in_review(make_statement)
    api_client_for(comms2).post(
        f"/api/statements/{statement.pk}/approve/", {"password": PASSWORD}, format="json"
    )
    response = api_client_for(comms).patch(
        f"/api/statements/{statement.pk}/",
        {"variants": {"x": FULL_TEXT + " Excuses."}},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "in_review"
    assert body["approved_by"] is None
    assert body["version"] == 2
    history = api_client_for(comms).get(f"/api/statements/{statement.pk}/history/").json()
    assert [v["number"] for v in history["versions"]] == [2, 1]
    assert "+" + FULL_TEXT + " Excuses." in history["versions"][0]["diff"]
    assert "-" + FULL_TEXT in history["versions"][0]["diff"]
    actions = [a["action"] for a in history["audit"]]
    assert actions == ["created", "approved", "edited", "returned"]
    assert [a["actor"] for a in history["audit"]] == [
        comms.username, comms2.username, comms.username, comms.username,
    ]  # fmt: skip


def test_reject_needs_a_reason(api_client_for, make_statement, comms2):
    statement = in_review(make_statement)
    client = api_client_for(comms2)
    assert client.post(f"/api/statements/{statement.pk}/reject/", {}).status_code == 400
    response = client.post(
        f"/api/statements/{statement.pk}/reject/", {"reason": "Te stellig"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["rejection_reason"] == "Te stellig"
    event = statement.incident.events.get()
    assert event.data["action"] == "rejected"


def test_mark_published_records_url_and_timeline(api_client_for, make_statement, comms, comms2):
    statement = in_review(make_statement)
    api_client_for(comms2).post(
        f"/api/statements/{statement.pk}/approve/", {"password": PASSWORD}, format="json"
    )
    client = api_client_for(comms)
    url = "https://www.linkedin.com/feed/update/urn:li:activity:1"
    bad = client.post(
        f"/api/statements/{statement.pk}/mark-published/", {"channel": "website", "url": "nope"}
    )
    assert bad.status_code == 400
    response = client.post(
        f"/api/statements/{statement.pk}/mark-published/",
        {"channel": "website", "url": url},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "published"
    publication = Publication.objects.get(statement=statement)
    assert publication.is_manual
    assert publication.url == url
    event = statement.incident.events.get(data__action="published")
    assert event.kind == IncidentEvent.Kind.STATEMENT
    assert event.data == {
        "action": "published", "statement_id": statement.pk, "platform": "website", "url": url,
    }  # fmt: skip
    again = client.post(
        f"/api/statements/{statement.pk}/mark-published/",
        {"channel": "website", "url": url},
        format="json",
    )
    assert again.status_code == 409
    assert client.patch(f"/api/statements/{statement.pk}/", {"title": "x"}).status_code == 409


def test_mark_published_before_approval_is_409(api_client_for, make_statement, comms):
    statement = make_statement()
    response = api_client_for(comms).post(
        f"/api/statements/{statement.pk}/mark-published/",
        {"channel": "website", "url": "https://banknoord.example/nieuws"},
        format="json",
    )
    assert response.status_code == 409
    assert not StatementAudit.objects.filter(action="published").exists()


def test_publish_without_accounts_explains_the_manual_route(
    api_client_for, make_statement, comms, comms2
):
    statement = in_review(make_statement)
    api_client_for(comms2).post(
        f"/api/statements/{statement.pk}/approve/", {"password": PASSWORD}, format="json"
    )
    response = api_client_for(comms).post(f"/api/statements/{statement.pk}/publish/")
    assert response.status_code == 400
    assert "mark it as published" in response.json()["detail"]


def test_analyse_counts_and_warns(api_client_for, make_statement, comms):
    statement = make_statement()
    response = api_client_for(comms).post(
        f"/api/statements/analyse/?statement={statement.pk}",
        {"channel": "x", "text": "We garanderen dat dit " + "nooit meer gebeurt. " * 20},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"]["is_over"] is True
    assert len(body["thread"]) > 1
    assert {"promise", "no_empathy", "no_next_step"} <= {w["code"] for w in body["warnings"]}


def test_analyse_flags_contradiction_with_a_published_statement(
    api_client_for, make_statement, comms, incident
):
    first = make_statement()
    Statement.objects.filter(pk=first.pk).update(
        status="published", published_at=timezone.now(), approved_texts={"x": FULL_TEXT}
    )
    response = api_client_for(comms).post(
        "/api/statements/analyse/",
        {"incident": incident.pk, "channel": "website",
         "text": "Excuses: sinds 14:00 kunnen 5.000 klanten niet inloggen. Meer informatie volgt."},
        format="json",
    )  # fmt: skip
    warnings = [w for w in response.json()["warnings"] if w["code"] == "contradiction"]
    assert [w["excerpt"] for w in warnings] == ["5.000"]


def test_publishing_accounts_admin_only_and_secrets_never_shown(
    api_client_for, workspace, comms, admin
):
    payload = {
        "workspace": workspace.slug, "channel": "mastodon",
        "settings": {"instance": "https://mastodon.example"},
        "credentials": {"access_token": "secret-token-123"},
    }  # fmt: skip
    assert (
        api_client_for(comms).post("/api/publishing-accounts/", payload, format="json").status_code
        == 403
    )
    response = api_client_for(admin).post("/api/publishing-accounts/", payload, format="json")
    assert response.status_code == 201
    listing = api_client_for(comms).get("/api/publishing-accounts/")
    assert "secret-token-123" not in listing.content.decode()
    assert listing.json()["results"][0]["has_credentials"] is True


def test_pages_render_for_members_and_404_for_others(client, make_statement, comms, make_member):
    statement = make_statement()
    client.force_login(comms)
    page = client.get(f"/incidents/{statement.incident_id}/statements/")
    assert page.status_code == 200
    assert statement.title in page.content.decode()
    assert client.get("/statements/templates/").status_code == 200
    outsider = make_member(factories.WorkspaceFactory(), role="admin")
    client.force_login(outsider)
    assert client.get(f"/incidents/{statement.incident_id}/statements/").status_code == 404


def test_statement_title_is_escaped_on_the_page(client, make_statement, comms):
    statement = make_statement(title="<img src=x onerror=alert(1)>")
    client.force_login(comms)
    html = client.get(f"/incidents/{statement.incident_id}/statements/").content.decode()
    assert "<img src=x onerror" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_incident_panel_partial_lists_statements_and_links(make_statement, incident):
    make_statement(title="Update <script>")
    html = render_to_string("statements/_incident_panel.html", {"incident": incident})
    assert f"/incidents/{incident.pk}/statements/" in html
    assert "Update &lt;script&gt;" in html
    assert "<script>" not in html


def test_template_update_and_delete(api_client_for, workspace, comms, team):
    statement_templates_install_starters(workspace=workspace)
    template = StatementTemplate.objects.filter(workspace=workspace).first()
    url = f"/api/statement-templates/{template.pk}/"
    assert api_client_for(team).patch(url, {"title": "x"}, format="json").status_code == 403
    bad = api_client_for(comms).patch(url, {"body": "{onbekend}"}, format="json")
    assert bad.status_code == 400
    ok = api_client_for(comms).patch(url, {"body": "{organisation} excuses."}, format="json")
    assert ok.status_code == 200
    assert ok.json()["body"] == "{organisation} excuses."
    assert api_client_for(comms).delete(url).status_code == 204
    assert not StatementTemplate.objects.filter(pk=template.pk).exists()


def test_four_eyes_message_in_dutch(api_client_for, make_statement, comms):
    statement = in_review(make_statement)
    response = api_client_for(comms).post(
        f"/api/statements/{statement.pk}/approve/",
        {"password": PASSWORD},
        format="json",
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Vier ogen:")


def test_analyse_flags_a_variant_contradicting_another_channel(
    api_client_for, make_statement, comms
):
    statement = make_statement(
        variants={"website": "Excuses: 2.000 klanten kunnen niet inloggen. Meer informatie volgt."}
    )
    response = api_client_for(comms).post(
        f"/api/statements/analyse/?statement={statement.pk}",
        {
            "channel": "x",
            "text": "Excuses: 2.500 klanten kunnen niet inloggen. Meer informatie volgt.",
        },
        format="json",
    )
    (warning,) = [w for w in response.json()["warnings"] if w["code"] == "contradiction"]
    assert warning["excerpt"] == "2.500"
    assert "Website" in warning["message"]


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("patch", "", {"title": "x"}),
        ("post", "submit/", {}),
        ("post", "approve/", {"password": PASSWORD}),
        ("post", "reject/", {"reason": "nee"}),
        ("post", "publish/", {}),
        ("post", "mark-published/", {"channel": "website", "url": "https://example.org/a"}),
    ],
)
def test_crisis_team_reads_but_cannot_change_statements(
    api_client_for, make_statement, team, method, path, data
):
    statement = in_review(make_statement)
    client = api_client_for(team)
    assert client.get(f"/api/statements/{statement.pk}/").status_code == 200
    assert client.get(f"/api/statements/{statement.pk}/history/").status_code == 200
    response = getattr(client, method)(
        f"/api/statements/{statement.pk}/{path}", data, format="json"
    )
    assert response.status_code == 403
    assert "communications" in response.json()["detail"]
    statement.refresh_from_db()
    assert statement.status == "in_review"
    assert statement.version == 1


def test_publishing_account_for_a_manual_platform_is_a_400(api_client_for, workspace, admin):
    response = api_client_for(admin).post(
        "/api/publishing-accounts/",
        {"workspace": workspace.slug, "channel": "linkedin", "credentials": {"token": "x"}},
        format="json",
    )
    assert response.status_code == 400
    assert "channel" in response.json()


def test_statement_language_must_match_its_template(api_client_for, incident, workspace, comms):
    statement_templates_install_starters(workspace=workspace)
    dutch = StatementTemplate.objects.get(workspace=workspace, scenario="data_leak", language="nl")
    client = api_client_for(comms)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    body = {"incident": incident.pk, "title": "x", "template": dutch.pk}
    response = client.post("/api/statements/", {**body, "language": "en"}, format="json")
    assert response.status_code == 400
    assert response.json()["language"] == [
        "The statement's language must match its template's (Dutch)."
    ]
    assert not Statement.objects.filter(incident=incident).exists()
    response = client.post("/api/statements/", body, format="json")
    assert response.status_code == 201
    assert response.json()["language"] == "nl"
    response = client.post("/api/statements/", {**body, "language": "nl"}, format="json")
    assert response.status_code == 201


def test_statement_without_template_or_language_is_a_400(api_client_for, incident, comms):
    client = api_client_for(comms)
    response = client.post(
        "/api/statements/", {"incident": incident.pk, "title": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "language" in response.json()


def test_new_statement_form_tells_each_template_language(client, incident, workspace, comms):
    statement_templates_install_starters(workspace=workspace)
    client.force_login(comms)
    page = client.get(f"/incidents/{incident.pk}/statements/").content.decode()
    dutch = StatementTemplate.objects.filter(workspace=workspace, language="nl").first()
    assert f'<option value="{dutch.pk}" data-language="nl">' in page


def test_drafter_sees_approve_disabled_with_the_reason(client, make_statement, comms, comms2):
    statement = in_review(make_statement)
    url = f"/incidents/{statement.incident_id}/statements/?statement={statement.pk}"
    client.force_login(comms)
    page = client.get(url).content.decode()
    assert 'id="st-approve" disabled aria-describedby="st-approve-why"' in page
    assert "so someone else must approve it" in page
    other = Client()
    other.force_login(comms2)
    page = other.get(url).content.decode()
    assert '<button type="button" id="st-approve">' in page
    assert "so someone else must approve it" not in page
    # The server keeps refusing the drafter.
    response = post(session_client(comms), f"/api/statements/{statement.pk}/approve/",
                    {"password": PASSWORD})  # fmt: skip
    assert response.status_code == 403
    assert response.json()["code"] == "self_approval"


def test_unknown_placeholders_and_platforms_are_translated(api_client_for, incident, comms):
    client = api_client_for(comms)
    client.credentials(HTTP_ACCEPT_LANGUAGE="nl")
    body = {"incident": incident.pk, "title": "x", "language": "nl"}
    response = client.post(
        "/api/statements/", {**body, "placeholder_values": {"nope": "1"}}, format="json"
    )
    assert response.json()["placeholder_values"][0].startswith("Onbekende invulvelden: nope.")
    response = client.post(
        "/api/statements/", {**body, "variants": {"myspace": "1"}}, format="json"
    )
    assert response.json()["variants"] == ["Onbekende platforms: myspace."]


def test_publishing_account_refusal_names_platforms(api_client_for, workspace, admin):
    client = api_client_for(admin)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/api/publishing-accounts/",
        {"workspace": workspace.slug, "channel": "linkedin", "credentials": {"token": "t"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["channel"] == ["CrisisCenter posts only to X, Mastodon, Bluesky."]
