"""The common domain error and the one DRF handler that maps domain errors to HTTP."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class CrisisCenterError(Exception):
    """Base of every domain error: a message for people plus structured extras."""

    status_code = 400

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFound(CrisisCenterError):
    status_code = 404


class PermissionDenied(CrisisCenterError):
    status_code = 403


class Conflict(CrisisCenterError):
    status_code = 409


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Map domain and Django validation errors to 4xx JSON; leave the rest to DRF."""
    if isinstance(exc, CrisisCenterError):
        return Response({"detail": exc.message, **exc.extra}, status=exc.status_code)
    if isinstance(exc, Http404):
        # Django's get_object_or_404 says "No <Model> matches the given query." in English,
        # naming an internal model: DRF's own "Not found." is translated and names nothing.
        exc = drf_exceptions.NotFound()
    if isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    return exception_handler(exc, context)
