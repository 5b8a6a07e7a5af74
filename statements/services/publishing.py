"""Publishing approved statements: through the workspace's accounts (X, Mastodon, Bluesky)
in a Celery task, or by hand ("mark as published" with the live URL).

Never double-posts on retry: every posted part is stored (its own commit) before the next
is sent, a retry resumes after the last stored part, Mastodon parts carry an Idempotency-Key
and Bluesky parts a fixed record key. Nothing is ever deleted from a platform.
"""

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident
from incidents.services import incident_lock_open
from monitoring.credentials import credentials_decrypt, credentials_encrypt
from monitoring.platforms.base import PlatformError, PlatformRateLimited, PlatformUnavailable
from statements import counting
from statements.exceptions import StatementInvalid, StatementWrongState
from statements.models import (
    AUTOMATED_CHANNELS,
    Publication,
    PublishingAccount,
    Statement,
    StatementAudit,
)
from statements.publishing import Posted, publisher_build
from statements.publishing.bluesky import tid
from statements.selectors import publishing_account_get
from statements.services.drafting import (
    statement_audit,
    statement_publish_event,
    statement_timeline,
)
from workspaces.models import Workspace

logger = logging.getLogger(__name__)
LEASE = timedelta(minutes=3)
PUBLISHABLE = (Statement.Status.APPROVED, Statement.Status.PUBLISHED)


def publishing_account_save(
    *, workspace: Workspace, channel: str, settings: dict[str, Any], credentials: dict[str, str]
) -> PublishingAccount:
    """Create or replace the workspace's account on a platform (credentials encrypted)."""
    account, _created = PublishingAccount.objects.update_or_create(
        workspace=workspace,
        channel=channel,
        defaults={
            "settings": settings,
            "credentials_encrypted": credentials_encrypt(credentials),
            "is_enabled": True,
        },
    )
    return account


@transaction.atomic
def statement_publish(*, statement: Statement, by: Any) -> list[Publication]:
    """Start posting the approved texts to every platform the workspace has an account for
    (and retry failed ones). Enqueues one task per publication after commit. IncidentFinal
    (409) on a reviewed incident."""
    from statements.tasks import publish_publication

    incident_lock_open(statement.incident_id)
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status not in PUBLISHABLE:
        raise StatementWrongState(_("Only an approved statement can be published."))
    started = []
    for channel, text in statement.approved_texts.items():
        if channel not in AUTOMATED_CHANNELS or not text.strip():
            continue
        if publishing_account_get(workspace_id=statement.workspace_id, channel=channel) is None:
            continue
        publication, created = Publication.objects.get_or_create(
            statement=statement,
            channel=channel,
            defaults={
                "parts": counting.thread_split(channel, text),
                "created_at": timezone.now(),
                "published_by": by,
            },
        )
        if not created and publication.status != Publication.Status.FAILED:
            continue
        if not created:
            publication.status, publication.error = Publication.Status.PENDING, ""
            publication.save(update_fields=["status", "error"])
        started.append(publication)
        transaction.on_commit(partial(publish_publication.delay, publication.pk), robust=True)
    if not started:
        raise StatementInvalid(
            _(
                "Nothing to post automatically: no publishing account for these platforms, or "
                "already posted. Copy the text and mark it as published instead."
            )
        )
    statement_audit(
        statement=statement,
        action=StatementAudit.Action.PUBLISH_REQUESTED,
        actor=by,
        detail={"channels": [p.channel for p in started]},
    )
    statement_publish_event(statement=statement)
    return started


def _record_published(
    *, publication: Publication, by: Any, url: str, manual: bool, timeline: bool = True
) -> None:
    """Inside a transaction that holds the incident lock: the statement becomes published;
    audit, and the timeline event (which stops the response clock) unless `timeline` is
    False (the incident is reviewed and final)."""
    statement = (
        Statement.objects.select_for_update(of=("self",))
        .select_related("incident")
        .get(pk=publication.statement_id)
    )
    now = timezone.now()
    if statement.status != Statement.Status.PUBLISHED:
        statement.status = Statement.Status.PUBLISHED
        statement.published_at = now
        statement.save(update_fields=["status", "published_at"])
    statement_audit(
        statement=statement,
        action=StatementAudit.Action.PUBLISHED,
        actor=by,
        detail={"channel": publication.channel, "url": url, "manual": manual},
    )
    if timeline:
        statement_timeline(
            statement=statement,
            action="published",
            actor=by,
            summary=_("Statement “%(title)s” published on %(platform)s")
            % {"title": statement.title, "platform": publication.get_channel_display()},
            platform=publication.channel,
            url=url,
        )
    statement_publish_event(statement=statement)


