from django.urls import path
from rest_framework.routers import DefaultRouter

from incidents.api import AlertTriageApi, IncidentViewSet
from monitoring.api.config import AlertRuleViewSet, SourceViewSet, WatchTermViewSet
from monitoring.api.ingest import DeadLetterViewSet, ImportJobViewSet, WebhookIngestApi
from monitoring.api.mentions import AlertViewSet, MentionViewSet
from realtime.api import EventReplayApi
from workspaces.api import WorkspaceViewSet

router = DefaultRouter()
router.register("workspaces", WorkspaceViewSet, basename="workspace")
router.register("mentions", MentionViewSet, basename="mention")
router.register("alerts", AlertViewSet, basename="alert")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("sources", SourceViewSet, basename="source")
router.register("watch-terms", WatchTermViewSet, basename="watch-term")
router.register("alert-rules", AlertRuleViewSet, basename="alert-rule")
router.register("imports", ImportJobViewSet, basename="import")
router.register("dead-letters", DeadLetterViewSet, basename="dead-letter")

urlpatterns = [
    path("ingest/<int:source_id>/", WebhookIngestApi.as_view(), name="webhook-ingest"),
    path("alerts/<int:alert_id>/triage/", AlertTriageApi.as_view(), name="alert-triage"),
    path("events/", EventReplayApi.as_view(), name="event-replay"),
    *router.urls,
]
