from rest_framework.routers import DefaultRouter

from incidents.api import IncidentViewSet
from monitoring.api import AlertViewSet, MentionViewSet
from workspaces.api import WorkspaceViewSet

router = DefaultRouter()
router.register("workspaces", WorkspaceViewSet, basename="workspace")
router.register("mentions", MentionViewSet, basename="mention")
router.register("alerts", AlertViewSet, basename="alert")
router.register("incidents", IncidentViewSet, basename="incident")

urlpatterns = router.urls
