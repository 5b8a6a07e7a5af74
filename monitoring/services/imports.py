"""Mentions that arrive pushed (webhook) or as files (import command and upload form).

Both are stored whether they match a watch term or not (the sender chose them); matches are
still recorded. Both are idempotent by the mention's natural key.
"""

import hashlib
import hmac
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.credentials import CredentialsUnreadable
from monitoring.exceptions import IngestPayloadInvalid, WebhookSignatureInvalid
from monitoring.importing import (
    JsonUnreadable,
    RowInvalid,
    count_rows,
    iter_rows,
    json_loads,
    post_from_row,
)
from monitoring.models import ImportJob, Source
from monitoring.platforms.base import RejectedItem
from monitoring.selectors import source_credentials
from monitoring.services.ingest import dead_letters_create, mention_import_batch
from monitoring.services.polling import source_record_failure

logger = logging.getLogger(__name__)
# Rows are stored a batch at a time: those of the batch that failed are not.
IMPORT_STOPPED = (
    "The import stopped on an internal error after {processed:,} of {total:,} rows ({new:,} "
    "new, {duplicates:,} already present, {failed:,} failed); the rows after those were not "
    "imported."
)

SIGNATURE_HEADER = "X-CrisisCenter-Signature"
MAX_WEBHOOK_ITEMS = 1000
IMPORT_BATCH = 1000
# Largest file the upload form and the API accept (the import command reads any size).
IMPORT_MAX_BYTES = 50 * 1024 * 1024


def import_size_error(size: int) -> str:
    """The message for an upload over IMPORT_MAX_BYTES, else ''."""
    if size <= IMPORT_MAX_BYTES:
        return ""
    return _("File larger than %(mb)s MB.") % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)}


def webhook_max_body_bytes() -> int:
    """The largest webhook body read (setting WEBHOOK_MAX_BODY_BYTES, 10 MB by default)."""
    return settings.WEBHOOK_MAX_BODY_BYTES


def webhook_too_large() -> str:
    """The message for a webhook body over `webhook_max_body_bytes()`."""
    return _("Body larger than %(limit)s; send the mentions in smaller requests.") % {
        "limit": filesizeformat(webhook_max_body_bytes())
    }


def webhook_size_error(size: int) -> str:
    """`webhook_too_large()` for a body of `size` bytes over the limit, else ''."""
    return webhook_too_large() if size > webhook_max_body_bytes() else ""


def webhook_signature(secret: str, body: bytes) -> str:
    """The header value a sender must put in X-CrisisCenter-Signature: `sha256=<hex>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# A refused push shows as the source's last error at most this often (each refusal is one
# UPDATE, and anyone can send a push with a wrong signature).
PUSH_REFUSED_NOTED_EVERY = timedelta(minutes=1)


def webhook_ingest(*, source: Source, body: bytes, signature: str) -> dict[str, int]:
    """Verify the HMAC-SHA256 signature, validate every item, store them (idempotent).

    Raises WebhookSignatureInvalid (401) or IngestPayloadInvalid (400, naming item and field);
    nothing is stored from a request with any invalid item. A refused push is noted as the
    source's last error (admins see a sender with a wrong secret or a broken payload); the
    next push that is stored clears it.
    """
    try:
        secret = source_credentials(source=source).get("webhook_secret", "")
    except CredentialsUnreadable as exc:  # shown as the source's error, and alerted if it lasts
        source_record_failure(source=source, error=exc, now=timezone.now())
        raise WebhookSignatureInvalid(_("Invalid or missing signature.")) from exc
    try:
        return _webhook_store(source=source, secret=secret, body=body, signature=signature)
    except (WebhookSignatureInvalid, IngestPayloadInvalid) as exc:
        _push_refused_note(source=source, error=exc)
        raise


def _push_refused_note(
    *, source: Source, error: WebhookSignatureInvalid | IngestPayloadInvalid
) -> None:
    reason = " ".join([error.message, *error.extra.get("errors", [])[:1]])
    text = _("Push refused (HTTP %(status)s): %(reason)s") % {
        "status": error.status_code,
        "reason": reason,
    }
    text = text[:2000]
    now = timezone.now()
    # Not over a failure of the source itself (its credentials unreadable: down, alerted),
    # which only a stored push clears.
    Source.objects.filter(pk=source.pk, consecutive_failures=0).exclude(
        last_error=text, last_error_at__gt=now - PUSH_REFUSED_NOTED_EVERY
    ).update(last_error=text, last_error_at=now)


def _webhook_store(*, source: Source, secret: str, body: bytes, signature: str) -> dict[str, int]:
    expected = webhook_signature(secret, body) if secret else ""
    if not secret or not hmac.compare_digest(expected, signature or ""):
        raise WebhookSignatureInvalid(_("Invalid or missing signature."))
    try:
        payload = json_loads(body)
    except JsonUnreadable as exc:
        raise IngestPayloadInvalid(_("Body is not valid JSON."), {"errors": [str(exc)]}) from exc
    items = payload.get("mentions") if isinstance(payload, dict) else payload
    if isinstance(payload, dict) and items is None:
        items = [payload]
    if not isinstance(items, list) or not items:
        raise IngestPayloadInvalid(_("Expected a list of mentions under 'mentions'."))
    if len(items) > MAX_WEBHOOK_ITEMS:
        raise IngestPayloadInvalid(
            _("At most %(n)s mentions per request.") % {"n": MAX_WEBHOOK_ITEMS}
        )
    posts, errors = [], []
    for index, item in enumerate(items):
        try:
            posts.append(post_from_row(item, platform=source.settings.get("platform", "webhook")))
        except RowInvalid as exc:
            errors.append(f"mentions[{index}].{exc}")
    if errors:
        raise IngestPayloadInvalid(_("Invalid mentions."), {"errors": errors[:50]})
    result = mention_import_batch(
        workspace_id=source.workspace_id, source_id=source.pk, posts=posts
    )
    return {
        "received": len(posts),
        "new": result.new_count,
        "duplicates": result.duplicates,
        "differing": result.differing,
    }


@dataclass
class ImportProgress:
    total: int
    processed: int = 0
    new: int = 0
    duplicates: int = 0
    differing: int = 0  # of the duplicates: another text than the stored mention's (kept)
    failed: int = 0


def import_source_get(*, workspace_id: int) -> Source:
    """The workspace's (not polled) 'Import' source that imported mentions are attributed to."""
    with transaction.atomic():
        source, _created = Source.objects.get_or_create(
            workspace_id=workspace_id,
            platform="import",
            name="Import",
            defaults={"is_enabled": False, "poll_interval_seconds": 86400},
        )
    return source


