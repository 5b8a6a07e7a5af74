"""Refuse a NUL character in a request's path or query string with 400, before any view.

PostgreSQL text cannot hold a NUL, so a lookup or search with one (`?q=%00`, `/api/workspaces/
%00/`) failed with a 500 wherever a view passed the value to the database. No URL of ours
needs one; bodies are checked where they are read (forms' CharField, the API's serializers).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"


def _holds_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    return any(
        NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()
    )


class NulRefusedMiddleware:
    """400 for a NUL in the path or a query parameter: JSON under /api/, plain text elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request):
            message = _("The address holds a NUL character, which no page or field accepts.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
