"""Re-authentication before approving: wrong passwords are limited per user."""

import logging
from datetime import timedelta

import pytest
from django.test import Client

from statements.models import ReauthFailure, Statement
from statements.services.reauth import REAUTH_LOCKOUT_WINDOW, REAUTH_MAX_FAILURES
from tests.statements.conftest import PASSWORD

pytestmark = pytest.mark.django_db
URL = "/api/statements/reauth/"


def session_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _fail(client, times: int) -> None:
    for n in range(times):
        assert post(client, URL, {"password": f"guess{n}"}).status_code == 403


def test_reauth_locks_out_after_five_wrong_passwords_even_the_right_one(comms, caplog):
    client = session_client(comms)
    with caplog.at_level(logging.WARNING, logger="statements.services.reauth"):
        _fail(client, REAUTH_MAX_FAILURES)
    assert "statements.reauth.locked_out" in caplog.text
    response = post(client, URL, {"password": "guess-again"})
    assert response.status_code == 429
    assert response.json()["code"] == "reauth_locked"
    assert response.json()["detail"].startswith("Too many wrong passwords.")
    assert 0 < int(response["Retry-After"]) <= REAUTH_LOCKOUT_WINDOW.total_seconds()
    right = post(client, URL, {"password": PASSWORD})
    assert right.status_code == 429
    assert "statements_reauth_at" not in client.session
    # Attempts while locked do not extend the lockout.
    assert ReauthFailure.objects.filter(user=comms).count() == REAUTH_MAX_FAILURES


def test_reauth_lockout_holds_for_another_session_of_the_user(comms):
    _fail(session_client(comms), REAUTH_MAX_FAILURES)
    assert post(session_client(comms), URL, {"password": PASSWORD}).status_code == 429


def test_reauth_lockout_is_per_user(comms, comms2):
    _fail(session_client(comms), REAUTH_MAX_FAILURES)
    assert post(session_client(comms2), URL, {"password": PASSWORD}).status_code == 200


def test_reauth_lockout_ends_after_the_window(comms):
    client = session_client(comms)
    _fail(client, REAUTH_MAX_FAILURES)
    ReauthFailure.objects.filter(user=comms).update(
        at=ReauthFailure.objects.first().at - REAUTH_LOCKOUT_WINDOW - timedelta(seconds=1)
    )
    assert post(client, URL, {"password": PASSWORD}).status_code == 200


def test_reauth_success_resets_the_count(comms):
    client = session_client(comms)
    _fail(client, REAUTH_MAX_FAILURES - 1)
    assert post(client, URL, {"password": PASSWORD}).status_code == 200
    assert not ReauthFailure.objects.filter(user=comms).exists()
    _fail(client, REAUTH_MAX_FAILURES - 1)
    assert post(client, URL, {"password": PASSWORD}).status_code == 200


def test_approve_with_password_is_locked_out_too(make_statement, comms2):
    statement = make_statement()
    Statement.objects.filter(pk=statement.pk).update(status=Statement.Status.IN_REVIEW)
    client = session_client(comms2)
    url = f"/api/statements/{statement.pk}/approve/"
    for n in range(REAUTH_MAX_FAILURES):
        assert post(client, url, {"password": f"guess{n}"}).status_code == 403
    response = post(client, url, {"password": PASSWORD})
    assert response.status_code == 429
    assert "Retry-After" in response
    statement.refresh_from_db()
    assert statement.status == Statement.Status.IN_REVIEW
