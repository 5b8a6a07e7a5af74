"""Input and output serializers of the incident API (no domain rules here)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from incidents.models import (
    Claim,
    EvaluationActionItem,
    Incident,
    IncidentEvaluation,
    IncidentEvent,
    IncidentTask,
)
from monitoring.models import Mention, Platform
from playbooks.models import Playbook, Scenario


def display_name(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def _is_id(value: object) -> bool:
    if isinstance(value, str):
        return value.isascii() and value.isdigit() and int(value) >= 1
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


class IdListField(serializers.ListField):
    """Ids given as numbers or digit strings (browsers send large ids as strings: JS numbers
    lose precision above 2^53). The bad ones are named in one readable message, not as a
    nested per-index error."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault(
            "min_length", gettext_lazy("Give at least one mention id.")
        )
        super().__init__(child=serializers.IntegerField(min_value=1), **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and (bad := [str(v) for v in data if not _is_id(v)]):
            raise serializers.ValidationError(
                _("Not valid mention ids (whole numbers from 1): %(ids)s.")
                % {"ids": ", ".join(bad)}
            )
        return super().to_internal_value(data)


class IncidentOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    alert_ids = serializers.PrimaryKeyRelatedField(source="alerts", many=True, read_only=True)
    commander = serializers.SerializerMethodField()
    scenario = serializers.CharField(source="playbook.scenario", default=None, read_only=True)
    overdue_tasks = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Incident
        fields = [
            "id", "workspace", "title", "severity", "status", "opened_at", "alert_ids",
            "first_mention_at", "first_alert_at", "triaged_at", "time_to_detect",
            "time_to_triage", "commander", "commander_id", "platforms", "scenario",
            "active_at", "monitoring_at", "resolved_at", "reviewed_at", "response_due_at",
            "response_at", "response_url", "response_breached_at", "overdue_tasks", "reach",
        ]  # fmt: skip

    def get_commander(self, obj: Incident) -> str | None:
        return display_name(obj.commander)


class IncidentCreateSerializer(serializers.Serializer):
    workspace = serializers.SlugField()
    title = serializers.CharField(max_length=300)
    severity = serializers.IntegerField(min_value=1, max_value=4, default=2)
    scenario = serializers.ChoiceField(choices=Scenario.choices, required=False, default="")
    language = serializers.ChoiceField(
        choices=Playbook.Language.choices, required=False, default=""
    )
    platforms = serializers.ListField(
        child=serializers.ChoiceField(choices=Platform.choices), required=False, default=list
    )


class IncidentUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False)
    severity = serializers.IntegerField(min_value=1, max_value=4, required=False)
    platforms = serializers.ListField(
        child=serializers.ChoiceField(choices=Platform.choices), required=False
    )


class PlaybookApplySerializer(serializers.Serializer):
    scenario = serializers.ChoiceField(choices=Scenario.choices)
    language = serializers.ChoiceField(
        choices=Playbook.Language.choices, required=False, default=""
    )


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Incident.Status.choices)


class CommanderSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(min_value=1, allow_null=True)


class MentionIdsSerializer(serializers.Serializer):
    mention_ids = IdListField(min_length=1, max_length=500)


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class ResponseSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=1000)
    at = serializers.DateTimeField(required=False)
    # Replace a reaction already recorded (a timeline event keeps the previous one).
    correct = serializers.BooleanField(required=False, default=False)


class EventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = IncidentEvent
        fields = ["id", "kind", "kind_label", "at", "actor", "summary", "data"]

    def get_actor(self, obj: IncidentEvent) -> str | None:
        return display_name(obj.actor)


class ClaimOutputSerializer(serializers.ModelSerializer):
    mention_ids = serializers.PrimaryKeyRelatedField(source="mentions", many=True, read_only=True)
    created_by = serializers.SerializerMethodField()
    verified_by = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id", "text", "status", "status_label", "mention_ids", "created_by", "created_at",
            "verified_by", "verified_at",
        ]  # fmt: skip

    def get_created_by(self, obj: Claim) -> str | None:
        return display_name(obj.created_by)

    def get_verified_by(self, obj: Claim) -> str | None:
        return display_name(obj.verified_by)


class ClaimInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)
    status = serializers.ChoiceField(choices=Claim.Status.choices, default=Claim.Status.UNKNOWN)
    mention_ids = IdListField(required=False, default=list, max_length=200)


class ClaimUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, required=False)
    status = serializers.ChoiceField(choices=Claim.Status.choices, required=False)
    mention_ids = IdListField(required=False, max_length=200)


class TaskOutputSerializer(serializers.ModelSerializer):
    assignee = serializers.SerializerMethodField()
    done_by = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = IncidentTask
        fields = [
            "id", "step", "position", "title", "owner_role", "assignee", "assignee_id",
            "due_at", "checklist", "done_at", "done_by", "is_overdue",
        ]  # fmt: skip

    def get_assignee(self, obj: IncidentTask) -> str | None:
        return display_name(obj.assignee)

    def get_done_by(self, obj: IncidentTask) -> str | None:
        return display_name(obj.done_by)

    def get_is_overdue(self, obj: IncidentTask) -> bool:
        now = self.context["now"]  # None: the incident is closed, nothing is overdue
        if now is None or obj.done_at is not None or obj.due_at is None:
            return False
        return obj.due_at < now


class TaskUpdateSerializer(serializers.Serializer):
    assignee_id = serializers.IntegerField(min_value=1, allow_null=True, required=False)
    checklist = serializers.ListField(child=serializers.BooleanField(), required=False)


class MentionBriefSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author_handle")
    is_attached = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = Mention
        fields = [
            "id", "platform", "url", "author", "author_followers", "text", "posted_at",
            "sentiment_compound", "is_attached",
        ]  # fmt: skip


class ResponseClockSerializer(serializers.Serializer):
    workspace = serializers.SlugField()
    minutes = serializers.DictField(
        child=serializers.IntegerField(min_value=5, max_value=10080), required=False
    )


class ActionItemInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    owner_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    owner_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    due_on = serializers.DateField(required=False, allow_null=True)
    done = serializers.BooleanField(required=False, default=False)


class EvaluationInputSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=10000, allow_blank=True)
    went_well = serializers.CharField(max_length=10000, allow_blank=True, required=False)
    to_improve = serializers.CharField(max_length=10000, allow_blank=True, required=False)
    action_items = serializers.ListField(
        child=ActionItemInputSerializer(), max_length=50, required=False, default=list
    )


class ActionItemOutputSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField()
    done = serializers.BooleanField(source="is_done")

    class Meta:
        model = EvaluationActionItem
        fields = ["text", "owner_id", "owner_name", "owner", "due_on", "done"]

    def get_owner(self, obj: EvaluationActionItem) -> str:
        return display_name(obj.owner) or obj.owner_name


class EvaluationOutputSerializer(serializers.ModelSerializer):
    action_items = ActionItemOutputSerializer(many=True, read_only=True)
    created_by = serializers.SerializerMethodField()
    updated_by = serializers.SerializerMethodField()

    class Meta:
        model = IncidentEvaluation
        fields = [
            "summary", "went_well", "to_improve", "action_items", "created_by", "created_at",
            "updated_by", "updated_at",
        ]  # fmt: skip

    def get_created_by(self, obj: IncidentEvaluation) -> str | None:
        return display_name(obj.created_by)

    def get_updated_by(self, obj: IncidentEvaluation) -> str | None:
        return display_name(obj.updated_by)
