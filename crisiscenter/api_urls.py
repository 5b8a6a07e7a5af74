from django.urls import path
from rest_framework.routers import DefaultRouter

from contacts.api import ContactViewSet
from escalation.api import EscalationProtocolViewSet, EscalationViewSet
from incidents.api import AlertTriageApi, IncidentViewSet, ResponseClockPolicyApi
from monitoring.api.config import AlertRuleViewSet, SourceViewSet, WatchTermViewSet
from monitoring.api.ingest import DeadLetterViewSet, ImportJobViewSet, WebhookIngestApi
from monitoring.api.mentions import AlertViewSet, MentionViewSet
from playbooks.api import PlaybookViewSet
from realtime.api import EventReplayApi
from statements.api.views import (
    PublishingAccountViewSet,
    StatementTemplateViewSet,
    StatementViewSet,
)
from workspaces.api import WorkspaceViewSet

router = DefaultRouter()
router.register("workspaces", WorkspaceViewSet, basename="workspace")
router.register("mentions", MentionViewSet, basename="mention")
router.register("alerts", AlertViewSet, basename="alert")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("playbooks", PlaybookViewSet, basename="playbook")
router.register("sources", SourceViewSet, basename="source")
router.register("watch-terms", WatchTermViewSet, basename="watch-term")
router.register("alert-rules", AlertRuleViewSet, basename="alert-rule")
router.register("imports", ImportJobViewSet, basename="import")
router.register("dead-letters", DeadLetterViewSet, basename="dead-letter")
router.register("contacts", ContactViewSet, basename="contact")
router.register("escalation-protocols", EscalationProtocolViewSet, basename="escalation-protocol")
router.register("escalations", EscalationViewSet, basename="escalation")
router.register("statement-templates", StatementTemplateViewSet, basename="statement-template")
router.register("statements", StatementViewSet, basename="statement")
router.register("publishing-accounts", PublishingAccountViewSet, basename="publishing-account")

urlpatterns = [
    path("ingest/<int:source_id>/", WebhookIngestApi.as_view(), name="webhook-ingest"),
    path("alerts/<int:alert_id>/triage/", AlertTriageApi.as_view(), name="alert-triage"),
    path("response-clock/", ResponseClockPolicyApi.as_view(), name="response-clock"),
    path("events/", EventReplayApi.as_view(), name="event-replay"),
    *router.urls,
]
