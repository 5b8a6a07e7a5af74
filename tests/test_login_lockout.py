"""The login page shares the re-authentication lockout (statements.services.reauth): a
hijacked session cannot guess the password at /accounts/login/ and then re-authenticate."""

import pytest
from django.test import Client
from django.utils.html import escape

from statements.models import ReauthFailure
from statements.services.reauth import REAUTH_MAX_FAILURES
from tests.statements.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
REAUTH = "/api/statements/reauth/"
WRONG = escape("Your username and password didn't match. Please try again.")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def user(make_member):
    return make_member()


def login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def reauth(client: Client, password: str):
    return client.post(REAUTH, {"password": password}, content_type="application/json")


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def session_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_wrong_logins_lock_out_login_and_reauth_even_with_the_right_password(user):
    guesser = Client()
    for n in range(REAUTH_MAX_FAILURES):
        response = login(guesser, user.username, f"guess{n}")
        assert response.status_code == 200
        assert WRONG in response.content.decode()
    assert ReauthFailure.objects.filter(user=user).count() == REAUTH_MAX_FAILURES

    response = login(guesser, user.username, PASSWORD)
    assert response.status_code == 200
    assert not logged_in(guesser)
    assert "Too many wrong passwords." in response.content.decode()
    assert reauth(session_client(user), PASSWORD).status_code == 429


def test_wrong_reauths_lock_out_the_login_page(user):
    session = session_client(user)
    for n in range(REAUTH_MAX_FAILURES):
        assert reauth(session, f"guess{n}").status_code == 403

    client = Client()
    response = login(client, user.username, PASSWORD)
    assert not logged_in(client)
    assert "Too many wrong passwords." in response.content.decode()


def test_a_successful_login_clears_the_count(user):
    session = session_client(user)
    for n in range(REAUTH_MAX_FAILURES - 1):
        assert reauth(session, f"guess{n}").status_code == 403
    client = Client()
    assert login(client, user.username, PASSWORD).status_code == 302
    assert logged_in(client)
    assert not ReauthFailure.objects.filter(user=user).exists()
    # A fresh allowance: four more wrong passwords, then the right one still works.
    for n in range(REAUTH_MAX_FAILURES - 1):
        assert login(Client(), user.username, f"again{n}").status_code == 200
    assert login(Client(), user.username, PASSWORD).status_code == 302


def test_unknown_username_reads_like_a_wrong_password_and_is_not_counted(user):
    unknown = login(Client(), "nobody-here", "guess").content.decode()
    wrong = login(Client(), user.username, "guess").content.decode()
    assert WRONG in unknown
    assert WRONG in wrong
    assert ReauthFailure.objects.filter(user=user).count() == 1
