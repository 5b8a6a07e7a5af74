"""Watch terms and dead letters on the sources page: a refused term comes back as typed with the
reason beside it, a term can be paused and resumed (polled sources search only the enabled
ones), deleting one asks first; the newest dead letters show with their source, and how many
more the API lists."""

import pytest

from monitoring.models import DeadLetter, WatchTerm
from monitoring.selectors import watch_term_queries
from monitoring.views_admin import DEAD_LETTERS_SHOWN
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("storing (app", "Ongeldige zoekterm: &#x27;(&#x27; op positie 9 wordt niet gesloten"),
        ("storing OR", "Ongeldige zoekterm: OR op positie 9 heeft aan beide kanten een term nodig"),
        ("-vacature", "&#x27;-vacature&#x27; sluit alleen termen uit en zou dus bijna elk bericht"),
    ],
)
def test_a_refused_terms_reason_is_in_the_pages_language(admin_client, query, reason):
    admin_client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    response = admin_client.post("/w/bank/terms/add/", {"query": query})
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not WatchTerm.objects.filter(workspace=admin_client.workspace).exists()


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


def test_the_page_shows_the_newest_dead_letters_with_their_source_and_counts_the_rest(
    admin_client,
):
    source = SourceFactory(workspace=admin_client.workspace, name="Nieuwsfeeds")
    for n in range(DEAD_LETTERS_SHOWN + 5):
        DeadLetter.objects.create(
            workspace=admin_client.workspace, source=source, platform="news", reason=f"r{n}"
        )
    page = admin_client.get("/w/bank/sources/").content.decode()
    assert f"The newest {DEAD_LETTERS_SHOWN} of {DEAD_LETTERS_SHOWN + 5}." in page
    assert 'href="/api/dead-letters/?workspace=bank"' in page
    dead_letters = page[page.index('id="dead-h"') :]
    assert dead_letters.count("<td>Nieuwsfeeds</td>") == DEAD_LETTERS_SHOWN


def test_the_page_shows_all_dead_letters_when_they_fit(admin_client):
    DeadLetter.objects.create(workspace=admin_client.workspace, platform="import", reason="bad")
    page = admin_client.get("/w/bank/sources/").content.decode()
    assert "The newest" not in page
    assert "<td>—</td><td>import</td><td>bad</td>" in page
