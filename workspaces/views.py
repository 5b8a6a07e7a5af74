"""The language switch: Django's set_language, plus remembering the choice per user."""

import contextlib

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from workspaces.middleware import SESSION_KEY
from workspaces.services import user_language_set


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        # An unknown code is ignored, as set_language ignores it.
        with contextlib.suppress(ValueError):
            user_language_set(user=request.user, language=language)
            request.session[SESSION_KEY] = language
    return response
