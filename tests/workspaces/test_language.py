import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_language_choice_is_remembered_per_user_across_devices(make_member):
    user = make_member()
    slug = user.memberships.get().workspace.slug
    laptop = Client(HTTP_ACCEPT_LANGUAGE="nl")
    laptop.force_login(user)
    assert "Geen alarmen" in laptop.get(f"/w/{slug}/").content.decode()
    laptop.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "No alerts. All quiet." in laptop.get(f"/w/{slug}/").content.decode()
    # A second device with a Dutch browser and no cookie: the user's choice wins.
    wall = Client(HTTP_ACCEPT_LANGUAGE="nl")
    wall.force_login(user)
    assert "No alerts. All quiet." in wall.get(f"/w/{slug}/").content.decode()


def test_language_switch_ignores_unknown_codes(make_member):
    user = make_member()
    client = Client()
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert not hasattr(user, "preference") or user.preference.language != "xx"


def test_anonymous_language_switch_still_works():
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Log in to CrisisCenter" in client.get("/accounts/login/").content.decode()
