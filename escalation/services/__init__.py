"""Escalation writes, split by sub-domain: protocols, runs (timers), deliveries, acks."""

from escalation.services.acks import escalation_acknowledge, escalation_acknowledge_by_link
from escalation.services.deliveries import deliveries_claim_due, delivery_send
from escalation.services.protocols import protocol_create, protocol_delete, protocol_update
from escalation.services.runs import (
    escalation_runs_advance_due,
    escalation_runs_cancel_for_closed_incident,
    escalation_runs_follow_incident,
    escalation_runs_resume_for_reopened_incident,
    escalation_runs_start_due,
)

__all__ = [
    "deliveries_claim_due",
    "delivery_send",
    "escalation_acknowledge",
    "escalation_acknowledge_by_link",
    "escalation_runs_advance_due",
    "escalation_runs_cancel_for_closed_incident",
    "escalation_runs_follow_incident",
    "escalation_runs_resume_for_reopened_incident",
    "escalation_runs_start_due",
    "protocol_create",
    "protocol_delete",
    "protocol_update",
]
