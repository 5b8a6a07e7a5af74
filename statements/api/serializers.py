"""Input and output serializers of the statements API (no domain rules in here)."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from statements.models import (
    AUTOMATED_CHANNELS,
    Channel,
    Language,
    Publication,
    PublishingAccount,
    Scenario,
    Statement,
    StatementAudit,
    StatementTemplate,
    StatementVersion,
)
from statements.placeholders import PLACEHOLDERS

MAX_TEXT = 100_000


class TemplateOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = StatementTemplate
        fields = ["id", "workspace", "scenario", "language", "title", "body", "is_starter",
                  "updated_at"]  # fmt: skip


class TemplateInputSerializer(serializers.Serializer):
    workspace = serializers.SlugField()
    scenario = serializers.ChoiceField(choices=Scenario.choices)
    language = serializers.ChoiceField(choices=Language.choices)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=MAX_TEXT)


class TemplateUpdateSerializer(serializers.Serializer):
    scenario = serializers.ChoiceField(choices=Scenario.choices, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    body = serializers.CharField(max_length=MAX_TEXT, required=False)


class ValuesField(serializers.DictField):
    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(allow_blank=True, max_length=10_000), **kwargs)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        unknown = sorted(set(values) - set(PLACEHOLDERS))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown placeholders: %(names)s. Known: %(known)s.")
                % {"names": ", ".join(unknown), "known": ", ".join(PLACEHOLDERS)}
            )
        return values


class VariantsField(serializers.DictField):
    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.CharField(allow_blank=True, max_length=MAX_TEXT), **kwargs
        )

    def to_internal_value(self, data):
        variants = super().to_internal_value(data)
        unknown = sorted(set(variants) - set(Channel.values))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown platforms: %(names)s.") % {"names": ", ".join(unknown)}
            )
        return variants


class StatementInputSerializer(serializers.Serializer):
    incident = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=200)
    # Defaults to the template's language (required without a template: the service checks).
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    template = serializers.IntegerField(min_value=1, required=False)
    placeholder_values = ValuesField(required=False)
    variants = VariantsField(required=False)


class StatementUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    placeholder_values = ValuesField(required=False)
    variants = VariantsField(required=False)


class PublicationSerializer(serializers.ModelSerializer):
    posted_ids = serializers.SerializerMethodField()
    # Annotated by statements.selectors.statement_list.
    reaction_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Publication
        fields = ["id", "channel", "is_manual", "status", "parts", "posted_ids", "url", "error",
                  "published_at", "reaction_count"]  # fmt: skip

    def get_posted_ids(self, obj: Publication) -> list[str]:
        return [p["id"] for p in obj.posted]


class StatementOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    variants = serializers.SerializerMethodField()
    publications = PublicationSerializer(many=True, read_only=True)

    class Meta:
        model = Statement
        fields = ["id", "workspace", "incident", "template", "title", "language", "status",
                  "version", "placeholder_values", "variants", "approved_texts",
                  "rejection_reason", "created_by", "created_at", "updated_at", "approved_by",
                  "approved_at", "published_at", "publications"]  # fmt: skip

    def get_variants(self, obj: Statement) -> dict[str, str]:
        return {v.channel: v.text for v in obj.variants.all()}


class VersionSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = StatementVersion
        fields = ["number", "title", "variants", "diff", "author", "created_at"]


class AuditSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    action_label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = StatementAudit
        fields = ["action", "action_label", "actor", "at", "version", "detail"]


class PasswordSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class ApproveSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=4096, required=False, trim_whitespace=False)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class MarkPublishedSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    url = serializers.URLField(max_length=1000)


class AnalyseSerializer(serializers.Serializer):
    incident = serializers.IntegerField(min_value=1, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices)
    text = serializers.CharField(allow_blank=True, max_length=MAX_TEXT, trim_whitespace=False)
    placeholder_values = ValuesField(required=False)


class ReactionQuerySerializer(serializers.Serializer):
    incident = serializers.IntegerField(min_value=1)


class AccountOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    has_credentials = serializers.SerializerMethodField()

    class Meta:
        model = PublishingAccount
        fields = ["id", "workspace", "channel", "settings", "is_enabled", "has_credentials"]

    def get_has_credentials(self, obj: PublishingAccount) -> bool:
        return bool(obj.credentials_encrypted)


class AccountInputSerializer(serializers.Serializer):
    workspace = serializers.SlugField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    settings = serializers.DictField(child=serializers.CharField(max_length=500), required=False)
    credentials = serializers.DictField(
        child=serializers.CharField(max_length=2000), write_only=True
    )

    def validate_channel(self, value: str) -> str:
        if value not in AUTOMATED_CHANNELS:
            raise serializers.ValidationError(
                _("CrisisCenter posts only to %(platforms)s.")
                % {"platforms": ", ".join(str(Channel(c).label) for c in AUTOMATED_CHANNELS)}
            )
        return value
