"""REST API for incidents: the incident resource with its nested timeline, claims and tasks,
and alert triage."""

from incidents.api.incidents import IncidentViewSet, ResponseClockPolicyApi
from incidents.api.triage import AlertTriageApi

__all__ = ["AlertTriageApi", "IncidentViewSet", "ResponseClockPolicyApi"]
