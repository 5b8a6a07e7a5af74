"""Re-entering the password before approving, with a lockout against guessing: at most
REAUTH_MAX_FAILURES wrong passwords per user in REAUTH_LOCKOUT_WINDOW. The failures are rows
(ReauthFailure), not cache keys: the default cache is per process, a lockout must hold across
web processes. The login page counts in the same rows (login_authenticate): otherwise someone
holding a hijacked session would guess the password there and then re-authenticate with it."""

import logging
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from statements.exceptions import StatementReauthLocked, StatementReauthRequired
from statements.models import ReauthFailure

logger = logging.getLogger(__name__)
REAUTH_MAX_FAILURES = 5
REAUTH_LOCKOUT_WINDOW = timedelta(minutes=15)


def _locked_until(user_id: int, now: datetime) -> datetime | None:
    """When the lockout ends: once the oldest of the last REAUTH_MAX_FAILURES failures
    leaves the window (None when fewer failures are in the window)."""
    recent = list(
        ReauthFailure.objects.filter(user_id=user_id, at__gt=now - REAUTH_LOCKOUT_WINDOW)
        .order_by("-at")
        .values_list("at", flat=True)[:REAUTH_MAX_FAILURES]
    )
    if len(recent) < REAUTH_MAX_FAILURES:
        return None
    return recent[-1] + REAUTH_LOCKOUT_WINDOW


def _attempt_record(user_id: int, now: datetime, *, ok: bool) -> None:
    """A success clears the user's failures; a failure is stored (and old ones pruned), and
    the failure that starts a lockout is logged."""
    failures = ReauthFailure.objects.filter(user_id=user_id)
    if ok:
        failures.delete()
        return
    failures.filter(at__lte=now - REAUTH_LOCKOUT_WINDOW).delete()
    ReauthFailure.objects.create(user_id=user_id, at=now)
    if _locked_until(user_id, now) is not None:
        logger.warning("statements.reauth.locked_out", extra={"user_id": user_id})


def _attempt(user_id: int, check: Callable[[], bool]) -> tuple[datetime, datetime | None, bool]:
    """One password attempt of the user: (now, end of the lockout or None, ok). `check` runs
    only when not locked out; the attempt is recorded. Attempts of one user are serialised
    (row lock on the user), so parallel guesses cannot slip past the limit."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user_id).first()
        now = timezone.now()
        until = _locked_until(user_id, now)
        ok = until is None and check()
        if until is None:
            _attempt_record(user_id, now, ok=ok)
    return now, until, ok


def _locked(until: datetime, now: datetime) -> StatementReauthLocked:
    retry_after = max(1, math.ceil((until - now).total_seconds()))
    return StatementReauthLocked(
        _("Too many wrong passwords. Try again in %(minutes)s minutes.")
        % {"minutes": math.ceil(retry_after / 60)},
        {"code": "reauth_locked", "retry_after": retry_after},
    )


def reauth_password_verify(*, user: Any, password: str) -> datetime:
    """Check the user's password; returns the time of the successful check.

    Raises StatementReauthLocked (429, extra `retry_after` seconds) while locked out, even for
    the right password; StatementReauthRequired (403) for a wrong one, which is stored. A
    success clears the user's failures.
    """
    now, until, ok = _attempt(user.pk, lambda: user.check_password(password))
    if until is not None:
        raise _locked(until, now)
    if not ok:
        raise StatementReauthRequired(_("Wrong password."), {"code": "wrong_password"})
    return now


def login_authenticate(*, request: HttpRequest | None, username: str, password: str) -> Any:
    """Django's authenticate() for the login page, under the same lockout: a wrong password
    for an existing username counts as a failed re-authentication, a success clears the
    failures. Returns the user, or None for a wrong username or password (alike). Raises
    StatementReauthLocked while the username's user is locked out, even for the right
    password."""
    user_model = get_user_model()
    try:
        known = user_model._default_manager.get_by_natural_key(username)
    except user_model.DoesNotExist:
        return authenticate(request, username=username, password=password)
    result: list[Any] = []

    def check() -> bool:
        result.append(authenticate(request, username=username, password=password))
        return result[0] is not None and result[0].pk == known.pk

    now, until, ok = _attempt(known.pk, check)
    if until is not None:
        raise _locked(until, now)
    return result[0] if ok else None
