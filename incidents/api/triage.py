"""POST /api/alerts/<id>/triage/."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import services
from incidents.models import RUN_ROLES, TriageDecision
from monitoring.selectors import alert_get
from workspaces.selectors import membership_require_role


class TriageInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=TriageDecision.Decision.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    incident = serializers.IntegerField(required=False, min_value=1)
    title = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    severity = serializers.IntegerField(required=False, min_value=1, max_value=4)


class TriageOutputSerializer(serializers.ModelSerializer):
    alert = serializers.PrimaryKeyRelatedField(read_only=True)
    incident = serializers.PrimaryKeyRelatedField(read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = TriageDecision
        fields = ["id", "alert", "decision", "reason", "incident", "decided_by", "decided_at"]


class AlertTriageApi(APIView):
    """POST /api/alerts/<id>/triage/: crisis (opens or joins an incident), monitor, dismissed."""

    @extend_schema(request=TriageInputSerializer, responses=TriageOutputSerializer)
    def post(self, request: Request, alert_id: int) -> Response:
        alert = alert_get(user=request.user, alert_id=alert_id)
        membership_require_role(user=request.user, workspace=alert.workspace, roles=RUN_ROLES)
        data = TriageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        record = services.alert_triage(
            alert=alert,
            by=request.user,
            decision=values["decision"],
            reason=values["reason"],
            incident_id=values.get("incident"),
            title=values["title"],
            severity=values.get("severity"),
        )
        return Response(TriageOutputSerializer(record).data, status=201)
