"""A NUL in a request's path or query string is a 400 before any view (PostgreSQL text cannot
hold one: these URLs were 500s), in the page's language; the same URLs without it still work."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_workspace, make_member):
    workspace = make_workspace(slug="bank")
    client.force_login(make_member(workspace, role="admin"))
    return client


@pytest.mark.parametrize(
    ("url", "without_nul"),
    [
        ("/w/bank/contacts/?q=%00", 200),
        ("/api/contacts/?workspace=bank&q=%00", 200),
        ("/statements/templates/?workspace=%00", 200),
        ("/api/workspaces/%00/", 404),
        ("/api/mentions/?workspace=bank&text=a%00b", 200),
        ("/api/mentions/?work%00space=bank", 200),
    ],
)
def test_a_nul_in_the_address_is_a_400_not_a_500(admin_client, url, without_nul):
    response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    message = "The address holds a NUL character, which no page or field accepts."
    if url.startswith("/api/"):
        assert response.json() == {"detail": message}
    else:
        assert response.content.decode() == message
    # Without the NUL the same address answers as ever.
    assert admin_client.get(url.replace("%00", "")).status_code == without_nul
