"""Celery entry points that span incidents and monitoring."""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from incidents.selectors import incident_ids_with_breached_clock, mention_ids_in_open_incidents
from incidents.services import incident_response_clock_breach, incidents_announce_overdue_tasks
from monitoring.services import mention_engagement_refresh

logger = logging.getLogger(__name__)


@shared_task(
    name="incidents.refresh_engagement", acks_late=True, soft_time_limit=240, time_limit=300
)
def refresh_engagement() -> int:
    """Refresh engagement counts of every mention linked to an open incident. Safe to rerun."""
    updated = mention_engagement_refresh(mention_ids=mention_ids_in_open_incidents())
    logger.info("incidents.refresh_engagement.done", extra={"updated": updated})
    return updated


@shared_task(name="incidents.check_response_clocks", ignore_result=True, soft_time_limit=50)
def check_response_clocks() -> int:
    """Record a breach for every incident whose first public reaction is overdue (beat, every
    30 s), and push `overdue_tasks` for incidents whose tasks just turned overdue. The
    deadlines are stored rows, so restarts lose nothing. Safe to rerun."""
    now = timezone.now()
    # Window of twice the beat interval: one late run misses nothing; a repeated push is harmless.
    incidents_announce_overdue_tasks(since=now - timedelta(seconds=60), now=now)
    breached = 0
    for incident_id in incident_ids_with_breached_clock(now=now):
        if incident_response_clock_breach(incident_id=incident_id, now=now) is not None:
            breached += 1
    if breached:
        logger.info("incidents.check_response_clocks.breached", extra={"count": breached})
    return breached
