"""Watch terms on the sources page: a refused term comes back as typed with the reason beside
it, a term can be paused and resumed (polled sources search only the enabled ones), and
deleting one asks first."""

import pytest

from monitoring.models import WatchTerm
from monitoring.selectors import watch_term_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_workspace, make_member):
    workspace = make_workspace(slug="bank")
    client.force_login(make_member(workspace, role="admin"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.workspace = workspace
    return client


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ('"Bank Noord OR storing', "unbalanced quote"),
        ("Bank Noord", "This watch term already exists."),
    ],
)
def test_a_refused_term_comes_back_as_typed_with_its_reason(admin_client, query, reason):
    WatchTerm.objects.create(workspace=admin_client.workspace, query="Bank Noord")
    response = admin_client.post("/w/bank/terms/add/", {"query": query})
    assert response.status_code == 400
    page = response.content.decode()
    assert reason in page
    assert 'name="query"' in page
    assert f'value="{query.replace(chr(34), "&quot;")}"' in page  # escaped, as typed
    assert WatchTerm.objects.filter(workspace=admin_client.workspace).count() == 1


def test_an_added_term_redirects_to_the_page(admin_client):
    response = admin_client.post("/w/bank/terms/add/", {"query": '"Bank Noord" OR banknoord'})
    assert response.status_code == 302
    assert WatchTerm.objects.get(workspace=admin_client.workspace).query == (
        '"Bank Noord" OR banknoord'
    )


def test_a_term_is_paused_and_resumed_from_the_page(admin_client):
    term = WatchTerm.objects.create(workspace=admin_client.workspace, query="Bank Noord")
    url = f"/w/bank/terms/{term.pk}/toggle/"
    assert admin_client.post(url).status_code == 302
    term.refresh_from_db()
    assert term.is_enabled is False
    assert watch_term_queries(workspace_id=term.workspace_id) == {}
    page = admin_client.get("/w/bank/sources/").content.decode()
    assert 'class="term term-paused"' in page
    assert "Resume Bank Noord" in page
    admin_client.post(url)
    term.refresh_from_db()
    assert term.is_enabled is True
    assert list(watch_term_queries(workspace_id=term.workspace_id)) == [term.pk]


@pytest.mark.parametrize("role", ["crisis_team", "communications"])
def test_pausing_a_term_needs_admin(client, make_workspace, make_member, role):
    workspace = make_workspace(slug="bank")
    term = WatchTerm.objects.create(workspace=workspace, query="Bank Noord")
    client.force_login(make_member(workspace, role=role))
    assert client.post(f"/w/bank/terms/{term.pk}/toggle/").status_code == 403
    term.refresh_from_db()
    assert term.is_enabled is True


def test_pausing_another_workspaces_term_is_404(admin_client, make_workspace):
    term = WatchTerm.objects.create(workspace=make_workspace(slug="other"), query="Bank Noord")
    assert admin_client.post(f"/w/bank/terms/{term.pk}/toggle/").status_code == 404
    term.refresh_from_db()
    assert term.is_enabled is True


def test_the_delete_button_carries_its_confirm_question(admin_client):
    WatchTerm.objects.create(workspace=admin_client.workspace, query="<b>Bank</b>")
    page = admin_client.get("/w/bank/sources/").content.decode()
    assert (
        'data-confirm="Delete the watch term “&lt;b&gt;Bank&lt;/b&gt;”? '
        'Polled sources stop searching for it."' in page
    )
