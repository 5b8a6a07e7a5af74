"""REST API for escalation: protocols (members read, admins write, versioned) and escalations
(members read and acknowledge)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from contacts.api import NotFoundInWords
from contacts.models import Channel
from escalation import selectors, services
from escalation.exceptions import EscalationNotFound, ProtocolNotFound
from escalation.messages import ack_via_text
from escalation.models import Delivery, EscalationProtocol, EscalationRun
from escalation.waits import WAIT_INVALID, WaitInvalid, wait_seconds_from_minutes
from workspaces.api_permissions import (
    WorkspaceFilterSerializer,
    workspace_for_write,
    workspace_param,
)
from workspaces.models import Membership
from workspaces.selectors import membership_require_role

ACK_ROLES = tuple(Membership.Role.values)  # anyone who can be paged can stop the pager


class TierOutputSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    contact_ids = serializers.SerializerMethodField()
    roles = serializers.ListField(child=serializers.CharField())
    channels = serializers.ListField(child=serializers.CharField())
    wait_seconds = serializers.IntegerField()
    wait_minutes = serializers.SerializerMethodField()

    def get_contact_ids(self, tier) -> list[int]:
        return sorted(c.pk for c in tier.contacts.all())

    def get_wait_minutes(self, tier) -> float:
        return round(tier.wait_seconds / 60, 3)


class ProtocolOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tiers = TierOutputSerializer(many=True, read_only=True)

    class Meta:
        model = EscalationProtocol
        fields = [
            "id", "workspace", "name", "min_severity", "language", "repeat_count", "is_enabled",
            "version", "tiers", "created_at", "updated_at",
        ]  # fmt: skip


class TierInputSerializer(serializers.Serializer):
    contact_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=50
    )
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Membership.Role.choices), required=False, default=list
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), min_length=1, max_length=4
    )
    wait_minutes = serializers.FloatField()

    def validate(self, attrs: dict) -> dict:
        try:
            attrs["wait_seconds"] = wait_seconds_from_minutes(attrs.pop("wait_minutes"))
        except WaitInvalid:
            raise serializers.ValidationError({"wait_minutes": [WAIT_INVALID]}) from None
        return attrs


class ProtocolInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    min_severity = serializers.IntegerField(min_value=1, max_value=4, default=1)
    language = serializers.ChoiceField(choices=["nl", "en"], default="nl")
    repeat_count = serializers.IntegerField(min_value=0, max_value=10, default=0)
    is_enabled = serializers.BooleanField(default=True)
    tiers = TierInputSerializer(many=True, allow_empty=False, max_length=10)


class ProtocolCreateSerializer(ProtocolInputSerializer):
    workspace = serializers.SlugField()


class VersionOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    changed_by = serializers.CharField(source="changed_by.username", default=None)
    changed_at = serializers.DateTimeField()
    snapshot = serializers.JSONField()
    changes = serializers.ListField(child=serializers.DictField())


def _split(values: dict) -> tuple[dict, list[dict] | None]:
    tiers = values.pop("tiers", None)
    return values, tiers


@extend_schema(parameters=[WorkspaceFilterSerializer])
class EscalationProtocolViewSet(NotFoundInWords, viewsets.ModelViewSet):
    serializer_class = ProtocolOutputSerializer

    def not_found(self) -> ProtocolNotFound:
        return ProtocolNotFound(_("Protocol not found."))

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.protocol_list(
            user=self.request.user, workspace=workspace_param(self.request)
        )

    @extend_schema(request=ProtocolCreateSerializer)
    def create(self, request, *args, **kwargs):
        data = ProtocolCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        workspace = workspace_for_write(user=request.user, slug=values.pop("workspace"))
        values, tiers = _split(values)
        protocol = services.protocol_create(
            workspace=workspace, values=values, tiers=tiers, by=request.user
        )
        return Response(self.get_serializer(self._fresh(protocol)).data, status=201)

    def _fresh(self, protocol: EscalationProtocol) -> EscalationProtocol:
        return selectors.protocol_list(user=self.request.user).get(pk=protocol.pk)

    @extend_schema(request=ProtocolInputSerializer)
    def update(self, request, *args, **kwargs):
        protocol = self.get_object()
        workspace_for_write(user=request.user, slug=protocol.workspace.slug)
        partial = kwargs.get("partial", False)
        data = ProtocolInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values, tiers = _split(dict(data.validated_data))
        protocol = services.protocol_update(
            protocol=protocol, values=values, tiers=tiers, by=request.user
        )
        return Response(self.get_serializer(self._fresh(protocol)).data)

    def destroy(self, request, *args, **kwargs):
        protocol = self.get_object()
        workspace_for_write(user=request.user, slug=protocol.workspace.slug)
        services.protocol_delete(protocol=protocol)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=VersionOutputSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        """Every version, newest first, each with its full snapshot and what changed."""
        versions = selectors.protocol_history(protocol=self.get_object())
        return Response(VersionOutputSerializer(versions, many=True).data)


class DeliveryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id", "round", "tier_index", "channel", "recipient", "status", "attempts", "error",
            "next_attempt_at", "created_at", "sent_at",
        ]  # fmt: skip


class RunOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    incident_title = serializers.CharField(source="incident.title", read_only=True)
    protocol_name = serializers.CharField(source="protocol.name", read_only=True)
    protocol_version = serializers.IntegerField(source="version.number", read_only=True)
    tier = serializers.SerializerMethodField()
    tiers = serializers.SerializerMethodField()
    paged = serializers.SerializerMethodField()
    last_step = serializers.SerializerMethodField()
    acknowledged_via_text = serializers.SerializerMethodField()
    deliveries = DeliveryOutputSerializer(many=True, read_only=True)

    class Meta:
        model = EscalationRun
        fields = [
            "id", "workspace", "incident", "incident_title", "protocol", "protocol_name",
            "protocol_version", "status", "tier", "tiers", "paged", "last_step", "round",
            "next_deadline",
            "started_at", "ended_at", "acknowledged_at", "acknowledged_by_name",
            "acknowledged_via", "acknowledged_via_text", "deliveries",
        ]  # fmt: skip

    def get_acknowledged_via_text(self, run: EscalationRun) -> str:
        """How the acknowledgement came in, in words ("" while none did)."""
        return ack_via_text(run.acknowledged_via) if run.acknowledged_via else ""

    def get_tier(self, run: EscalationRun) -> int:
        return run.tier_index + 1

    def get_tiers(self, run: EscalationRun) -> int:
        return len(run.version.snapshot["tiers"])

    def get_paged(self, run: EscalationRun) -> list[str]:
        """Who the current tier (of the current round) alerted; skipped recipients left out."""
        return sorted({
            d.recipient for d in run.deliveries.all()
            if d.tier_index == run.tier_index and d.round == run.round
            and d.status != Delivery.Status.SKIPPED
        })  # fmt: skip

    def get_last_step(self, run: EscalationRun) -> bool:
        """True when the next deadline ends the run instead of alerting another tier."""
        last_tier = run.tier_index + 1 >= len(run.version.snapshot["tiers"])
        return last_tier and run.round >= run.version.snapshot.get("repeat_count", 0)


class RunFilterSerializer(WorkspaceFilterSerializer):
    status = serializers.ChoiceField(choices=EscalationRun.Status.choices, required=False)


@extend_schema(parameters=[RunFilterSerializer])
class EscalationViewSet(NotFoundInWords, viewsets.ReadOnlyModelViewSet):
    serializer_class = RunOutputSerializer

    def not_found(self) -> EscalationNotFound:
        return EscalationNotFound(_("Escalation not found."))

    def get_queryset(self):
        params = RunFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        qs = selectors.run_list(
            user=self.request.user, workspace=params.validated_data.get("workspace")
        )
        if params.validated_data.get("status"):
            qs = qs.filter(status=params.validated_data["status"])
        return qs

    @extend_schema(request=None, responses=RunOutputSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Acknowledge from the app: stops further tiers; 409 if no longer running."""
        run = self.get_object()
        membership_require_role(user=request.user, workspace=run.workspace, roles=ACK_ROLES)
        run = services.escalation_acknowledge(
            run=run, user=request.user, name=request.user.get_username(), via="app"
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=run.pk)).data)