def mentions_import_stream(
    *,
    workspace_id: int,
    stream: IO[str],
    fmt: str,
    platform: str,
    total: int,
    on_progress: Callable[[ImportProgress], None] | None = None,
) -> ImportProgress:
    """Import a JSONL/CSV stream in batches; bad rows go to dead letters. Idempotent.

    Raises RowInvalid for a file that cannot be read at all (e.g. CSV without the columns),
    or not past a point (the rows before it are stored first).
    """
    source = import_source_get(workspace_id=workspace_id)
    progress = ImportProgress(total=total)
    batch, bad = [], []

    def flush() -> None:
        if batch:
            result = mention_import_batch(
                workspace_id=workspace_id, source_id=source.pk, posts=batch
            )
            progress.new += result.new_count
            progress.duplicates += result.duplicates
            progress.differing += result.differing
        if bad:
            dead_letters_create(
                workspace_id=workspace_id,
                source_id=source.pk,
                platform="import",
                items=[RejectedItem(reason=row.error, raw=row.raw) for row in bad],
            )
        progress.processed += len(batch) + len(bad)
        progress.failed += len(bad)
        batch.clear()
        bad.clear()
        if on_progress:
            on_progress(progress)

    try:
        for row in iter_rows(stream, fmt=fmt, platform=platform):
            (batch if row.post else bad).append(row.post or row)
            if len(batch) + len(bad) >= IMPORT_BATCH:
                flush()
    except RowInvalid:
        flush()  # a file that cannot be read on keeps the rows before the break
        raise
    flush()
    return progress


@transaction.atomic
def import_job_create(
    *, workspace_id: int, user: Any, filename: str, content: str, fmt: str, platform: str
) -> ImportJob:
    """Queue an uploaded file for import; the task runs after commit."""
    from monitoring.tasks import run_import  # tasks import services; break the cycle here

    job = ImportJob.objects.create(
        workspace_id=workspace_id,
        created_by=user,
        filename=filename[:200],
        format=fmt,
        platform=platform,
        content=content,
        total=count_rows(content, fmt),
    )
    transaction.on_commit(lambda: run_import.delay(job.pk))
    return job


_JOB_STATE = (
    *("status", "processed", "new", "duplicates", "differing", "failed", "error"),
    "finished_at",
)


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Process a queued import job, saving progress as it goes. Safe to run twice."""
    if job.status == ImportJob.Status.DONE:
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    saved = ImportProgress(
        total=job.total,
        processed=job.processed,
        new=job.new,
        duplicates=job.duplicates,
        differing=job.differing,
        failed=job.failed,
    )

    def save(progress: ImportProgress) -> None:
        nonlocal saved
        ImportJob.objects.filter(pk=job.pk).update(
            processed=progress.processed,
            new=progress.new,
            duplicates=progress.duplicates,
            differing=progress.differing,
            failed=progress.failed,
        )
        saved = replace(progress)  # a copy: the import goes on counting in `progress`

    try:
        mentions_import_stream(
            workspace_id=job.workspace_id,
            stream=io.StringIO(job.content),
            fmt=job.format,
            platform=job.platform,
            total=job.total,
            on_progress=save,
        )
    except RowInvalid as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, error=str(exc), finished_at=timezone.now()
        )
    except Exception:
        # A batch the database refused, the soft time limit, a bug: the job must not show
        # "running" forever (logged with its traceback, not re-raised: the admin reads the job;
        # its error, like a row's, is stored in English). The counts are those last saved:
        # the batches that were stored.
        logger.exception("monitoring.import.failed", extra={"job_id": job.pk})
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            error=IMPORT_STOPPED.format(
                processed=saved.processed,
                total=saved.total,
                new=saved.new,
                duplicates=saved.duplicates,
                failed=saved.failed,
            ),
            finished_at=timezone.now(),
        )
    else:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.DONE, finished_at=timezone.now(), content=""
        )
        job.content = ""
    job.refresh_from_db(fields=_JOB_STATE)  # not the file's content again
    return job
