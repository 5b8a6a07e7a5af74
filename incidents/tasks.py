"""Celery entry points that span incidents and monitoring."""

import logging

from celery import shared_task

from incidents.selectors import mention_ids_in_open_incidents
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
