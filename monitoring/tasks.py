"""Celery entry points for monitoring: thin (ids in, one service call, transient retries)."""

import logging

from celery import shared_task
from django.utils import timezone

from incidents.services import alerts_route, incidents_refresh_open
from monitoring import selectors, services
from monitoring.platforms.base import (
    PlatformMalformedBody,
    PlatformRateLimited,
    PlatformUnavailable,
)

logger = logging.getLogger(__name__)


@shared_task(name="monitoring.poll_due_sources", ignore_result=True)
def poll_due_sources() -> int:
    """Enqueue a poll for every source that is due (beat runs this every few seconds)."""
    due = services.sources_claim_due(now=timezone.now())
    for source_id in due:
        try:
            poll_source.delay(source_id)
        except Exception:
            # Only when tasks run eagerly (embedded mode): the poll ran here and raised. It is
            # recorded on its source; the other due sources must still be polled this round.
            logger.exception("monitoring.poll_due_sources.poll_failed", extra={"id": source_id})
    return len(due)


@shared_task(
    name="monitoring.poll_source",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=50,
    time_limit=60,
)
def poll_source(self, source_id: int) -> None:
    """Fetch new posts for one source, ingest them, evaluate rules, route new alerts.

    Safe to run twice. No Celery retries: a failed or rate-limited poll is recorded on the
    source with the time of its next attempt, and the scheduler polls it again then."""
    source = selectors.source_get_for_poll(source_id=source_id)
    if source is None:
        logger.info("monitoring.poll_source.skipped", extra={"source_id": source_id})
        return
    try:
        result = services.source_poll(source=source, owner=self.request.id or "")
    except (PlatformRateLimited, PlatformUnavailable, PlatformMalformedBody):
        # Transient, and recorded on the source: the scheduler retries after the backoff or
        # the platform's reset. Other errors raise (and are logged), with the source's text.
        return
    except Exception as exc:
        raise services.poll_failure(source=source, error=exc) from None
    # Pipeline step two: new alerts join an open incident quietly or enter the triage queue,
    # and open incidents follow their growth (severity rises live).
    refreshed = alerts_route(alert_ids=result.alert_ids)
    if result.inserted:
        incidents_refresh_open(workspace_id=source.workspace_id, exclude_ids=refreshed)


@shared_task(name="monitoring.run_import", acks_late=True, soft_time_limit=1800, time_limit=1900)
def run_import(job_id: int) -> None:
    """Import an uploaded file (job row holds progress). Safe to run twice."""
    job = selectors.import_job_get_for_run(job_id=job_id)
    if job is None:
        logger.info("monitoring.run_import.skipped", extra={"job_id": job_id})
        return
    services.import_job_run(job=job)
