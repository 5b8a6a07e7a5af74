"""Domain errors of statements (mapped to HTTP by crisiscenter.exceptions)."""

from crisiscenter.exceptions import Conflict, CrisisCenterError, PermissionDenied


class StatementInvalid(CrisisCenterError):
    """Bad input: unknown placeholder, unfilled placeholder, empty text (400)."""


class StatementNotAllowed(PermissionDenied):
    """Self-approval, wrong role for this step (403)."""


class StatementReauthRequired(PermissionDenied):
    """Approving needs a password entered in the last 10 minutes (403)."""


class StatementWrongState(Conflict):
    """The transition does not apply to the statement's current status (409)."""


class StatementReauthLocked(CrisisCenterError):
    """Too many wrong passwords at re-authentication; `retry_after` seconds to wait (429)."""

    status_code = 429
