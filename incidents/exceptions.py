from crisiscenter.exceptions import Conflict, CrisisCenterError, NotFound


class AlertNotTriageable(Conflict):
    pass


class TriageInvalid(CrisisCenterError):
    pass


class IncidentNotFound(NotFound):
    pass
