"""REST API for contacts: every member reads; admins create, change, delete, import.

/api/contacts/?workspace=&kind=&flagged=&q=, /api/contacts/<id>/verify/,
/api/contacts/import/ (multipart) and /api/contacts/export/?workspace=&type=csv|vcard.
"""

from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from contacts import selectors, services
from contacts.availability import AvailabilityInvalid, availability_format, availability_parse
from contacts.exceptions import ContactImportInvalid, ContactNotFound, problem_text
from contacts.models import Channel, Contact
from crisiscenter.exceptions import NotFound
from workspaces.api_permissions import workspace_for_write, workspace_param
from workspaces.selectors import workspace_get_for_user

MAX_UPLOAD_BYTES = 2_000_000


class ContactOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    availability = serializers.SerializerMethodField()
    availability_windows = serializers.JSONField(source="availability", read_only=True)
    is_flagged = serializers.SerializerMethodField()
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id", "workspace", "kind", "name", "organisation", "role_title", "phone", "email",
            "preferred_channels", "slack_webhook_url", "slack_member_id", "teams_webhook_url",
            "availability", "availability_windows", "availability_tz", "notes",
            "last_verified_at", "is_flagged", "user", "created_at", "updated_at",
        ]  # fmt: skip

    def get_availability(self, obj: Contact) -> str:
        return availability_format(obj.availability or [])

    def get_is_flagged(self, obj: Contact) -> bool:
        return selectors.contact_is_flagged(obj)


class ContactInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Contact.Kind.choices)
    name = serializers.CharField(max_length=200)
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    role_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    preferred_channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False, max_length=4
    )
    slack_webhook_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    slack_member_id = serializers.CharField(max_length=40, required=False, allow_blank=True)
    teams_webhook_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    availability = serializers.CharField(max_length=500, required=False, allow_blank=True)
    availability_tz = serializers.CharField(max_length=64, required=False)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    last_verified_at = serializers.DateField(required=False, allow_null=True)
    user = serializers.CharField(max_length=150, required=False, allow_blank=True)

    def validate_availability(self, value: str) -> list[dict]:
        try:
            return availability_parse(value)
        except AvailabilityInvalid as exc:
            raise serializers.ValidationError(problem_text(exc)) from exc

    def validate_user(self, value: str):
        if not value:
            return None
        user = get_user_model().objects.filter(username=value).first()
        if user is None:
            raise serializers.ValidationError(_("No user with this username."))
        return user


class ContactCreateSerializer(ContactInputSerializer):
    workspace = serializers.SlugField()


class ContactImportSerializer(serializers.Serializer):
    workspace = serializers.SlugField()
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=["csv", "vcard"], required=False)


class ContactExportSerializer(serializers.Serializer):
    workspace = serializers.SlugField()
    # not `format`: DRF reserves that query parameter for renderer negotiation
    type = serializers.ChoiceField(choices=["csv", "vcard"], default="csv")


class NotFoundInWords:
    """ViewSet mixin: a missing or foreign object is a 404 with the translated sentence that
    `not_found()` returns, instead of DRF's "No <Model> matches the given query." (English,
    and it names the model). Also used by escalation's viewsets."""

    def not_found(self) -> NotFound:
        raise NotImplementedError

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise self.not_found() from None


def _filters(request) -> selectors.ContactFilters:
    flagged = request.query_params.get("flagged")
    kind = request.query_params.get("kind", "")
    if kind and kind not in Contact.Kind.values:
        raise serializers.ValidationError({"kind": _("Unknown category.")})
    return selectors.ContactFilters(
        kind=kind,
        q=request.query_params.get("q", "")[:200],
        flagged=None if flagged in (None, "") else flagged.lower() in ("1", "true", "yes"),
    )


def import_format(filename: str, given: str | None) -> str:
    if given:
        return given
    return "vcard" if filename.lower().endswith((".vcf", ".vcard")) else "csv"


def upload_text(upload) -> str:
    """The uploaded file as text (UTF-8, or Latin-1 as a fallback); 400 if too large."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ContactImportInvalid(_("The file is larger than 2 MB."))
    raw = upload.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class ContactViewSet(NotFoundInWords, viewsets.ModelViewSet):
    serializer_class = ContactOutputSerializer

    def not_found(self) -> NotFound:
        return ContactNotFound(_("Contact not found."))

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.contact_list_for_user(
            user=self.request.user, workspace=workspace_param(self.request),
            filters=_filters(self.request),
        )  # fmt: skip

    @extend_schema(request=ContactCreateSerializer)
    def create(self, request, *args, **kwargs):
        data = ContactCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        workspace = workspace_for_write(user=request.user, slug=values.pop("workspace"))
        contact = services.contact_create(workspace=workspace, data=values)
        return Response(self.get_serializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ContactInputSerializer)
    def partial_update(self, request, *args, **kwargs):
        contact = self.get_object()
        workspace_for_write(user=request.user, slug=contact.workspace.slug)
        data = ContactInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        contact = services.contact_update(contact=contact, data=dict(data.validated_data))
        return Response(self.get_serializer(contact).data)

    def destroy(self, request, *args, **kwargs):
        contact = self.get_object()
        workspace_for_write(user=request.user, slug=contact.workspace.slug)
        services.contact_delete(contact=contact)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Mark the contact verified today (clears the 90-day flag)."""
        contact = self.get_object()
        workspace_for_write(user=request.user, slug=contact.workspace.slug)
        return Response(self.get_serializer(services.contact_verify(contact=contact)).data)

    @extend_schema(request=ContactImportSerializer)
    @action(
        detail=False, methods=["post"], url_path="import",
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )  # fmt: skip
    def import_file(self, request):
        """Import CSV (comma, semicolon or tab) or vCard; per-row report of
        created/updated/unchanged/errors. Rows match an export's id, else a unique e-mail,
        else a unique phone; empty cells change nothing."""
        data = ContactImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        workspace = workspace_for_write(user=request.user, slug=values["workspace"])
        upload = values["file"]
        report = services.contacts_import(
            workspace=workspace,
            text=upload_text(upload),
            fmt=import_format(upload.name, values.get("format")),
        )
        return Response(
            {"created": report.created, "updated": report.updated,
             "unchanged": report.unchanged, "errors": report.errors, "rows": report.rows},
        )  # fmt: skip

    @extend_schema(parameters=[ContactExportSerializer], responses={(200, "text/csv"): str})
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        """Download the workspace's contacts as CSV (formula-safe) or vCard 3.0."""
        params = ContactExportSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        workspace = workspace_get_for_user(
            user=request.user, slug=params.validated_data["workspace"]
        )
        return export_response(workspace=workspace, fmt=params.validated_data["type"])


def export_response(*, workspace, fmt: str) -> HttpResponse:
    """The export as a download (shared by the API and the page)."""
    contacts = list(selectors.contact_list(workspace=workspace))
    body = services.contacts_export(contacts=contacts, fmt=fmt)
    stamp = timezone.localdate().isoformat()
    ext, mime = ("csv", "text/csv") if fmt == "csv" else ("vcf", "text/vcard")
    response = HttpResponse(body, content_type=f"{mime}; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="contacts-{workspace.slug}-{stamp}.{ext}"'
    )
    return response
