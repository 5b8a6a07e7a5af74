"""Mentions pushed in (webhook, HMAC-signed), file imports and the dead-letter list."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monitoring import selectors, services
from monitoring.exceptions import IngestPayloadTooLarge
from monitoring.importing import detect_format
from monitoring.models import DeadLetter, ImportJob, Platform
from monitoring.services.imports import (
    SIGNATURE_HEADER,
    import_size_error,
    webhook_max_body_bytes,
    webhook_size_error,
)
from workspaces.api_permissions import (
    WorkspaceFilterSerializer,
    workspace_for_write,
    workspace_param,
)


class WebhookIngestApi(APIView):
    """POST /api/ingest/<source_id>/: signed pushes from other monitoring tools.

    Authenticated by the HMAC-SHA256 signature of the raw body only (no session, no CSRF).
    A body over WEBHOOK_MAX_BODY_BYTES is refused with 413 before it is read (see
    `_webhook_body`), so before its signature is checked.
    """

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request={"application/json": dict},
        responses={200: dict, 400: dict, 401: dict, 404: dict, 413: dict},
        parameters=[OpenApiParameter(SIGNATURE_HEADER, str, OpenApiParameter.HEADER)],
    )
    def post(self, request: Request, source_id: int) -> Response:
        source = selectors.webhook_source_get(source_id=source_id)
        body = _webhook_body(request)
        result = services.webhook_ingest(
            source=source, body=body, signature=request.headers.get(SIGNATURE_HEADER, "")
        )
        return Response(result)


def _webhook_body(request: Request) -> bytes:
    """The raw body (the signature is over its bytes), at most `webhook_max_body_bytes()`.
    Under ASGI, crisiscenter/body_limit.py has refused a larger body before Django read it;
    this check answers the same under any other server (WSGI, the test client). Read
    directly, not as `request.body`, which Django refuses past DATA_UPLOAD_MAX_MEMORY_SIZE
    with an HTML page naming no reason."""
    limit = webhook_max_body_bytes()
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    body = b"" if declared > limit else request.read(limit + 1)
    if error := webhook_size_error(max(declared, len(body))):
        raise IngestPayloadTooLarge(error)
    return body


class ImportJobOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id", "workspace", "filename", "format", "platform", "status", "total",
            "processed", "new", "duplicates", "differing", "failed", "error", "created_at",
            "finished_at",
        ]  # fmt: skip


class ImportJobInputSerializer(serializers.Serializer):
    workspace = serializers.SlugField()
    file = serializers.FileField()
    platform = serializers.ChoiceField(choices=Platform.choices, default="import")

    def validate_file(self, upload):
        if error := import_size_error(upload.size):
            raise serializers.ValidationError(error)
        try:
            return upload.name, upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise serializers.ValidationError("File is not UTF-8 text.") from exc


@extend_schema(parameters=[WorkspaceFilterSerializer])
class ImportJobViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ImportJobOutputSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.import_job_list(
            user=self.request.user, workspace=workspace_param(self.request)
        )

    @extend_schema(request=ImportJobInputSerializer, responses=ImportJobOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = ImportJobInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workspace = workspace_for_write(user=request.user, slug=data.validated_data["workspace"])
        filename, content = data.validated_data["file"]
        job = services.import_job_create(
            workspace_id=workspace.pk,
            user=request.user,
            filename=filename,
            content=content,
            fmt=detect_format(filename, content[:100]),
            platform=data.validated_data["platform"],
        )
        return Response(ImportJobOutputSerializer(job).data, status=status.HTTP_201_CREATED)


class DeadLetterOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = DeadLetter
        fields = ["id", "workspace", "source", "platform", "reason", "raw", "created_at"]


@extend_schema(parameters=[WorkspaceFilterSerializer])
class DeadLetterViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DeadLetterOutputSerializer

    def get_queryset(self):
        return selectors.dead_letter_list(
            user=self.request.user, workspace=workspace_param(self.request)
        )
