"""Pages without a workspace in their address open the user's first workspace."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("page", "target"),
    [
        ("dashboard", "workspace-dashboard"),
        ("contacts-home", "workspace-contacts"),
        ("escalations-home", "workspace-escalations"),
        ("protocols-home", "workspace-protocols"),
    ],
)
def test_a_page_without_a_workspace_opens_the_first_of_the_user(
    client, make_member, make_workspace, page, target
):
    first = make_workspace(slug="aaa-first")
    user = make_member(first)
    make_workspace(slug="zzz-not-a-member")
    client.force_login(user)
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"] == reverse(target, kwargs={"slug": "aaa-first"})


@pytest.mark.parametrize(
    "page", ["dashboard", "contacts-home", "escalations-home", "protocols-home"]
)
def test_a_page_without_a_workspace_says_so_to_a_user_without_one(client, django_user_model, page):
    client.force_login(django_user_model.objects.create_user("lone", password="x"))
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert "monitoring/no_workspace.html" in [t.name for t in response.templates]
