from crisiscenter.exceptions import Conflict, CrisisCenterError, NotFound


class AlertNotTriageable(Conflict):
    pass


class TriageInvalid(CrisisCenterError):
    pass


class IncidentNotFound(NotFound):
    pass


class IncidentTransitionInvalid(CrisisCenterError):
    pass


class IncidentInputInvalid(CrisisCenterError):
    pass


class IncidentTaskAlreadyDone(Conflict):
    pass


class ResponseAlreadyRecorded(Conflict):
    pass
