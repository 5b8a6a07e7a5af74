from crisiscenter.exceptions import Conflict, CrisisCenterError, NotFound


class SourceNotFound(NotFound):
    pass


class SourceConfigInvalid(CrisisCenterError):
    """A source's settings or credentials that its platform cannot poll with."""


class AlertRuleInvalid(CrisisCenterError):
    """Alert rule parameters that cannot be stored."""


class WatchTermInvalid(CrisisCenterError):
    pass


class WatchTermDuplicate(Conflict):
    pass


class WebhookSignatureInvalid(CrisisCenterError):
    status_code = 401


class IngestPayloadInvalid(CrisisCenterError):
    pass


class IngestPayloadTooLarge(CrisisCenterError):
    status_code = 413


class AlertNotFound(NotFound):
    pass
