"""Celery entry points for statements: thin (ids in, one service call, transient retries)."""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from monitoring.platforms.base import PlatformError, PlatformRateLimited, PlatformUnavailable
from statements import selectors
from statements.services.publishing import publication_fail, publication_post
from statements.services.reactions import publication_reactions_fetch

logger = logging.getLogger(__name__)
REACTION_HOURS = 48  # follow the reaction to a statement for two days


@shared_task(
    name="statements.publish_publication",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
    soft_time_limit=120,
    time_limit=150,
)
def publish_publication(self, publication_id: int) -> None:
    """Post one publication (all its thread parts). Safe to run twice: never double-posts."""
    publication = selectors.publication_get_for_task(publication_id=publication_id)
    if publication is None:
        logger.info("statements.publish.vanished", extra={"publication_id": publication_id})
        return
    try:
        publication_post(publication=publication)
    except (PlatformUnavailable, PlatformRateLimited) as exc:
        if self.request.retries >= self.max_retries:
            publication_fail(publication=publication, error=str(exc))
            return
        countdown = getattr(exc, "retry_after", None) or 2 ** (self.request.retries + 1)
        raise self.retry(exc=exc, countdown=min(countdown, 900)) from exc


@shared_task(name="statements.fetch_reactions", ignore_result=True)
def fetch_reactions() -> int:
    """Enqueue a reaction fetch for every publication posted in the last REACTION_HOURS."""
    since = timezone.now() - timedelta(hours=REACTION_HOURS)
    ids = list(selectors.publications_for_reaction_fetch(since=since).values_list("pk", flat=True))
    for publication_id in ids:
        fetch_publication_reactions.delay(publication_id)
    return len(ids)


@shared_task(
    name="statements.fetch_publication_reactions",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(PlatformUnavailable,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=50,
    time_limit=60,
)
def fetch_publication_reactions(publication_id: int) -> None:
    """Fetch replies and quotes of one publication and ingest them. Safe to run twice."""
    publication = selectors.publication_get_for_task(publication_id=publication_id)
    if publication is None:
        return
    try:
        publication_reactions_fetch(publication=publication)
    except PlatformRateLimited:
        logger.info("statements.reactions.rate_limited", extra={"publication_id": publication_id})
    except PlatformError as exc:
        logger.warning(
            "statements.reactions.failed",
            extra={"publication_id": publication_id, "error": str(exc)},
        )