@transaction.atomic
def statement_mark_published(
    *, statement: Statement, by: Any, channel: str, url: str
) -> Publication:
    """Record that a variant was published by hand at `url`. Raises StatementWrongState if
    the statement is not approved or the platform already has a posted publication;
    IncidentFinal (409) on a reviewed incident."""
    incident_lock_open(statement.incident_id)
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status not in PUBLISHABLE:
        raise StatementWrongState(_("Only an approved statement can be published."))
    if not statement.approved_texts.get(channel, "").strip():
        raise StatementInvalid(
            _("This statement has no approved text for that platform."), {"channel": [channel]}
        )
    publication = Publication.objects.filter(statement=statement, channel=channel).first()
    if publication is not None and publication.status == Publication.Status.POSTED:
        raise StatementWrongState(_("This platform is already marked as published."))
    if publication is not None and publication.status == Publication.Status.PENDING:
        raise StatementWrongState(_("This platform is being posted automatically right now."))
    now = timezone.now()
    publication = publication or Publication(statement=statement, channel=channel, created_at=now)
    publication.is_manual = True
    publication.status = Publication.Status.POSTED
    publication.url = url
    publication.error = ""
    publication.parts = [statement.approved_texts[channel]]
    publication.published_by, publication.published_at = by, now
    publication.save()
    _record_published(publication=publication, by=by, url=url, manual=True)
    return publication


def _part_key(publication: Publication, index: int) -> str:
    if publication.channel == "bluesky":
        micros = int(publication.created_at.timestamp() * 1_000_000)
        return tid(micros + index, publication.pk)
    return f"crisiscenter-publication-{publication.pk}-part-{index}"


def _take_lease(publication: Publication) -> bool:
    now = timezone.now()
    return bool(
        Publication.objects.filter(pk=publication.pk, status=Publication.Status.PENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE)
    )


def publication_post(*, publication: Publication) -> None:
    """Post the remaining parts of a pending publication (the Celery task calls this).

    Safe to run twice: skips if posted or another worker holds the lease; stores each part
    before the next. Transient errors (PlatformUnavailable, PlatformRateLimited) propagate for
    a retry; other platform errors mark the publication failed (the approved text stays).
    """
    if not _take_lease(publication):
        return
    publication.refresh_from_db()
    account = publishing_account_get(
        workspace_id=publication.statement.workspace_id, channel=publication.channel
    )
    try:
        if account is None:
            raise PlatformError(_("No enabled publishing account for this platform."))
        client = publisher_build(
            publication.channel,
            account.settings,
            credentials_decrypt(account.credentials_encrypted),
        )
        posted = [Posted.from_dict(p) for p in publication.posted]
        for index in range(len(posted), len(publication.parts)):
            part = client.post(
                publication.parts[index],
                parent=posted[-1] if posted else None,
                root=posted[0] if posted else None,
                key=_part_key(publication, index),
            )
            posted.append(part)
            # Its own commit, before the next part: a retry resumes after this one.
            Publication.objects.filter(pk=publication.pk).update(
                posted=[p.as_dict() for p in posted], lease_until=timezone.now() + LEASE
            )
    except (PlatformUnavailable, PlatformRateLimited):
        Publication.objects.filter(pk=publication.pk).update(lease_until=None)
        raise
    except PlatformError as exc:
        publication_fail(publication=publication, error=str(exc))
        return
    publication_posted(publication=publication, posted=posted)


@transaction.atomic
def publication_posted(*, publication: Publication, posted: list[Posted]) -> None:
    """Mark a publication posted with its ids and URL; the statement becomes published.

    Locks in the order of statement_publish and statement_mark_published (incident, then
    statement, then publication), so they wait for each other instead of deadlocking. The
    post really happened, so it is stored even when the incident was reviewed meanwhile; a
    reviewed incident is final, though: no timeline event and no change of its response clock.
    """
    incident_id = (
        Statement.objects.filter(pk=publication.statement_id)
        .values_list("incident_id", flat=True)
        .get()
    )
    incident = Incident.objects.select_for_update().only("status").get(pk=incident_id)
    Statement.objects.select_for_update().filter(pk=publication.statement_id).first()
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    if publication.status == Publication.Status.POSTED:
        return
    publication.status = Publication.Status.POSTED
    publication.posted = [p.as_dict() for p in posted]
    publication.url = posted[0].url if posted else ""
    publication.published_at = timezone.now()
    publication.lease_until = None
    publication.error = ""
    publication.save()
    _record_published(
        publication=publication,
        by=publication.published_by,
        url=publication.url,
        manual=False,
        timeline=incident.status != Incident.Status.REVIEWED,
    )


@transaction.atomic
def publication_fail(*, publication: Publication, error: str) -> None:
    """Mark a publication failed with the platform's error (parts already posted are kept).
    Locks the statement before the publication, as the other publishing services do."""
    Statement.objects.select_for_update().filter(pk=publication.statement_id).first()
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    if publication.status == Publication.Status.POSTED:
        return
    publication.status = Publication.Status.FAILED
    publication.error = error[:2000]
    publication.lease_until = None
    publication.save(update_fields=["status", "error", "lease_until"])
    statement = publication.statement
    statement_audit(
        statement=statement,
        action=StatementAudit.Action.PUBLISH_FAILED,
        actor=None,
        detail={"channel": publication.channel, "error": publication.error},
    )
    logger.warning(
        "statements.publish.failed",
        extra={"publication_id": publication.pk, "channel": publication.channel},
    )
    statement_publish_event(statement=statement)


def publishing_account_delete(*, account: PublishingAccount) -> None:
    """Forget a publishing account (posts already made stay on the platform)."""
    account.delete()
