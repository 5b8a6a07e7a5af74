"""REST API for incidents (read-only in this first version)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from incidents import selectors
from incidents.models import Incident


class IncidentOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    alert_ids = serializers.PrimaryKeyRelatedField(source="alerts", many=True, read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "workspace", "title", "severity", "status", "opened_at", "alert_ids"]


class IncidentFilterSerializer(serializers.Serializer):
    workspace = serializers.SlugField(required=False)


@extend_schema(parameters=[IncidentFilterSerializer])
class IncidentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = IncidentOutputSerializer

    def get_queryset(self):
        params = IncidentFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.incident_list(
            user=self.request.user, workspace=params.validated_data.get("workspace")
        )
