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


class IncidentFinal(Conflict):
    """The incident is reviewed: its record (status, fields, commander, mentions, notes,
    tasks, claims) no longer changes."""


class IncidentTaskAlreadyDone(Conflict):
    pass


class ResponseAlreadyRecorded(Conflict):
    pass
