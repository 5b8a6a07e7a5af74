"""Writes for incidents (see the modules; re-exported here for callers)."""

from incidents.services.clock import (
    incident_response_clock_breach,
    incident_response_record,
    incidents_announce_overdue_tasks,
    response_clock_policy_set,
)
from incidents.services.evaluation import (
    ActionItemInput,
    EvaluationInput,
    incident_evaluation_save,
)
from incidents.services.lifecycle import (
    TRANSITIONS,
    IncidentNew,
    incident_commander_set,
    incident_create,
    incident_lock_open,
    incident_mentions_attach,
    incident_mentions_detach,
    incident_note_add,
    incident_playbook_apply,
    incident_tasks_instantiate,
    incident_transition,
    incident_update,
)
from incidents.services.refresh import (
    incident_refresh,
    incident_refresh_and_publish,
    incident_response_due_set,
    incidents_refresh_open,
)
from incidents.services.timeline import incident_event_record, incident_publish
from incidents.services.triage import alert_triage, alerts_route
from incidents.services.work import (
    claim_create,
    claim_update,
    incident_task_complete,
    incident_task_update,
)

__all__ = [
    "TRANSITIONS",
    "ActionItemInput",
    "EvaluationInput",
    "IncidentNew",
    "alert_triage",
    "alerts_route",
    "claim_create",
    "claim_update",
    "incident_commander_set",
    "incident_create",
    "incident_evaluation_save",
    "incident_event_record",
    "incident_lock_open",
    "incident_mentions_attach",
    "incident_mentions_detach",
    "incident_note_add",
    "incident_playbook_apply",
    "incident_publish",
    "incident_refresh",
    "incident_refresh_and_publish",
    "incident_response_clock_breach",
    "incident_response_due_set",
    "incident_response_record",
    "incident_task_complete",
    "incident_task_update",
    "incident_tasks_instantiate",
    "incident_transition",
    "incident_update",
    "incidents_announce_overdue_tasks",
    "incidents_refresh_open",
    "response_clock_policy_set",
]
