"""Activate the language the user chose, wherever they log in (after LocaleMiddleware).

The choice is read from the database once per session and kept in the session after that.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from workspaces.selectors import user_language_get

SESSION_KEY = "crisiscenter_language"


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and user.is_authenticated and session is not None:
            if SESSION_KEY not in session:
                session[SESSION_KEY] = user_language_get(user=user)
            if session[SESSION_KEY]:
                translation.activate(session[SESSION_KEY])
                request.LANGUAGE_CODE = session[SESSION_KEY]
        return self.get_response(request)
