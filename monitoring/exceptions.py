from crisiscenter.exceptions import Conflict, CrisisCenterError, NotFound


class SourceNotFound(NotFound):
    pass


class WatchTermInvalid(CrisisCenterError):
    pass


class WatchTermDuplicate(Conflict):
    pass


class WebhookSignatureInvalid(CrisisCenterError):
    status_code = 401


class IngestPayloadInvalid(CrisisCenterError):
    pass


class AlertNotFound(NotFound):
    pass
