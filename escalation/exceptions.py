from crisiscenter.exceptions import Conflict, CrisisCenterError, NotFound


class ProtocolInvalid(CrisisCenterError):
    pass


class ProtocolInUse(Conflict):
    pass


class ProtocolNotFound(NotFound):
    pass


class EscalationNotFound(NotFound):
    pass


class EscalationNotActive(Conflict):
    pass


class AckLinkInvalid(CrisisCenterError):
    """Tampered or malformed link (400)."""


class AckLinkExpired(CrisisCenterError):
    """Signed link older than ESCALATION_ACK_MAX_AGE (410)."""

    status_code = 410
