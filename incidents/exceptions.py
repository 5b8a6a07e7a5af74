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


class EvaluationNotOpen(Conflict):
    """The evaluation is written while the incident is resolved (not while it runs)."""


class IncidentReviewNeedsEvaluation(IncidentTransitionInvalid):
    """An incident is reviewed only with an evaluation that has a summary."""
